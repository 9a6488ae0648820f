"""Statements with claims: what a letter, email or statement PDF shows per invoice, and why.

:func:`statement_for` turns one account's invoices, its payment terms and its jurisdiction pack
into a :class:`Statement`: per invoice the principal (the open amount), an early-payment
discount still available, contractual late fees, interest (contractual or statutory, with the
rate, days and period of every segment) and fixed compensation, plus plain-language notes citing
the contract clause or the statute behind each figure. It is a pure function of its arguments:
no I/O, no clock. The figures are claims shown on documents; nothing is written to the ledger.

Which claims appear is the step's ``claims`` setting: ``none``, ``interest`` (interest only) or
``all`` (late fees, interest and compensation). Interest runs from the day after the due date up
to and including the as-of date (``claims.py`` explains the day count and rounding), on the
amount open at the as-of date.

A missing reference rate never stops a run: the invoice shows no interest, the statement gets a
note "rate for <period> not yet in rules/jurisdictions/<code>.yaml" and the same text is returned
in :attr:`Statement.problems` for the accountant's exception list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .claims import (
    InterestBasis,
    InterestResult,
    compensation,
    contractual_interest,
    early_payment_discount,
    interest_basis,
    interest_start,
    late_fees,
    statutory_interest,
)
from .evaluate import Note
from .jurisdictions import (
    DEBTOR_TYPES,
    JurisdictionPack,
    RateTable,
    RateUnavailableError,
    StatutoryInterest,
)
from .policy import Terms

if TYPE_CHECKING:
    from .evaluate import Account, InvoiceLine

__all__ = [
    "CLAIMS_SETTINGS",
    "Discount",
    "Interest",
    "Segment",
    "Statement",
    "StatementLine",
    "StatementNote",
    "cite",
    "debtor_type",
    "statement_for",
]

#: Values of a ladder step's ``claims`` setting.
CLAIMS_SETTINGS: tuple[str, ...] = ("none", "interest", "all")

_ZERO = Decimal("0.00")
_ONE_DAY = timedelta(days=1)
_URL = re.compile(r"\s*https?://[^\s;,]+")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Days at one rate: ``rate`` percent a year from ``start`` to ``end`` inclusive.

    ``reference_rate`` and ``margin`` are set for statutory interest (rate = reference + margin);
    ``confidence`` is the pack's tag for the reference rate used (``L`` = unverified).
    """

    start: date
    end: date
    days: int
    rate: Decimal
    amount: Decimal
    reference_rate: Decimal | None = None
    margin: Decimal | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class Interest:
    """Interest claimed on one invoice.

    ``basis`` is ``statutory`` (the pack's regime) or ``contract`` (the terms' rate);
    ``mode`` is ``fixed``, ``floating`` or ``contractual``. ``amount`` is rounded as the pack
    (or, for contract interest, half-up on the total) says; the segments add up to it.
    """

    basis: str
    mode: str
    start: date
    end: date
    days: int
    segments: tuple[Segment, ...]
    amount: Decimal
    days_in_year: int | str
    confidence: str | None = None

    @property
    def rates(self) -> tuple[Decimal, ...]:
        """The distinct rates applied, in order."""
        out: list[Decimal] = []
        for s in self.segments:
            if s.rate not in out:
                out.append(s.rate)
        return tuple(out)


@dataclass(frozen=True)
class Discount:
    """An early-payment discount still available: ``amount`` off if paid by ``deadline``."""

    percent: Decimal
    amount: Decimal
    deadline: date
    pay: Decimal  # what settles the invoice by the deadline: open amount minus the discount


