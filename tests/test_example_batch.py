"""Golden test of the shipped example firm's 2026-12-01 batch.

The expected account figures below were computed independently of the engine (a separate
Decimal script over the same CSVs) when the example ledgers were designed.
"""

import csv
import email
import re
from decimal import Decimal as D
from email import policy as email_policy
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from collectbatch.pipeline import Paths, run

from .conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "example-2026-12-01"

# account, currency, balance, overdue, oldest days overdue, step, channels
EXPECTED = [
    ("HV-1003", "GBP", "12150.00", "3840.00", 32, "overdue-2", "email letter phone"),
    ("HV-1006", "GBP", "2160.00", "0.00", 0, "pre-due", "email"),
    ("HV-1007", "EUR", "6150.00", "0.00", 0, "pre-due", "email"),
    ("HV-1008", "GBP", "6130.00", "3180.00", 17, "overdue-1", "email"),
    ("HV-1009", "GBP", "36585.00", "24185.00", 32, "overdue-2", "email letter phone"),
    ("HV-1010", "GBP", "9905.00", "9905.00", 65, "final-demand", "email letter"),
    ("HV-1012", "EUR", "28450.00", "19550.00", 47, "overdue-2", "email letter phone"),
    ("HV-1013", "EUR", "8125.00", "3850.00", 10, "overdue-1", "email"),
    ("HV-1014", "EUR", "14500.00", "11520.00", 93, "final-demand", "email letter"),
    ("HV-1015", "EUR", "8950.00", "0.00", 0, "pre-due", "email"),
    ("HV-1015", "GBP", "11125.00", "5485.00", 2, "overdue-1", "email"),
    ("HV-1016", "GBP", "6520.00", "6520.00", 107, "final-demand", "letter"),
    ("HV-1017", "GBP", "14090.00", "14090.00", 73, "final-demand", "email"),
    ("HV-1018", "GBP", "6145.00", "2995.00", 27, "overdue-2", "email letter"),
    ("HV-1020", "GBP", "5340.00", "3480.00", 22, "overdue-1", "email"),
    # a consumer: the `consumer` ladder (mode `next`) starts at its first overdue step
    ("HV-1021", "GBP", "1450.00", "1450.00", 60, "overdue-1", "email letter"),
    ("HV-1022", "GBP", "4530.00", "2380.00", 20, "overdue-1", "email"),
    ("HV-1023", "GBP", "17075.00", "12500.00", 21, "overdue-2", "email letter phone"),
    ("HV-1024", "GBP", "7125.00", "7125.00", 59, "overdue-2", "email letter phone"),
]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "out"
    paths = Paths(REPO / "rules", REPO / "ledgers", REPO / "letters", out, None, REPO)
    from datetime import date

    return run(paths, date(2026, 12, 1), force=False).folder


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_accounts_match_the_independent_calculation(batch):
    got: dict[tuple[str, str], tuple] = {}
    for r in rows(batch / "actions.csv"):
        key = (r["account_id"], r["currency"])
        prev = got.get(
            key, (r["balance"], r["overdue_balance"], int(r["days_overdue"]), r["step"], "")
        )
        got[key] = prev[:4] + ((prev[4] + " " + r["channel"]).strip(),)
    expected = {(a, c): (b, o, d, s, ch) for a, c, b, o, d, s, ch in EXPECTED}
    assert got == expected


def test_golden_tables(batch, update_golden):
    for name in ("actions.csv", "aging.csv", "exceptions.csv"):
        produced = (batch / name).read_text(encoding="utf-8")
        golden = GOLDEN / name
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(produced, encoding="utf-8")
        assert produced == golden.read_text(encoding="utf-8"), f"{name} differs from golden"


def test_every_case_of_the_example_shows(batch):
    kinds = {(r["account_id"], r["kind"]) for r in rows(batch / "exceptions.csv")}
    assert {
        ("HV-1004", "credit-balance"),
        ("HV-1011", "below-minimum"),
        ("HV-1019", "do-not-contact"),
        ("HV-1008", "not-yet-paid"),
        ("HV-1026", "not-yet-issued"),
        ("HV-1016", "channel-unavailable"),
        ("HV-1017", "channel-unavailable"),
    } <= kinds
    aging = {(r["account_id"], r["currency"]): r for r in rows(batch / "aging.csv")}
    assert aging[("HV-1004", "GBP")]["total"] == "-180.00"
    assert sum(D(r["total"]) for r in aging.values()) == sum(
        D(r[b])
        for r in aging.values()
        for b in ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
    ) - D("180.00")


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)


