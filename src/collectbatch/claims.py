"""Claim arithmetic: statutory and contractual interest, fixed compensation, fees, discounts.

Everything here is a pure function over :class:`~decimal.Decimal` and :class:`datetime.date`:
no I/O, no clock, no floats. The numbers end up in demand letters and court claims, so the rules
are spelled out in each docstring and the tests pin them to worked examples from the legal
reference (``/work/shared/reference/legal.md``).

Conventions used throughout:

* **Money** is ``Decimal``. Floats are rejected with ``TypeError``: ``0.1 + 0.2`` is not money.
  All rounding goes through :func:`round_money` (ROUND_HALF_UP to 0.01).
* **Rates** are percent per annum (``Decimal("8.50")`` means 8.5%).
* **Interest periods are inclusive.** Interest accrues for each calendar day from ``start``
  through ``end`` *inclusive*, so ``days = (end - start).days + 1``. With ``start`` = the day after
  the due date (or relevant day) and ``end`` = the payment date, this equals the reference's
  count ``paid_date - relevant_day``. ``end < start`` means no interest (zero days).
* **Simple interest only**: ``principal x rate/100 x days / days_in_year``; no compounding.
* Intermediate arithmetic runs at 60 significant digits, so "unrounded" figures are exact to far
  below a millionth of a cent.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Literal

from collectbatch.jurisdictions import (
    DEBTOR_TYPES,
    Compensation,
    ContractRatePolicy,
    JurisdictionPack,
    PreAction,
    RateEntry,
    SmallClaims,
    StatutoryInterest,
    lowest_confidence,
)

__all__ = [
    "CENT",
    "InterestBasis",
    "InterestResult",
    "InterestSegment",
    "compensation",
    "contract_rate_floor",
    "contractual_interest",
    "early_payment_discount",
    "earliest_issue_date",
    "fixed_reference_date",
    "interest_basis",
    "interest_start",
    "late_fees",
    "pre_action_applies",
    "relevant_day",
    "round_money",
    "small_claims_limit",
    "statutory_interest",
]

CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)
_PREC = 60
_ONE_DAY = _dt.timedelta(days=1)

Rounding = Literal["total", "daily"]


def _ctx() -> Context:
    """High-precision context for intermediate quotients (division by 365 is never exact)."""
    return Context(prec=_PREC, rounding=ROUND_HALF_UP)


def _money_arg(value: object, name: str) -> Decimal:
    """Accept Decimal (or int) money; refuse floats so binary noise never reaches a letter."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be Decimal (or int), got {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def round_money(x: Decimal) -> Decimal:
    """Round to the cent, half-up (0.005 -> 0.01; -0.005 -> -0.01, i.e. half away from zero).

    Half-up is what statute-based calculators and courts use when they round a claim to the
    penny; Python's default (banker's rounding, ROUND_HALF_EVEN) would turn 0.125 into 0.12 and
    the letter would disagree with a hand calculation. This is the only rounding function the
    engine uses for money.
    """
    value = _money_arg(x, "x")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterestSegment:
    """A run of consecutive days at one rate, for display ("8.75% for 50 days").

    ``start``/``end`` are inclusive. ``rate_percent`` is the full annual rate applied
    (reference rate + margin for statutory interest). ``daily_amount`` is the per-day interest:
    rounded to the cent under the ``daily`` rule, exact otherwise. ``unrounded_amount`` is the
    exact accrual; ``amount`` is what the letter shows (see :class:`InterestResult` for how
    segment amounts are made to add up to the total).
    """

    start: _dt.date
    end: _dt.date
    days: int
    rate_percent: Decimal
    days_in_year: int
    annual_amount: Decimal
    daily_amount: Decimal
    unrounded_amount: Decimal
    amount: Decimal
    reference_rate_percent: Decimal | None = None
    margin_points: Decimal | None = None
    source: str | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class InterestResult:
    """Interest owed for one debt over one period.

    ``total`` is the claimable amount, rounded per ``rounding``:

    * ``total``: accrue exactly, round the grand total half-up to the cent. Segment ``amount``s
      are allocated by cumulative rounding (segment i shows round(sum up to i) minus
      round(sum up to i-1)), so they always add up to ``total`` and each is within a cent of
      its exact value;
    * ``daily``: round each segment's daily interest to the cent, multiply by the days, add up
      (GOV.UK's worked example does this: 23p x 50 = £11.50).

    ``unrounded_total`` is the exact accrual, independent of the rounding rule. ``applicable``
    is False when the regime does not cover the debtor (``reason`` says why; total is zero).
    ``confidence`` is the lowest tag among the rates and margins used.
    """

    principal: Decimal
    start: _dt.date
    end: _dt.date
    days: int
    total: Decimal
    unrounded_total: Decimal
    segments: tuple[InterestSegment, ...]
    rounding: str
    mode: str
    reference_date: _dt.date | None = None
    applicable: bool = True
    reason: str | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class InterestBasis:
    """Which interest to claim: ``statutory``, ``contract`` (at ``rate_percent``) or ``none``.

    ``needs_review`` is set when the pack does not encode the rule needed to decide with
    certainty (the engine then falls back to the statutory regime and says so in ``reason``).
    """

    kind: Literal["statutory", "contract", "none"]
    reason: str
    rate_percent: Decimal | None = None
    needs_review: bool = False


