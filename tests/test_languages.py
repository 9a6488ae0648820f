"""Letters, emails and statements in the client's language, with statutory claims, end to end.

A small project with an English, a German and a French business client (and a consumer, a
client without a language, and clients with an early-payment discount) is run through the whole
pipeline; the figures are read back from the PDFs (pypdf) and the email drafts. Expected figures
are worked out by hand in the comments from the legal facts (see tests/test_statement.py).
"""

from __future__ import annotations

import email
import re
from datetime import date
from email import policy as email_policy
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from collectbatch.diagnostics import InputError
from collectbatch.pipeline import Paths, load_inputs, run
from collectbatch.templates import language_for, locale_for, template_names

from .conftest import REPO, write_project

LADDERS = """\
default: standard
ladders:
  standard:
    mode: highest
    steps:
      - id: pre-due
        name: Friendly reminder
        offset_days: -10
        channels: [letter, email]
        template: reminder
        response_days: 10
        email_subject: "Upcoming payment on account {{ account_id }}"
      - id: overdue-1
        name: Payment reminder
        offset_days: 1
        channels: [email, letter]
        template: overdue
        attach_statement: true
        email_subject: "Payment reminder: account {{ account_id }}"
      - id: overdue-2
        name: Second reminder
        offset_days: 21
        channels: [letter, email]
        template: overdue
        attach_statement: true
        claims: interest
        email_subject: "Second reminder: account {{ account_id }}"
      - id: final-demand
        name: Final demand
        offset_days: 60
        channels: [letter, email]
        template: final
        response_days: 14
        attach_statement: true
        claims: all
        email_subject: "Final demand: {{ money(total) }} on account {{ account_id }}"
"""

TERMS = """\
default: net30
terms:
  net30: {days: 30}
  skonto:
    days: 14
    description: 2% discount within 10 days, net 14 days.
    discount: {percent: "2", within_days: 10}
"""

CLIENTS = """\
account_id,name,email,phone,address,country,jurisdiction,client_type,terms,language
GB1,Severn Test Hotels Ltd,gb1@example.com,1,"1 Toll Road
Bristol",GB,GB-EAW,business,,en
DE1,Rheinwerk Test GmbH,de1@example.com,2,"Deutz-Mülheimer Straße 1
51063 Köln",DE,DE,business,,de
FR1,Duval Test SAS,fr1@example.com,3,"12, rue de la République
69002 Lyon",FR,FR,business,,fr
FR2,Garonne Test SAS,fr2@example.com,4,"7, avenue Marcel Dassault
33700 Mérignac",FR,FR,business,,fr
CON1,Dr Eleanor Test,con1@example.com,5,"Flat 3
Bristol",GB,GB-EAW,consumer,,en
DE2,Skonto Test GmbH,de2@example.com,6,"Am Sandtorkai 1
20457 Hamburg",DE,DE,business,skonto,
GB2,Early Bird Ltd,gb2@example.com,7,"2 Quay
Bristol",GB,GB-EAW,business,skonto,en
GB3,Fresh Overdue Ltd,gb3@example.com,8,"3 Quay
Bristol",GB,GB-EAW,business,,en
"""

INVOICES = """\
invoice_id,account_id,issue_date,amount,currency,due_date
G1,GB1,2026-08-31,999.99,GBP,2026-09-30
G2,GB1,2026-08-31,1000.00,GBP,2026-09-30
G3,GB1,2026-08-31,10000.00,GBP,2026-09-30
D1,DE1,2026-09-15,10000.00,EUR,2026-10-15
D2,DE1,2026-05-16,9550.00,EUR,2026-06-15
F2,FR1,2026-05-21,10000.00,EUR,2026-06-20
F3,FR2,2026-09-21,3850.00,EUR,2026-10-21
C1,CON1,2026-08-31,1450.00,GBP,2026-09-30
S1,DE2,2026-11-25,1234.56,EUR,
E1,GB2,2026-11-25,1234.56,GBP,
O1,GB3,2026-10-27,500.00,GBP,2026-11-26
"""

PAYMENTS = "payment_id,account_id,paid_on,amount,currency\n"


def project(root: Path) -> Paths:
    files = {
        "rules/ladders.yaml": LADDERS,
        "rules/terms.yaml": TERMS,
        "ledgers/clients.csv": CLIENTS,
        "ledgers/invoices.csv": INVOICES,
        "ledgers/payments.csv": PAYMENTS,
    }
    for code in ("GB-EAW", "DE", "FR", "IE"):
        path = f"rules/jurisdictions/{code}.yaml"
        files[path] = (REPO / path).read_text(encoding="utf-8")
    return write_project(root, files)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    paths = project(tmp_path_factory.mktemp("languages"))
    return run(paths, date(2026, 12, 1), force=False, workers=1).folder