@dataclass(frozen=True)
class StatementLine:
    """One invoice on the statement.

    ``open`` is the principal claimed. ``claimed`` is what the claims add (fees + interest +
    compensation); ``total_claimed`` is principal plus claims. ``interest_unavailable`` holds
    the note text when interest could not be computed (no rate in the pack yet).
    """

    invoice_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    open: Decimal
    days_overdue: int
    discount: Discount | None = None
    late_fee: Decimal = _ZERO
    interest: Interest | None = None
    compensation: Decimal = _ZERO
    interest_unavailable: str | None = None

    @property
    def principal(self) -> Decimal:
        return self.open

    @property
    def interest_amount(self) -> Decimal:
        return self.interest.amount if self.interest else _ZERO

    @property
    def claimed(self) -> Decimal:
        return self.late_fee + self.interest_amount + self.compensation

    @property
    def total_claimed(self) -> Decimal:
        return self.open + self.claimed


@dataclass(frozen=True)
class StatementNote:
    """A plain-language note: why a figure is claimed, with the clause or statute (``source``).

    ``kind`` is one of ``discount``, ``late_fee``, ``contract_interest``,
    ``statutory_interest``, ``compensation``, ``rate_unavailable``, ``interest_continues`` or
    ``disputed``. ``text`` is the English sentence (plain, unformatted figures; used in
    problems and logs); templates compose their own sentence per language from the fields.
    """

    kind: str
    text: str
    source: str = ""
    name: str = ""
    rate: Decimal | None = None
    margin: Decimal | None = None
    reference: str = ""
    mode: str = ""
    days_in_year: int | str | None = None
    percent: Decimal | None = None
    flat: Decimal | None = None
    every_days: int | None = None
    cap: Decimal | None = None
    within_days: int | None = None
    bands: tuple[tuple[Decimal, Decimal | None, Decimal], ...] = ()
    period: str = ""
    path: str = ""
    invoice_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """Everything a document shows about one account in one currency, as of one date."""

    account_id: str
    currency: str
    as_of: date
    claims: str
    jurisdiction: str | None
    debtor_type: str
    lines: tuple[StatementLine, ...]
    disputed: tuple[StatementLine, ...] = ()
    notes: tuple[StatementNote, ...] = ()
    # exceptions.csv rows: rate-unavailable (no rate for the period: no interest),
    # rate-unverified (an L-tagged rate was used), claims-review (the pack does not say how the
    # terms' contract rate and statutory interest combine), compensation-currency (the pack's
    # fixed sum is in another currency: not claimed)
    problems: tuple[Note, ...] = field(default=())

    @property
    def principal(self) -> Decimal:
        return sum((line.open for line in self.lines), _ZERO)

    @property
    def late_fees(self) -> Decimal:
        return sum((line.late_fee for line in self.lines), _ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((line.interest_amount for line in self.lines), _ZERO)

    @property
    def compensation(self) -> Decimal:
        return sum((line.compensation for line in self.lines), _ZERO)

    @property
    def claimed(self) -> Decimal:
        """Fees + interest + compensation (what the claims add to the principal)."""
        return self.late_fees + self.interest + self.compensation

    @property
    def total(self) -> Decimal:
        """Principal plus every claim: the total claimed."""
        return self.principal + self.claimed

    @property
    def disputed_total(self) -> Decimal:
        return sum((line.open for line in self.disputed), _ZERO)

    @property
    def shows_fees(self) -> bool:
        return any(line.late_fee for line in self.lines)

    @property
    def shows_interest(self) -> bool:
        return any(line.interest or line.interest_unavailable for line in self.lines)

    @property
    def shows_compensation(self) -> bool:
        return any(line.compensation for line in self.lines)

    @property
    def has_claims(self) -> bool:
        """True when the claims table should be shown (something claimed or not computable)."""
        return self.shows_fees or self.shows_interest or self.shows_compensation

    @property
    def discounts(self) -> tuple[StatementLine, ...]:
        """The lines with an early-payment discount still available."""
        return tuple(line for line in self.lines if line.discount)

    def notes_of(self, kind: str) -> tuple[StatementNote, ...]:
        return tuple(n for n in self.notes if n.kind == kind)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def cite(source: str, act: str | None = None) -> str:
    """A citation fit for a letter: the pack's source text without URLs and doubled spaces.

    With ``act`` (the statute's name), a bare "Act s.5A" reads "<act> s.5A".
    """
    text = _URL.sub("", source)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([;,.)])", r"\1", text)
    text = re.sub(r"(;\s*)+;", ";", text)
    text = text.strip(" ;,")
    if act:
        text = re.sub(r"(?<![\w(])Act(?= s\.)", act, text)
    return text