# --------------------------------------------------------------------------------------------
# Calendar helpers
# --------------------------------------------------------------------------------------------


def _year_length(day: _dt.date, days_in_year: int | str) -> int:
    if days_in_year == "actual":
        return 366 if calendar.isleap(day.year) else 365
    if isinstance(days_in_year, bool) or not isinstance(days_in_year, int) or days_in_year <= 0:
        raise ValueError(f"days_in_year must be a positive int or 'actual', got {days_in_year!r}")
    return days_in_year


def fixed_reference_date(start: _dt.date) -> _dt.date:
    """The reference date for a fixed-for-life rate: the last day of the preceding half-year.

    SI 2002/1675 art. 4: the official dealing rate "in force on the 30th June (in respect of
    interest which starts to run between 1st July and 31st December) or the 31st December (in
    respect of interest which starts to run between 1st January and 30th June) immediately before
    the day on which statutory interest starts to run". So interest starting on 1 Jan-30 Jun of
    year Y uses 31 Dec Y-1; starting on 1 Jul-31 Dec of year Y uses 30 Jun Y.
    """
    if start.month <= 6:
        return _dt.date(start.year - 1, 12, 31)
    return _dt.date(start.year, 6, 30)


def _cut_points(
    start: _dt.date,
    end: _dt.date,
    *,
    half_years: bool,
    years: bool,
    extra: Iterable[_dt.date] = (),
) -> list[_dt.date]:
    """Dates d with start < d <= end on which a new segment must begin."""
    cuts: set[_dt.date] = {d for d in extra if start < d <= end}
    months = (1, 7) if half_years else (1,) if years else ()
    for year in range(start.year, end.year + 1):
        for month in months:
            d = _dt.date(year, month, 1)
            if start < d <= end:
                cuts.add(d)
    return sorted(cuts)


def _pieces(
    start: _dt.date, end: _dt.date, cuts: list[_dt.date]
) -> list[tuple[_dt.date, _dt.date]]:
    pieces = []
    a = start
    for c in cuts:
        pieces.append((a, c - _ONE_DAY))
        a = c
    pieces.append((a, end))
    return pieces


# --------------------------------------------------------------------------------------------
# Core accrual
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    start: _dt.date
    end: _dt.date
    rate_percent: Decimal
    year_len: int
    reference: Decimal | None
    margin: Decimal | None
    entry: RateEntry | None
    key: tuple[object, ...]


