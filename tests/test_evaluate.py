from datetime import date
from decimal import Decimal as D

import duckdb

from collectbatch.evaluate import evaluate
from collectbatch.ledger import load_ledger
from collectbatch.policy import load_policy


def evaluated(paths, as_of="2026-12-01"):
    policy, diags = load_policy(paths.rules, paths.root)
    assert diags == []
    con = duckdb.connect()
    _, diags = load_ledger(paths.ledgers, paths.root, set(policy.terms), con)
    assert diags == []
    return evaluate(con, policy, date.fromisoformat(as_of))


def by_id(ev):
    return {(a.account_id, a.currency): a for a in ev.accounts}


def test_unnamed_payment_clears_oldest_first_and_named_overpayment_moves_on(make_project):
    acc = by_id(evaluated(make_project()))
    c1 = acc[("C1", "GBP")]
    # P1 (400, no invoice) goes to I1 (due 2026-08-31) before I2
    assert [(i.invoice_id, i.paid, i.open) for i in c1.invoices] == [
        ("I1", D("400.00"), D("600.00")),
        ("I2", D("0.00"), D("500.00")),
    ]
    assert (c1.balance, c1.overdue_balance, c1.days_overdue) == (D("1100.00"), D("1100.00"), 92)
    assert c1.aging == (D("0"), D("0"), D("500.00"), D("0"), D("600.00"))
    c3 = acc[("C3", "EUR")]
    # P2 pays 900 on I5 (800): the 100 excess settles the next open invoice, I4
    assert [(i.invoice_id, i.open, i.days_overdue) for i in c3.invoices] == [
        ("I4", D("1900.00"), -4)
    ]
    assert c3.overdue_balance == D("0.00")


def test_due_date_from_client_terms_and_grace(make_project):
    acc = by_id(evaluated(make_project(), "2026-09-17"))
    c2 = acc[("C2", "GBP")]  # net14: due 2026-09-15, grace 3 → overdue-1 only after the 18th
    assert c2.invoices[0].due_date == date(2026, 9, 15)
    assert c2.days_overdue == 2


def test_overpayment_leaves_a_credit_and_a_note(make_project):
    paths = make_project(
        {
            "ledgers/payments.csv": """\
payment_id,account_id,paid_on,amount,currency,invoice_id
P1,C2,2026-09-20,350.00,GBP,I3
P9,C1,2026-12-05,5.00,GBP,
"""
        }
    )
    ev = evaluated(paths)
    c2 = by_id(ev)[("C2", "GBP")]
    assert (c2.balance, c2.credit, c2.invoices) == (D("-50.00"), D("50.00"), ())
    kinds = {(n.account_id, n.kind) for n in ev.notes}
    assert ("C2", "credit-balance") in kinds
    assert ("C1", "not-yet-paid") in kinds  # P9 is dated after the batch: listed, not lost


def test_two_currencies_are_two_accounts(make_project):
    paths = make_project(
        {
            "ledgers/invoices.csv": """\
invoice_id,account_id,issue_date,amount,currency
I1,C1,2026-08-01,1000.00,GBP
I2,C1,2026-08-01,700.00,EUR
I5,C3,2026-06-01,800.00,EUR
"""
        }
    )
    acc = by_id(evaluated(paths))
    assert acc[("C1", "GBP")].balance == D("600.00")  # the GBP payment never touches EUR
    assert acc[("C1", "EUR")].balance == D("700.00")


def test_future_invoice_is_noted_not_counted(make_project):
    paths = make_project(
        {
            "ledgers/invoices.csv": """\
invoice_id,account_id,issue_date,amount,currency
I1,C1,2026-12-02,1000.00,GBP
I5,C3,2026-06-01,800.00,EUR
"""
        }
    )
    ev = evaluated(paths)
    assert ("C1", "GBP") in by_id(ev)  # the 400 unapplied payment is a credit
    assert by_id(ev)[("C1", "GBP")].balance == D("-400.00")
    assert [(n.invoice_id, n.kind, n.source) for n in ev.notes if n.kind == "not-yet-issued"] == [
        ("I1", "not-yet-issued", "ledgers/invoices.csv:2")
    ]


def test_credit_notes_reduce_balances_like_payments(make_project):
    paths = make_project(
        {
            "ledgers/credit_notes.csv": """\
credit_id,account_id,invoice_id,issued_on,amount,currency
CN1,C1,I2,2026-10-15,200.00,GBP
CN2,C1,,2026-11-01,100.00,GBP
CN3,C1,,2026-12-20,50.00,GBP
"""
        }
    )
    ev = evaluated(paths)
    c1 = by_id(ev)[("C1", "GBP")]
    # I2 gets CN1 (named); P1 (400) and CN2 (100) go oldest-first to I1: 1000 - 500 = 500
    assert [(i.invoice_id, i.open) for i in c1.invoices] == [
        ("I1", D("500.00")),
        ("I2", D("300.00")),
    ]
    assert ("C1", "not-yet-credited") in {(n.account_id, n.kind) for n in ev.notes}


def test_disputed_invoice_leaves_the_dunnable_balance(make_project):
    paths = make_project(
        {"ledgers/disputes.csv": "invoice_id,opened_on,resolved_on,reason\nI1,2026-10-01,,scope\n"}
    )
    ev = evaluated(paths)
    c1 = by_id(ev)[("C1", "GBP")]
    assert [i.invoice_id for i in c1.disputed] == ["I1"]
    assert [i.invoice_id for i in c1.invoices] == ["I2"]
    assert (c1.balance, c1.overdue_balance, c1.days_overdue) == (D("1100.00"), D("500.00"), 31)
