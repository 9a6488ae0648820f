"""Shared test helpers: build a small project in a temporary folder from inline text."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from collectbatch.pipeline import Paths, Result, run

REPO = Path(__file__).resolve().parents[1]

CLIENTS = """\
account_id,name,email,phone,address,country,terms
C1,Acme & Co,ap@acme.example,01632 960001,"1 Road
Town",GB,
C2,Beta Ltd,,01632 960002,"2 Street
City",GB,net14
C3,Gamma GmbH,g@gamma.example,,,DE,
"""
INVOICES = """\
invoice_id,account_id,issue_date,amount,currency
I1,C1,2026-08-01,1000.00,GBP
I2,C1,2026-10-01,500.00,GBP
I3,C2,2026-09-01,300.00,GBP
I4,C3,2026-11-05,2000.00,EUR
I5,C3,2026-06-01,800.00,EUR
"""
PAYMENTS = """\
payment_id,account_id,paid_on,amount,currency,invoice_id
P1,C1,2026-09-15,400.00,GBP,
P2,C3,2026-07-01,900.00,EUR,I5
"""


def write_project(root: Path, files: dict[str, str], base: bool = True) -> Paths:
    """Copy the shipped rules and letters (unless base=False), then write `files` over them."""
    if base:
        shutil.copytree(
            REPO / "rules",
            root / "rules",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("jurisdictions"),
        )
        shutil.copytree(REPO / "letters", root / "letters", dirs_exist_ok=True)
        defaults = {
            "ledgers/clients.csv": CLIENTS,
            "ledgers/invoices.csv": INVOICES,
            "ledgers/payments.csv": PAYMENTS,
        }
        files = {**defaults, **files}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return Paths(root / "rules", root / "ledgers", root / "letters", root / "out", None, root)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Paths]:
    def make(files: dict[str, str] | None = None, base: bool = True) -> Paths:
        return write_project(tmp_path, files or {}, base)

    return make


@pytest.fixture
def run_batch() -> Callable[..., Result]:
    def go(paths: Paths, as_of: str, force: bool = True) -> Result:
        return run(paths, date.fromisoformat(as_of), force, workers=1)

    return go


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the current output (review the diff!)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