def _money(v: str, cur: str) -> str:
    sym = {"GBP": "£", "EUR": "€"}[cur]
    q = D(v)
    return f"{sym}{q:,.2f}"


def test_each_letter_names_client_overdue_invoices_and_total(batch):
    clients = {r["account_id"]: r for r in rows(REPO / "ledgers" / "clients.csv")}
    letters = [r for r in rows(batch / "actions.csv") if r["channel"] == "letter"]
    assert letters
    for r in letters:
        text = pdf_text((batch / r["document"]).read_bytes())
        flat = re.sub(r"\s+", " ", text)
        assert re.sub(r"\s+", " ", clients[r["account_id"]]["name"]) in flat
        for inv in r["invoice_ids"].split(";"):
            assert inv in flat, (r["document"], inv)
        total = _money(r["overdue_balance"], r["currency"])
        if clients[r["account_id"]]["language"] in ("", "en"):
            assert total in flat, (r["document"], total)


def test_each_email_parses_with_right_to_subject_and_attachment(batch):
    clients = {r["account_id"]: r for r in rows(REPO / "ledgers" / "clients.csv")}
    for r in rows(batch / "actions.csv"):
        if r["channel"] != "email":
            continue
        msg = email.message_from_bytes(
            (batch / r["document"]).read_bytes(), policy=email_policy.default
        )
        assert msg["To"].addresses[0].addr_spec == clients[r["account_id"]]["email"]
        assert msg["X-Unsent"] == "1"
        assert r["account_id"] in msg["Subject"] or r["step"] == "pre-due"
        attachments = list(msg.iter_attachments())
        if r["step"] == "pre-due":
            assert attachments == []
        else:
            (att,) = attachments
            assert att.get_content_type() == "application/pdf"
            text = re.sub(r"\s+", " ", pdf_text(att.get_content()))
            assert all(inv in text for inv in r["invoice_ids"].split(";"))


def test_call_list_has_what_the_caller_needs(batch):
    calls = rows(batch / "calls" / "call-list.csv")
    assert [c["account_id"] for c in calls] == [
        "HV-1003",
        "HV-1009",
        "HV-1012",
        "HV-1023",
        "HV-1024",
    ]
    for c in calls:
        assert c["phone"] and c["oldest_invoice_id"] and c["suggested_words"]
        assert c["oldest_invoice_id"] in c["suggested_words"]


def _doc_text(batch: Path, account: str, step: str, channel: str) -> str:
    (row,) = [
        r
        for r in rows(batch / "actions.csv")
        if (r["account_id"], r["step"], r["channel"]) == (account, step, channel)
    ]
    data = (batch / row["document"]).read_bytes()
    if channel == "email":
        msg = email.message_from_bytes(data, policy=email_policy.default)
        (att,) = list(msg.iter_attachments())
        data = att.get_content()
    return re.sub(r"\s+", " ", pdf_text(data))


def test_statutory_claims_in_english_german_and_french(batch):
    # England & Wales, business, final demand: Bank Rate 3.75% on 30 Jun 2026 + 8 = 11.75%,
    # fixed. INV-2026-0217: 2,740.00 x 11.75% x 65/365 = 57.3335 -> £57.33; £70 fixed sum
    # (1,000 <= debt < 10,000).
    en = _doc_text(batch, "HV-1010", "final-demand", "letter")
    for s in ("Final demand", "11.75%", "£57.33", "£70.00", "£10,212.19"):
        assert s in en, s
    # Germany, §288(2) BGB: base rate 1.52% + 9 = 10.52%. INV-2026-0237: 10,120.00 x 10.52%
    # x 47/365 = 137.0887 -> 137,09 €; €40 flat sum per invoice (§288(5)).
    de = _doc_text(batch, "HV-1012", "overdue-2", "letter")
    for s in ("Mahnung", "Sehr geehrte", "10,52", "137,09 €", "40,00 €", "19.550,00 €"):
        assert s in de, s
    # France, L441-10: ECB rate 2.40% + 10 = 12.40%. INV-2026-0268: 3,850.00 x 12.40% x 10/365
    # = 13.0795 -> 13,08 €. The first reminder claims interest only.
    fr = _doc_text(batch, "HV-1013", "overdue-1", "email")
    for s in ("Madame, Monsieur", "12,40", "13,08", "3 850,00"):
        assert s in fr.replace("\u202f", " ").replace("\xa0", " "), s
