"""Jurisdiction packs: schema validity, data cross-checks against legal.md, and conversion."""

from __future__ import annotations

import copy
import functools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from collectbatch.claims import (
    earliest_issue_date,
    fixed_reference_date,
    pre_action_applies,
    small_claims_limit,
)
from collectbatch.jurisdictions import (
    JurisdictionPack,
    PackError,
    RateUnavailableError,
    pack_from_dict,
)

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "jurisdictions"
SCHEMA_PATH = ROOT / "schemas" / "jurisdiction.schema.json"
PACK_FILES = sorted(RULES.glob("*.yaml"))
D = Decimal

EXPECTED_CODES = {
    "GB-EAW", "DE", "FR", "IE",
    "US-CA", "US-TX", "US-FL", "US-NY", "US-IL", "US-PA", "US-OH", "US-GA", "US-NC", "US-MI",
}  # fmt: skip


@functools.cache
def schema() -> dict[str, Any]:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        result: dict[str, Any] = json.load(fh)
    return result


@functools.cache
def raw(code: str) -> dict[str, Any]:
    with open(RULES / f"{code}.yaml", encoding="utf-8") as fh:
        result: dict[str, Any] = yaml.safe_load(fh)
    return result


@functools.cache
def pack(code: str) -> JurisdictionPack:
    return pack_from_dict(raw(code))


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema())


