"""Jurisdiction packs: the legal figures one jurisdiction contributes to a collections run.

A pack is a YAML file under ``rules/jurisdictions/`` (one per jurisdiction code), validated
against ``schemas/jurisdiction.schema.json``. This module holds the typed, immutable form of a
pack and :func:`pack_from_dict`, which converts already-loaded (and already-validated) YAML data
into it. It does no file I/O: reading and schema validation belong to the policy loader.

Conversions are strict on purpose:

* money and rates become :class:`~decimal.Decimal`. Strings are parsed as written; YAML numbers
  are converted through ``str`` (``Decimal(str(x))``) so ``0.1`` stays ``0.1`` and never picks up
  binary floating-point noise;
* dates may be ISO strings or ``datetime.date`` objects (PyYAML turns unquoted ``2026-01-01`` into
  a ``date``);
* every figure keeps its ``source`` and ``confidence`` (``H``/``M``/``L`` as defined in the legal
  reference) so a letter or report can say where a number comes from and how sure we are.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

__all__ = [
    "CLAIMANT_TYPES",
    "CONFIDENCE_ORDER",
    "DEBTOR_TYPES",
    "AgreedDueDateRule",
    "Compensation",
    "CompensationBand",
    "ContractRatePolicy",
    "DayCount",
    "DebtorMargin",
    "DefaultPeriodRule",
    "DemandLetterWindow",
    "FilingCap",
    "JurisdictionPack",
    "Limitation",
    "LimitationPeriod",
    "PackError",
    "PendingChange",
    "PreAction",
    "PreActionTiming",
    "RateEntry",
    "RateTable",
    "RateUnavailableError",
    "SmallClaims",
    "SmallClaimsLimit",
    "StartRule",
    "StatutoryInterest",
    "TermCap",
    "lowest_confidence",
    "pack_from_dict",
]

Confidence = Literal["H", "M", "L"]
DebtorType = Literal["business", "sole_trader", "public_authority", "consumer"]

#: Debtor types known to the engine. ``business``: a company or other organisation acting in the
#: course of business; ``sole_trader``: an individual acting in the course of business;
#: ``public_authority``: a public body as purchaser; ``consumer``: an individual acting outside
#: any business.
DEBTOR_TYPES: tuple[str, ...] = ("business", "sole_trader", "public_authority", "consumer")

#: Claimant (creditor) types used by small-claims limits: ``individual`` (natural person),
#: ``entity`` (corporation, LLC, partnership, association…) and ``any``.
CLAIMANT_TYPES: tuple[str, ...] = ("individual", "entity", "any")

#: Confidence tags from weakest to strongest.
CONFIDENCE_ORDER: tuple[str, ...] = ("L", "M", "H")


class PackError(ValueError):
    """The pack data is malformed (wrong type, unknown enum value, unsorted table…)."""


class RateUnavailableError(LookupError):
    """No reference rate is known for the date asked (before the table or after known_through)."""


def lowest_confidence(tags: Sequence[str]) -> str:
    """Return the weakest of the given confidence tags (``L`` < ``M`` < ``H``).

    A computed figure is only as reliable as its least reliable input, so results carry the
    lowest tag of everything they used.
    """
    if not tags:
        raise ValueError("no confidence tags given")
    return min(tags, key=CONFIDENCE_ORDER.index)


# --------------------------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateEntry:
    """One row of a reference-rate table: ``rate`` (percent p.a.) applies from ``effective_from``
    until the day before the next row's ``effective_from``."""

    effective_from: _dt.date
    rate: Decimal
    source: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class RateTable:
    """A step function of reference rates over time.

    ``known_through`` is the last date for which the table is known to be complete; asking for a
    later date raises :class:`RateUnavailableError` rather than silently reusing the last row.
    """

    name: str
    source: str
    known_through: _dt.date
    entries: tuple[RateEntry, ...]
    note: str | None = None

    def entry_on(self, day: _dt.date) -> RateEntry:
        """The row in force on ``day`` (the latest row with ``effective_from <= day``)."""
        if day > self.known_through:
            raise RateUnavailableError(
                f"{self.name}: no verified rate after {self.known_through.isoformat()} "
                f"(asked for {day.isoformat()})"
            )
        found: RateEntry | None = None
        for entry in self.entries:
            if entry.effective_from <= day:
                found = entry
            else:
                break
        if found is None:
            raise RateUnavailableError(
                f"{self.name}: table starts {self.entries[0].effective_from.isoformat()} "
                f"(asked for {day.isoformat()})"
            )
        return found