def debtor_type(client_type: str | None) -> str:
    """The pack's debtor type for a clients.csv ``client_type`` (default ``business``)."""
    value = (client_type or "business").strip().lower()
    return value if value in DEBTOR_TYPES else "business"


def _half_year(day: date) -> str:
    return f"{day.year} H{1 if day.month <= 6 else 2}"


def _missing_day(table: RateTable, start: date, end: date, fixed: bool) -> date:
    """The first day of ``start``..``end`` for which ``table`` has no rate."""
    if fixed:
        return start
    first = table.entries[0].effective_from
    if start < first:
        return start
    return max(start, table.known_through + _ONE_DAY)


def _plain(value: Decimal) -> str:
    return f"{value:,.2f}"


def _rate_text(value: Decimal) -> str:
    return f"{value.normalize():f}%"


# --------------------------------------------------------------------------------------------
# The statement
# --------------------------------------------------------------------------------------------


@dataclass
class _Builder:
    account_id: str
    currency: str
    as_of: date
    pack: JurisdictionPack | None
    notes: dict[tuple[object, ...], StatementNote] = field(default_factory=dict)
    problems: list[Note] = field(default_factory=list)
    unavailable: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    unverified: dict[tuple[str, Decimal, date], None] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"rules/jurisdictions/{self.pack.code}.yaml" if self.pack else "rules/terms.yaml"

    def note(self, key: tuple[object, ...], note: StatementNote) -> None:
        self.notes.setdefault(key, note)

    def problem(self, invoice_id: str, kind: str, reason: str) -> None:
        self.problems.append(
            Note(f"account {self.account_id}", self.account_id, invoice_id, kind, reason)
        )

    def rate_missing(self, invoice_id: str, period: str) -> str:
        text = f"rate for {period} not yet in {self.path}"
        self.unavailable.setdefault((period, self.path), []).append(invoice_id)
        self.problem(
            invoice_id,
            "rate-unavailable",
            f"{text}: no interest shown for {invoice_id} ({self.currency})",
        )
        return text