def _accrue(
    principal: Decimal,
    pieces: list[_Piece],
    rounding: str,
) -> tuple[tuple[InterestSegment, ...], Decimal, Decimal]:
    """Merge equal-rate neighbours, accrue each segment, apply the rounding rule.

    Returns (segments, total, unrounded_total).
    """
    if rounding not in ("total", "daily"):
        raise ValueError(f"rounding must be 'total' or 'daily', got {rounding!r}")
    merged: list[_Piece] = []
    for p in pieces:
        if merged and merged[-1].key == p.key:
            last = merged[-1]
            merged[-1] = _Piece(
                last.start,
                p.end,
                last.rate_percent,
                last.year_len,
                last.reference,
                last.margin,
                last.entry,
                last.key,
            )
        else:
            merged.append(p)

    segments: list[InterestSegment] = []
    with localcontext(_ctx()):
        unrounded_total = Decimal(0)
        shown_so_far = _ZERO
        for p in merged:
            days = (p.end - p.start).days + 1
            annual = principal * p.rate_percent / _HUNDRED
            exact_daily = annual / p.year_len
            # Multiply before dividing so the only inexact step is one final division.
            unrounded = principal * p.rate_percent * days / (_HUNDRED * p.year_len)
            unrounded_total += unrounded
            if rounding == "daily":
                daily = round_money(exact_daily)
                amount = daily * days
            else:
                daily = exact_daily
                amount = round_money(unrounded_total) - shown_so_far
            shown_so_far += amount
            segments.append(
                InterestSegment(
                    start=p.start,
                    end=p.end,
                    days=days,
                    rate_percent=p.rate_percent,
                    days_in_year=p.year_len,
                    annual_amount=annual,
                    daily_amount=daily,
                    unrounded_amount=unrounded,
                    amount=amount,
                    reference_rate_percent=p.reference,
                    margin_points=p.margin,
                    source=p.entry.source if p.entry else None,
                    confidence=p.entry.confidence if p.entry else None,
                )
            )
        total = round_money(shown_so_far)
    return tuple(segments), total, unrounded_total


def statutory_interest(
    principal: Decimal,
    start: _dt.date,
    end: _dt.date,
    si: StatutoryInterest,
    debtor_type: str,
) -> InterestResult:
    """Statutory late-payment interest on ``principal`` for each day ``start``..``end`` inclusive.

    ``start`` is the first day interest runs (see :func:`interest_start`); ``end`` is the last
    day counted, normally the payment date or the as-of date of the run.

    * **fixed** mode (England & Wales): one rate for the whole life of the debt — the reference
      rate in force on :func:`fixed_reference_date` of ``start`` (31 Dec before for H1 starts,
      30 Jun before for H2 starts) plus the debtor's margin. Later Bank Rate changes do not
      matter: s.4(2) fixes the rate "prevailing ... at the end of the relevant day".
    * **floating** mode (Germany, France): the period is split at every half-year boundary
      (1 Jan, 1 Jul) and at every change in the reference table; each part accrues at the rate in
      force on its first day plus the margin. Neighbouring parts at the same rate are shown as
      one segment (same money, shorter letter).

    With ``day_count.days_in_year == "actual"`` the period is also split at 1 Jan so each part
    uses its own year length (365/366).

    If the regime does not cover ``debtor_type`` (e.g. a consumer under the UK Act) the result
    has ``applicable=False`` and a zero total. Raises
    :class:`~collectbatch.jurisdictions.RateUnavailableError` when the needed reference rate is
    outside the table (e.g. after its ``known_through`` date): guessing a rate is worse than
    stopping.
    """
    principal = _money_arg(principal, "principal")
    if principal < 0:
        raise ValueError("principal must not be negative")
    margin = si.margin_for(debtor_type)
    diy = si.day_count.days_in_year
    empty = InterestResult(
        principal=principal,
        start=start,
        end=end,
        days=0,
        total=_ZERO,
        unrounded_total=Decimal(0),
        segments=(),
        rounding=si.rounding,
        mode=si.mode,
    )
    if margin is None:
        return replace(
            empty, applicable=False, reason=f"{si.name} does not apply to a {debtor_type} debtor"
        )
    if end < start:
        return empty

    pieces: list[_Piece] = []
    reference_date: _dt.date | None = None
    if si.mode == "fixed":
        reference_date = fixed_reference_date(start)
        entry = si.reference_rate.entry_on(reference_date)
        rate = entry.rate + margin.margin_points
        cuts = _cut_points(start, end, half_years=False, years=diy == "actual")
        for a, b in _pieces(start, end, cuts):
            ylen = _year_length(a, diy)
            pieces.append(
                _Piece(a, b, rate, ylen, entry.rate, margin.margin_points, entry, (entry, ylen))
            )
    elif si.mode == "floating":
        if end > si.reference_rate.known_through:
            # entry_on would raise too, but only for the part after known_through; say it upfront.
            si.reference_rate.entry_on(end)
        cuts = _cut_points(
            start,
            end,
            half_years=True,
            years=True,
            extra=(e.effective_from for e in si.reference_rate.entries),
        )
        for a, b in _pieces(start, end, cuts):
            entry = si.reference_rate.entry_on(a)
            ylen = _year_length(a, diy)
            pieces.append(
                _Piece(
                    a,
                    b,
                    entry.rate + margin.margin_points,
                    ylen,
                    entry.rate,
                    margin.margin_points,
                    entry,
                    (entry, ylen),
                )
            )
    else:
        raise ValueError(f"unknown statutory interest mode {si.mode!r}")

    segments, total, unrounded = _accrue(principal, pieces, si.rounding)
    confidence = lowest_confidence(
        [margin.confidence] + [s.confidence for s in segments if s.confidence]
    )
    return InterestResult(
        principal=principal,
        start=start,
        end=end,
        days=(end - start).days + 1,
        total=total,
        unrounded_total=unrounded,
        segments=segments,
        rounding=si.rounding,
        mode=si.mode,
        reference_date=reference_date,
        confidence=confidence,
    )


