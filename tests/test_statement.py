"""statement_for: per-invoice claims, notes and problems, pinned to hand calculations.

Every expected figure is worked out by hand from the legal facts in the comments (rate = the
reference rate in the pack + the statutory margin; simple interest; days counted from the day
after the due date up to and including the as-of date; 365-day year; half-up to the cent), never
by calling the code under test.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as hs

from collectbatch.jurisdictions import JurisdictionPack, pack_from_dict
from collectbatch.policy import ContractInterest, LateFee, Terms
from collectbatch.statement import Statement, cite, debtor_type, statement_for

PACKS = Path(__file__).resolve().parents[1] / "rules" / "jurisdictions"
D = Decimal
AS_OF = date(2026, 12, 1)
NET30 = Terms("net30", 30)


@functools.cache
def pack(code: str) -> JurisdictionPack:
    with open(PACKS / f"{code}.yaml", encoding="utf-8") as fh:
        return pack_from_dict(yaml.safe_load(fh))


def invoice(
    invoice_id: str, amount: str, due: date, paid: str = "0.00", issued: date | None = None
):
    return SimpleNamespace(
        invoice_id=invoice_id,
        issue_date=issued or due - timedelta(days=30),
        due_date=due,
        amount=D(amount),
        paid=D(paid),
        open=D(amount) - D(paid),
    )


def account(
    code: str | None, client_type: str = "business", currency: str = "GBP", disputed: tuple = ()
) -> SimpleNamespace:
    client = SimpleNamespace(account_id="A1", client_type=client_type, jurisdiction=code)
    return SimpleNamespace(client=client, currency=currency, disputed=disputed)


def make(
    code: str | None, invoices, claims: str = "all", terms: Terms = NET30, as_of: date = AS_OF, **kw
) -> Statement:
    return statement_for(
        account(code, **kw), invoices, terms, pack(code) if code else None, claims, as_of
    )


# --- England & Wales: fixed rate, s.5A compensation bands ------------------------------------


def test_gb_business_final_demand_interest_and_compensation_by_band():
    # Due 30 Sep 2026: interest starts 1 Oct 2026 (H2) -> reference date 30 Jun 2026, Bank
    # Rate 3.75% -> 3.75 + 8 = 11.75% (SI 2002/1675 art. 4), fixed for the life of the debt.
    # Days 1 Oct .. 1 Dec inclusive = 31 + 30 + 1 = 62.
    #   999.99 x 11.75% x 62/365 = 19.9587... -> 19.96; compensation 40 (debt < 1,000)
    #  1000.00 x 11.75% x 62/365 = 19.9589... -> 19.96; compensation 70 (1,000 <= debt < 10,000)
    # 10000.00 x 11.75% x 62/365 = 199.589... -> 199.59; compensation 100 (debt >= 10,000)
    due = date(2026, 9, 30)
    st = make(
        "GB-EAW",
        [
            invoice("I1", "999.99", due),
            invoice("I2", "1000.00", due),
            invoice("I3", "10000.00", due),
        ],
    )
    got = {
        line.invoice_id: (
            line.interest.amount,
            line.interest.days,
            line.interest.rates,
            line.compensation,
            line.late_fee,
        )
        for line in st.lines
    }
    assert got == {
        "I1": (D("19.96"), 62, (D("11.75"),), D("40.00"), D("0.00")),
        "I2": (D("19.96"), 62, (D("11.75"),), D("70.00"), D("0.00")),
        "I3": (D("199.59"), 62, (D("11.75"),), D("100.00"), D("0.00")),
    }
    (seg,) = st.lines[0].interest.segments
    assert (seg.start, seg.end, seg.reference_rate, seg.margin) == (
        date(2026, 10, 1),
        AS_OF,
        D("3.75"),
        D("8.00"),
    )
    assert st.lines[2].total_claimed == D("10299.59")  # 10,000 + 199.59 + 100
    assert st.interest == D("239.51")  # 19.96 + 19.96 + 199.59
    assert st.compensation == D("210.00")
    assert st.principal == D("11999.99")
    assert st.total == D("12449.50")  # 11,999.99 + 239.51 + 210
    kinds = [n.kind for n in st.notes]
    assert kinds == ["statutory_interest", "interest_continues", "compensation"]
    interest_note = st.notes_of("statutory_interest")[0]
    assert interest_note.name == "Late Payment of Commercial Debts (Interest) Act 1998"
    assert "SI 2002/1675 art. 4" in interest_note.source
    assert interest_note.mode == "fixed" and interest_note.margin == D("8.00")
    comp_note = st.notes_of("compensation")[0]
    assert "Late Payment of Commercial Debts (Interest) Act 1998 s.5A" in comp_note.source
    assert "http" not in comp_note.source
    assert [b[2] for b in comp_note.bands] == [D("40.00"), D("70.00"), D("100.00")]
    assert st.problems == ()


def test_gb_rate_stays_fixed_when_interest_started_in_an_earlier_half_year():
    # Due 31 Dec 2025: starts 1 Jan 2026 (H1) -> reference 31 Dec 2025 = 3.75% -> 11.75%.
    # Days 1 Jan .. 1 Dec 2026 = 335. 2,400 x 11.75% x 335/365 = 258.82...
    st = make("GB-EAW", [invoice("I1", "2400.00", date(2025, 12, 31))], claims="interest")
    line = st.lines[0]
    assert (line.interest.days, line.interest.rates, line.interest.amount) == (
        335,
        (D("11.75"),),
        D("258.82"),
    )
    assert line.compensation == 0  # claims "interest": interest only


def test_gb_consumer_gets_no_statutory_claims():
    # The 1998 Act covers business-to-business contracts only (s.2(1)); s.5A likewise.
    st = make("GB-EAW", [invoice("I1", "1450.00", date(2026, 9, 30))], client_type="consumer")
    (line,) = st.lines
    assert (line.interest, line.compensation, line.late_fee) == (None, 0, 0)
    assert not st.has_claims and st.notes == () and st.total == D("1450.00")
    assert st.debtor_type == "consumer"


def test_claims_none_shows_no_claims_and_interest_shows_interest_only():
    due = date(2026, 9, 30)
    fees = Terms("fees", 30, late_fee=LateFee(flat=D("20.00"), source="clause 7.2"))
    none = make("GB-EAW", [invoice("I1", "1000.00", due)], claims="none", terms=fees)
    assert not none.has_claims and none.claimed == 0 and none.notes == ()
    only = make("GB-EAW", [invoice("I1", "1000.00", due)], claims="interest", terms=fees)
    assert only.interest == D("19.96") and only.late_fees == 0 and only.compensation == 0
    assert [n.kind for n in only.notes] == ["statutory_interest", "interest_continues"]
    with pytest.raises(ValueError):
        make("GB-EAW", [invoice("I1", "1000.00", due)], claims="some")


def test_not_yet_due_invoices_carry_no_claims():
    st = make(
        "GB-EAW",
        [invoice("I1", "1000.00", date(2026, 12, 1)), invoice("I2", "1000.00", date(2026, 12, 20))],
    )
    assert [line.claimed for line in st.lines] == [0, 0] and not st.has_claims


# --- Germany: floating rate split at the 1 July change -----------------------------------------


def test_de_business_floating_rate_split_at_reference_rate_change_and_pauschale():
    # BGB §288(2): Basiszinssatz + 9 points. Due 15 Jun 2026, as of 15 Jul 2026:
    # 16-30 Jun = 15 days at 1.27 + 9 = 10.27%; 1-15 Jul = 15 days at 1.52 + 9 = 10.52% [L].
    # 5,000 x (10.27% x 15 + 10.52% x 15)/365 = 42.7191... -> 42.72 (legal.md DE-3).
    # Segment shown: 5,000 x 10.27% x 15/365 = 21.1027 -> 21.10; the rest 42.72 - 21.10 = 21.62.
    # §288(5): EUR 40 per invoice.
    st = make(
        "DE", [invoice("I1", "5000.00", date(2026, 6, 15))], currency="EUR", as_of=date(2026, 7, 15)
    )
    (line,) = st.lines
    segs = [(s.start, s.end, s.days, s.rate, s.amount) for s in line.interest.segments]
    assert segs == [
        (date(2026, 6, 16), date(2026, 6, 30), 15, D("10.27"), D("21.10")),
        (date(2026, 7, 1), date(2026, 7, 15), 15, D("10.52"), D("21.62")),
    ]
    assert line.interest.amount == D("42.72") and line.compensation == D("40.00")
    assert line.total_claimed == D("5082.72")
    note = st.notes_of("statutory_interest")[0]
    assert (note.source, note.margin, note.mode) == ("BGB §288(2)", D("9.00"), "floating")
    assert st.notes_of("compensation")[0].source.startswith("BGB §288(5)")
    # the 2026 H2 Basiszinssatz is tagged L in the pack: the accountant is told
    assert [p.kind for p in st.problems] == ["rate-unverified"]
    assert "1.52%" in st.problems[0].reason


def test_de1_de2_business_and_consumer_margins():
    # DE-1: 5,000, 30 days in H1 2026 at 1.27 + 9 = 10.27% -> 42.21 + EUR 40.
    # DE-2: consumer, 1.27 + 5 = 6.27% (§288(1)) -> 25.77, no Pauschale (§288(5) not for
    # consumers). Due 31 Mar, as of 30 Apr: 1..30 Apr = 30 days.
    inv = [invoice("I1", "5000.00", date(2026, 3, 31))]
    business = make("DE", inv, currency="EUR", as_of=date(2026, 4, 30))
    consumer = make("DE", inv, currency="EUR", as_of=date(2026, 4, 30), client_type="consumer")
    assert (business.interest, business.compensation) == (D("42.21"), D("40.00"))
    assert (consumer.interest, consumer.compensation) == (D("25.77"), D("0.00"))


# --- France: L441-10 -------------------------------------------------------------------------


def test_fr1_penalties_and_indemnite():
    # FR-1: 10,000, due 31 Mar 2026, as of 30 May 2026: 60 days at MRO 2.15 + 10 = 12.15%
    # -> 10,000 x 12.15% x 60/365 = 199.726... -> 199.73; indemnité forfaitaire EUR 40 (D441-5).
    st = make(
        "FR",
        [invoice("I1", "10000.00", date(2026, 3, 31))],
        currency="EUR",
        as_of=date(2026, 5, 30),
    )
    (line,) = st.lines
    assert (line.interest.days, line.interest.rates) == (60, (D("12.15"),))
    assert (line.interest.amount, line.compensation) == (D("199.73"), D("40.00"))
    assert "L441-10" in st.notes_of("statutory_interest")[0].source
    assert "D441-5" in st.notes_of("compensation")[0].source


def test_fr_contract_rate_below_three_times_legal_rate_falls_back_to_statutory():
    # FR-2: a 5% contract rate in 2026 H1 is below 3 x 2.62 = 7.86%: MRO + 10 = 12.15% applies.
    terms = Terms("cgv", 30, interest=ContractInterest(D("5"), source="CGV art. 9"))
    st = make(
        "FR",
        [invoice("I1", "10000.00", date(2026, 3, 31))],
        currency="EUR",
        as_of=date(2026, 5, 30),
        terms=terms,
    )
    assert st.lines[0].interest.basis == "statutory"
    assert st.interest == D("199.73")


# --- Contract terms: fees, caps, contract interest, discounts ---------------------------------


FEES = Terms(
    "fees",
    30,
    late_fee=LateFee(flat=D("20.00"), every_days=30, cap=D("50.00"), source="clause 7.2"),
)


def test_late_fee_charged_every_30_days_up_to_its_cap():
    # 73 days overdue: charges on days 1, 31, 61 = 3 x 20 = 60, capped at 50.
    # 41 days overdue: days 1 and 31 = 2 x 20 = 40 (under the cap).
    # 1 day overdue: one charge = 20.
    st = make(
        None,
        [
            invoice("I1", "7250.00", date(2026, 9, 19)),
            invoice("I2", "6840.00", date(2026, 10, 21)),
            invoice("I3", "100.00", date(2026, 11, 30)),
        ],
        terms=FEES,
    )
    assert [line.late_fee for line in st.lines] == [D("50.00"), D("40.00"), D("20.00")]
    assert st.late_fees == D("110.00") and st.interest == 0 and st.compensation == 0
    (note,) = st.notes
    assert (note.kind, note.source, note.cap, note.every_days) == (
        "late_fee",
        "clause 7.2",
        D("50.00"),
        30,
    )


def test_late_fee_percent_rounds_each_charge_then_caps():
    # 1.5% of 333.33 = 4.99995 -> 5.00 per charge; 61 days -> 3 charges = 15.00; cap 12.50.
    terms = Terms("pct", 30, late_fee=LateFee(percent=D("1.5"), every_days=30, cap=D("12.50")))
    st = make(None, [invoice("I1", "333.33", date(2026, 10, 1))], terms=terms)
    assert st.lines[0].days_overdue == 61 and st.late_fees == D("12.50")


def test_contract_rate_displaces_statutory_interest_in_england_and_wales():
    # A contractual rate that is a substantial remedy displaces statutory interest (s.8-9), and
    # with it the s.5A fixed sum (due only once statutory interest runs).
    # 7,250 x 12% x 73/365 = 174.00; 6,840 x 12% x 41/365 = 92.1995... -> 92.20.
    terms = Terms(
        "fees", 30, late_fee=FEES.late_fee, interest=ContractInterest(D("12"), source="clause 7.3")
    )
    st = make(
        "GB-EAW",
        [invoice("I1", "7250.00", date(2026, 9, 19)), invoice("I2", "6840.00", date(2026, 10, 21))],
        terms=terms,
    )
    assert [line.interest.amount for line in st.lines] == [D("174.00"), D("92.20")]
    assert [line.interest.basis for line in st.lines] == ["contract", "contract"]
    assert st.compensation == 0 and st.late_fees == D("90.00")
    assert st.total == D("14446.20")  # 14,090 + 90 + 266.20
    assert [n.kind for n in st.notes] == ["late_fee", "contract_interest", "interest_continues"]
    assert st.notes_of("contract_interest")[0].source == "clause 7.3"


def test_contract_interest_after_grace_and_360_day_year():
    # from: after_grace with 5 grace days: due 31 Oct -> interest from 6 Nov .. 1 Dec = 26 days.
    # 1,000 x 9% x 26/360 = 6.50.
    terms = Terms(
        "g",
        30,
        grace_days=5,
        interest=ContractInterest(D("9"), start="after_grace", days_in_year=360),
    )
    st = make(None, [invoice("I1", "1000.00", date(2026, 10, 31))], terms=terms)
    assert (st.lines[0].interest.start, st.lines[0].interest.days) == (date(2026, 11, 6), 26)
    assert st.interest == D("6.50")


def test_rounding_half_up_at_the_cent():
    # 182.50 x 1% x 1/365 = 0.005 exactly: half-up gives 0.01 (banker's rounding would give 0.00).
    terms = Terms("r", 30, interest=ContractInterest(D("1")))
    st = make(None, [invoice("I1", "182.50", date(2026, 11, 30))], terms=terms)
    assert st.interest == D("0.01")


def test_early_payment_discount_with_its_deadline_on_a_pre_due_statement():
    # 2/10: issued 25 Nov 2026 -> deadline 5 Dec 2026 (inclusive). 2% of 1,234.56 = 24.6912
    # -> 24.69; pay 1,234.56 - 24.69 = 1,209.87. Shown whatever the claims setting.
    terms = Terms("2-10", 30, discount_percent=D("2"), discount_days=10)
    inv = invoice("I1", "1234.56", date(2026, 12, 25), issued=date(2026, 11, 25))
    st = make(None, [inv], claims="none", terms=terms)
    (line,) = st.discounts
    assert (line.discount.amount, line.discount.deadline, line.discount.pay) == (
        D("24.69"),
        date(2026, 12, 5),
        D("1209.87"),
    )
    assert st.notes_of("discount")[0].within_days == 10
    assert not st.has_claims
    late = make(None, [inv], claims="none", terms=terms, as_of=date(2026, 12, 6))
    assert late.discounts == () and late.notes == ()  # an expired discount is not offered


# --- Robustness ------------------------------------------------------------------------------


def test_missing_fixed_reference_rate_gives_a_note_not_a_crash():
    # Due 31 Dec 2026: interest starts 1 Jan 2027 and needs Bank Rate on 31 Dec 2026, which
    # the GB-EAW pack does not have yet (known through 30 Jun 2026). The s.5A sum still applies:
    # statutory interest runs whether or not the pack knows its rate.
    st = make("GB-EAW", [invoice("I1", "1000.00", date(2026, 12, 31))], as_of=date(2027, 1, 15))
    (line,) = st.lines
    assert line.interest is None
    assert (
        line.interest_unavailable == "rate for 2027 H1 not yet in rules/jurisdictions/GB-EAW.yaml"
    )
    assert line.compensation == D("70.00")
    (note,) = st.notes_of("rate_unavailable")
    assert note.text.startswith("rate for 2027 H1 not yet in rules/jurisdictions/GB-EAW.yaml")
    assert (note.period, note.path, note.invoice_ids) == (
        "2027 H1",
        "rules/jurisdictions/GB-EAW.yaml",
        ("I1",),
    )
    (problem,) = st.problems
    assert (problem.kind, problem.invoice_id, problem.account_id) == (
        "rate-unavailable",
        "I1",
        "A1",
    )
    assert "rate for 2027 H1 not yet in rules/jurisdictions/GB-EAW.yaml" in problem.reason
    assert st.has_claims and st.shows_interest  # the table shows "not yet available"


def test_missing_floating_rate_gives_a_note_not_a_crash():
    st = make(
        "DE",
        [invoice("I1", "1000.00", date(2026, 11, 30))],
        currency="EUR",
        as_of=date(2027, 1, 10),
    )
    assert st.lines[0].interest is None
    assert st.notes_of("rate_unavailable")[0].period == "2027 H1"
    assert st.lines[0].compensation == D("40.00")
    assert [p.kind for p in st.problems] == ["rate-unavailable"]


def test_compensation_in_another_currency_is_not_converted():
    # The GB-EAW fixed sums are in GBP: a EUR invoice gets interest but no fixed sum here.
    st = make("GB-EAW", [invoice("I1", "1000.00", date(2026, 9, 30))], currency="EUR")
    assert st.interest == D("19.96") and st.compensation == 0
    assert [p.kind for p in st.problems] == ["compensation-currency"]


def test_statutory_claims_off_in_terms():
    terms = Terms("nostat", 30, statutory_claims=False)
    st = make("GB-EAW", [invoice("I1", "1000.00", date(2026, 9, 30))], terms=terms)
    assert not st.has_claims and st.problems == ()


def test_no_pack_means_no_statutory_claims():
    st = make(None, [invoice("I1", "1000.00", date(2026, 9, 30))])
    assert not st.has_claims and st.jurisdiction is None
    st = make("IE", [invoice("I1", "1000.00", date(2026, 9, 30))], currency="EUR")
    assert not st.has_claims  # the IE pack encodes no figures


def test_disputed_invoices_are_listed_apart_without_claims():
    disputed = (invoice("I9", "500.00", date(2026, 9, 1)),)
    st = make("GB-EAW", [invoice("I1", "1000.00", date(2026, 9, 30))], disputed=disputed)
    assert [d.invoice_id for d in st.disputed] == ["I9"] and st.disputed[0].claimed == 0
    assert st.disputed_total == D("500.00") and st.principal == D("1000.00")
    assert st.notes_of("disputed")[0].invoice_ids == ("I9",)


def test_part_paid_invoice_claims_on_the_open_amount_and_bands_on_the_debt():
    # 3,740 invoice with 1,000 paid: interest on 2,740 (11.75%, due 27 Sep -> 65 days:
    # 2,740 x 11.75% x 65/365 = 57.333... -> 57.33); the s.5A band follows the debt (3,740: 70).
    st = make("GB-EAW", [invoice("I1", "3740.00", date(2026, 9, 27), paid="1000.00")])
    assert (st.interest, st.compensation, st.total) == (D("57.33"), D("70.00"), D("2867.33"))


def test_helpers():
    assert debtor_type(None) == "business" and debtor_type("Consumer") == "consumer"
    assert debtor_type("charity") == "business"
    assert (
        cite("BGB §288(5) https://x.example/a; Directive art. 6") == "BGB §288(5); Directive art. 6"
    )
    assert cite("Act s.5A(1) https://x.example;", act="The Act 1998") == "The Act 1998 s.5A(1)"


# --- Properties ------------------------------------------------------------------------------

PACK_CURRENCY = {"GB-EAW": "GBP", "DE": "EUR", "FR": "EUR"}


@settings(max_examples=150, deadline=None)
@given(
    code=hs.sampled_from(sorted(PACK_CURRENCY)),
    cents=hs.lists(hs.integers(min_value=1, max_value=10**8), min_size=1, max_size=4),
    due_offsets=hs.lists(hs.integers(min_value=-30, max_value=900), min_size=4, max_size=4),
    as_of=hs.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    consumer=hs.booleans(),
)
def test_statement_adds_up(code, cents, due_offsets, as_of, consumer):
    invoices = [
        invoice(f"I{i}", str(D(c) / 100), as_of - timedelta(days=due_offsets[i]))
        for i, c in enumerate(cents)
    ]
    kw = {"currency": PACK_CURRENCY[code], "client_type": "consumer" if consumer else "business"}
    terms = Terms("t", 30, late_fee=LateFee(flat=D("10.00"), every_days=30, cap=D("25.00")))
    by_setting = {
        c: make(code, invoices, c, terms, as_of, **kw) for c in ("none", "interest", "all")
    }
    for s in by_setting.values():
        assert s.total == s.principal + s.claimed
        assert sum(line.total_claimed for line in s.lines) == s.total
        for line in s.lines:
            if line.interest is None:
                continue
            assert sum(seg.amount for seg in line.interest.segments) == line.interest.amount
            assert sum(seg.days for seg in line.interest.segments) == line.interest.days
            assert line.interest.days == line.days_overdue > 0
            assert line.interest.amount >= 0
        assert {p.kind for p in s.problems} <= {"rate-unverified"}
    assert by_setting["none"].claimed == 0
    assert by_setting["interest"].late_fees == by_setting["interest"].compensation == 0
    assert by_setting["interest"].interest == by_setting["all"].interest
    assert all(line.late_fee <= D("25.00") for line in by_setting["all"].lines)
    if consumer and code != "DE":
        assert by_setting["all"].interest == by_setting["all"].compensation == 0