def statement_for(
    account: Account,
    invoices: Iterable[InvoiceLine],
    terms: Terms,
    pack: JurisdictionPack | None,
    claims: str,
    as_of: date,
) -> Statement:
    """The statement of ``invoices`` (one account, one currency) as of ``as_of``.

    * ``claims`` (the step's setting): ``none`` shows no claims, ``interest`` interest only,
      ``all`` late fees, interest and compensation. An early-payment discount still available
      under ``terms`` is shown whatever the setting (it is not a claim).
    * Interest: the terms' contractual rate, or the pack's statutory interest when
      ``terms.statutory_claims`` is true and the pack covers the client's debtor type;
      :func:`~collectbatch.claims.interest_basis` decides between them where both exist.
      Statutory interest starts the day after the due date (the due date counts as agreed).
    * Compensation (``all`` only): the pack's fixed sum per overdue invoice, by the invoice
      amount, when statutory claims are on and the pack covers the debtor; only in the pack's
      currency (another currency is reported as a problem, never converted).
    * Disputed invoices (``account.disputed``) are listed apart with no claims.
    """
    if claims not in CLAIMS_SETTINGS:
        raise ValueError(f"claims must be one of {CLAIMS_SETTINGS}, got {claims!r}")
    client = account.client
    debtor = debtor_type(client.client_type)
    b = _Builder(client.account_id, account.currency, as_of, pack)
    si = pack.statutory_interest if pack and terms.statutory_claims else None
    if si is not None and si.margin_for(debtor) is None:
        si = None

    lines = [_line(inv, terms, pack, si, debtor, claims, as_of, b) for inv in invoices]
    disputed = tuple(_bare(inv, as_of) for inv in getattr(account, "disputed", ()) or ())

    for (period, path), ids in b.unavailable.items():
        b.note(
            ("rate_unavailable", period, path),
            StatementNote(
                kind="rate_unavailable",
                text=f"rate for {period} not yet in {path}: no interest shown for {', '.join(ids)}",
                period=period,
                path=path,
                invoice_ids=tuple(ids),
            ),
        )
    for name, rate, since in b.unverified:
        b.problem(
            "",
            "rate-unverified",
            f"interest uses {name} {_rate_text(rate)} from {since.isoformat()}, tagged L "
            f"(unverified) in {b.path}; check it before sending",
        )
    if any(line.interest for line in lines):
        b.note(
            ("interest_continues",),
            StatementNote(
                kind="interest_continues",
                text=f"Interest is counted up to and including {as_of.isoformat()} and continues "
                "to run until payment.",
            ),
        )
    if disputed:
        b.note(
            ("disputed",),
            StatementNote(
                kind="disputed",
                text="Invoices in dispute are shown apart; nothing is claimed on them until the "
                "dispute is resolved.",
                invoice_ids=tuple(d.invoice_id for d in disputed),
            ),
        )
    order = (
        "discount",
        "late_fee",
        "contract_interest",
        "statutory_interest",
        "interest_continues",
        "rate_unavailable",
        "compensation",
        "disputed",
    )
    notes = sorted(b.notes.values(), key=lambda n: order.index(n.kind))
    return Statement(
        account_id=client.account_id,
        currency=account.currency,
        as_of=as_of,
        claims=claims,
        jurisdiction=pack.code if pack else None,
        debtor_type=debtor,
        lines=tuple(lines),
        disputed=disputed,
        notes=tuple(notes),
        problems=tuple(b.problems),
    )


def _bare(inv: InvoiceLine, as_of: date) -> StatementLine:
    return StatementLine(
        invoice_id=inv.invoice_id,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        amount=inv.amount,
        paid=inv.paid,
        open=inv.open,
        days_overdue=(as_of - inv.due_date).days,
    )


def _line(
    inv: InvoiceLine,
    terms: Terms,
    pack: JurisdictionPack | None,
    si: StatutoryInterest | None,
    debtor: str,
    claims: str,
    as_of: date,
    b: _Builder,
) -> StatementLine:
    line = _bare(inv, as_of)
    discount = _discount(inv, terms, as_of, b)
    if claims == "none" or line.days_overdue <= 0 or inv.open <= 0:
        return _replace(line, discount=discount)

    fee = _ZERO
    if claims == "all" and terms.late_fee is not None:
        fee = _late_fee(inv, line.days_overdue, terms, b)

    interest, unavailable, basis = _interest(inv, terms, si, debtor, as_of, b)

    comp = _ZERO
    if claims == "all" and pack is not None and terms.statutory_claims:
        comp = _compensation(inv, pack, debtor, basis, b)

    return _replace(
        line,
        discount=discount,
        late_fee=fee,
        interest=interest,
        compensation=comp,
        interest_unavailable=unavailable,
    )


def _replace(line: StatementLine, **changes: Any) -> StatementLine:
    return replace(line, **changes)


