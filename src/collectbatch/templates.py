"""The letters folder: templates, translations and the client's language.

Templates come only from the letters folder and render in Jinja2's sandbox with autoescape, so
ledger text (names, addresses) prints literally and a template cannot reach Python internals.
Shared templates are worded per language by gettext catalogs
(letters/locale/<lang>/LC_MESSAGES/messages.po, compiled in memory by Babel); a file under
letters/<lang>/ replaces the English one of the same name.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations
from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from .diagnostics import Diagnostic, raise_if_errors
from .jurisdictions import JurisdictionPack
from .policy import Policy

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