def _property_objects(node: Any, path: str = "#") -> list[tuple[str, Any]]:
    """Every subschema that sits under a ``properties`` keyword, anywhere in the schema."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    found.append((f"{path}/properties/{name}", sub))
            found.extend(_property_objects(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found.extend(_property_objects(item, f"{path}/{i}"))
    return found


def test_every_schema_property_has_a_description() -> None:
    props = _property_objects(schema())
    assert len(props) > 100  # sanity: the walker really found the nested properties
    missing = [p for p, sub in props if not (isinstance(sub, dict) and sub.get("description"))]
    assert missing == []


def test_every_def_has_a_description() -> None:
    missing = [k for k, v in schema()["$defs"].items() if not v.get("description")]
    assert missing == []


def test_all_expected_packs_exist() -> None:
    assert {p.stem for p in PACK_FILES} == EXPECTED_CODES


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_pack_validates_against_schema(path: Path) -> None:
    validator = Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(raw(path.stem)), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_pack_code_matches_file_name_and_converts(path: Path) -> None:
    p = pack(path.stem)
    assert p.code == path.stem
    assert p.verified_as_of == date(2026, 12, 3)


def _walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    out = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_walk(v, f"{path}.{k}"))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_walk(v, f"{path}[{i}]"))
    return out


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_no_floats_or_unquoted_dates_in_yaml(path: Path) -> None:
    bad = [p for p, v in _walk(raw(path.stem)) if isinstance(v, float | date)]
    assert bad == []


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_low_confidence_figures_carry_a_note(path: Path) -> None:
    """legal.md: [L] facts must be flagged - every L-tagged object explains itself."""
    unexplained = [
        p
        for p, v in _walk(raw(path.stem))
        if isinstance(v, dict) and v.get("confidence") == "L" and not v.get("note")
    ]
    assert unexplained == []


# --------------------------------------------------------------------------------------------
# Data cross-checks against legal.md
# --------------------------------------------------------------------------------------------

# legal.md 1.9: statutory rate by half-year in which interest starts (derived from Bank Rate on
# 31 Dec / 30 Jun; payontime.co.uk agrees 2011 H1 - 2024 H1).
UK_STATUTORY_BY_HALF_YEAR = {
    (2008, 1): "13.50", (2008, 2): "13.00", (2009, 1): "10.00",
    **{(y, h): "8.50" for y in range(2009, 2017) for h in (1, 2) if (y, h) != (2009, 1)},
    (2017, 1): "8.25", (2017, 2): "8.25", (2018, 1): "8.50", (2018, 2): "8.50",
    (2019, 1): "8.75", (2019, 2): "8.75", (2020, 1): "8.75", (2020, 2): "8.10",
    (2021, 1): "8.10", (2021, 2): "8.10", (2022, 1): "8.25", (2022, 2): "9.25",
    (2023, 1): "11.50", (2023, 2): "13.00", (2024, 1): "13.25", (2024, 2): "13.25",
    (2025, 1): "12.75", (2025, 2): "12.25", (2026, 1): "11.75", (2026, 2): "11.75",
}  # fmt: skip


def test_uk_half_year_table_has_38_rows() -> None:
    assert len(UK_STATUTORY_BY_HALF_YEAR) == 38  # 2008 H1 .. 2026 H2


@pytest.mark.parametrize(("year", "half"), sorted(UK_STATUTORY_BY_HALF_YEAR))
def test_uk_bank_rate_history_reproduces_legal_md_1_9(year: int, half: int) -> None:
    si = pack("GB-EAW").statutory_interest
    assert si is not None
    margin = si.margin_for("business")
    assert margin is not None
    for start in (date(year, 1 if half == 1 else 7, 1), date(year, 6 if half == 1 else 12, 30)):
        ref = fixed_reference_date(start)
        rate = si.reference_rate.entry_on(ref).rate + margin.margin_points
        assert rate == D(UK_STATUTORY_BY_HALF_YEAR[(year, half)]), (start, ref)


def test_uk_2027_reference_not_known() -> None:
    si = pack("GB-EAW").statutory_interest
    assert si is not None
    with pytest.raises(RateUnavailableError):
        si.reference_rate.entry_on(date(2026, 12, 31))


# legal.md 2.2 B2B (+9) and consumer (+5) columns, 2023 onwards.
DE_RATES = {
    date(2023, 1, 1): ("10.62", "6.62"), date(2023, 7, 1): ("12.12", "8.12"),
    date(2024, 1, 1): ("12.62", "8.62"), date(2024, 7, 1): ("12.37", "8.37"),
    date(2025, 1, 1): ("11.27", "7.27"), date(2025, 7, 1): ("10.27", "6.27"),
    date(2026, 1, 1): ("10.27", "6.27"), date(2026, 7, 1): ("10.52", "6.52"),
    date(2016, 7, 1): ("8.12", "4.12"), date(2022, 12, 31): ("8.12", "4.12"),
}  # fmt: skip


@pytest.mark.parametrize("day", sorted(DE_RATES))
def test_de_rates_match_legal_md(day: date) -> None:
    si = pack("DE").statutory_interest
    assert si is not None
    base = si.reference_rate.entry_on(day).rate
    b2b, b2c = (si.margin_for(t) for t in ("business", "consumer"))
    assert b2b is not None and b2c is not None
    assert (base + b2b.margin_points, base + b2c.margin_points) == tuple(
        D(x) for x in DE_RATES[day]
    )


def test_unverified_2026_h2_rates_are_tagged_low() -> None:
    for code in ("DE", "FR"):
        si = pack(code).statutory_interest
        assert si is not None
        assert si.reference_rate.entry_on(date(2026, 7, 1)).confidence == "L"
        assert si.reference_rate.entry_on(date(2026, 6, 30)).confidence == "H"


# legal.md 2.3 "MRO + 10" column and "3 x autres cas" column.
FR_PENALTY = {
    date(2022, 1, 1): ("10.00", "2.28"), date(2022, 7, 1): ("10.00", "2.31"),
    date(2023, 1, 1): ("12.50", "6.18"), date(2023, 7, 1): ("14.00", "12.66"),
    date(2024, 1, 1): ("14.50", "15.21"), date(2024, 7, 1): ("14.25", "14.76"),
    date(2025, 1, 1): ("13.15", "11.13"), date(2025, 7, 1): ("12.15", "8.28"),
    date(2026, 1, 1): ("12.15", "7.86"),
}  # fmt: skip


@pytest.mark.parametrize("day", sorted(FR_PENALTY))
def test_fr_rates_match_legal_md(day: date) -> None:
    si = pack("FR").statutory_interest
    assert si is not None and si.contract_rate_policy is not None
    margin = si.margin_for("business")
    assert margin is not None
    policy = si.contract_rate_policy
    assert policy.legal_rate is not None and policy.multiplier is not None
    penalty, floor = FR_PENALTY[day]
    assert si.reference_rate.entry_on(day).rate + margin.margin_points == D(penalty)
    assert policy.multiplier * policy.legal_rate.entry_on(day).rate == D(floor)


def test_statutory_regimes_scope() -> None:
    uk = pack("GB-EAW").statutory_interest
    de = pack("DE").statutory_interest
    fr = pack("FR").statutory_interest
    assert uk is not None and de is not None and fr is not None
    assert uk.mode == "fixed" and uk.fixed_reference == "end_of_previous_half_year"
    assert de.mode == fr.mode == "floating"
    assert uk.margin_for("consumer") is None
    assert fr.margin_for("consumer") is None
    assert uk.day_count.days_in_year == de.day_count.days_in_year == 365
    for code in ("IE", "US-CA", "US-NY", "US-TX"):
        assert pack(code).statutory_interest is None
        assert pack(code).compensation is None


US_LIMITS = {
    "US-CA": {"individual": "12500.00", "entity": "6250.00"},
    "US-TX": {"individual": "20000.00", "entity": "20000.00"},
    "US-FL": {"individual": "8000.00", "entity": "8000.00"},
    "US-PA": {"individual": "12000.00", "entity": "12000.00"},
    "US-IL": {"individual": "10000.00", "entity": "10000.00"},
    "US-OH": {"individual": "6000.00", "entity": "6000.00"},
    "US-GA": {"individual": "15000.00", "entity": "15000.00"},
    "US-NC": {"individual": "10000.00", "entity": "10000.00"},
    "US-MI": {"individual": "7000.00", "entity": "7000.00"},
}


@pytest.mark.parametrize("code", sorted(US_LIMITS))
def test_us_small_claims_limits(code: str) -> None:
    sc = pack(code).small_claims
    assert sc is not None and sc.currency == "USD"
    for claimant, amount in US_LIMITS[code].items():
        assert small_claims_limit(sc, claimant) == D(amount)


def test_us_small_claims_reference_cases() -> None:
    ca = pack("US-CA").small_claims
    ny = pack("US-NY").small_claims
    tx = pack("US-TX").small_claims
    assert ca is not None and ny is not None and tx is not None
    # SC-1: an LLC suing for 6,500 in California exceeds the entity cap.
    ca_entity = small_claims_limit(ca, "entity")
    assert ca_entity is not None and D("6500") > ca_entity
    # SC-2: the 2-per-year rule over 2,500.
    (cap,) = ca.filing_caps
    assert (cap.max_claims, cap.period, cap.over_amount) == (2, "calendar_year", D("2500.00"))
    # SC-4: NY entities, 5 commercial claims per calendar month.
    (ny_cap,) = ny.filing_caps
    assert (ny_cap.claimant, ny_cap.max_claims, ny_cap.period) == ("entity", 5, "calendar_month")
    assert ny.demand_letter is not None
    assert (ny.demand_letter.min_days, ny.demand_letter.max_days) == (10, 180)
    with pytest.raises(ValueError, match="venue"):
        small_claims_limit(ny, "individual")
    assert small_claims_limit(ny, "individual", "New York City") == D("10000.00")
    assert small_claims_limit(ny, "entity", "commercial claims - outside New York City") == D(
        "5000.00"
    )
    # SC-5: TX 19,999 is within the justice-court limit.
    tx_limit = small_claims_limit(tx, "entity")
    assert tx_limit is not None and D("19999") <= tx_limit


@pytest.mark.parametrize(
    ("code", "written", "open_account"),
    [
        ("US-CA", 4, 4), ("US-TX", 4, 4), ("US-FL", 5, 4), ("US-NY", 6, 6), ("US-PA", 4, 4),
        ("US-IL", 10, 5), ("US-OH", 6, 4), ("US-GA", 6, 4), ("US-NC", 3, 3), ("US-MI", 6, 6),
        ("GB-EAW", 6, 6),
    ],
)  # fmt: skip
def test_limitation_periods(code: str, written: int, open_account: int) -> None:
    lim = pack(code).limitation
    assert lim is not None
    w, o = lim.period_for("written_contract"), lim.period_for("open_account")
    assert w is not None and o is not None
    assert (w.years, o.years) == (written, open_account)


def test_ohio_open_account_is_low_confidence() -> None:
    lim = pack("US-OH").limitation
    assert lim is not None
    period = lim.period_for("open_account")
    assert period is not None and period.confidence == "L"


def test_pre_action_protocol_scope_and_timing() -> None:
    gb = pack("GB-EAW")
    assert gb.pre_action is not None
    assert pre_action_applies(gb, "sole_trader")  # PAP-1
    assert pre_action_applies(gb, "consumer")
    assert not pre_action_applies(gb, "business")  # PAP-2
    assert not pre_action_applies(pack("US-CA"), "consumer")
    # PAP-3: letter dated 2026-03-02, no reply -> 2026-04-01.
    assert earliest_issue_date(date(2026, 3, 2), gb.pre_action) == date(2026, 4, 1)
    # PAP-4: documents sent 2026-04-10 -> 2026-05-10.
    assert earliest_issue_date(
        date(2026, 4, 10), gb.pre_action, "after_documents_provided"
    ) == date(2026, 5, 10)


def test_ireland_encodes_no_figures() -> None:
    ie = pack("IE")
    assert (ie.statutory_interest, ie.compensation, ie.small_claims, ie.limitation) == (
        None,
        None,
        None,
        None,
    )
    assert ie.notes


# --------------------------------------------------------------------------------------------
# pack_from_dict conversion rules
# --------------------------------------------------------------------------------------------


def _minimal(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "XX",
        "name": "Test",
        "currency": "EUR",
        "default_language": "en",
        "verified_as_of": "2026-12-03",
    }
    data.update(extra)
    return data


def test_pack_from_dict_accepts_yaml_dates_and_numbers() -> None:
    data = copy.deepcopy(raw("DE"))
    data["verified_as_of"] = date(2026, 12, 3)
    entry = data["statutory_interest"]["reference_rate"]["entries"][0]
    entry["effective_from"] = date(2008, 1, 1)
    entry["rate"] = 3.32  # a YAML float: converted via str, exactly 3.32
    data["compensation"]["bands"][0]["amount"] = 40
    p = pack_from_dict(data)
    assert p.statutory_interest is not None and p.compensation is not None
    first = p.statutory_interest.reference_rate.entries[0]
    assert first.rate == D("3.32") and isinstance(first.rate, Decimal)
    assert first.effective_from == date(2008, 1, 1)
    assert p.compensation.bands[0].amount == D("40")


def test_pack_from_dict_money_is_decimal() -> None:
    p = pack("GB-EAW")
    assert p.compensation is not None
    assert all(isinstance(b.amount, Decimal) for b in p.compensation.bands)
    assert p.compensation.bands[0].max_principal_exclusive == D("1000.00")
    assert p.compensation.bands[-1].max_principal_exclusive is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["statutory_interest"]["reference_rate"]["entries"].reverse(), "increase"),
        (lambda d: d["statutory_interest"].update(mode="sometimes"), "mode"),
        (lambda d: d["statutory_interest"]["applies_to"]["business"].update(margin_points=True),
         "boolean"),
        (lambda d: d["statutory_interest"]["applies_to"].update(robot={}), "applies_to"),
        (lambda d: d["statutory_interest"]["reference_rate"].update(known_through="2020-01-01"),
         "known_through"),
        (lambda d: d["compensation"]["bands"].pop(), "open-ended"),
        (lambda d: d["compensation"]["bands"].pop(1), "contiguous"),
        (lambda d: d["statutory_interest"]["applies_to"]["business"].update(confidence="X"),
         "confidence"),
        (lambda d: d.update(verified_as_of="3 Dec 2026"), "ISO date"),
    ],
)  # fmt: skip
def test_pack_from_dict_rejects_bad_data(mutate: Any, message: str) -> None:
    data = copy.deepcopy(raw("GB-EAW"))
    mutate(data)
    with pytest.raises(PackError, match=message):
        pack_from_dict(data)


def test_minimal_pack() -> None:
    p = pack_from_dict(_minimal())
    assert p.statutory_interest is None and p.notes == ()
