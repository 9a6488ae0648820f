"""Message catalogs: the shared templates' English text, translated by letters/locale/*/*.po.

The shared templates (base, statement, partials, _macros.txt) exist once, in letters/; every
human-language string in them goes through `_()`/`ngettext()`, and the German and French wording
lives in letters/locale/<language>/LC_MESSAGES/messages.po, compiled in memory at run time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from collectbatch.diagnostics import InputError
from collectbatch.pipeline import load_inputs
from collectbatch.templates import catalogs, make_environment

from .conftest import REPO, write_project

LETTERS = REPO / "letters"
OPTIONS = {
    "extensions": "jinja2.ext.i18n",
    "trim_blocks": "true",
    "lstrip_blocks": "true",
    "newstyle_gettext": "true",
}
METHODS = [
    ("de/**", "ignore"),
    ("fr/**", "ignore"),
    ("locale/**", "ignore"),
    ("**.html", "jinja2"),
    ("**.txt", "jinja2"),
]


def english_msgids() -> dict[str | tuple[str, ...], str]:
    """Every msgid of the English templates, with the first file that uses it."""
    found: dict[str | tuple[str, ...], str] = {}
    options = {"**.html": OPTIONS, "**.txt": OPTIONS}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(LETTERS), METHODS, options
    ):
        found.setdefault(message, filename)
    return found


def catalog(lang: str):
    with (LETTERS / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang, abort_invalid=True)


def test_the_shipped_catalogs_are_german_and_french():
    assert catalogs(LETTERS) == ["de", "fr"]


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_every_msgid_of_the_english_templates_is_translated(lang):
    msgids = english_msgids()
    assert len(msgids) > 50  # the extraction found the templates' strings
    cat = catalog(lang)
    untranslated = []
    for msgid, filename in msgids.items():
        message = cat.get(msgid)
        strings = message.string if message is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(strings):
            untranslated.append((filename, msgid))
    assert untranslated == []
    # and no translation is left over from a string the templates no longer use
    stale = [m.id for m in cat if m.id and m.id not in msgids]
    assert stale == []


def test_an_environment_per_language_translates_the_shared_templates():
    de = make_environment(LETTERS, "de")
    source = '{{ _("Invoice") }}|{{ _("Total: %(amount)s", amount="<b>") }}|{{ translated }}'
    assert de.from_string(source).render() == "Rechnung|Summe: &lt;b&gt;|True"
    for english in (make_environment(LETTERS, "en"), make_environment(LETTERS, "es")):
        assert english.from_string(source).render() == "Invoice|Total: &lt;b&gt;|False"
    fr = make_environment(LETTERS, "fr")
    plural = '{{ ngettext("%(rate)s a year for %(num)s day (%(start)s – %(end)s)", '
    plural += '"%(rate)s a year for %(num)s days (%(start)s – %(end)s)", n, '
    plural += 'rate="8%", start="a", end="b") }}'
    # the translation is template text (not escaped), its placeholders are values (escaped)
    assert fr.from_string(plural).render(n=2) == "8% l'an sur 2 jours (du a au b)"
    assert fr.from_string(plural).render(n=1) == "8% l'an sur 1 jour (du a au b)"
    # still the sandbox, with strict undefined
    with pytest.raises(Exception, match="unsafe|undefined"):
        de.from_string("{{ ''.__class__.__mro__ }}").render()


def test_a_msgid_missing_from_a_catalog_prints_in_english(tmp_path):
    paths = write_project(tmp_path, {})
    po = paths.letters / "locale" / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "Rechnung"' in text
    po.write_text(text.replace('msgstr "Rechnung"', 'msgstr ""'), encoding="utf-8")
    load_inputs(paths)  # not an error
    env = make_environment(paths.letters, "de")
    assert env.from_string('{{ _("Invoice") }} {{ _("Total") }}').render() == "Invoice Summe"


def test_an_unreadable_catalog_is_reported_at_its_line(tmp_path):
    paths = write_project(tmp_path, {})
    po = paths.letters / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    lines = po.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("msgid") and i > 10)
    lines.insert(at, "this is not PO syntax")
    po.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_inputs(paths)
    (diag,) = [d for d in err.value.diagnostics if d.code == "E404"]
    assert diag.file.endswith("letters/locale/fr/LC_MESSAGES/messages.po")
    assert diag.line == at + 1
    assert "cannot read message catalog" in diag.message


def test_a_catalog_that_is_not_utf8_is_reported(tmp_path):
    paths = write_project(tmp_path, {})
    po = paths.letters / "locale" / "de" / "LC_MESSAGES" / "messages.po"
    po.write_bytes(po.read_bytes().replace("Grüßen".encode(), "Grüßen".encode("latin-1")))
    with pytest.raises(InputError) as err:
        load_inputs(paths)
    assert [d.code for d in err.value.diagnostics] == ["E404"]


def test_a_translation_with_a_wrong_placeholder_is_reported(tmp_path):
    # newstyle gettext formats every translation with the msgid's placeholders: an unknown
    # name or a lone % would fail while rendering, so validate reports it at the message
    paths = write_project(tmp_path, {})
    po = paths.letters / "locale" / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Summe: %(amount)s"', 'msgstr "Summe: %(betrag)s"')
    text = text.replace('msgstr "Summe"', 'msgstr "Summe 100%"')
    po.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_inputs(paths)
    diags = [d for d in err.value.diagnostics if d.code == "E404"]
    assert len(diags) == 2
    lines = text.splitlines()
    for d in diags:
        assert d.line is not None and lines[d.line - 1].startswith("msgid")
    messages = " ".join(d.message for d in diags)
    assert "%(betrag)s" in messages and "%%" in messages


def test_no_compiled_catalogs_are_shipped():
    assert [p for p in LETTERS.rglob("*.mo")] == []
    assert sorted(p.relative_to(LETTERS).as_posix() for p in LETTERS.rglob("*.po")) == [
        "locale/de/LC_MESSAGES/messages.po",
        "locale/fr/LC_MESSAGES/messages.po",
    ]


def test_shared_partials_are_not_copied_per_language():
    for lang in ("de", "fr"):
        copies = [p.name for p in Path(LETTERS / lang).rglob("_*")]
        copies += [p.name for p in (LETTERS / lang).glob("base.html")]
        copies += [p.name for p in (LETTERS / lang).glob("statement.html")]
        assert copies == [], lang