@dataclass(frozen=True)
class DebtorMargin:
    """Statutory margin (percentage points over the reference rate) for one debtor type."""

    debtor_type: str
    margin_points: Decimal
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class AgreedDueDateRule:
    """When an agreed payment date exists: ``day_after_due_date`` means interest starts the day
    after the agreed date (the agreed date itself is the "relevant day")."""

    starts: str
    source: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class DefaultPeriodRule:
    """When no payment date was agreed: a period of ``period_days`` counted from a trigger day.

    ``counting`` is ``beginning_with`` (the trigger day is day 1, so the last day is
    trigger + period_days - 1; UK s.4(2H)) or ``after_event`` (the trigger day is not counted,
    so the last day is trigger + period_days; BGB §187(1)). Interest starts the day after the
    last day.
    """

    period_days: int
    counting: str
    trigger: str
    source: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class TermCap:
    """A statutory cap on agreed payment terms for some debtor types (UK s.4(2D)-(2F)).

    If the agreed date falls after the last day of a ``days``-long period (counted like the
    default period, from the same trigger), the relevant day becomes that last day, unless
    ``exception == "not_grossly_unfair"`` and the caller says the term is not grossly unfair.
    """

    debtor_types: tuple[str, ...]
    days: int
    counting: str
    exception: str
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class StartRule:
    """How to find the day statutory interest starts."""

    agreed_due_date: AgreedDueDateRule
    no_agreed_due_date: DefaultPeriodRule | None
    agreed_term_caps: tuple[TermCap, ...] = ()


@dataclass(frozen=True)
class DayCount:
    """Day-count basis: ``days_in_year`` is an int (365 or 360) or ``"actual"`` (365/366)."""

    days_in_year: int | str
    source: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class ContractRatePolicy:
    """How a contractual interest rate interacts with statutory interest.

    ``substantial_remedy_displaces``: a substantial contractual remedy replaces statutory
    interest; a non-substantial one is void and statutory interest applies (UK ss.8-9).
    ``minimum_multiple_of_legal_rate``: a contractual rate is valid only if it is at least
    ``multiplier`` x the legal rate in ``legal_rate`` (France L441-10 II); otherwise the statutory
    rate applies. ``effective_to`` lets a pack switch the rule off when the law changes.
    """

    rule: str
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    effective_to: _dt.date | None = None
    multiplier: Decimal | None = None
    legal_rate: RateTable | None = None
    note: str | None = None


@dataclass(frozen=True)
class StatutoryInterest:
    """Statutory late-payment interest: reference rate + margin, simple interest.

    ``mode == "fixed"``: one rate for the life of the debt, taken from the reference rate in
    force on ``fixed_reference`` (``end_of_previous_half_year``: 31 Dec before for H1 starts,
    30 Jun before for H2 starts). ``mode == "floating"``: the rate follows the reference table
    day by day (each half-year at its own rate).
    """

    name: str
    source: str
    confidence: str
    applies_to: tuple[DebtorMargin, ...]
    mode: str
    reference_rate: RateTable
    start_rule: StartRule
    day_count: DayCount
    rounding: str
    fixed_reference: str | None = None
    effective_from: _dt.date | None = None
    contract_rate_policy: ContractRatePolicy | None = None
    note: str | None = None

    def margin_for(self, debtor_type: str) -> DebtorMargin | None:
        """The margin for ``debtor_type``, or ``None`` if the regime does not cover that debtor."""
        if debtor_type not in DEBTOR_TYPES:
            raise ValueError(f"unknown debtor type {debtor_type!r}; expected one of {DEBTOR_TYPES}")
        for margin in self.applies_to:
            if margin.debtor_type == debtor_type:
                return margin
        return None