def _discount(inv: InvoiceLine, terms: Terms, as_of: date, b: _Builder) -> Discount | None:
    if terms.discount_percent is None or terms.discount_days is None or inv.open <= 0:
        return None
    found = early_payment_discount(
        inv.amount, terms.discount_percent, terms.discount_days, inv.issue_date, as_of
    )
    if found is None:
        return None
    amount, deadline = found
    amount = min(amount, inv.open)
    b.note(
        ("discount",),
        StatementNote(
            kind="discount",
            text=f"Early-payment discount: {terms.discount_percent.normalize():f}% of the invoice "
            f"amount if paid within {terms.discount_days} days of the invoice date "
            f"(payment terms {terms.name}).",
            source=terms.description or terms.name,
            percent=terms.discount_percent,
            within_days=terms.discount_days,
        ),
    )
    return Discount(terms.discount_percent, amount, deadline, inv.open - amount)


def _late_fee(inv: InvoiceLine, days_overdue: int, terms: Terms, b: _Builder) -> Decimal:
    lf = terms.late_fee
    assert lf is not None
    fee = late_fees(inv.open, days_overdue, lf.flat, lf.percent, lf.every_days, lf.cap)
    if fee > 0:
        parts = []
        if lf.flat:
            parts.append(_plain(lf.flat))
        if lf.percent:
            parts.append(f"{lf.percent.normalize():f}% of the overdue amount")
        how = "once" if lf.every_days is None else f"every {lf.every_days} days overdue"
        cap = f", at most {_plain(lf.cap)} per invoice" if lf.cap is not None else ""
        b.note(
            ("late_fee",),
            StatementNote(
                kind="late_fee",
                text=f"Late fee of {' plus '.join(parts)}, charged {how}{cap}, as agreed in "
                f"{lf.source or 'our terms of business'}.",
                source=lf.source,
                flat=lf.flat,
                percent=lf.percent,
                every_days=lf.every_days,
                cap=lf.cap,
            ),
        )
    return fee


def _interest(
    inv: InvoiceLine,
    terms: Terms,
    si: StatutoryInterest | None,
    debtor: str,
    as_of: date,
    b: _Builder,
) -> tuple[Interest | None, str | None, InterestBasis | None]:
    """(interest, note text if it could not be computed, the basis used)."""
    contract = terms.interest
    statutory_start = (
        interest_start(inv.due_date, si, agreed_due_date=True, debtor_type=debtor) if si else None
    )
    contract_start = None
    if contract is not None:
        grace = terms.grace_days if contract.start == "after_grace" else 0
        contract_start = inv.due_date + timedelta(days=grace) + _ONE_DAY
    on = statutory_start or contract_start
    if on is None:
        return None, None, None
    try:
        basis = interest_basis(
            si,
            debtor,
            on,
            contract_rate_percent=contract.annual_rate if contract else None,
            contract_remedy_substantial=True,
        )
    except RateUnavailableError:
        # e.g. France: the legal-rate floor for the contract rate is not in the pack yet
        policy = si.contract_rate_policy if si else None
        table = policy.legal_rate if policy and policy.legal_rate else None
        period = _half_year(_missing_day(table, on, on, fixed=False) if table else on)
        return None, b.rate_missing(inv.invoice_id, period), None

    if basis.needs_review:
        b.problem(inv.invoice_id, "claims-review", basis.reason)

    if basis.kind == "contract":
        assert contract is not None and contract_start is not None and basis.rate_percent
        result = contractual_interest(
            inv.open, contract_start, as_of, basis.rate_percent, contract.days_in_year
        )
        if result.days <= 0:
            return None, None, basis
        b.note(
            ("contract_interest", basis.rate_percent),
            StatementNote(
                kind="contract_interest",
                text=f"Interest at {_rate_text(basis.rate_percent)} a year, simple, from the day "
                f"after the due date, on a {contract.days_in_year}-day year, as agreed in "
                f"{contract.source or 'our terms of business'}.",
                source=contract.source,
                rate=basis.rate_percent,
                days_in_year=contract.days_in_year,
            ),
        )
        return _interest_of(result, "contract"), None, basis

    if basis.kind != "statutory":
        return None, None, basis
    assert si is not None and statutory_start is not None
    try:
        result = statutory_interest(inv.open, statutory_start, as_of, si, debtor)
    except RateUnavailableError:
        missing = _missing_day(si.reference_rate, statutory_start, as_of, si.mode == "fixed")
        return None, b.rate_missing(inv.invoice_id, _half_year(missing)), basis
    if not result.applicable or result.days <= 0:
        return None, None, basis
    margin = si.margin_for(debtor)
    assert margin is not None
    reference = cite(si.reference_rate.name)
    fixed = si.mode == "fixed"
    how = (
        "fixed for each invoice at the reference rate in force before interest starts to run"
        if fixed
        else "changing every half-year with the reference rate"
    )
    b.note(
        ("statutory_interest", si.name),
        StatementNote(
            kind="statutory_interest",
            text=f"Statutory interest under {si.name}: {margin.margin_points.normalize():f} "
            f"percentage points over the {reference}, {how}; simple interest from the day "
            f"after the due date ({cite(margin.source)}).",
            source=cite(margin.source),
            name=si.name,
            margin=margin.margin_points,
            reference=reference,
            mode=si.mode,
            days_in_year=si.day_count.days_in_year,
        ),
    )
    for seg in result.segments:
        if seg.confidence == "L" and seg.reference_rate_percent is not None:
            entry = si.reference_rate.entry_on(seg.start)
            b.unverified.setdefault((si.reference_rate.name, entry.rate, entry.effective_from))
    return _interest_of(result, "statutory"), None, basis