def contractual_interest(
    principal: Decimal,
    start: _dt.date,
    end: _dt.date,
    annual_rate_percent: Decimal,
    days_in_year: int | str = 365,
    rounding: Rounding = "total",
) -> InterestResult:
    """Simple interest at a contractual annual rate for each day ``start``..``end`` inclusive.

    ``days_in_year`` is 365 (default), 360, or ``"actual"`` (365 or 366 by calendar year; the
    period is split at 1 Jan). ``rounding`` works as in :class:`InterestResult`. Use this only
    for a rate the contract actually states: collectbatch never adds interest nobody agreed to.
    """
    principal = _money_arg(principal, "principal")
    rate = _money_arg(annual_rate_percent, "annual_rate_percent")
    if principal < 0:
        raise ValueError("principal must not be negative")
    _year_length(start, days_in_year)  # validates days_in_year
    if end < start:
        return InterestResult(
            principal, start, end, 0, _ZERO, Decimal(0), (), rounding, "contractual"
        )
    cuts = _cut_points(start, end, half_years=False, years=days_in_year == "actual")
    pieces = []
    for a, b in _pieces(start, end, cuts):
        ylen = _year_length(a, days_in_year)
        pieces.append(_Piece(a, b, rate, ylen, None, None, None, (ylen,)))
    segments, total, unrounded = _accrue(principal, pieces, rounding)
    return InterestResult(
        principal=principal,
        start=start,
        end=end,
        days=(end - start).days + 1,
        total=total,
        unrounded_total=unrounded,
        segments=segments,
        rounding=rounding,
        mode="contractual",
    )


# --------------------------------------------------------------------------------------------
# When interest starts
# --------------------------------------------------------------------------------------------


def _period_last_day(trigger: _dt.date, days: int, counting: str) -> _dt.date:
    """Last day of a ``days``-long period counted from ``trigger``.

    ``beginning_with`` (UK s.4(2H) "period of 30 days beginning with"): the trigger is day 1,
    so the last day is trigger + days - 1. ``after_event`` (BGB §187(1)): the trigger day is not
    counted, so the last day is trigger + days.
    """
    if counting == "beginning_with":
        return trigger + _dt.timedelta(days=days - 1)
    if counting == "after_event":
        return trigger + _dt.timedelta(days=days)
    raise ValueError(f"unknown counting rule {counting!r}")


