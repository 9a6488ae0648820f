import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectbatch.ledger import load_ledger


def load(paths, terms=frozenset({"net30", "net14", "receipt"})):
    con = duckdb.connect()
    ledger, diags = load_ledger(paths.ledgers, paths.root, set(terms), con)
    diags = sorted(diags, key=lambda d: (d.file, d.line or 0, d.code))
    return con, [(d.file, d.line, d.code) for d in diags], diags


def test_canonical_files_load_with_types(make_project):
    con, problems, _ = load(make_project())
    assert problems == []
    assert con.execute(
        "SELECT typeof(amount), typeof(issue_date) FROM invoices LIMIT 1"
    ).fetchone() == ("DECIMAL(18,2)", "DATE")
    # the multi-line quoted address keeps its line break, and C2 starts on line 4
    assert con.execute("SELECT address, src FROM clients WHERE account_id = 'C2'").fetchone() == (
        "2 Street\nCity",
        "ledgers/clients.csv:4",
    )


def test_every_bad_row_is_reported_with_its_line(make_project):
    paths = make_project(
        {
            "ledgers/invoices.csv": """\
invoice_id,account_id,issue_date,amount,currency
I1,C1,2026-13-01,100.00,GBP
I2,C1,2026-01-01,"12,50",GBP
I3,,2026-01-01,10.00,GBP
I4,NOPE,2026-01-01,10.00,GBP
I5,C1,01/02/2026,1e3,GBP
I1,C1,2026-01-01,-5.00,gbp
"""
        }
    )
    _, problems, diags = load(paths)
    f = "ledgers/invoices.csv"
    assert [p for p in problems if p[0] == f] == [
        (f, 2, "E311"),
        (f, 3, "E311"),
        (f, 4, "E310"),
        (f, 5, "E320"),
        (f, 6, "E311"),
        (f, 6, "E311"),
        (f, 7, "E312"),
        (f, 7, "E313"),
    ]
    text = "\n".join(d.format() for d in diags)
    assert 'cannot read "12,50" as an amount in column "amount"' in text
    assert 'unknown account "NOPE"' in text


def test_missing_required_column_and_file(make_project):
    paths = make_project({"ledgers/payments.csv": "payment_id,account_id,paid_on,amount\n"})
    (paths.ledgers / "clients.csv").unlink()
    _, problems, diags = load(paths)
    assert ("ledgers/clients.csv", None, "E300") in problems
    assert ("ledgers/payments.csv", 1, "E304") in problems
    assert any('required column "currency" is missing' in d.message for d in diags)


def test_payment_naming_wrong_invoice(make_project):
    paths = make_project(
        {
            "ledgers/payments.csv": """\
payment_id,account_id,paid_on,amount,currency,invoice_id
P1,C1,2026-09-15,10.00,GBP,NOPE
P2,C1,2026-09-15,10.00,GBP,I3
"""
        }
    )
    _, problems, _ = load(paths)
    assert problems == [("ledgers/payments.csv", 2, "E321"), ("ledgers/payments.csv", 3, "E321")]


def test_unknown_terms_suggest_a_name(make_project):
    paths = make_project(
        {"ledgers/clients.csv": "account_id,name,terms\nC1,A,net31\nC2,B,\nC3,C,\n"}
    )
    _, problems, diags = load(paths)
    assert problems == [("ledgers/clients.csv", 2, "E322")]
    assert diags[0].fix == 'did you mean "net30"?'


def test_structural_problems(make_project):
    paths = make_project(
        {
            "ledgers/payments.csv": (
                "payment_id,account_id,paid_on,amount,currency\nP1,C1,2026-01-01,1.00\n"
            )
        }
    )
    _, problems, _ = load(paths)
    assert problems == [("ledgers/payments.csv", 2, "E305")]


@pytest.mark.parametrize("size,code", [(120_000, "E306"), (200_000, "E302")])
def test_oversized_field_is_an_error_not_a_crash(make_project, size, code):
    # beyond our limit (E306); beyond the CSV reader's own field limit (E302)
    big = "x" * size
    paths = make_project({"ledgers/clients.csv": f"account_id,name\nC1,{big}\nC2,B\nC3,C\n"})
    _, problems, _ = load(paths)
    assert problems[0] == ("ledgers/clients.csv", 2, code)


ID = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(ID, ID, ID, ID, ID), max_size=6))
def test_any_invoice_file_gives_clean_diagnostics_or_loads(make_project, rows):
    """Property: whatever the cells, the loader never raises; it loads or reports FILE:LINE."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["invoice_id", "account_id", "issue_date", "amount", "currency"])
    w.writerows(rows)
    paths = make_project({"ledgers/invoices.csv": out.getvalue()})
    con, problems, diags = load(paths)
    for d in diags:
        assert d.file.startswith("ledgers/") and d.code.startswith("E3")
    if not problems:
        assert con.execute("SELECT count(*) FROM invoices").fetchone()[0] == sum(
            1 for r in rows if any(v.strip() for v in r)
        )


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_bom_and_crlf(make_project, bom):
    paths = make_project()
    (paths.ledgers / "payments.csv").write_bytes(
        bom + b"payment_id,account_id,paid_on,amount,currency\r\nP1,C1,2026-01-01,1.00,GBP\r\n"
    )
    con, problems, _ = load(paths)
    assert problems == []
    assert con.execute("SELECT payment_id FROM payments").fetchall() == [("P1",)]