def _interest_of(result: InterestResult, basis: str) -> Interest:
    return Interest(
        basis=basis,
        mode=result.mode,
        start=result.start,
        end=result.end,
        days=result.days,
        segments=tuple(
            Segment(
                start=s.start,
                end=s.end,
                days=s.days,
                rate=s.rate_percent,
                amount=s.amount,
                reference_rate=s.reference_rate_percent,
                margin=s.margin_points,
                confidence=s.confidence,
            )
            for s in result.segments
        ),
        amount=result.total,
        days_in_year=result.segments[0].days_in_year if result.segments else 365,
        confidence=result.confidence,
    )


def _compensation(
    inv: InvoiceLine,
    pack: JurisdictionPack,
    debtor: str,
    basis: InterestBasis | None,
    b: _Builder,
) -> Decimal:
    comp = pack.compensation
    if comp is None or debtor not in comp.debtor_types:
        return _ZERO
    running = basis is not None and basis.kind == "statutory"
    if comp.requires_statutory_interest and not running:
        return _ZERO
    if b.currency != pack.currency:
        b.problem(
            inv.invoice_id,
            "compensation-currency",
            f"{comp.name} is a fixed sum in {pack.currency}; {inv.invoice_id} is in "
            f"{b.currency}: not claimed, add it by hand if due",
        )
        return _ZERO
    amount = compensation(inv.amount, pack, debtor, statutory_interest_running=running)
    if amount > 0:
        act = pack.statutory_interest.name if pack.statutory_interest else None
        bands = tuple(
            (band.min_principal, band.max_principal_exclusive, band.amount) for band in comp.bands
        )
        b.note(
            ("compensation", comp.name),
            StatementNote(
                kind="compensation",
                text=f"Fixed compensation per invoice under {comp.name}: "
                + _bands_text(bands, pack.currency)
                + f" ({cite(comp.source)}).",
                source=cite(comp.source, act),
                name=comp.name,
                bands=bands,
            ),
        )
    return amount


def _bands_text(bands: Sequence[tuple[Decimal, Decimal | None, Decimal]], currency: str) -> str:
    if len(bands) == 1:
        return f"{currency} {_plain(bands[0][2])} per invoice"
    parts = []
    for low, high, amount in bands:
        if high is None:
            parts.append(f"{currency} {_plain(amount)} from {currency} {_plain(low)}")
        else:
            parts.append(f"{currency} {_plain(amount)} for a debt under {currency} {_plain(high)}")
    return "; ".join(parts)
