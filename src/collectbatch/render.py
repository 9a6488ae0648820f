"""Stage 5, render: planned actions → document bytes (PDF letters, .eml drafts, the call list).

Templates come only from the letters folder and render in Jinja2's sandbox with autoescape, so
ledger text (names, addresses) prints literally and a template cannot reach Python internals.
WeasyPrint gets a URL fetcher that serves files under the letters folder and nothing else.
HTML is rendered in this process; PDFs are produced in parallel worker processes. Every output is
derived from the batch date and action ids only, so the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import gc
import io
import mimetypes
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from .diagnostics import Diagnostic, InputError, raise_if_errors
from .handoff import PLACEMENT_COLUMNS, court_checks, placement_row
from .jurisdictions import JurisdictionPack
from .plan import Action, Plan
from .policy import HANDOFFS, Policy, Terms
from .safety import one_line, spreadsheet_safe
from .statement import Statement, statement_for

POOL_MIN_DOCS = 8  # fewer PDFs render in-process: starting workers costs more than they save
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


_LANGUAGE = re.compile(r"[a-z]{2,3}")
DEFAULT_LANGUAGE = "en"


def language_for(language: str | None, pack: JurisdictionPack | None = None) -> str:
    """The language of a client's documents: clients.csv `language` (its primary subtag, so
    "de-AT" is "de"), else the default language of the client's jurisdiction pack, else "en"."""
    lang = (language or "").strip().replace("_", "-").split("-")[0].lower()
    if _LANGUAGE.fullmatch(lang):
        return lang
    if pack is not None and _LANGUAGE.fullmatch(pack.default_language):
        return pack.default_language
    return DEFAULT_LANGUAGE


def locale_for(language: str | None, country: str | None) -> Locale:
    """The client's locale for money and dates: its language + country (de_DE, fr_FR, en_IE),
    else the language alone; without a language, English (UK)."""
    if not language:
        return Locale.parse("en_GB")
    lang = language.strip().replace("-", "_")
    candidates = [lang]
    if country and "_" not in lang:
        candidates.insert(0, f"{lang}_{country.strip().upper()}")
    for candidate in candidates:
        try:
            return Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse("en_GB")


class _BatchEnvironment(SandboxedEnvironment):
    """The sandbox, compiling each inline template (email subject, call script) once per batch
    instead of once per action."""

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._inline: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self._inline:
            self._inline[source] = super().from_string(source)
        return self._inline[source]


def make_environment(letters_dir: Path, language: str | None = None) -> SandboxedEnvironment:
    """The sandbox for one language: `_()`, `ngettext()` translate with the language's message
    catalog (letters/locale/<language>/LC_MESSAGES/messages.po); English, or a language without a
    catalog, keeps the English text of the templates. Raises InputError for a broken catalog."""
    env = _BatchEnvironment(
        loader=FileSystemLoader(str(letters_dir)),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    translations: NullTranslations = NullTranslations()
    if language and catalog_path(letters_dir, language).is_file():
        translations, diags = read_catalog(letters_dir, language, "letters")
        raise_if_errors(diags)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    # the documents' language has a catalog: templates then use its wording instead of the
    # creditor's own (English) free text from rules/
    env.globals["translated"] = isinstance(translations, Translations)
    return env


def catalog_path(letters_dir: Path, language: str) -> Path:
    """Where the message catalog of a language lives (a gettext .po file, compiled in memory)."""
    return letters_dir / "locale" / language / "LC_MESSAGES" / "messages.po"


def catalogs(letters_dir: Path) -> list[str]:
    """The languages with a message catalog in the letters folder."""
    root = letters_dir / "locale"
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if _LANGUAGE.fullmatch(p.name) and catalog_path(letters_dir, p.name).is_file()
    )


def read_catalog(
    letters_dir: Path, language: str, shown: str
) -> tuple[NullTranslations, list[Diagnostic]]:
    """A language's messages.po compiled in memory (no .mo file), and the problems found in it:
    a file that cannot be read or parsed, or a translation whose placeholders do not match its
    msgid (it would fail at render time). A problem leaves English (NullTranslations)."""
    path = catalog_path(letters_dir, language)
    where = f"{shown}/{path.relative_to(letters_dir).as_posix()}"
    fix = "fix the .po file (gettext PO syntax, UTF-8), or copy it again from a working language"
    try:
        with path.open("rb") as f:
            catalog = read_po(f, locale=language, abort_invalid=True)
    except PoFileError as exc:  # its lineno counts from 0
        reason = str(exc).rsplit(" on ", 1)[0]
        message = f"cannot read message catalog: {reason}: {exc.line.strip()!r}"
        return NullTranslations(), [Diagnostic(where, exc.lineno + 1, None, "E404", message, fix)]
    except (OSError, ValueError, UnknownLocaleError) as exc:  # also UnicodeDecodeError
        return NullTranslations(), [
            Diagnostic(where, None, None, "E404", f"cannot read message catalog: {exc}", fix)
        ]
    fix_format = "use only the msgid's %(name)s placeholders, and %% for a percent sign"
    diags = [
        Diagnostic(where, line, None, "E404", message, fix_format)
        for line, message in _placeholder_problems(catalog)
    ]
    if diags:
        return NullTranslations(), diags
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain="messages"), []


