"""Stage 4, plan actions: evaluated accounts + ladder decisions → the actions to take and holds.

An account whose decision names a step gets one action per channel the step names and the client
can receive, with a stable id and a sanitised document path. A step below its minimum, and every
channel that was skipped, becomes an exception row with its reason: nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .evaluate import Account, Evaluation, InvoiceLine, Note

if TYPE_CHECKING:
    from .ladder import Decision
from .policy import Policy, Step
from .safety import safe_filename


@dataclass(frozen=True)
class Issued:
    """A step issued in an earlier batch (a row of a previous actions.csv)."""

    as_of: date
    account_id: str
    currency: str
    step: str
    channel: str
    status: str
    invoice_ids: str = ""  # ';'-separated, as in actions.csv


@dataclass(frozen=True)
class Action:
    action_id: str
    as_of: date
    account: Account
    step: Step
    channel: str
    invoices: tuple[InvoiceLine, ...]
    document: str
    last_issued: Issued | None
    chase: tuple[Issued, ...] = ()  # what was issued in this dunning cycle, oldest first
    status: str = "planned"

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def currency(self) -> str:
        return self.account.currency


@dataclass(frozen=True)
class Plan:
    as_of: date
    actions: tuple[Action, ...]
    notes: tuple[Note, ...]


def action_id(as_of: date, account_id: str, currency: str, step: str, channel: str) -> str:
    """Stable id: the same account, currency, step, channel and date give the same id."""
    key = "|".join((as_of.isoformat(), account_id, currency, step, channel))
    return "A" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12].upper()


def plan_actions(
    evaluation: Evaluation,
    decisions: tuple[Decision, ...],
    notes: tuple[Note, ...],
    policy: Policy,
    history: tuple[Issued, ...] = (),
) -> Plan:
    """Turn each account's decided step into one action per channel it can be delivered by."""
    actions: list[Action] = []
    out: list[Note] = [*evaluation.notes, *notes]
    decided = {(d.account_id, d.currency): d for d in decisions}
    by_account: dict[tuple[str, str], list[Issued]] = {}
    for h in history:
        by_account.setdefault((h.account_id, h.currency), []).append(h)
    for account in evaluation.accounts:
        decision = decided.get((account.account_id, account.currency))
        if decision is None or decision.step is None or account.balance <= 0:
            continue
        step = policy.ladder(decision.ladder).step(decision.step)
        assert step is not None, "decisions only name steps of the account's ladder"
        hold = _below_minimum(account, step)
        if hold:
            out.append(hold)
            continue
        channels, skipped = choose_channels(account, step)
        out += skipped
        last = (
            Issued(
                decision.last_on,
                account.account_id,
                account.currency,
                decision.last_step,
                "",
                "sent",
            )
            if decision.last_step and decision.last_on
            else None
        )
        chase = _chase(by_account.get((account.account_id, account.currency), []), decision)
        actions += [_action(evaluation.as_of, account, step, ch, last, chase) for ch in channels]
    actions.sort(key=lambda a: (a.account_id, a.currency, a.step.order, a.channel))
    out.sort(key=lambda n: (n.account_id, n.kind, n.source, n.invoice_id))
    return Plan(evaluation.as_of, tuple(actions), tuple(out))


def _chase(issued: list[Issued], decision: Decision) -> tuple[Issued, ...]:
    """The chase log of the current cycle: every step issued (not void) since it started."""
    start = decision.cycle_start
    kept = (h for h in issued if h.status != "void" and (start is None or h.as_of >= start))
    return tuple(sorted(kept, key=lambda h: (h.as_of, h.step, h.channel)))


def step_invoices(account: Account, step: Step) -> tuple[InvoiceLine, ...]:
    """The invoices a step is about: all overdue ones, or (pre-due) those falling due soon."""
    if step.offset_days > 0:
        return account.overdue_invoices
    return tuple(i for i in account.invoices if step.offset_days <= i.days_overdue <= 0)


def dunnable_amount(account: Account, step: Step) -> Decimal:
    """What the step's minimum is compared with: the open amount of the step's invoices."""
    return sum((i.open for i in step_invoices(account, step)), Decimal("0.00"))


def _below_minimum(account: Account, step: Step) -> Note | None:
    src = f"account {account.account_id}"
    amount = dunnable_amount(account, step)
    minimum = step.minimum(account.currency)
    if amount < minimum:
        return Note(
            src,
            account.account_id,
            "",
            "below-minimum",
            f'step "{step.id}" is due but {account.currency} {amount} is below the '
            f"step's minimum of {minimum}",
        )
    return None


def choose_channels(account: Account, step: Step) -> tuple[list[str], list[Note]]:
    """The step's channels this client can receive; a written step falls back letter↔email."""
    c = account.client
    reachable = {
        "letter": bool(c.address),
        "email": bool(c.email),
        "phone": bool(c.phone),
        "agency": True,
        "court": True,
    }  # handoffs go to the agency or court
    missing = {
        "letter": "no postal address",
        "email": "no email address",
        "phone": "no phone number",
    }
    chosen = [ch for ch in step.channels if reachable[ch]]
    notes = [
        Note(
            f"account {c.account_id}",
            c.account_id,
            "",
            "channel-unavailable",
            f'step "{step.id}" by {ch} skipped: {missing[ch]}',
        )
        for ch in step.channels
        if not reachable[ch]
    ]
    written = [ch for ch in ("letter", "email") if ch in step.channels]
    if written and not any(ch in chosen for ch in written):
        other = next(
            (ch for ch in ("letter", "email") if ch not in written and reachable[ch]), None
        )
        if other:
            chosen.append(other)
            notes.append(
                Note(
                    f"account {c.account_id}",
                    c.account_id,
                    "",
                    "channel-fallback",
                    f'step "{step.id}" sent by {other} instead',
                )
            )
    if not chosen:
        notes.append(
            Note(
                f"account {c.account_id}",
                c.account_id,
                "",
                "no-contact",
                f'reached step "{step.id}" but the client cannot be reached by '
                f"{', '.join(step.channels)}",
            )
        )
    return sorted(chosen), notes


def _action(
    as_of: date,
    account: Account,
    step: Step,
    channel: str,
    last: Issued | None,
    chase: tuple[Issued, ...] = (),
) -> Action:
    invoices = step_invoices(account, step)
    stem = safe_filename(f"{account.account_id}-{account.currency}-{step.id}")
    document = {
        "letter": f"letters/{stem}.pdf",
        "email": f"emails/{stem}.eml",
        "phone": "calls/call-list.csv",
        "agency": f"handoffs/{stem}-agency.pdf",
        "court": f"handoffs/{stem}-court.pdf",
    }[channel]
    aid = action_id(as_of, account.account_id, account.currency, step.id, channel)
    return Action(aid, as_of, account, step, channel, invoices, document, last, chase)