@dataclass(frozen=True)
class CompensationBand:
    """Fixed sum for principals in ``[min_principal, max_principal_exclusive)``."""

    min_principal: Decimal
    max_principal_exclusive: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class Compensation:
    """Fixed compensation per invoice (qualifying debt), banded by principal."""

    name: str
    debtor_types: tuple[str, ...]
    bands: tuple[CompensationBand, ...]
    requires_statutory_interest: bool
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class SmallClaimsLimit:
    """Maximum claim for one claimant type (and optionally one venue/court)."""

    claimant: str
    amount: Decimal
    venue: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class FilingCap:
    """At most ``max_claims`` per ``period`` (counting only claims above ``over_amount``)."""

    claimant: str
    max_claims: int
    period: str
    over_amount: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True)
class DemandLetterWindow:
    """A demand letter must be sent between ``min_days`` and ``max_days`` before filing."""

    min_days: int
    max_days: int
    debtor_types: tuple[str, ...]
    source: str
    confidence: str


@dataclass(frozen=True)
class SmallClaims:
    """Small-claims court (or track) limits."""

    forum: str
    currency: str
    limits: tuple[SmallClaimsLimit, ...]
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    filing_caps: tuple[FilingCap, ...] = ()
    demand_letter: DemandLetterWindow | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LimitationPeriod:
    """Limitation period in whole years for one kind of claim."""

    claim_type: str
    years: int
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Limitation:
    """Limitation periods for contract debts."""

    periods: tuple[LimitationPeriod, ...]
    notes: tuple[str, ...] = ()

    def period_for(self, claim_type: str) -> LimitationPeriod | None:
        """The period for ``claim_type``; written/oral contracts and open accounts fall back to
        ``simple_contract`` where only that is encoded (England & Wales: Limitation Act 1980 s.5
        covers every contract not made by deed, so invoice debts are simple-contract claims)."""
        for p in self.periods:
            if p.claim_type == claim_type:
                return p
        if claim_type in ("written_contract", "oral_contract", "open_account"):
            for p in self.periods:
                if p.claim_type == "simple_contract":
                    return p
        return None


@dataclass(frozen=True)
class PreActionTiming:
    """A waiting period (days) in a pre-action protocol."""

    event: str
    days: int
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class PreAction:
    """A pre-action protocol that must be followed before issuing a claim."""

    name: str
    debtor_types: tuple[str, ...]
    timings: tuple[PreActionTiming, ...]
    source: str
    confidence: str
    effective_from: _dt.date | None = None
    required_contents: tuple[str, ...] = ()
    enclosures: tuple[str, ...] = ()
    otherwise: str | None = None

    def timing(self, event: str) -> PreActionTiming | None:
        """The timing for ``event`` (e.g. ``reply_to_letter_of_claim``), if encoded."""
        for t in self.timings:
            if t.event == event:
                return t
        return None


@dataclass(frozen=True)
class PendingChange:
    """A known law change that is not in force (flag only; never applied)."""

    summary: str
    source: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class JurisdictionPack:
    """Everything the engine knows about one jurisdiction."""

    code: str
    name: str
    currency: str
    default_language: str
    verified_as_of: _dt.date
    statutory_interest: StatutoryInterest | None = None
    compensation: Compensation | None = None
    small_claims: SmallClaims | None = None
    limitation: Limitation | None = None
    pre_action: PreAction | None = None
    pending_changes: tuple[PendingChange, ...] = ()
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Conversion helpers
# --------------------------------------------------------------------------------------------


def _dec(value: Any, what: str) -> Decimal:
    """Exact Decimal from a YAML value. Floats go through ``str`` (shortest repr), never binary."""
    if isinstance(value, bool):
        raise PackError(f"{what}: expected a number or numeric string, got a boolean")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise PackError(f"{what}: {value!r} is not a decimal number") from exc
        if not result.is_finite():
            raise PackError(f"{what}: {value!r} is not a finite number")
        return result
    raise PackError(f"{what}: expected a number or numeric string, got {type(value).__name__}")


def _opt_dec(value: Any, what: str) -> Decimal | None:
    return None if value is None else _dec(value, what)


def _date(value: Any, what: str) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise PackError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from exc
    raise PackError(f"{what}: expected a date, got {type(value).__name__}")


def _opt_date(value: Any, what: str) -> _dt.date | None:
    return None if value is None else _date(value, what)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PackError(f"{what}: expected an integer, got {value!r}")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise PackError(f"{what}: expected a non-empty string, got {value!r}")
    return value