_PLACEHOLDER = re.compile(
    r"%\(([A-Za-z_][A-Za-z0-9_]*)\)[-#0 +]*[0-9]*(?:\.[0-9]+)?[diouxXeEfFgGcrsa]"
)


def _placeholder_problems(catalog: Catalog) -> list[tuple[int | None, str]]:
    """Translations that newstyle gettext (`msgstr % {placeholders of the msgid}`) cannot format:
    an unknown %(name)s placeholder, or a lone % (write %% for a percent sign)."""
    problems: list[tuple[int | None, str]] = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        names = {n for i in ids for n in _PLACEHOLDER.findall(i)} | {"num"}
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for text in strings:
            unknown = sorted(set(_PLACEHOLDER.findall(text)) - names)
            rest = _PLACEHOLDER.sub("", text).replace("%%", "")
            if unknown:
                problem = f"unknown placeholder %({unknown[0]})s"
            elif "%" in rest:
                problem = "a % that is not a placeholder (write %% for a percent sign)"
            else:
                continue
            problems.append((message.lineno, f"translation of {ids[0]!r}: {problem}"))
    return problems


def localized(letters_dir: Path | None, language: str | None, name: str) -> str:
    """`<language>/<name>` when the letters folder has that translation, else `name` itself."""
    if (
        letters_dir is not None
        and language
        and _LANGUAGE.fullmatch(language)
        and (letters_dir / language / name).is_file()
    ):
        return f"{language}/{name}"
    return name


def languages(letters_dir: Path) -> list[str]:
    """The translations in the letters folder: its sub-folders named like a language code."""
    if not letters_dir.is_dir():
        return []
    return sorted(
        p.name for p in letters_dir.iterdir() if p.is_dir() and _LANGUAGE.fullmatch(p.name)
    )


def template_names(
    step_template: str, language: str | None = None, letters_dir: Path | None = None
) -> dict[str, str]:
    """The templates of a step, in `language` where letters/<language>/ has them.

    Keys: `letter`, `email_text`, `email_html`, `statement`, and `email_subject` (a translated
    subject, letters/<language>/email/<template>.subject.txt, or "" to use the ladder's).
    """
    names = {
        "letter": f"{step_template}.html",
        "email_text": f"email/{step_template}.txt",
        "email_html": f"email/{step_template}.html",
        "statement": "statement.html",
    }
    out = {key: localized(letters_dir, language, name) for key, name in names.items()}
    subject = f"email/{step_template}.subject.txt"
    local = localized(letters_dir, language, subject)
    out["email_subject"] = local if local != subject else ""
    return out


def check_templates(policy: Policy, letters_dir: Path, shown: str) -> list[Diagnostic]:
    """Every template a ladder step names must exist and compile, and so must every translation
    of it under letters/<language>/ (a missing translation falls back to letters/); every message
    catalog under letters/locale/ must be readable (a msgid it lacks falls back to English)."""
    env = make_environment(letters_dir)
    diags: list[Diagnostic] = []
    for lang in catalogs(letters_dir):
        diags += read_catalog(letters_dir, lang, shown)[1]
    seen: set[str] = set()
    translations = languages(letters_dir)
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            needed = {
                "letter": ["letter"],
                "email": ["email_text", "email_html"],
                "phone": [],
                "agency": ["letter"],
                "court": ["letter"],
            }
            names = template_names(step.template)
            keys = [k for ch in step.channels for k in needed[ch]]
            if "email" in step.channels and step.attach_statement:
                keys.append("statement")
            wanted = [names[k] for k in keys]
            for lang in translations:
                local = template_names(step.template, lang, letters_dir)
                wanted += [local[k] for k in keys if local[k] != names[k]]
                if "email" in step.channels and local["email_subject"]:
                    wanted.append(local["email_subject"])
            for name in wanted:
                if name in seen:
                    continue
                seen.add(name)
                diags += _check_template(env, letters_dir, name, shown)
            for text in (step.email_subject, step.call_script):
                try:
                    env.from_string(text)
                except TemplateError as exc:
                    diags.append(
                        Diagnostic(
                            "rules/ladders.yaml",
                            None,
                            None,
                            "E402",
                            f'step "{step.id}": template text does not compile: {exc}',
                        )
                    )
    return diags