def relevant_day(
    si: StatutoryInterest,
    *,
    agreed_due_date: _dt.date | None,
    trigger_date: _dt.date | None,
    debtor_type: str = "business",
    term_not_grossly_unfair: bool = False,
    contract_date: _dt.date | None = None,
) -> _dt.date:
    """The last day before interest runs (the UK Act's "relevant day"; the due date elsewhere).

    * With an agreed payment date, that date — unless an agreed-term cap in the pack applies to
      ``debtor_type`` and the agreed date is later than the cap period's last day counted from
      ``trigger_date``; then the cap's last day (UK s.4(2D) public authorities 30 days; s.4(2E)
      businesses 60 days unless ``term_not_grossly_unfair``, s.4(2F)). Caps are skipped when
      ``trigger_date`` is unknown, or when ``contract_date`` is given and precedes the cap's
      ``effective_from`` (the UK caps apply to contracts made from 16 Mar 2013).
    * Without one, the last day of the default period from ``trigger_date`` (UK: 30 days
      beginning with the later of performance and notice of the debt -> trigger + 29).
    """
    rule = si.start_rule
    if debtor_type not in DEBTOR_TYPES:
        raise ValueError(f"unknown debtor type {debtor_type!r}")
    if agreed_due_date is None:
        if trigger_date is None:
            raise ValueError("need trigger_date when no payment date was agreed")
        default = rule.no_agreed_due_date
        if default is None:
            raise ValueError(f"{si.name}: the pack encodes no default payment period")
        return _period_last_day(trigger_date, default.period_days, default.counting)

    day = agreed_due_date
    if trigger_date is not None:
        for cap in rule.agreed_term_caps:
            if debtor_type not in cap.debtor_types:
                continue
            if cap.effective_from and contract_date and contract_date < cap.effective_from:
                continue
            last = _period_last_day(trigger_date, cap.days, cap.counting)
            if agreed_due_date > last:
                if cap.exception == "not_grossly_unfair" and term_not_grossly_unfair:
                    continue
                day = min(day, last)
    return day


def interest_start(
    due_date: _dt.date | None,
    si: StatutoryInterest,
    agreed_due_date: bool,
    trigger_date: _dt.date | None = None,
    *,
    debtor_type: str = "business",
    term_not_grossly_unfair: bool = False,
    contract_date: _dt.date | None = None,
) -> _dt.date:
    """First day statutory interest runs: the day after :func:`relevant_day`.

    ``agreed_due_date=True``: ``due_date`` is the agreed payment date, so interest starts the
    day after it (subject to the agreed-term caps, which need ``trigger_date``).
    ``agreed_due_date=False``: ``due_date`` is ignored and the default period runs from
    ``trigger_date``. UK: "30 days beginning with" the trigger counts the trigger as day 1, so
    the relevant day is trigger + 29 and interest starts on trigger + 30 — not trigger + 31, as
    simplified calculators sometimes have it. Germany (§187(1) BGB, trigger not counted): the
    30th day is trigger + 30, default from trigger + 31.
    """
    if agreed_due_date:
        if due_date is None:
            raise ValueError("agreed_due_date=True needs due_date")
        last = relevant_day(
            si,
            agreed_due_date=due_date,
            trigger_date=trigger_date,
            debtor_type=debtor_type,
            term_not_grossly_unfair=term_not_grossly_unfair,
            contract_date=contract_date,
        )
    else:
        last = relevant_day(
            si, agreed_due_date=None, trigger_date=trigger_date, debtor_type=debtor_type
        )
    return last + _ONE_DAY


# --------------------------------------------------------------------------------------------
# Statutory vs contractual interest
# --------------------------------------------------------------------------------------------


def _policy_active(policy: ContractRatePolicy | None, on: _dt.date) -> ContractRatePolicy | None:
    if policy is None:
        return None
    if policy.effective_from and on < policy.effective_from:
        return None
    if policy.effective_to and on > policy.effective_to:
        return None
    return policy


def contract_rate_floor(policy: ContractRatePolicy, on: _dt.date) -> Decimal:
    """Lowest valid contractual rate on ``on``: ``multiplier`` x the legal rate in force then.

    France L441-10 II: a stipulated penalty rate may not be below three times the taux d'intérêt
    légal (the "tous les autres cas" rate for a business creditor) of the half-year.
    """
    if policy.multiplier is None or policy.legal_rate is None:
        raise ValueError("this contract-rate policy has no legal-rate floor")
    with localcontext(_ctx()):
        return policy.multiplier * policy.legal_rate.entry_on(on).rate