def flat(text: str) -> str:
    """Text with every kind of space (NBSP, narrow NBSP) and line break as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def pdf(path: Path) -> str:
    return flat("\n".join(p.extract_text() for p in PdfReader(BytesIO(path.read_bytes())).pages))


def eml(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email_policy.default)


def body(path: Path, kind: str = "plain") -> str:
    return flat(eml(path).get_body((kind,)).get_content())


def attachment(path: Path) -> str:
    (att,) = list(eml(path).iter_attachments())
    return flat("\n".join(p.extract_text() for p in PdfReader(BytesIO(att.get_content())).pages))


def test_english_final_demand_shows_statutory_interest_and_fixed_sums(batch):
    # Due 30 Sep 2026 -> interest from 1 Oct 2026 (H2): Bank Rate on 30 Jun 2026 = 3.75%,
    # + 8 = 11.75%, 62 days to 1 Dec 2026 inclusive, 365-day year:
    #   999.99 -> 19.96 (+ £40), 1,000.00 -> 19.96 (+ £70), 10,000.00 -> 199.59 (+ £100).
    # Claims: 239.51 + 210.00 = 449.51; total 11,999.99 + 449.51 = 12,449.50.
    text = pdf(batch / "letters/GB1-GBP-final-demand.pdf")
    for expected in (
        "Final demand",
        "Dear",
        "Late-payment claims as of 1 December 2026",
        "G1 £999.99 11.75% a year for 62 days (1 Oct 2026 – 1 Dec 2026) £19.96 £40.00 £1,059.95",
        "G2 £1,000.00 11.75% a year for 62 days (1 Oct 2026 – 1 Dec 2026) £19.96 £70.00 £1,089.96",
        "G3 £10,000.00 11.75% a year for 62 days (1 Oct 2026 – 1 Dec 2026) £199.59 £100.00 "
        "£10,299.59",
        "Total £11,999.99 £239.51 £210.00 £12,449.50",
        "Late Payment of Commercial Debts (Interest) Act 1998",
        "8 percentage points over the Bank of England Bank Rate",
        "SI 2002/1675 art. 4",
        "s.5A",
        "Please pay £12,449.50 by 15 December 2026",
    ):
        assert expected in text, expected
    mail = body(batch / "emails/GB1-GBP-final-demand.eml")
    assert "G3 principal £10,000.00 interest £199.59 at 11.75% a year for 62 days" in mail
    assert "compensation £100.00 total claimed £10,299.59" in mail
    assert "Total claimed: £12,449.50" in mail
    assert "£12,449.50" in attachment(batch / "emails/GB1-GBP-final-demand.eml")


def test_german_letter_in_german_with_288_bgb_claims(batch):
    # BGB §288(2): Basiszinssatz + 9 points, floating by half-year; §288(5): EUR 40 per invoice.
    # D1 10,000 due 15 Oct: 16 Oct - 1 Dec = 47 days at 1.52 + 9 = 10.52% -> 135.46.
    # D2 9,550 due 15 Jun: 16-30 Jun 15 days at 1.27 + 9 = 10.27% (40.31) and 1 Jul - 1 Dec
    #    154 days at 10.52% (9,550 x (10.27% x 15 + 10.52% x 154)/365 = 464.190... -> 464.19,
    #    shown 40.31 + 423.88).
    # Claims 135.46 + 464.19 + 80 = 679.65; total 19,550 + 679.65 = 20,229.65.
    text = pdf(batch / "letters/DE1-EUR-final-demand.pdf")
    for expected in (
        "Letzte Mahnung",
        "Sehr geehrte Damen und Herren",
        "19.550,00 €",
        "Verzugsforderungen zum 1. Dezember 2026",
        "10,27 % p. a. für 15 Tage (16.06.2026 – 30.06.2026)",
        "10,52 % p. a. für 154 Tage (01.07.2026 – 01.12.2026)",
        "10,52 % p. a. für 47 Tage (16.10.2026 – 01.12.2026)",
        "464,19 €",
        "135,46 €",
        "40,00 €",
        "Summe 19.550,00 € 599,65 € 80,00 € 20.229,65 €",
        "9 Prozentpunkte über dem Basiszinssatz",
        "BGB §288(2)",
        "Verzugspauschale (BGB §288(5)): 40,00 € je Rechnung",
        "Bitte zahlen Sie 20.229,65 € bis zum 15. Dezember 2026",
        "Mit freundlichen Grüßen",
        "Seite 1 von",
    ):
        assert expected in text, expected
    for english in ("Dear", "Final demand", "Please pay", "Yours sincerely", "Total"):
        assert english not in text, english
    msg = eml(batch / "emails/DE1-EUR-final-demand.eml")
    assert flat(msg["Subject"]) == "Letzte Mahnung: 19.550,00 €, Kundenkonto DE1"
    mail = body(batch / "emails/DE1-EUR-final-demand.eml")
    assert "Sehr geehrte Damen und Herren" in mail and "Gesamtforderung: 20.229,65 €" in mail
    assert "D2 Hauptforderung 9.550,00 € Zinsen 464,19 €" in mail
    html = body(batch / "emails/DE1-EUR-final-demand.eml", "html")
    assert "Verzugsforderungen zum 1. Dezember 2026" in html
    assert "Kontoauszug" in attachment(batch / "emails/DE1-EUR-final-demand.eml")


def test_french_letters_in_french_with_l441_10_claims(batch):
    # L441-10 II: ECB MRO + 10 points by half-year; D441-5: EUR 40 per invoice.
    # F2 10,000 due 20 Jun: 21-30 Jun 10 days at 2.15 + 10 = 12.15% and 1 Jul - 1 Dec 154 days
    #    at 2.40 + 10 = 12.40%: 10,000 x (12.15% x 10 + 12.40% x 154)/365 = 556.465... -> 556.47.
    # Total 10,000 + 556.47 + 40 = 10,596.47.
    text = pdf(batch / "letters/FR1-EUR-final-demand.pdf")
    for expected in (
        "Mise en demeure",
        "Madame, Monsieur",
        "nous vous mettons en demeure",
        "10 000,00 €",
        "12,15 % l'an sur 10 jours",
        "12,40 % l'an sur 154 jours",
        "556,47 €",
        "40,00 €",
        "10 596,47 €",
        "majoré de 10 points",
        "L441-10",
        "D441-5",
        "Indemnité forfaitaire pour frais de recouvrement : 40,00 € par facture",
        "salutations distinguées",
    ):
        assert expected in text, expected
    assert "Dear" not in text and "Please pay" not in text
    # overdue-2 ("Relance") claims interest only: 3,850 x 12.40% x 41/365 = 53.625... -> 53.63
    relance = pdf(batch / "letters/FR2-EUR-overdue-2.pdf")
    for expected in ("Relance", "12,40 % l'an sur 41 jours", "53,63 €", "3 903,63 €"):
        assert expected in relance, expected
    assert "Indemnité forfaitaire" not in relance
    msg = eml(batch / "emails/FR2-EUR-overdue-2.eml")
    assert msg["Subject"].startswith("Relance : 3") and "FR2" in msg["Subject"]


def test_consumer_gets_no_statutory_claims(batch):
    text = pdf(batch / "letters/CON1-GBP-final-demand.pdf")
    assert "Final demand" in text and "£1,450.00" in text
    for absent in ("Late-payment claims", "Late Payment of Commercial Debts", "compensation"):
        assert absent not in text, absent
    assert "Please pay £1,450.00 by" in text


def test_step_without_claims_shows_none(batch):
    text = pdf(batch / "letters/GB3-GBP-overdue-1.pdf")
    assert "Payment reminder" in text and "Late-payment claims" not in text
    assert "Please pay £500.00 by" in text


def test_pre_due_reminder_offers_the_discount_with_its_deadline(batch):
    # 2/10 net 14, issued 25 Nov 2026: deadline 5 Dec 2026; 2% of 1,234.56 = 24.69 -> pay 1,209.87.
    text = pdf(batch / "letters/GB2-GBP-pre-due.pdf")
    for expected in (
        "Early-payment discount",
        "5 December 2026",
        "£24.69",
        "£1,209.87",
        "pay £1,209.87 instead of £1,234.56 for E1 if you pay by 5 December 2026",
    ):
        assert expected in text, expected
    assert "5 December 2026" in body(batch / "emails/GB2-GBP-pre-due.eml")
    # no language in clients.csv: the DE pack's default language, German, with de_DE formats
    german = pdf(batch / "letters/DE2-EUR-pre-due.pdf")
    for expected in (
        "Freundliche Zahlungserinnerung",
        "Skonto",
        "5. Dezember 2026",
        "24,69 €",
        "1.209,87 €",
    ):
        assert expected in german, expected


def test_rate_not_yet_in_the_pack_gives_a_note_not_a_crash(tmp_path):
    # As of 20 Jan 2027, GB1's interest started in 2026 H2 (rate known) but an invoice due
    # 31 Dec 2026 starts interest in 2027 H1, whose reference rate (Bank Rate on 31 Dec 2026) is
    # not in the GB-EAW pack; the DE pack's Basiszinssatz stops at 31 Dec 2026.
    paths = project(tmp_path)
    (paths.ledgers / "invoices.csv").write_text(
        INVOICES + "<i>G4</i>,GB1,2026-12-01,500.00,GBP,2026-12-31\n", encoding="utf-8"
    )
    folder = run(paths, date(2027, 1, 20), force=False, workers=1).folder
    text = pdf(folder / "letters/GB1-GBP-final-demand.pdf").replace("/ ", "/")
    # G1-G3 started in 2026 H2 (rate known: 11.75%, 112 days); only G4 lacks a rate
    assert "G1 £999.99 11.75% a year for 112 days" in text
    # the invoice id comes from the ledger: it prints literally, never as markup
    note = "No interest shown for <i>G4</i>: rate for 2027 H1 not yet in rules/jurisdictions/"
    assert note + "GB-EAW.yaml" in text
    assert "<i>G4</i> £500.00 rate not yet available – £40.00 £540.00" in text
    html = eml(folder / "emails/GB1-GBP-final-demand.eml").get_body(("html",)).get_content()
    assert "No interest shown for &lt;i&gt;G4&lt;/i&gt;: rate for 2027 H1" in html
    assert "<i>G4</i>" not in html
    german = pdf(folder / "letters/DE1-EUR-final-demand.pdf").replace("/ ", "/")
    assert (
        "Für D2, D1 sind noch keine Zinsen ausgewiesen: Der Zinssatz für 2027 H1 ist noch nicht "
        "in rules/jurisdictions/DE.yaml hinterlegt" in german
    )
    assert "Zinssatz noch nicht verfügbar" in german


def test_language_and_locale_choice():
    import yaml

    from collectbatch.jurisdictions import pack_from_dict

    de = pack_from_dict(yaml.safe_load((REPO / "rules/jurisdictions/DE.yaml").read_text()))
    assert language_for("fr", de) == "fr"
    assert language_for("de-AT", None) == "de"
    assert language_for(None, de) == "de"
    assert language_for("", None) == "en"
    assert language_for("../../etc", None) == "en"
    assert str(locale_for("de", "DE")) == "de_DE"
    assert str(locale_for("fr", "FR")) == "fr_FR"
    assert str(locale_for("en", "GB")) == "en_GB"
    assert str(locale_for("de", "GB")) == "de"
    assert str(locale_for(None, "DE")) == "en_GB"


def test_template_lookup_falls_back_to_english(tmp_path):
    letters = tmp_path / "letters"
    (letters / "de" / "email").mkdir(parents=True)
    (letters / "de" / "final.html").write_text("x")
    (letters / "de" / "email" / "final.subject.txt").write_text("x")
    names = template_names("final", "de", letters)
    assert names["letter"] == "de/final.html"
    assert names["email_text"] == "email/final.txt"
    assert names["statement"] == "statement.html"
    assert names["email_subject"] == "de/email/final.subject.txt"
    assert template_names("final", "es", letters)["letter"] == "final.html"
    assert template_names("final")["email_subject"] == ""
    shipped = template_names("overdue", "fr", REPO / "letters")
    assert set(shipped.values()) == {
        "fr/overdue.html",
        "fr/email/overdue.txt",
        "fr/email/overdue.html",
        "statement.html",  # shared: translated by the French catalog
        "fr/email/overdue.subject.txt",
    }


def test_german_and_french_override_the_bodies_only():
    # The bodies (letter, email text and HTML, subject) are prose of their own in each language;
    # the layout, partials and statement exist once, in letters/, worded by the catalogs.
    root = REPO / "letters"
    bodies = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in (".html", ".txt")
        and p.relative_to(root).parts[0] not in ("de", "fr")
        and not p.name.startswith("_")
        and p.name not in ("base.html", "statement.html", "packet.html")  # packet: English only
    }
    assert bodies == {
        f"{folder}{name}.{ext}"
        for name in ("reminder", "overdue", "final")
        for folder, ext in (("", "html"), ("email/", "txt"), ("email/", "html"))
    }
    for lang in ("de", "fr"):
        local = {
            p.relative_to(root / lang).as_posix() for p in (root / lang).rglob("*") if p.is_file()
        }
        subjects = {f"email/{name}.subject.txt" for name in ("reminder", "overdue", "final")}
        assert local == bodies | subjects, (lang, sorted(local ^ (bodies | subjects)))
        assert (root / "locale" / lang / "LC_MESSAGES" / "messages.po").is_file()


def test_a_broken_translation_is_reported_at_validate(tmp_path):
    paths = project(tmp_path)
    (paths.letters / "de" / "final.html").write_text("{% block body %}{% if %}", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_inputs(paths)
    (diag,) = [d for d in err.value.diagnostics if d.code == "E402"]
    assert diag.file.endswith("letters/de/final.html")
