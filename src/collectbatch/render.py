"""Stage 5, render: planned actions → document bytes (PDF letters, .eml drafts, the call list,
handoff packets).

HTML is rendered here from the letters folder (`templates`), PDFs in parallel worker processes
(`pdf`). Every output is derived from the batch date and action ids only, so the same inputs
give the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .diagnostics import Diagnostic, InputError, raise_if_errors
from .handoff import PLACEMENT_COLUMNS, court_checks, placement_row
from .jurisdictions import JurisdictionPack
from .pdf import render_pdfs
from .plan import Action, Plan
from .policy import HANDOFFS, Policy, Terms
from .safety import one_line, spreadsheet_safe
from .statement import Statement, statement_for
from .templates import (
    language_for,
    locale_for,
    make_environment,
    template_names,
)

_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
CALL_COLUMNS = (
    "action_id",
    "account_id",
    "name",
    "contact_name",
    "phone",
    "currency",
    "balance",
    "overdue_balance",
    "oldest_invoice_id",
    "oldest_due_date",
    "days_overdue",
    "last_step",
    "last_step_on",
    "step",
    "suggested_words",
)


@dataclass(frozen=True)
class Rendered:
    """Everything the batch writer will put in the folder, by relative path."""

    files: dict[str, bytes]


def client_terms(action: Action, policy: Policy) -> tuple[Terms, JurisdictionPack | None]:
    """The payment terms and the jurisdiction pack (if any) of an action's client."""
    client = action.account.client
    pack = policy.packs.get(client.jurisdiction) if client.jurisdiction else None
    terms = policy.terms.get(client.terms) or policy.terms.get(policy.default_terms)
    return (terms if terms is not None else Terms(client.terms or "", 0)), pack


def statement_of(action: Action, policy: Policy) -> Statement:
    """The statement (with claims, notes and problems) the documents of `action` show."""
    terms, pack = client_terms(action, policy)
    claims = getattr(action.step, "claims", "none")
    return statement_for(action.account, action.invoices, terms, pack, claims, action.as_of)


StatementKey = tuple[str, str, str]  # account, currency, step: every channel shows the same


def statements_of(plan: Plan, policy: Policy) -> dict[StatementKey, Statement]:
    """Each step's statement once, shared by its letter, email and packet (and exceptions)."""
    out: dict[StatementKey, Statement] = {}
    for action in plan.actions:
        key = (action.account_id, action.currency, action.step.id)
        if key not in out:
            out[key] = statement_of(action, policy)
    return out


def context(action: Action, policy: Policy, statement: Statement | None = None) -> dict[str, Any]:
    """The variables a letter, email or call script sees. Plain data only.

    Handoff packets (agency, court) are read by the creditor's agency or court: they are in
    English with UK formats, whatever the client's language.
    """
    account, step, creditor = action.account, action.step, policy.creditor
    client = account.client
    terms, pack = client_terms(action, policy)
    if action.channel in HANDOFFS:
        language, loc = "en", locale_for("en", creditor.country or "GB")
    else:
        language = language_for(client.language, pack)
        loc = locale_for(
            client.language or (pack.default_language if pack else None), client.country
        )
    shown = action.invoices
    total = sum((i.open for i in shown), Decimal("0.00"))
    if statement is None:
        statement = statement_of(action, policy)

    def money(value: Decimal) -> str:
        return str(format_currency(value, account.currency, locale=loc))

    def day(value: date, format: str = "long") -> str:
        return str(format_date(value, format=format, locale=loc))

    pattern = loc.percent_formats[None].pattern.replace("#,##0", "#,##0.00##", 1)

    def percent(value: Decimal) -> str:
        """A rate in percent, two to four decimals (11.75 → "11.75%"; de: "11,75 %")."""
        return str(format_percent(Decimal(value) / 100, format=pattern, locale=loc))

    return {
        "creditor": creditor,
        "bank": creditor.bank_account(account.currency),
        "client": client,
        "account": account,
        "step": step,
        "invoices": shown,
        "all_invoices": account.invoices,
        "currency": account.currency,
        "total": total,
        "balance": account.balance,
        "overdue_balance": account.overdue_balance,
        "credit": account.credit,
        "overdue_count": len(account.overdue_invoices),
        "oldest": shown[0] if shown else None,
        "account_id": account.account_id,
        "reference": f"{account.account_id}/{action.action_id}",
        "letter_date": action.as_of,
        "chase": action.chase,
        "action_channel": action.channel,
        "checks": court_checks(action, statement, pack, action.as_of)
        if action.channel == "court"
        else (),
        "pay_by": action.as_of + timedelta(days=step.response_days),
        "last_issued": action.last_issued,
        "statement": statement,
        "terms": terms,
        "language": language,
        "money": money,
        "day": day,
        "number": lambda v: str(format_decimal(v, locale=loc)),
        "percent": percent,
        "locale": str(loc),
    }