def _check_template(
    env: SandboxedEnvironment, letters_dir: Path, name: str, shown: str
) -> list[Diagnostic]:
    if not (letters_dir / name).is_file():
        return [
            Diagnostic(
                f"{shown}/{name}",
                None,
                None,
                "E401",
                "template is missing",
                "create it, or change the step's `template` in rules/ladders.yaml",
            )
        ]
    try:
        env.get_template(name)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return [
            Diagnostic(f"{shown}/{name}", line, None, "E402", f"template does not compile: {exc}")
        ]
    return []


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


def context(action: Action, policy: Policy) -> dict[str, Any]:
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
) -> Rendered:
    """Render every action: HTML first (here), then all PDFs at once, then emails and calls."""
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
        ctx = context(action, policy)
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


def render_pdfs(
    jobs: dict[str, str], letters_dir: Path, as_of: date, workers: int | None = None
) -> dict[str, bytes]:
    """HTML strings → PDF bytes, in parallel processes when there are enough to be worth it."""
    items = sorted(jobs.items())
    if not items:
        return {}
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    args = [(path, html, str(letters_dir.resolve()), as_of.isoformat()) for path, html in items]
    if count <= 1 or len(items) < POOL_MIN_DOCS:
        return dict(map(_pdf_worker, args))
    done: dict[str, bytes] = {}
    for _attempt in range(3):
        todo = [a for a in args if a[0] not in done]
        if not todo:
            break
        done.update(_render_in_pool(todo, count))
    # a worker that died twice (a native crash in font subsetting) leaves the rest to this process
    done.update(map(_pdf_worker, (a for a in args if a[0] not in done)))
    return done


def _render_in_pool(args: list[tuple[str, str, str, str]], count: int) -> dict[str, bytes]:
    """Render in clean worker processes; return what finished even if a worker crashed."""
    # Never fork a process that may already hold Pango/GLib state: start clean workers.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    chunk = max(1, len(args) // (count * 4))
    batches = [args[i : i + chunk] for i in range(0, len(args), chunk)]
    done: dict[str, bytes] = {}
    with ProcessPoolExecutor(max_workers=count, initializer=_quiet_worker, mp_context=ctx) as pool:
        futures = [pool.submit(_pdf_batch, b) for b in batches]
        for future in futures:
            try:
                done.update(future.result())
            except BrokenProcessPool:
                continue
    return done


def _pdf_batch(args: list[tuple[str, str, str, str]]) -> list[tuple[str, bytes]]:
    return [_pdf_worker(a) for a in args]


def _quiet_worker() -> None:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _pdf_worker(arg: tuple[str, str, str, str]) -> tuple[str, bytes]:
    path, html, letters_dir, as_of = arg
    from weasyprint import HTML

    # fontTools stamps subset fonts with the current time unless SOURCE_DATE_EPOCH is set.
    epoch = datetime.fromisoformat(as_of).replace(tzinfo=UTC).timestamp()
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    # Collect garbage between documents, not in the middle of native font subsetting.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        doc = HTML(
            string=html,
            base_url=Path(letters_dir).as_uri() + "/",
            url_fetcher=make_fetcher(Path(letters_dir)),
        )
        pdf = doc.write_pdf(pdf_identifier=path.encode("utf-8"), uncompressed_pdf=False)
        assert pdf is not None
        del doc
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
        if gc_was_enabled:
            gc.enable()
    gc.collect()
    return path, bytes(pdf)


def make_fetcher(root: Path) -> Callable[[str], Any]:
    """A WeasyPrint URL fetcher that serves files under `root` only: no network, no elsewhere."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = root.resolve()

    class LettersOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlparse

            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"refused to fetch {url!r}: only files under the letters folder")
            target = Path(unquote(parsed.path)).resolve()
            if not target.is_relative_to(base) or not target.is_file():
                raise ValueError(f"refused to fetch {url!r}: outside the letters folder")
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=target.read_bytes(), headers={"Content-Type": mime})

    return LettersOnlyFetcher()