def interest_basis(
    si: StatutoryInterest | None,
    debtor_type: str,
    on: _dt.date,
    contract_rate_percent: Decimal | None = None,
    contract_remedy_substantial: bool = False,
) -> InterestBasis:
    """Decide whether to claim statutory interest, the contract rate, or nothing.

    ``on`` is the day interest starts (the policy and any legal-rate floor are read for it).

    * No statutory regime for this debtor: the contract rate if there is one, else nothing
      (collectbatch never invents interest; UK-10: consumers get none under the Act).
    * UK (``substantial_remedy_displaces``): a contract rate that is a substantial remedy
      displaces statutory interest (s.8(1), s.9(1)); one that is not is void and statutory
      interest applies.
    * France (``minimum_multiple_of_legal_rate``): a contract rate below 3 x taux légal is
      invalid; the statutory MRO + 10 applies instead.
    * No policy encoded: statutory interest, flagged ``needs_review``.
    """
    if debtor_type not in DEBTOR_TYPES:
        raise ValueError(f"unknown debtor type {debtor_type!r}")
    rate = None if contract_rate_percent is None else _money_arg(contract_rate_percent, "rate")
    covered = si is not None and si.margin_for(debtor_type) is not None
    if not covered:
        if rate is not None:
            return InterestBasis("contract", "no statutory regime covers this debtor", rate)
        return InterestBasis("none", "no statutory regime covers this debtor and no contract rate")
    assert si is not None
    if rate is None:
        return InterestBasis("statutory", f"{si.name}: no contractual rate agreed")
    policy = _policy_active(si.contract_rate_policy, on)
    if policy is None:
        return InterestBasis(
            "statutory",
            f"{si.name}: the pack does not encode how a contractual rate interacts with "
            "statutory interest; check the contract rate by hand",
            needs_review=True,
        )
    if policy.rule == "substantial_remedy_displaces":
        if contract_remedy_substantial:
            return InterestBasis(
                "contract",
                f"contractual rate {rate}% is a substantial remedy; statutory interest is "
                f"displaced ({policy.source})",
                rate,
            )
        return InterestBasis(
            "statutory",
            f"contractual remedy is not substantial, so the term is void ({policy.source})",
        )
    if policy.rule == "minimum_multiple_of_legal_rate":
        floor = contract_rate_floor(policy, on)
        if rate >= floor:
            return InterestBasis(
                "contract", f"contractual rate {rate}% is at least the floor {floor}%", rate
            )
        return InterestBasis(
            "statutory",
            f"contractual rate {rate}% is below the floor {floor}% ({policy.multiplier} x legal "
            f"rate {policy.legal_rate.entry_on(on).rate if policy.legal_rate else '?'}%); "
            f"statutory rate applies ({policy.source})",
        )
    raise ValueError(f"unknown contract-rate rule {policy.rule!r}")


# --------------------------------------------------------------------------------------------
# Compensation, fees, discounts
# --------------------------------------------------------------------------------------------


def compensation(
    principal: Decimal,
    pack: JurisdictionPack | Compensation | None,
    debtor_type: str,
    *,
    statutory_interest_running: bool = True,
) -> Decimal:
    """Fixed compensation for one invoice (qualifying debt), from the pack's principal bands.

    Bands are half-open, ``min <= principal < max`` (UK s.5A(2): "less than £1000" -> £40,
    "£1000 or more, but less than £10,000" -> £70, "£10,000 or more" -> £100). Returns 0.00 when
    the pack has no compensation, when ``debtor_type`` is not covered (consumers under the UK
    Act, BGB §288(5) and L441-10), or when the right depends on statutory interest running
    (UK s.5A(1)) and ``statutory_interest_running`` is False. It is due once per invoice, not per
    reminder: callers must not add it twice.
    """
    principal = _money_arg(principal, "principal")
    if debtor_type not in DEBTOR_TYPES:
        raise ValueError(f"unknown debtor type {debtor_type!r}")
    comp = pack.compensation if isinstance(pack, JurisdictionPack) else pack
    if comp is None or debtor_type not in comp.debtor_types:
        return _ZERO
    if comp.requires_statutory_interest and not statutory_interest_running:
        return _ZERO
    for band in comp.bands:
        upper = band.max_principal_exclusive
        if band.min_principal <= principal and (upper is None or principal < upper):
            return round_money(band.amount)
    return _ZERO