def render_batch(
    plan: Plan,
    policy: Policy,
    letters_dir: Path,
    workers: int | None = None,
    statements: dict[StatementKey, Statement] | None = None,
) -> Rendered:
    """Render every action: HTML first (here), then all PDFs at once, then emails and calls."""
    statements = statements if statements is not None else statements_of(plan, policy)
    pdf_jobs: dict[str, str] = {}
    emails: list[tuple[Action, dict[str, Any], str | None]] = []
    calls: list[list[str]] = []
    placements: list[list[str]] = []
    problems: dict[tuple[str, int | None], Diagnostic] = {}
    envs: dict[str, SandboxedEnvironment] = {}  # one per language, its catalog compiled once

    def environment(language: str) -> SandboxedEnvironment:
        if language not in envs:
            try:
                envs[language] = make_environment(letters_dir, language)
            except InputError as exc:  # a broken catalog (`validate` reports it as E404)
                problems.update(((d.file, d.line), d) for d in exc.diagnostics)
                envs[language] = make_environment(letters_dir)
        return envs[language]

    for action in plan.actions:
        ctx = context(
            action, policy, statements[(action.account_id, action.currency, action.step.id)]
        )
        names = template_names(action.step.template, ctx["language"], letters_dir)
        env = environment(ctx["language"])
        try:
            if action.channel == "letter":
                pdf_jobs[action.document] = env.get_template(names["letter"]).render(ctx)
            elif action.channel in HANDOFFS:
                pdf_jobs[action.document] = env.get_template(names["letter"]).render(ctx)
                if action.channel == "agency":
                    placements.append(placement_row(action, ctx["statement"]))
            elif action.channel == "email":
                attachment = None
                if action.step.attach_statement:
                    attachment = "statements/" + Path(action.document).stem + ".pdf"
                    pdf_jobs[attachment] = env.get_template(names["statement"]).render(ctx)
                emails.append((action, ctx, attachment))
            else:
                calls.append(_call_row(action, ctx, env))
        except TemplateError as exc:
            d = template_failure(exc, letters_dir, action)
            problems.setdefault((d.file, d.line), d)
    raise_if_errors(list(problems.values()))
    files = render_pdfs(pdf_jobs, letters_dir, plan.as_of, workers)
    for action, ctx, attachment in emails:
        pdf = files.get(attachment) if attachment else None
        try:
            env = environment(ctx["language"])
            files[action.document] = build_email(action, ctx, env, policy, attachment, pdf)
        except TemplateError as exc:
            d = template_failure(exc, letters_dir, action)
            problems.setdefault((d.file, d.line), d)
    raise_if_errors(list(problems.values()))
    if calls:
        files["calls/call-list.csv"] = write_csv(CALL_COLUMNS, calls)
    if placements:
        files["handoffs/agency-placements.csv"] = write_csv(PLACEMENT_COLUMNS, placements)
    return Rendered(files)


