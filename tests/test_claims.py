"""Claim arithmetic pinned to the worked examples in the legal reference (legal.md).

Test ids (UK-1, DE-3, FR-1, ...) are the reference's own test-case numbers.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collectbatch.claims import (
    compensation,
    contract_rate_floor,
    contractual_interest,
    early_payment_discount,
    fixed_reference_date,
    interest_basis,
    interest_start,
    late_fees,
    relevant_day,
    round_money,
    statutory_interest,
)
from collectbatch.jurisdictions import (
    JurisdictionPack,
    RateEntry,
    RateUnavailableError,
    StatutoryInterest,
    pack_from_dict,
)

RULES = Path(__file__).resolve().parents[1] / "rules" / "jurisdictions"
D = Decimal


@functools.cache
def pack(code: str) -> JurisdictionPack:
    with open(RULES / f"{code}.yaml", encoding="utf-8") as fh:
        return pack_from_dict(yaml.safe_load(fh))


def si(code: str, **changes: Any) -> StatutoryInterest:
    base = pack(code).statutory_interest
    assert base is not None
    return replace(base, **changes) if changes else base


def days_incl(start: date, n: int) -> date:
    """End date such that start..end inclusive is n days."""
    return start + timedelta(days=n - 1)


# --------------------------------------------------------------------------------------------
# round_money
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),  # float(2.675) is 2.67499999... - Decimal keeps it exact
        ("1.004999", "1.00"),
        ("137.945", "137.95"),
        ("-0.005", "-0.01"),  # half away from zero
        ("10", "10.00"),
    ],
)
def test_round_money_half_up(x: str, expected: str) -> None:
    result = round_money(D(x))
    assert result == D(expected)
    assert str(result) == expected


def test_round_money_rejects_float() -> None:
    with pytest.raises(TypeError):
        round_money(0.1)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# UK test cases (legal.md 1.10)
# --------------------------------------------------------------------------------------------

# 2015 H1 starts use the 31 Dec 2014 Bank Rate of 0.50% -> 8.50%: the GOV.UK example's rate.
GOVUK_START = date(2015, 3, 1)


def test_uk1_govuk_example_daily_rounding() -> None:
    result = statutory_interest(
        D("1000.00"),
        GOVUK_START,
        days_incl(GOVUK_START, 50),
        si("GB-EAW", rounding="daily"),
        "business",
    )
    assert result.days == 50
    (seg,) = result.segments
    assert seg.rate_percent == D("8.50")
    assert seg.annual_amount == D("85.00")
    assert seg.daily_amount == D("0.23")
    assert result.total == D("11.50")
    assert compensation(D("1000.00"), pack("GB-EAW"), "business") == D("70.00")


def test_uk1b_govuk_example_total_rounding() -> None:
    result = statutory_interest(
        D("1000.00"), GOVUK_START, days_incl(GOVUK_START, 50), si("GB-EAW"), "business"
    )
    assert si("GB-EAW").rounding == "total"  # the pack's default policy
    assert result.total == D("11.64")
    # 1000 x 0.085 x 50 / 365 = 11.643835...
    assert abs(result.unrounded_total - D("11.64383561643835616438")) < D("1e-18")


def test_uk2_agreed_date_2026() -> None:
    uk = si("GB-EAW")
    start = interest_start(date(2026, 3, 31), uk, True)
    assert start == date(2026, 4, 1)
    result = statutory_interest(D("2400.00"), start, date(2026, 6, 15), uk, "business")
    assert result.reference_date == date(2025, 12, 31)
    assert result.days == 76
    (seg,) = result.segments
    assert seg.rate_percent == D("11.75")
    assert seg.reference_rate_percent == D("3.75")
    assert seg.margin_points == D("8.00")
    assert result.total == D("58.72")
    comp = compensation(D("2400.00"), pack("GB-EAW"), "business")
    assert comp == D("70.00")
    assert result.total + comp == D("128.72")


def test_uk3_leap_year_still_365() -> None:
    uk = si("GB-EAW")
    start = interest_start(date(2024, 2, 29), uk, True)
    assert start == date(2024, 3, 1)
    result = statutory_interest(D("5000.00"), start, date(2024, 5, 15), uk, "business")
    assert result.days == 76
    assert result.segments[0].rate_percent == D("13.25")
    assert result.segments[0].days_in_year == 365
    assert result.total == D("137.95")
    assert compensation(D("5000.00"), pack("GB-EAW"), "business") == D("70.00")


def test_uk4_rate_switch_at_start() -> None:
    uk = si("GB-EAW")
    start = relevant_day(uk, agreed_due_date=date(2025, 12, 31), trigger_date=None) + timedelta(1)
    assert start == date(2026, 1, 1)
    r = statutory_interest(D("1000.00"), start, date(2026, 2, 1), uk, "business")
    assert r.segments[0].rate_percent == D("11.75")


def test_uk4b_rate_fixed_for_life_across_year_end() -> None:
    uk = si("GB-EAW")
    start = interest_start(date(2025, 12, 30), uk, True)
    assert start == date(2025, 12, 31)
    r = statutory_interest(D("1000.00"), start, date(2026, 3, 31), uk, "business")
    assert r.reference_date == date(2025, 6, 30)
    (seg,) = r.segments  # one rate, not re-set on 1 Jan 2026
    assert seg.rate_percent == D("12.25")
    assert seg.days == 91
    assert r.total == round_money(D(1000) * D("12.25") * 91 / D(36500))


def test_uk5_default_period_beginning_with() -> None:
    uk = si("GB-EAW")
    trigger = max(date(2026, 1, 5), date(2026, 1, 10))  # later of performance and notice
    assert relevant_day(uk, agreed_due_date=None, trigger_date=trigger) == date(2026, 2, 8)
    assert interest_start(None, uk, False, trigger) == date(2026, 2, 9)


def test_uk6_sixty_day_cap() -> None:
    uk = si("GB-EAW")
    received = date(2026, 1, 10)
    agreed = received + timedelta(days=90)
    assert agreed == date(2026, 4, 10)
    assert relevant_day(uk, agreed_due_date=agreed, trigger_date=received) == date(2026, 3, 10)
    assert interest_start(agreed, uk, True, received) == date(2026, 3, 11)
    assert relevant_day(
        uk, agreed_due_date=agreed, trigger_date=received, term_not_grossly_unfair=True
    ) == date(2026, 4, 10)
    # Caps came in with SI 2013/395 for contracts made from 16 Mar 2013.
    assert relevant_day(
        uk, agreed_due_date=agreed, trigger_date=received, contract_date=date(2013, 3, 15)
    ) == date(2026, 4, 10)
    # An agreed date inside the cap is untouched.
    assert relevant_day(uk, agreed_due_date=date(2026, 3, 10), trigger_date=received) == date(
        2026, 3, 10
    )


def test_uk7_public_authority_thirty_day_cap() -> None:
    uk = si("GB-EAW")
    received = date(2026, 1, 10)
    agreed = date(2026, 4, 10)
    for fair in (False, True):  # no "not grossly unfair" exception for public authorities
        assert relevant_day(
            uk,
            agreed_due_date=agreed,
            trigger_date=received,
            debtor_type="public_authority",
            term_not_grossly_unfair=fair,
        ) == date(2026, 2, 8)


@pytest.mark.parametrize(
    ("principal", "expected"),
    [("999.99", "40.00"), ("1000.00", "70.00"), ("9999.99", "70.00"), ("10000.00", "100.00")],
)
def test_uk8_compensation_bands(principal: str, expected: str) -> None:
    assert compensation(D(principal), pack("GB-EAW"), "business") == D(expected)
    assert compensation(D(principal), pack("GB-EAW"), "consumer") == D("0.00")


def test_uk9_substantial_contract_rate_displaces_statutory() -> None:
    uk = si("GB-EAW")
    on = date(2026, 4, 1)
    basis = interest_basis(uk, "business", on, D("6.75"), contract_remedy_substantial=True)
    assert basis.kind == "contract"
    assert basis.rate_percent == D("6.75")
    void = interest_basis(uk, "business", on, D("6.75"), contract_remedy_substantial=False)
    assert void.kind == "statutory"
    assert interest_basis(uk, "business", on).kind == "statutory"
    # s.5A(1): the fixed sum follows statutory interest.
    assert compensation(
        D("2400.00"), pack("GB-EAW"), "business", statutory_interest_running=False
    ) == D("0.00")


def test_uk9_policy_can_be_switched_off_by_date() -> None:
    uk = si("GB-EAW")
    assert uk.contract_rate_policy is not None
    reformed = replace(
        uk, contract_rate_policy=replace(uk.contract_rate_policy, effective_to=date(2026, 12, 31))
    )
    basis = interest_basis(reformed, "business", date(2027, 1, 1), D("6.75"), True)
    assert basis.kind == "statutory"
    assert basis.needs_review


def test_uk10_consumer_out_of_scope() -> None:
    uk = si("GB-EAW")
    r = statutory_interest(D("1000.00"), date(2026, 1, 1), date(2026, 3, 1), uk, "consumer")
    assert not r.applicable
    assert r.total == D("0.00")
    assert r.segments == ()
    assert compensation(D("1000.00"), pack("GB-EAW"), "consumer") == D("0.00")
    assert interest_basis(uk, "consumer", date(2026, 1, 1)).kind == "none"
    assert interest_basis(uk, "consumer", date(2026, 1, 1), D("5")).kind == "contract"


# --------------------------------------------------------------------------------------------
# Fixed mode: choice of the reference date
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "ref", "rate"),
    [
        # half-year boundary: 30 Jun is H1 (31 Dec before), 1 Jul is H2 (30 Jun before)
        (date(2023, 6, 30), date(2022, 12, 31), "11.50"),
        (date(2023, 7, 1), date(2023, 6, 30), "13.00"),
        (date(2025, 12, 31), date(2025, 6, 30), "12.25"),
        (date(2026, 1, 1), date(2025, 12, 31), "11.75"),
        # Bank Rate cut to 0.25 on 11 Mar 2020 and 0.10 on 19 Mar 2020: a start after the cuts
        # still uses 31 Dec 2019 (0.75); the cut only shows from H2.
        (date(2020, 3, 10), date(2019, 12, 31), "8.75"),
        (date(2020, 3, 20), date(2019, 12, 31), "8.75"),
        (date(2020, 7, 1), date(2020, 6, 30), "8.10"),
        # Bank Rate rise to 0.25 on 16 Dec 2021, before the 31 Dec reference date
        (date(2021, 12, 31), date(2021, 6, 30), "8.10"),
        (date(2022, 1, 1), date(2021, 12, 31), "8.25"),
        # rise to 5.00 on 22 Jun 2023, eight days before the 30 Jun reference date
        (date(2023, 7, 2), date(2023, 6, 30), "13.00"),
    ],
)
def test_fixed_reference_rate_selection(start: date, ref: date, rate: str) -> None:
    assert fixed_reference_date(start) == ref
    r = statutory_interest(D("100.00"), start, start + timedelta(days=10), si("GB-EAW"), "business")
    assert r.reference_date == ref
    assert r.segments[0].rate_percent == D(rate)


def test_fixed_reference_includes_change_effective_on_reference_date() -> None:
    uk = si("GB-EAW")
    table = replace(
        uk.reference_rate,
        entries=(
            RateEntry(date(2030, 1, 1), D("1.00"), "test", "H"),
            RateEntry(date(2030, 6, 30), D("2.00"), "test", "H"),  # in force ON 30 Jun
            RateEntry(date(2030, 7, 1), D("3.00"), "test", "H"),  # after it: ignored
        ),
        known_through=date(2030, 12, 31),
    )
    r = statutory_interest(
        D("100.00"),
        date(2030, 7, 1),
        date(2030, 7, 5),
        replace(uk, reference_rate=table),
        "business",
    )
    assert r.segments[0].rate_percent == D("10.00")


def test_fixed_rate_stays_fixed_across_later_changes() -> None:
    # Starts 2023 H1 at 11.50%; Bank Rate then moves 6 times and 4 half-years pass.
    start, end = date(2023, 1, 15), date(2024, 12, 31)
    r = statutory_interest(D("10000.00"), start, end, si("GB-EAW"), "business")
    (seg,) = r.segments
    assert seg.rate_percent == D("11.50")
    assert seg.days == r.days == (end - start).days + 1 == 717
    assert r.total == round_money(D(10000) * D("11.50") * 717 / D(36500)) == D("2259.04")


def test_fixed_mode_refuses_unverified_reference_date() -> None:
    uk = si("GB-EAW")
    # 2026 H2 (reference 30 Jun 2026) is known...
    statutory_interest(D("100.00"), date(2026, 12, 31), date(2027, 3, 1), uk, "business")
    # ...2027 H1 (reference 31 Dec 2026) is not: no silent reuse of 3.75%.
    with pytest.raises(RateUnavailableError):
        statutory_interest(D("100.00"), date(2027, 1, 1), date(2027, 3, 1), uk, "business")
    with pytest.raises(RateUnavailableError):  # before the table
        statutory_interest(D("100.00"), date(2007, 6, 1), date(2007, 7, 1), uk, "business")


def test_end_before_start_is_zero() -> None:
    r = statutory_interest(
        D("100.00"), date(2026, 4, 1), date(2026, 3, 31), si("GB-EAW"), "business"
    )
    assert r.days == 0 and r.total == D("0.00") and r.segments == ()
    one = statutory_interest(
        D("36500.00"), date(2026, 4, 1), date(2026, 4, 1), si("GB-EAW"), "business"
    )
    assert one.days == 1 and one.total == D("11.75")


# --------------------------------------------------------------------------------------------
# Floating mode: Germany and France
# --------------------------------------------------------------------------------------------


def test_de1_de2_business_vs_consumer_margin() -> None:
    de = si("DE")
    start = date(2026, 3, 1)
    end = days_incl(start, 30)
    b2b = statutory_interest(D("5000.00"), start, end, de, "business")
    b2c = statutory_interest(D("5000.00"), start, end, de, "consumer")
    assert b2b.segments[0].rate_percent == D("10.27")
    assert b2c.segments[0].rate_percent == D("6.27")
    assert b2b.total == D("42.21")
    assert b2c.total == D("25.77")
    assert compensation(D("5000.00"), pack("DE"), "business") == D("40.00")
    assert compensation(D("5000.00"), pack("DE"), "consumer") == D("0.00")


def test_de3_floating_across_half_year() -> None:
    r = statutory_interest(D("5000.00"), date(2026, 6, 16), date(2026, 7, 15), si("DE"), "business")
    assert r.mode == "floating"
    assert [(s.start, s.end, s.days, s.rate_percent) for s in r.segments] == [
        (date(2026, 6, 16), date(2026, 6, 30), 15, D("10.27")),
        (date(2026, 7, 1), date(2026, 7, 15), 15, D("10.52")),
    ]
    assert [s.amount for s in r.segments] == [D("21.10"), D("21.62")]
    assert r.total == D("42.72")
    assert r.confidence == "L"  # the 2026 H2 Basiszinssatz is unverified


@pytest.mark.parametrize(
    ("debtor", "rates", "amounts", "total"),
    [
        ("business", ("10.62", "12.12"), ("21.82", "24.91"), "46.73"),
        ("consumer", ("6.62", "8.12"), ("13.60", "16.69"), "30.29"),
    ],
)
def test_floating_across_verified_rate_change(
    debtor: str, rates: tuple[str, str], amounts: tuple[str, str], total: str
) -> None:
    # Basiszinssatz 1.62 (from 2023-01-01) -> 3.12 (from 2023-07-01), both [H].
    r = statutory_interest(D("5000.00"), date(2023, 6, 16), date(2023, 7, 15), si("DE"), debtor)
    assert [s.rate_percent for s in r.segments] == [D(x) for x in rates]
    assert [s.days for s in r.segments] == [15, 15]
    # 5000 x 10.62 x 15 / 36500 = 21.8219; 5000 x 12.12 x 15 / 36500 = 24.9041
    assert [s.amount for s in r.segments] == [D(x) for x in amounts]
    assert r.total == D(total)
    assert sum(s.amount for s in r.segments) == r.total
    assert r.confidence == "H"


def test_floating_segments_follow_table_rows() -> None:
    # 1.27 from 2025-07-01 and again from 2026-01-01 (two rows, M then H): one segment per row.
    r = statutory_interest(
        D("1000.00"), date(2025, 12, 16), date(2026, 1, 15), si("DE"), "business"
    )
    assert [s.rate_percent for s in r.segments] == [D("10.27"), D("10.27")]
    assert [s.days for s in r.segments] == [16, 15]
    # 2016-07-01 .. 2022-12-31 is one table row: one segment despite 13 half-year boundaries.
    long = statutory_interest(
        D("1000.00"), date(2016, 7, 1), date(2022, 12, 31), si("DE"), "business"
    )
    assert len(long.segments) == 1
    assert long.segments[0].rate_percent == D("8.12")


def test_floating_splits_at_mid_half_year_table_change() -> None:
    de = si("DE")
    table = replace(
        de.reference_rate,
        entries=(
            RateEntry(date(2030, 1, 1), D("1.00"), "test", "H"),
            RateEntry(date(2030, 3, 15), D("2.00"), "test", "M"),
        ),
        known_through=date(2030, 12, 31),
    )
    r = statutory_interest(
        D("36500.00"),
        date(2030, 3, 10),
        date(2030, 3, 19),
        replace(de, reference_rate=table),
        "business",
    )
    assert [(s.start, s.days, s.rate_percent) for s in r.segments] == [
        (date(2030, 3, 10), 5, D("10.00")),
        (date(2030, 3, 15), 5, D("11.00")),
    ]
    assert r.total == D("105.00")  # 5 x 10.00 + 5 x 11.00 per day on 36,500
    assert r.confidence == "M"


def test_floating_refuses_after_known_through() -> None:
    with pytest.raises(RateUnavailableError):
        statutory_interest(D("100.00"), date(2026, 12, 1), date(2027, 1, 1), si("DE"), "business")


def test_de4_default_after_event_counting() -> None:
    assert interest_start(None, si("DE"), False, date(2026, 3, 2)) == date(2026, 4, 2)


def test_fr1_penalties_mro_plus_ten() -> None:
    fr = si("FR")
    start = interest_start(date(2026, 3, 31), fr, True)
    r = statutory_interest(D("10000.00"), start, date(2026, 5, 30), fr, "business")
    assert r.days == 60
    assert r.segments[0].rate_percent == D("12.15")
    assert r.total == D("199.73")
    assert compensation(D("10000.00"), pack("FR"), "business") == D("40.00")
    assert compensation(D("10000.00"), pack("FR"), "consumer") == D("0.00")
    assert not statutory_interest(
        D("10000.00"), start, date(2026, 5, 30), fr, "consumer"
    ).applicable


def test_fr2_contract_rate_below_floor() -> None:
    fr = si("FR")
    on = date(2026, 4, 1)
    assert fr.contract_rate_policy is not None
    assert contract_rate_floor(fr.contract_rate_policy, on) == D("7.86")
    low = interest_basis(fr, "business", on, D("5.00"))
    assert low.kind == "statutory"
    assert "7.86" in low.reason
    assert interest_basis(fr, "business", on, D("7.86")).kind == "contract"
    # 2024 H1: floor 3 x 5.07 = 15.21 is above the statutory fallback MRO + 10 = 14.50.
    h1_2024 = date(2024, 3, 1)
    assert contract_rate_floor(fr.contract_rate_policy, h1_2024) == D("15.21")
    assert interest_basis(fr, "business", h1_2024, D("15.00")).kind == "statutory"
    fallback = statutory_interest(D("100.00"), h1_2024, h1_2024, fr, "business")
    assert fallback.segments[0].rate_percent == D("14.50")


def test_no_policy_flags_review() -> None:
    basis = interest_basis(si("DE"), "business", date(2026, 1, 1), D("12"))
    assert basis.kind == "statutory" and basis.needs_review
    assert interest_basis(None, "business", date(2026, 1, 1)).kind == "none"
    assert interest_basis(None, "business", date(2026, 1, 1), D("1.5")).kind == "contract"


# --------------------------------------------------------------------------------------------
# Contractual interest
# --------------------------------------------------------------------------------------------


def test_contractual_interest_day_counts() -> None:
    p = D("1000.00")
    assert contractual_interest(p, date(2025, 1, 1), date(2025, 12, 31), D("10")).total == D(
        "100.00"
    )
    leap = (date(2024, 1, 1), date(2024, 12, 31))
    assert contractual_interest(p, *leap, D("10"), days_in_year="actual").total == D("100.00")
    assert contractual_interest(p, *leap, D("10"), days_in_year=365).total == D("100.27")
    assert contractual_interest(p, date(2026, 1, 1), date(2026, 1, 30), D("10"), 360).total == D(
        "8.33"
    )
    across = contractual_interest(p, date(2023, 12, 1), date(2024, 1, 31), D("10"), "actual")
    assert [(s.days, s.days_in_year) for s in across.segments] == [(31, 365), (31, 366)]
    # 100 x (31/365 + 31/366) = 8.4932 + 8.4699 = 16.9631
    assert across.total == D("16.96")


def test_contractual_interest_rejects_float() -> None:
    with pytest.raises(TypeError):
        contractual_interest(1000.0, date(2026, 1, 1), date(2026, 2, 1), D("5"))  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Late fees and discounts
# --------------------------------------------------------------------------------------------


def test_late_fee_once() -> None:
    for days in (1, 30, 400):
        assert late_fees(D("1000.00"), days, D("25.00"), D("0"), None, None) == D("25.00")
    assert late_fees(D("1000.00"), 0, D("25.00"), D("0")) == D("0.00")
    assert late_fees(D("0.00"), 10, D("25.00"), D("0")) == D("0.00")


@pytest.mark.parametrize(
    ("days", "expected"), [(1, "25.00"), (30, "25.00"), (31, "50.00"), (60, "50.00"), (61, "75.00")]
)
def test_late_fee_every_n_days(days: int, expected: str) -> None:
    assert late_fees(D("1000.00"), days, D("10.00"), D("1.5"), 30, None) == D(expected)


def test_late_fee_cap() -> None:
    assert late_fees(D("1000.00"), 200, D("25.00"), D("0"), 30, D("60.00")) == D("60.00")
    assert late_fees(D("1000.00"), 200, D("25.00"), D("0"), None, D("10.00")) == D("10.00")
    assert late_fees(D("1000.00"), 31, D("25.00"), D("0"), 30, D("60.00")) == D("50.00")


def test_late_fee_rounds_each_charge() -> None:
    # 0.5% of 101.01 = 0.50505 -> 0.51 per charge; 3 charges = 1.53 (not round(1.51515) = 1.52)
    assert late_fees(D("101.01"), 61, D("0"), D("0.5"), 30) == D("1.53")


def test_early_payment_discount_deadline_inclusive() -> None:
    issue = date(2026, 3, 1)
    assert early_payment_discount(D("1000.00"), D("2"), 10, issue, date(2026, 3, 1)) == (
        D("20.00"),
        date(2026, 3, 11),
    )
    assert early_payment_discount(D("1000.00"), D("2"), 10, issue, date(2026, 3, 11)) == (
        D("20.00"),
        date(2026, 3, 11),
    )
    assert early_payment_discount(D("1000.00"), D("2"), 10, issue, date(2026, 3, 12)) is None
    # 2% of 1234.25 = 24.685 -> 24.69 half-up (banker's rounding: 24.68)
    assert early_payment_discount(D("1234.25"), D("2"), 10, issue, issue) == (
        D("24.69"),
        date(2026, 3, 11),
    )


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

principals = st.integers(min_value=1, max_value=10**9).map(lambda c: D(c) / 100)
de_days = st.dates(min_value=date(2008, 1, 1), max_value=date(2026, 12, 31))
uk_starts = st.dates(min_value=date(2008, 1, 1), max_value=date(2026, 12, 31))
debtors = st.sampled_from(["business", "consumer"])
roundings = st.sampled_from(["total", "daily"])
TOL = D("1e-30")
# The test-side arithmetic (oracles, sums of parts) must be at least as precise as the engine's
# 60 digits, or the comparison itself would be the rounding error.
PRECISE = Context(prec=80)


def _naive_floating(
    principal: Decimal, start: date, end: date, s: StatutoryInterest, debtor: str
) -> Decimal:
    """Day-by-day oracle: each day at the table row in force that day, /365."""
    margin = s.margin_for(debtor)
    assert margin is not None
    total = D(0)
    d = start
    while d <= end:
        rate = max(
            (e for e in s.reference_rate.entries if e.effective_from <= d),
            key=lambda e: e.effective_from,
        ).rate
        total += principal * (rate + margin.margin_points) / D(36500)
        d += timedelta(days=1)
    return total


@settings(max_examples=150, deadline=None)
@given(
    principal=principals, a=de_days, b=de_days, code=st.sampled_from(["DE", "FR"]), debtor=debtors
)
def test_floating_matches_day_by_day_oracle(
    principal: Decimal, a: date, b: date, code: str, debtor: str
) -> None:
    start, end = min(a, b), max(a, b)
    if (end - start).days > 1500:
        end = start + timedelta(days=1500)
    s = si(code)
    if code == "FR":
        debtor = "business"
        start = max(start, date(2013, 1, 1))
        end = max(end, start)
    r = statutory_interest(principal, start, end, s, debtor)
    with localcontext(PRECISE):
        oracle = _naive_floating(principal, start, end, s, debtor)
        assert abs(r.unrounded_total - oracle) < TOL
    assert r.total == round_money(r.unrounded_total)
    assert sum(seg.days for seg in r.segments) == r.days == (end - start).days + 1
    assert sum(seg.amount for seg in r.segments) == r.total
    for prev, nxt in zip(r.segments, r.segments[1:], strict=False):
        assert nxt.start == prev.end + timedelta(days=1)
        assert nxt.rate_percent != prev.rate_percent or nxt.source != prev.source


@settings(max_examples=150, deadline=None)
@given(principal=principals, start=uk_starts, n=st.integers(1, 3000), rounding=roundings)
def test_fixed_matches_closed_form(principal: Decimal, start: date, n: int, rounding: str) -> None:
    s = si("GB-EAW", rounding=rounding)
    end = start + timedelta(days=n - 1)
    r = statutory_interest(principal, start, end, s, "business")
    ref = date(start.year - 1, 12, 31) if start.month <= 6 else date(start.year, 6, 30)
    bank = max(
        (e for e in s.reference_rate.entries if e.effective_from <= ref),
        key=lambda e: e.effective_from,
    ).rate
    rate = bank + D(8)
    assert [seg.rate_percent for seg in r.segments] == [rate]
    with localcontext(PRECISE):
        exact = principal * rate * n / D(36500)
        assert abs(r.unrounded_total - exact) < TOL
    if rounding == "total":
        assert r.total == round_money(exact)
    else:
        assert r.total == round_money(principal * rate / D(36500)) * n


@settings(max_examples=150, deadline=None)
@given(
    principal=principals,
    start=de_days,
    n1=st.integers(0, 800),
    n2=st.integers(0, 800),
    code=st.sampled_from(["GB-EAW", "DE"]),
    debtor=debtors,
    rounding=roundings,
)
def test_interest_non_decreasing_in_days(
    principal: Decimal, start: date, n1: int, n2: int, code: str, debtor: str, rounding: str
) -> None:
    if code == "GB-EAW":
        debtor = "business"
    lo, hi = sorted((n1, n2))
    s = si(code, rounding=rounding)
    limit = s.reference_rate.known_through
    end_hi = (
        min(start + timedelta(days=hi - 1), limit)
        if code == "DE"
        else start + timedelta(days=hi - 1)
    )
    end_lo = min(start + timedelta(days=lo - 1), end_hi)
    r_lo = statutory_interest(principal, start, end_lo, s, debtor)
    r_hi = statutory_interest(principal, start, end_hi, s, debtor)
    assert r_lo.total <= r_hi.total
    assert r_lo.unrounded_total <= r_hi.unrounded_total


@settings(max_examples=150, deadline=None)
@given(
    principal=principals,
    a=de_days,
    b=de_days,
    c=de_days,
    code=st.sampled_from(["DE", "FR"]),
    debtor=debtors,
)
def test_floating_interest_is_additive_over_split_periods(
    principal: Decimal, a: date, b: date, c: date, code: str, debtor: str
) -> None:
    if code == "FR":
        debtor = "business"
        a, b, c = (max(x, date(2013, 1, 1)) for x in (a, b, c))
    a, b, c = sorted((a, b, c))
    s = si(code)
    whole = statutory_interest(principal, a, c, s, debtor).unrounded_total
    left = statutory_interest(principal, a, b, s, debtor).unrounded_total
    right = statutory_interest(principal, b + timedelta(days=1), c, s, debtor).unrounded_total
    with localcontext(PRECISE):
        assert abs(whole - (left + right)) < TOL


@settings(max_examples=150, deadline=None)
@given(
    principal=principals,
    a=de_days,
    b=de_days,
    c=de_days,
    rate=st.integers(0, 5000).map(lambda x: D(x) / 100),
    diy=st.sampled_from([360, 365, "actual"]),
)
def test_contractual_interest_is_additive(
    principal: Decimal, a: date, b: date, c: date, rate: Decimal, diy: int | str
) -> None:
    a, b, c = sorted((a, b, c))
    whole = contractual_interest(principal, a, c, rate, diy).unrounded_total
    left = contractual_interest(principal, a, b, rate, diy).unrounded_total
    right = contractual_interest(principal, b + timedelta(days=1), c, rate, diy).unrounded_total
    with localcontext(PRECISE):
        assert abs(whole - (left + right)) < TOL
