"""Handoff packets: agency placements and small-claims packets, with the pack's court checks."""

import csv
import re
import shutil
from io import BytesIO

from pypdf import PdfReader

from .conftest import REPO

LADDERS = """\
default: main
ladders:
  main:
    mode: next
    steps:
      - {id: remind, offset_days: 1, channels: [email], template: overdue}
      - {id: final, offset_days: 30, channels: [letter], template: final, claims: all}
      - {id: agency, offset_days: 60, channels: [agency], template: packet, claims: all}
      - {id: court, offset_days: 90, channels: [court], template: packet, claims: all}
"""
CLIENTS = """\
account_id,name,email,address,jurisdiction,client_type
B,Big Ltd,b@x.example,1 Road,GB-EAW,business
P,Pat Person,p@x.example,2 Road,GB-EAW,consumer
"""
INVOICES = """\
invoice_id,account_id,issue_date,amount,currency
B1,B,2025-12-01,12000.00,GBP
P1,P,2025-12-01,900.00,GBP
"""


def text(path) -> str:
    return re.sub(
        r"\s+",
        " ",
        "\n".join(p.extract_text() for p in PdfReader(BytesIO(path.read_bytes())).pages),
    )


def test_agency_then_court_packets_with_checks(make_project, run_batch):
    paths = make_project(
        {
            "rules/ladders.yaml": LADDERS,
            "ledgers/clients.csv": CLIENTS,
            "ledgers/invoices.csv": INVOICES,
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    (paths.rules / "jurisdictions").mkdir()
    shutil.copy(REPO / "rules/jurisdictions/GB-EAW.yaml", paths.rules / "jurisdictions")
    # invoices due 2025-12-31: remind (1 day), final (32), agency (59+1=60), court (91)
    for day in ("2026-01-01", "2026-02-01", "2026-03-02", "2026-04-01"):
        res = run_batch(paths, day, force=False)
    steps = [(a.account_id, a.step.id, a.channel) for a in res.plan.actions]
    assert steps == [("B", "court", "court"), ("P", "court", "court")]

    march = paths.out / "2026-03-02"
    (row_b, row_p) = list(csv.DictReader((march / "handoffs/agency-placements.csv").open()))
    assert (row_b["account_id"], row_b["debtor_type"], row_b["principal"]) == (
        "B",
        "business",
        "12000.00",
    )
    assert row_b["invoice_ids"] == "B1" and row_b["oldest_due_date"] == "2025-12-31"
    assert row_b["steps_issued"] == "2026-01-01 remind email;2026-02-01 final letter"
    assert row_p["debtor_type"] == "consumer" and row_p["claims"] == "0.00"  # Act: B2B only
    agency = text(march / "handoffs/B-GBP-agency-agency.pdf")
    for s in (
        "Placement with a collection agency",
        "Big Ltd",
        "B1",
        "£12,000.00",
        "Chase log",
        "final",
    ):
        assert s in agency, s

    april = paths.out / "2026-04-01"
    court_b = text(april / "handoffs/B-GBP-court-court.pdf")
    assert "Small-claims packet" in court_b
    # 12,000 + Act interest + £100 compensation: above the £10,000 small claims track
    assert "CHECK small-claims: claim GBP" in court_b and "above the" in court_b
    assert (
        "OK limitation: oldest invoice due 2025-12-31" in court_b and "ends 2031-12-31" in court_b
    )
    court_p = text(april / "handoffs/P-GBP-court-court.pdf")
    assert "OK small-claims" in court_p
    # a consumer: the Pre-Action Protocol applies; the final letter went out 59 days ago
    assert "OK pre-action: Pre-Action Protocol for Debt Claims applies" in court_p
    checks = [
        r for r in csv.DictReader((april / "exceptions.csv").open()) if r["kind"] == "court-check"
    ]
    assert [(r["account_id"], r["reason"].split(":")[1].strip()) for r in checks] == [
        ("B", "small-claims")
    ]
