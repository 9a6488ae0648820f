import email
from email import policy as email_policy
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from collectbatch.pdf import make_fetcher, render_pdfs


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(path.read_bytes())).pages)


def parse_eml(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email_policy.default)


def test_letter_shows_statement_total_and_how_to_pay(make_project, run_batch):
    result = run_batch(make_project(), "2026-12-01")
    text = pdf_text(result.folder / "letters/C1-GBP-final-demand.pdf")
    for expected in (
        "Acme & Co",
        "1 Road",
        "I1",
        "£600.00",
        "I2",
        "£500.00",
        "£1,100.00",
        "15 December 2026",
        "sort code 20-45-77",
        "Final demand",
        "92",
    ):
        assert expected in text, expected


def test_email_draft_headers_bodies_and_attachment(make_project, run_batch):
    result = run_batch(make_project(), "2026-12-01")
    msg = parse_eml(result.folder / "emails/C1-GBP-final-demand.eml")
    assert msg["To"] == "Acme & Co <ap@acme.example>"
    assert msg["From"] == '"Accounts, Harbour & Vane" <accounts@harbourvane.example>'
    assert msg["Subject"] == "Final demand: £1,100.00 on account C1"
    assert msg["X-Unsent"] == "1"
    assert msg["Date"] == "Tue, 01 Dec 2026 09:00:00 +0000"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "I1" in text and "£600.00" in text and "£1,100.00" in text
    assert "Acme &amp; Co" in html
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "C1-GBP-final-demand.pdf"
    assert "£1,100.00" in pdf_text_bytes(att.get_content())


def pdf_text_bytes(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)


def test_hostile_ledger_text_prints_literally_and_cannot_add_headers(make_project, run_batch):
    paths = make_project(
        {
            "ledgers/clients.csv": (
                "account_id,name,email,phone,address,country,terms\n"
                'C1,"<b>Evil</b> {{ 7*7 }}","x@evil.example\r\nBcc: all@victim.example",1,'
                "\"<img src='file:///etc/passwd'>\n{% raw %}\",GB,\n"
                'C2,Beta Ltd,,2,"2 Street",GB,net14\nC3,Gamma,g@g.example,,,DE,\n'
            )
        }
    )
    result = run_batch(paths, "2026-12-01")
    text = pdf_text(result.folder / "letters/C1-GBP-final-demand.pdf")
    assert "<b>Evil</b> {{ 7*7 }}" in text
    assert "<img src='file:///etc/passwd'>" in text
    msg = parse_eml(result.folder / "emails/C1-GBP-final-demand.eml")
    assert msg["Bcc"] is None
    raw = (result.folder / "emails/C1-GBP-final-demand.eml").read_bytes()
    headers = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert not [h for h in headers if h.lower().startswith(b"bcc")]


def test_fetcher_serves_the_letters_folder_only(tmp_path):
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "a.css").write_text("p{}")
    (tmp_path / "secret.txt").write_text("secret")
    fetch = make_fetcher(tmp_path / "letters")
    assert fetch((tmp_path / "letters" / "a.css").as_uri()).headers["Content-Type"] == "text/css"
    for url in (
        (tmp_path / "secret.txt").as_uri(),
        (tmp_path / "letters/../secret.txt").as_uri(),
        "http://127.0.0.1:9/x.css",
        "https://example.com/a.png",
    ):
        with pytest.raises(ValueError):
            fetch(url)


def test_template_cannot_read_files_outside_letters(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    (tmp_path / "letters").mkdir()
    html = f'<html><body><p>x</p><img src="{secret.as_uri()}"><iframe src="{secret.as_uri()}">'
    html += f'</iframe><link rel=stylesheet href="{secret.as_uri()}"></body></html>'
    from datetime import date

    pdfs = render_pdfs({"a.pdf": html}, tmp_path / "letters", date(2026, 12, 1), workers=1)
    assert b"TOPSECRET" not in pdfs["a.pdf"]
    assert "TOPSECRET" not in pdf_text_bytes(pdfs["a.pdf"])


@pytest.mark.parametrize("paper,size", [("A4", (595, 842)), ("Letter", (612, 792))])
def test_paper_size_follows_the_creditor(make_project, run_batch, paper, size):
    paths = make_project()
    text = (
        (paths.rules / "creditor.yaml")
        .read_text()
        .replace("paper_size: A4", f"paper_size: {paper}")
    )
    (paths.rules / "creditor.yaml").write_text(text)
    folder = run_batch(paths, "2026-12-01").folder
    page = PdfReader(folder / "letters/C1-GBP-final-demand.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