def template_failure(exc: TemplateError, letters_dir: Path, action: Action) -> Diagnostic:
    """Locate a template error at the template file and line where it happened."""
    file, line = "letters", None
    tb = exc.__traceback__
    root = str(letters_dir.resolve())
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(root) or name == "<template>":
            file, line = name, tb.tb_lineno
        tb = tb.tb_next
    if file.startswith(root):
        file = "letters" + file[len(root) :]
    elif file == "<template>":
        file = "rules/ladders.yaml"
    line = getattr(exc, "lineno", None) or line
    message = f"{type(exc).__name__}: {exc} (first met rendering {action.document})"
    return Diagnostic(
        file,
        line,
        None,
        "E403",
        message,
        "templates may use the documented variables only; see README 'Letters'",
    )


def build_email(
    action: Action,
    ctx: dict[str, Any],
    env: SandboxedEnvironment,
    policy: Policy,
    attachment: str | None,
    pdf: bytes | None,
) -> bytes:
    """An RFC 5322 draft with text and HTML bodies; headers from the action, never the clock."""
    names = template_names(action.step.template, ctx["language"], _letters_root(env))
    creditor, client = policy.creditor, action.account.client
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((one_line(creditor.email_name or creditor.legal_name), creditor.email))
    msg["To"] = formataddr(
        (one_line(client.contact_name or client.name), one_line(client.email or ""))
    )
    subject = (
        env.get_template(names["email_subject"])
        if names["email_subject"]
        else env.from_string(action.step.email_subject)
    )
    msg["Subject"] = one_line(subject.render(ctx))
    stamp = datetime(action.as_of.year, action.as_of.month, action.as_of.day, 9, 0, tzinfo=UTC)
    msg["Date"] = format_datetime(stamp)
    domain = creditor.email.rsplit("@", 1)[-1]
    msg["Message-ID"] = f"<{action.action_id}.{action.as_of.isoformat()}@{domain}>"
    msg["X-Unsent"] = "1"
    msg["X-Collectbatch-Action"] = action.action_id
    msg.set_content(env.get_template(names["email_text"]).render(ctx), cte="quoted-printable")
    msg.add_alternative(
        env.get_template(names["email_html"]).render(ctx), subtype="html", cte="quoted-printable"
    )
    if attachment and pdf is not None:
        msg.add_attachment(
            pdf, maintype="application", subtype="pdf", filename=Path(attachment).name
        )
    _fix_boundaries(msg, action.action_id)
    return msg.as_bytes()


def _letters_root(env: SandboxedEnvironment) -> Path | None:
    """The letters folder an environment loads from (for finding translations)."""
    paths = getattr(env.loader, "searchpath", None)
    return Path(paths[0]) if paths else None


def _fix_boundaries(msg: EmailMessage, seed: str) -> None:
    """MIME boundaries from the action id instead of random numbers (byte-identical drafts)."""
    for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_cb_{seed}_{n}")


def _call_row(action: Action, ctx: dict[str, Any], env: SandboxedEnvironment) -> list[str]:
    account, last = action.account, action.last_issued
    oldest = action.invoices[0] if action.invoices else None
    words = (
        one_line(env.from_string(action.step.call_script).render(ctx))
        if (action.step.call_script)
        else ""
    )
    return [
        action.action_id,
        account.account_id,
        account.client.name,
        account.client.contact_name or "",
        account.client.phone or "",
        account.currency,
        str(account.balance),
        str(account.overdue_balance),
        oldest.invoice_id if oldest else "",
        oldest.due_date.isoformat() if oldest else "",
        str(account.days_overdue),
        last.step if last else "",
        last.as_of.isoformat() if last else "",
        action.step.id,
        words,
    ]


def write_csv(columns: tuple[str, ...], rows: list[list[str]]) -> bytes:
    """CSV bytes with every text cell made safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _cell(value: str) -> str:
    if _PLAIN_NUMBER.fullmatch(value):
        return value  # a plain number such as -12.50 is data, not a formula
    return spreadsheet_safe(value)


# --- PDF ------------------------------------------------------------------------------------