def _opt_str(value: Any, what: str) -> str | None:
    return None if value is None else _str(value, what)


def _enum(value: Any, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise PackError(f"{what}: {value!r} is not one of {tuple(allowed)}")
    return str(value)


def _conf(d: Mapping[str, Any], what: str) -> str:
    return _enum(d.get("confidence"), CONFIDENCE_ORDER, f"{what}.confidence")


def _map(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PackError(f"{what}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PackError(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _strs(value: Any, what: str) -> tuple[str, ...]:
    return tuple(_str(v, f"{what}[{i}]") for i, v in enumerate(_list(value, what)))


def _debtor_types(value: Any, what: str) -> tuple[str, ...]:
    items = _list(value, what)
    if not items:
        raise PackError(f"{what}: must list at least one debtor type")
    return tuple(_enum(v, DEBTOR_TYPES, f"{what}[{i}]") for i, v in enumerate(items))


# --------------------------------------------------------------------------------------------
# Section parsers
# --------------------------------------------------------------------------------------------


def _rate_table(raw: Any, what: str) -> RateTable:
    d = _map(raw, what)
    entries = []
    for i, e in enumerate(_list(d.get("entries"), f"{what}.entries")):
        em = _map(e, f"{what}.entries[{i}]")
        w = f"{what}.entries[{i}]"
        entries.append(
            RateEntry(
                effective_from=_date(em.get("effective_from"), f"{w}.effective_from"),
                rate=_dec(em.get("rate"), f"{w}.rate"),
                source=_str(em.get("source"), f"{w}.source"),
                confidence=_conf(em, w),
                note=_opt_str(em.get("note"), f"{w}.note"),
            )
        )
    if not entries:
        raise PackError(f"{what}.entries: must not be empty")
    for a, b in zip(entries, entries[1:], strict=False):
        if b.effective_from <= a.effective_from:
            raise PackError(
                f"{what}.entries: effective_from must strictly increase "
                f"({a.effective_from} then {b.effective_from})"
            )
    known_through = _date(d.get("known_through"), f"{what}.known_through")
    if known_through < entries[-1].effective_from:
        raise PackError(f"{what}.known_through is before the last entry")
    return RateTable(
        name=_str(d.get("name"), f"{what}.name"),
        source=_str(d.get("source"), f"{what}.source"),
        known_through=known_through,
        entries=tuple(entries),
        note=_opt_str(d.get("note"), f"{what}.note"),
    )


def _statutory_interest(raw: Any) -> StatutoryInterest:
    w = "statutory_interest"
    d = _map(raw, w)
    margins = []
    for debtor_type, m in _map(d.get("applies_to"), f"{w}.applies_to").items():
        mw = f"{w}.applies_to.{debtor_type}"
        _enum(debtor_type, DEBTOR_TYPES, mw)
        mm = _map(m, mw)
        margins.append(
            DebtorMargin(
                debtor_type=debtor_type,
                margin_points=_dec(mm.get("margin_points"), f"{mw}.margin_points"),
                source=_str(mm.get("source"), f"{mw}.source"),
                confidence=_conf(mm, mw),
                effective_from=_opt_date(mm.get("effective_from"), f"{mw}.effective_from"),
                note=_opt_str(mm.get("note"), f"{mw}.note"),
            )
        )
    if not margins:
        raise PackError(f"{w}.applies_to: must cover at least one debtor type")

    mode = _enum(d.get("mode"), ("fixed", "floating"), f"{w}.mode")
    fixed_reference = None
    if mode == "fixed":
        fixed_reference = _enum(
            d.get("fixed_reference"), ("end_of_previous_half_year",), f"{w}.fixed_reference"
        )

    sr = _map(d.get("start_rule"), f"{w}.start_rule")
    ag = _map(sr.get("agreed_due_date"), f"{w}.start_rule.agreed_due_date")
    agreed = AgreedDueDateRule(
        starts=_enum(ag.get("starts"), ("day_after_due_date",), f"{w}.start_rule.agreed.starts"),
        source=_str(ag.get("source"), f"{w}.start_rule.agreed_due_date.source"),
        confidence=_conf(ag, f"{w}.start_rule.agreed_due_date"),
        note=_opt_str(ag.get("note"), f"{w}.start_rule.agreed_due_date.note"),
    )
    default = None
    if sr.get("no_agreed_due_date") is not None:
        dw = f"{w}.start_rule.no_agreed_due_date"
        dd = _map(sr.get("no_agreed_due_date"), dw)
        default = DefaultPeriodRule(
            period_days=_int(dd.get("period_days"), f"{dw}.period_days"),
            counting=_enum(dd.get("counting"), ("beginning_with", "after_event"), f"{dw}.count"),
            trigger=_str(dd.get("trigger"), f"{dw}.trigger"),
            source=_str(dd.get("source"), f"{dw}.source"),
            confidence=_conf(dd, dw),
            note=_opt_str(dd.get("note"), f"{dw}.note"),
        )
    caps = []
    for i, c in enumerate(_list(sr.get("agreed_term_caps"), f"{w}.start_rule.agreed_term_caps")):
        cw = f"{w}.start_rule.agreed_term_caps[{i}]"
        cm = _map(c, cw)
        caps.append(
            TermCap(
                debtor_types=_debtor_types(cm.get("debtor_types"), f"{cw}.debtor_types"),
                days=_int(cm.get("days"), f"{cw}.days"),
                counting=_enum(cm.get("counting"), ("beginning_with", "after_event"), cw),
                exception=_enum(cm.get("exception"), ("none", "not_grossly_unfair"), cw),
                source=_str(cm.get("source"), f"{cw}.source"),
                confidence=_conf(cm, cw),
                effective_from=_opt_date(cm.get("effective_from"), f"{cw}.effective_from"),
                note=_opt_str(cm.get("note"), f"{cw}.note"),
            )
        )

    dc = _map(d.get("day_count"), f"{w}.day_count")
    diy = dc.get("days_in_year")
    if diy not in (360, 365, "actual") or isinstance(diy, bool):
        raise PackError(f"{w}.day_count.days_in_year: {diy!r} is not 360, 365 or 'actual'")

    crp = None
    if d.get("contract_rate_policy") is not None:
        pw = f"{w}.contract_rate_policy"
        pm = _map(d.get("contract_rate_policy"), pw)
        rule = _enum(
            pm.get("rule"),
            ("substantial_remedy_displaces", "minimum_multiple_of_legal_rate"),
            f"{pw}.rule",
        )
        legal_rate = None
        multiplier = _opt_dec(pm.get("multiplier"), f"{pw}.multiplier")
        if pm.get("legal_rate") is not None:
            legal_rate = _rate_table(pm.get("legal_rate"), f"{pw}.legal_rate")
        if rule == "minimum_multiple_of_legal_rate" and (multiplier is None or legal_rate is None):
            raise PackError(f"{pw}: minimum_multiple_of_legal_rate needs multiplier and legal_rate")
        crp = ContractRatePolicy(
            rule=rule,
            source=_str(pm.get("source"), f"{pw}.source"),
            confidence=_conf(pm, pw),
            effective_from=_opt_date(pm.get("effective_from"), f"{pw}.effective_from"),
            effective_to=_opt_date(pm.get("effective_to"), f"{pw}.effective_to"),
            multiplier=multiplier,
            legal_rate=legal_rate,
            note=_opt_str(pm.get("note"), f"{pw}.note"),
        )

    return StatutoryInterest(
        name=_str(d.get("name"), f"{w}.name"),
        source=_str(d.get("source"), f"{w}.source"),
        confidence=_conf(d, w),
        applies_to=tuple(margins),
        mode=mode,
        reference_rate=_rate_table(d.get("reference_rate"), f"{w}.reference_rate"),
        start_rule=StartRule(
            agreed_due_date=agreed, no_agreed_due_date=default, agreed_term_caps=tuple(caps)
        ),
        day_count=DayCount(
            days_in_year=diy,
            source=_str(dc.get("source"), f"{w}.day_count.source"),
            confidence=_conf(dc, f"{w}.day_count"),
            note=_opt_str(dc.get("note"), f"{w}.day_count.note"),
        ),
        rounding=_enum(d.get("rounding"), ("total", "daily"), f"{w}.rounding"),
        fixed_reference=fixed_reference,
        effective_from=_opt_date(d.get("effective_from"), f"{w}.effective_from"),
        contract_rate_policy=crp,
        note=_opt_str(d.get("note"), f"{w}.note"),
    )


def _compensation(raw: Any) -> Compensation:
    w = "compensation"
    d = _map(raw, w)
    bands = []
    for i, b in enumerate(_list(d.get("bands"), f"{w}.bands")):
        bw = f"{w}.bands[{i}]"
        bm = _map(b, bw)
        bands.append(
            CompensationBand(
                min_principal=_dec(bm.get("min_principal"), f"{bw}.min_principal"),
                max_principal_exclusive=_opt_dec(
                    bm.get("max_principal_exclusive"), f"{bw}.max_principal_exclusive"
                ),
                amount=_dec(bm.get("amount"), f"{bw}.amount"),
            )
        )
    if not bands:
        raise PackError(f"{w}.bands: must not be empty")
    # Bands must tile [first.min, inf) without gaps or overlaps so every principal has one band.
    for a, b in zip(bands, bands[1:], strict=False):
        if a.max_principal_exclusive is None or a.max_principal_exclusive != b.min_principal:
            raise PackError(f"{w}.bands: bands must be contiguous and sorted")
    if bands[-1].max_principal_exclusive is not None:
        raise PackError(f"{w}.bands: the last band must be open-ended")
    return Compensation(
        name=_str(d.get("name"), f"{w}.name"),
        debtor_types=_debtor_types(d.get("debtor_types"), f"{w}.debtor_types"),
        bands=tuple(bands),
        requires_statutory_interest=bool(d.get("requires_statutory_interest", False)),
        source=_str(d.get("source"), f"{w}.source"),
        confidence=_conf(d, w),
        effective_from=_opt_date(d.get("effective_from"), f"{w}.effective_from"),
        note=_opt_str(d.get("note"), f"{w}.note"),
    )


def _small_claims(raw: Any) -> SmallClaims:
    w = "small_claims"
    d = _map(raw, w)
    limits = []
    for i, lim in enumerate(_list(d.get("limits"), f"{w}.limits")):
        lw = f"{w}.limits[{i}]"
        lm = _map(lim, lw)
        limits.append(
            SmallClaimsLimit(
                claimant=_enum(lm.get("claimant"), CLAIMANT_TYPES, f"{lw}.claimant"),
                amount=_dec(lm.get("amount"), f"{lw}.amount"),
                venue=_opt_str(lm.get("venue"), f"{lw}.venue"),
                note=_opt_str(lm.get("note"), f"{lw}.note"),
            )
        )
    if not limits:
        raise PackError(f"{w}.limits: must not be empty")
    caps = []
    for i, c in enumerate(_list(d.get("filing_caps"), f"{w}.filing_caps")):
        cw = f"{w}.filing_caps[{i}]"
        cm = _map(c, cw)
        caps.append(
            FilingCap(
                claimant=_enum(cm.get("claimant"), CLAIMANT_TYPES, f"{cw}.claimant"),
                max_claims=_int(cm.get("max_claims"), f"{cw}.max_claims"),
                period=_enum(cm.get("period"), ("calendar_year", "calendar_month"), cw),
                over_amount=_opt_dec(cm.get("over_amount"), f"{cw}.over_amount"),
                note=_opt_str(cm.get("note"), f"{cw}.note"),
            )
        )
    demand = None
    if d.get("demand_letter") is not None:
        dw = f"{w}.demand_letter"
        dm = _map(d.get("demand_letter"), dw)
        demand = DemandLetterWindow(
            min_days=_int(dm.get("min_days"), f"{dw}.min_days"),
            max_days=_int(dm.get("max_days"), f"{dw}.max_days"),
            debtor_types=_debtor_types(dm.get("debtor_types"), f"{dw}.debtor_types"),
            source=_str(dm.get("source"), f"{dw}.source"),
            confidence=_conf(dm, dw),
        )
    return SmallClaims(
        forum=_str(d.get("forum"), f"{w}.forum"),
        currency=_str(d.get("currency"), f"{w}.currency"),
        limits=tuple(limits),
        source=_str(d.get("source"), f"{w}.source"),
        confidence=_conf(d, w),
        effective_from=_opt_date(d.get("effective_from"), f"{w}.effective_from"),
        filing_caps=tuple(caps),
        demand_letter=demand,
        notes=_strs(d.get("notes"), f"{w}.notes"),
    )


_CLAIM_TYPES = (
    "written_contract",
    "oral_contract",
    "open_account",
    "simple_contract",
    "contract_under_seal",
    "consumer_credit",
)


def _limitation(raw: Any) -> Limitation:
    w = "limitation"
    d = _map(raw, w)
    periods = []
    for i, p in enumerate(_list(d.get("periods"), f"{w}.periods")):
        pw = f"{w}.periods[{i}]"
        pm = _map(p, pw)
        periods.append(
            LimitationPeriod(
                claim_type=_enum(pm.get("claim_type"), _CLAIM_TYPES, f"{pw}.claim_type"),
                years=_int(pm.get("years"), f"{pw}.years"),
                source=_str(pm.get("source"), f"{pw}.source"),
                confidence=_conf(pm, pw),
                effective_from=_opt_date(pm.get("effective_from"), f"{pw}.effective_from"),
                note=_opt_str(pm.get("note"), f"{pw}.note"),
            )
        )
    if not periods:
        raise PackError(f"{w}.periods: must not be empty")
    return Limitation(periods=tuple(periods), notes=_strs(d.get("notes"), f"{w}.notes"))


def _pre_action(raw: Any) -> PreAction:
    w = "pre_action"
    d = _map(raw, w)
    timings = []
    for i, t in enumerate(_list(d.get("timings"), f"{w}.timings")):
        tw = f"{w}.timings[{i}]"
        tm = _map(t, tw)
        timings.append(
            PreActionTiming(
                event=_str(tm.get("event"), f"{tw}.event"),
                days=_int(tm.get("days"), f"{tw}.days"),
                confidence=_conf(tm, tw),
                note=_opt_str(tm.get("note"), f"{tw}.note"),
            )
        )
    return PreAction(
        name=_str(d.get("name"), f"{w}.name"),
        debtor_types=_debtor_types(d.get("debtor_types"), f"{w}.debtor_types"),
        timings=tuple(timings),
        source=_str(d.get("source"), f"{w}.source"),
        confidence=_conf(d, w),
        effective_from=_opt_date(d.get("effective_from"), f"{w}.effective_from"),
        required_contents=_strs(d.get("required_contents"), f"{w}.required_contents"),
        enclosures=_strs(d.get("enclosures"), f"{w}.enclosures"),
        otherwise=_opt_str(d.get("otherwise"), f"{w}.otherwise"),
    )


def pack_from_dict(data: dict[str, Any]) -> JurisdictionPack:
    """Convert one loaded YAML pack (a dict) into an immutable :class:`JurisdictionPack`.

    The input is expected to have passed ``schemas/jurisdiction.schema.json``; this function
    still checks types and enum values itself (raising :class:`PackError`), because a wrong
    figure in a demand letter is worse than a crash. Strings become ``Decimal``/``date``; numbers
    become ``Decimal(str(x))``; YAML ``date`` objects are accepted as they are.
    """
    d = _map(data, "pack")
    pending = []
    for i, p in enumerate(_list(d.get("pending_changes"), "pending_changes")):
        pw = f"pending_changes[{i}]"
        pm = _map(p, pw)
        pending.append(
            PendingChange(
                summary=_str(pm.get("summary"), f"{pw}.summary"),
                source=_str(pm.get("source"), f"{pw}.source"),
                confidence=_conf(pm, pw),
                note=_opt_str(pm.get("note"), f"{pw}.note"),
            )
        )

    def opt(key: str, parse: Any) -> Any:
        return None if d.get(key) is None else parse(d[key])

    return JurisdictionPack(
        code=_str(d.get("code"), "code"),
        name=_str(d.get("name"), "name"),
        currency=_str(d.get("currency"), "currency"),
        default_language=_enum(d.get("default_language"), ("en", "de", "fr"), "default_language"),
        verified_as_of=_date(d.get("verified_as_of"), "verified_as_of"),
        statutory_interest=opt("statutory_interest", _statutory_interest),
        compensation=opt("compensation", _compensation),
        small_claims=opt("small_claims", _small_claims),
        limitation=opt("limitation", _limitation),
        pre_action=opt("pre_action", _pre_action),
        pending_changes=tuple(pending),
        notes=_strs(d.get("notes"), "notes"),
    )
