"""Handoffs: what an agency placement or a small-claims packet needs beyond the statement.

A packet is a document for a collection agency or a court, not for the client: it carries the
debtor's identity, the statement with its claims, the chase log of the current cycle, and for a
court the checks the client's jurisdiction pack allows: the small-claims limit, the limitation
period, and a pre-action protocol. A check that fails does not stop the batch: it is printed on
the packet and listed in exceptions.csv (`court-check`) for the accountant to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .claims import pre_action_applies, small_claims_limit
from .evaluate import Note
from .jurisdictions import JurisdictionPack
from .plan import Action
from .safety import one_line
from .statement import Statement, debtor_type

PLACEMENT_COLUMNS = (
    "action_id", "account_id", "debtor_type", "name", "contact_name", "email", "phone",
    "address", "country", "jurisdiction", "currency", "principal", "claims", "total_claimed",
    "invoice_ids", "oldest_due_date", "days_overdue", "disputed_invoice_ids", "steps_issued",
    "document",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One court check: `ok` False means the accountant must look before filing."""

    name: str
    ok: bool
    text: str


def court_checks(
    action: Action, statement: Statement, pack: JurisdictionPack | None, as_of: date
) -> tuple[Check, ...]:
    """Small-claims limit, limitation period and pre-action protocol, from the pack."""
    if pack is None:
        where = action.account.client.jurisdiction or "no jurisdiction"
        return (
            Check(
                "jurisdiction",
                False,
                f"no jurisdiction pack for {where}: limits and deadlines unknown",
            ),
        )
    return tuple(
        c
        for c in (
            _small_claims(statement, pack),
            _limitation(action, pack, as_of),
            _pre_action(action, pack),
        )
        if c is not None
    )


def _small_claims(statement: Statement, pack: JurisdictionPack) -> Check:
    sc = pack.small_claims
    limit = None
    if sc is not None:
        try:
            limit = small_claims_limit(sc, "entity")
        except ValueError:  # several venues: the accountant chooses
            limit = None
    if sc is None or limit is None:
        return Check("small-claims", False, f"{pack.name}: no single small-claims limit encoded")
    total = statement.total
    if sc.currency != statement.currency:
        return Check(
            "small-claims",
            False,
            f"the limit is in {sc.currency}, the claim in {statement.currency}: compare by hand",
        )
    ok = total <= limit
    verdict = "within" if ok else "above"
    return Check(
        "small-claims",
        ok,
        f"claim {statement.currency} {total} is {verdict} the "
        f"{sc.forum} limit of {sc.currency} {limit} ({sc.source})",
    )


def _limitation(action: Action, pack: JurisdictionPack, as_of: date) -> Check | None:
    period = pack.limitation.period_for("written_contract") if pack.limitation else None
    if period is None or not action.invoices:
        return None
    oldest = min(i.due_date for i in action.invoices)
    try:
        expires = oldest.replace(year=oldest.year + period.years)
    except ValueError:  # 29 February
        expires = oldest.replace(year=oldest.year + period.years, day=28)
    ok = expires > as_of
    return Check(
        "limitation",
        ok,
        f"oldest invoice due {oldest.isoformat()}: the "
        f"{period.years}-year period ({period.source}) ends {expires.isoformat()}"
        + ("" if ok else ": time-barred, do not file"),
    )


def _pre_action(action: Action, pack: JurisdictionPack) -> Check | None:
    debtor = debtor_type(action.account.client.client_type)
    if pack.pre_action is None or not pre_action_applies(pack, debtor):
        return None
    reply = pack.pre_action.timing("reply_to_letter_of_claim")
    days = reply.days if reply else 30
    letters = [h for h in action.chase if h.channel == "letter"]
    waited = letters and (action.as_of - letters[-1].as_of).days >= days
    return Check(
        "pre-action",
        bool(waited),
        f"{pack.pre_action.name} applies to this debtor ({debtor}): a letter of claim "
        f"with its enclosures, then {days} days for a reply"
        + ("" if waited else "; no letter in this cycle is that old yet"),
    )


def check_notes(action: Action, checks: tuple[Check, ...]) -> tuple[Note, ...]:
    """Failed checks as exceptions.csv rows."""
    return tuple(
        Note(
            f"account {action.account_id}",
            action.account_id,
            "",
            "court-check",
            f"{action.document}: {c.name}: {c.text}",
        )
        for c in checks
        if not c.ok
    )


def placement_row(action: Action, statement: Statement) -> list[str]:
    """One row of handoffs/agency-placements.csv: what an agency asks for at intake."""
    account, client = action.account, action.account.client
    oldest = min((i.due_date for i in action.invoices), default=None)
    claims = statement.total - statement.principal
    return [
        action.action_id,
        account.account_id,
        debtor_type(client.client_type),
        client.name,
        client.contact_name or "",
        client.email or "",
        client.phone or "",
        one_line((client.address or "").replace("\n", ", ")),
        client.country or "",
        client.jurisdiction or "",
        account.currency,
        str(statement.principal),
        str(claims.quantize(Decimal("0.01"))),
        str(statement.total),
        ";".join(i.invoice_id for i in action.invoices),
        oldest.isoformat() if oldest else "",
        str(account.days_overdue),
        ";".join(i.invoice_id for i in account.disputed),
        ";".join(f"{h.as_of.isoformat()} {h.step} {h.channel}" for h in action.chase),
        action.document,
    ]