def late_fees(
    overdue_amount: Decimal,
    days_overdue: int,
    flat: Decimal,
    percent: Decimal,
    every_days: int | None = None,
    cap: Decimal | None = None,
) -> Decimal:
    """Contractual late fees: ``flat`` + ``percent``% of ``overdue_amount`` per charge.

    One charge falls due on the first day overdue (``days_overdue >= 1``). With ``every_days=N``
    it is charged again each further N days: on days 1, N+1, 2N+1, … so the number of charges
    is ``1 + (days_overdue - 1) // N``. ``every_days=None`` means once only. Each charge is
    rounded to the cent; the sum is then limited to ``cap`` (``None`` = no cap). Nothing is due
    when not overdue or nothing is owed. Only charge fees the contract allows (Reg F
    1006.22(b); CA Civ. Code 1671 penalty rule).
    """
    amount = _money_arg(overdue_amount, "overdue_amount")
    flat = _money_arg(flat, "flat")
    percent = _money_arg(percent, "percent")
    if flat < 0 or percent < 0:
        raise ValueError("fees must not be negative")
    if every_days is not None and every_days <= 0:
        raise ValueError("every_days must be positive or None")
    if days_overdue <= 0 or amount <= 0:
        return _ZERO
    charges = 1 if every_days is None else 1 + (days_overdue - 1) // every_days
    with localcontext(_ctx()):
        per_charge = round_money(flat + amount * percent / _HUNDRED)
        total = per_charge * charges
    if cap is not None:
        cap = _money_arg(cap, "cap")
        total = min(total, cap)
    return round_money(total)


def early_payment_discount(
    amount: Decimal,
    percent: Decimal,
    within_days: int,
    issue_date: _dt.date,
    as_of: _dt.date,
) -> tuple[Decimal, _dt.date] | None:
    """Early-payment discount ("2/10 net 30"): ``percent``% off if paid within ``within_days``.

    The deadline is ``issue_date + within_days`` and is inclusive (paying on the deadline still
    earns the discount). Returns ``(discount, deadline)`` while ``as_of <= deadline``, else
    ``None`` — an expired discount must not be offered in a reminder.
    """
    amount = _money_arg(amount, "amount")
    percent = _money_arg(percent, "percent")
    if within_days < 0:
        raise ValueError("within_days must not be negative")
    deadline = issue_date + _dt.timedelta(days=within_days)
    if as_of > deadline:
        return None
    with localcontext(_ctx()):
        return round_money(amount * percent / _HUNDRED), deadline


# --------------------------------------------------------------------------------------------
# Court gates
# --------------------------------------------------------------------------------------------


def pre_action_applies(pack: JurisdictionPack, debtor_type: str) -> bool:
    """True if the pack's pre-action protocol covers ``debtor_type`` (E&W: individuals and sole
    traders under the Pre-Action Protocol for Debt Claims; companies are outside it)."""
    if debtor_type not in DEBTOR_TYPES:
        raise ValueError(f"unknown debtor type {debtor_type!r}")
    return pack.pre_action is not None and debtor_type in pack.pre_action.debtor_types


def earliest_issue_date(
    event_date: _dt.date, pre_action: PreAction, event: str = "reply_to_letter_of_claim"
) -> _dt.date:
    """Earliest day to issue proceedings: ``event_date`` + the protocol's days for ``event``.

    E&W: Letter of Claim dated 2 Mar 2026, no reply -> 1 Apr 2026 (30 days). For
    ``after_documents_provided`` pass the day the documents were sent.
    """
    timing = pre_action.timing(event)
    if timing is None:
        raise KeyError(f"{pre_action.name}: no timing encoded for {event!r}")
    return event_date + _dt.timedelta(days=timing.days)


def small_claims_limit(sc: SmallClaims, claimant: str, venue: str | None = None) -> Decimal | None:
    """The small-claims ceiling for a claimant type (``individual``/``entity``).

    A limit for the exact claimant type wins over one for ``any``. If several venues have
    different limits (New York), pass ``venue``; otherwise a ``ValueError`` says to choose.
    Returns ``None`` if no limit is encoded for that claimant (e.g. NY entities must use
    commercial claims, encoded as separate venues).
    """
    for wanted in (claimant, "any"):
        rows = [lim for lim in sc.limits if lim.claimant == wanted]
        if venue is not None:
            rows = [lim for lim in rows if lim.venue == venue]
        if len(rows) == 1:
            return rows[0].amount
        if len(rows) > 1:
            raise ValueError(
                f"several {wanted} limits by venue: {[r.venue for r in rows]}; pass venue"
            )
    return None
