"""Stage 3, evaluate: the typed ledger and the policy → per-invoice and per-account facts, in SQL.

Everything is computed over whole sets in DuckDB, once per run: due dates from terms, payment
allocation (named invoice first; unnamed payments and overpayments oldest-invoice-first within an
account and currency), open amounts, days past due, aging buckets and the ladder step each account
has reached. Policy values are bound as parameters, never pasted into SQL text. Python only
fetches the finished rows into plain dataclasses for the next stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from .policy import Policy

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")


@dataclass(frozen=True)
class InvoiceLine:
    invoice_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    open: Decimal
    days_overdue: int  # negative: days until due
    description: str
    reference: str


@dataclass(frozen=True)
class Client:
    account_id: str
    name: str
    email: str | None
    phone: str | None
    address: str | None
    country: str | None
    jurisdiction: str | None
    client_type: str
    segment: str | None
    terms: str
    language: str | None
    contact_name: str | None
    do_not_contact: bool
    src: str


@dataclass(frozen=True)
class Account:
    """One account in one currency, as of the batch date."""

    client: Client
    currency: str
    balance: Decimal
    overdue_balance: Decimal
    credit: Decimal
    days_overdue: int
    aging: tuple[Decimal, ...]
    invoices: tuple[InvoiceLine, ...]  # open invoices not in dispute, oldest first
    disputed: tuple[InvoiceLine, ...] = ()  # open invoices in dispute: shown apart, not dunned

    @property
    def account_id(self) -> str:
        return self.client.account_id

    @property
    def overdue_invoices(self) -> tuple[InvoiceLine, ...]:
        return tuple(i for i in self.invoices if i.days_overdue > 0)


@dataclass(frozen=True)
class Note:
    """A fact about a ledger row or an account the accountant should see in exceptions.csv."""

    source: str
    account_id: str
    invoice_id: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    accounts: tuple[Account, ...]
    notes: tuple[Note, ...]


def evaluate(con: duckdb.DuckDBPyConnection, policy: Policy, as_of: date) -> Evaluation:
    """Compute every account's position as of `as_of`."""
    _policy_tables(con, policy)
    con.execute(INVOICE_FACTS_SQL, {"as_of": as_of, "default_terms": policy.default_terms})
    con.execute(ALLOCATION_SQL, {"as_of": as_of})
    con.execute(INVOICE_OPEN_SQL, {"as_of": as_of})
    con.execute(ACCOUNT_FACTS_SQL)
    accounts = _fetch_accounts(con, policy.default_terms)
    notes = tuple(Note(*r) for r in con.execute(NOTES_SQL, {"as_of": as_of}).fetchall())
    return Evaluation(as_of, accounts, notes)


def _policy_tables(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    terms = sorted(policy.terms.values(), key=lambda t: t.name)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE policy_terms AS SELECT unnest($1::VARCHAR[]) AS name, "
        "unnest($2::INTEGER[]) AS days, unnest($3::INTEGER[]) AS grace_days",
        [[t.name for t in terms], [t.days for t in terms], [t.grace_days for t in terms]],
    )
    steps = [(ladder.name, s) for ladder in policy.ladders.values() for s in ladder.steps]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE policy_steps AS SELECT unnest($1::VARCHAR[]) AS ladder, "
        "unnest($2::VARCHAR[]) AS step, unnest($3::INTEGER[]) AS step_order, "
        "unnest($4::INTEGER[]) AS offset_days",
        [
            [n for n, _ in steps],
            [s.id for _, s in steps],
            [s.order for _, s in steps],
            [s.offset_days for _, s in steps],
        ],
    )


INVOICE_FACTS_SQL = """
CREATE OR REPLACE TEMP TABLE inv AS
SELECT i.invoice_id, i.account_id, i.currency, i.issue_date, i.amount, i.src,
       coalesce(i.description, '') AS description, coalesce(i.reference, '') AS reference,
       coalesce(i.due_date_given, i.issue_date + t.days::INTEGER) AS due_date, t.grace_days,
       EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = i.invoice_id
               AND d.opened_on <= $as_of
               AND (d.resolved_on IS NULL OR d.resolved_on > $as_of)) AS disputed
FROM invoices i
JOIN clients c USING (account_id)
JOIN policy_terms t ON t.name = coalesce(c.terms, $default_terms)
WHERE i.issue_date <= $as_of
"""

# Payments naming an invoice settle it first; what is left of them, and every payment naming
# none, forms a pool per account and currency that settles open invoices oldest first (FIFO by
# cumulative ranges: the overlap of a payment's range with an invoice's range is what it pays).
ALLOCATION_SQL = """
CREATE OR REPLACE TEMP TABLE alloc AS
WITH pay AS (
  SELECT payment_id, account_id, paid_on, amount, currency, invoice_id
  FROM payments WHERE paid_on <= $as_of
  UNION ALL
  SELECT credit_id, account_id, issued_on, amount, currency, invoice_id
  FROM credit_notes WHERE issued_on <= $as_of
), named AS (
  SELECT p.payment_id, p.account_id, p.currency, p.paid_on, p.amount, p.invoice_id,
         sum(p.amount) OVER (PARTITION BY p.invoice_id ORDER BY p.paid_on, p.payment_id)
           - p.amount AS before_amt,
         i.amount AS inv_amount
  FROM pay p JOIN inv i USING (invoice_id)
), direct AS (
  SELECT payment_id, account_id, currency, paid_on, invoice_id,
         greatest(least(amount, inv_amount - before_amt), 0)::DECIMAL(18,2) AS applied,
         (amount - greatest(least(amount, inv_amount - before_amt), 0))::DECIMAL(18,2) AS excess
  FROM named
), pool AS (
  SELECT payment_id, account_id, currency, paid_on, excess AS amount FROM direct WHERE excess > 0
  UNION ALL
  SELECT payment_id, account_id, currency, paid_on, amount FROM pay
  WHERE invoice_id IS NULL OR invoice_id NOT IN (SELECT invoice_id FROM inv)
), pool_ranges AS (
  SELECT *, sum(amount) OVER w - amount AS lo, sum(amount) OVER w AS hi
  FROM pool WINDOW w AS (PARTITION BY account_id, currency ORDER BY paid_on, payment_id)
), remaining AS (
  SELECT i.invoice_id, i.account_id, i.currency, i.due_date, i.issue_date,
         i.amount - coalesce(sum(d.applied), 0) AS rest
  FROM inv i LEFT JOIN direct d USING (invoice_id)
  GROUP BY i.invoice_id, i.account_id, i.currency, i.due_date, i.issue_date, i.amount
), inv_ranges AS (
  SELECT *, sum(rest) OVER w - rest AS lo, sum(rest) OVER w AS hi
  FROM remaining WHERE rest > 0
  WINDOW w AS (PARTITION BY account_id, currency ORDER BY due_date, issue_date, invoice_id)
)
SELECT payment_id, invoice_id, account_id, currency, paid_on, applied::DECIMAL(18,2) AS amount,
       'named' AS how
FROM direct WHERE applied > 0
UNION ALL
SELECT p.payment_id, i.invoice_id, p.account_id, p.currency, p.paid_on,
       (least(p.hi, i.hi) - greatest(p.lo, i.lo))::DECIMAL(18,2), 'oldest-first'
FROM pool_ranges p JOIN inv_ranges i
  ON p.account_id = i.account_id AND p.currency = i.currency AND p.lo < i.hi AND i.lo < p.hi
UNION ALL
SELECT p.payment_id, NULL, p.account_id, p.currency, p.paid_on,
       (p.hi - greatest(p.lo, coalesce(t.total, 0)))::DECIMAL(18,2), 'credit'
FROM pool_ranges p
LEFT JOIN (SELECT account_id, currency, sum(rest) AS total FROM inv_ranges GROUP BY ALL) t
  ON p.account_id = t.account_id AND p.currency = t.currency
WHERE p.hi > coalesce(t.total, 0)
"""

INVOICE_OPEN_SQL = """
CREATE OR REPLACE TEMP TABLE inv_open AS
SELECT i.*, coalesce(a.paid, 0)::DECIMAL(18,2) AS paid,
       (i.amount - coalesce(a.paid, 0))::DECIMAL(18,2) AS open,
       date_diff('day', i.due_date, $as_of::DATE) AS dpd
FROM inv i
LEFT JOIN (SELECT invoice_id, sum(amount) AS paid FROM alloc WHERE invoice_id IS NOT NULL
           GROUP BY invoice_id) a USING (invoice_id)
"""

ACCOUNT_FACTS_SQL = """
CREATE OR REPLACE TEMP TABLE acct AS
WITH keys AS (
  SELECT account_id, currency FROM inv_open WHERE open > 0
  UNION
  SELECT account_id, currency FROM alloc WHERE how = 'credit'
), credit AS (
  SELECT account_id, currency, sum(amount) AS credit FROM alloc WHERE how = 'credit' GROUP BY ALL
), agg AS (
  SELECT account_id, currency,
    sum(open) AS open_total,
    sum(open) FILTER (WHERE dpd > 0 AND NOT disputed) AS overdue,
    count(*) FILTER (WHERE dpd > 0 AND NOT disputed) AS overdue_count,
    sum(open) FILTER (WHERE disputed) AS disputed_total,
    max(dpd) FILTER (WHERE dpd > 0 AND NOT disputed) AS days_overdue,
    max(dpd - grace_days) FILTER (WHERE NOT disputed) AS max_dpd_after_grace,
    sum(open) FILTER (WHERE dpd <= 0) AS current,
    sum(open) FILTER (WHERE dpd BETWEEN 1 AND 30) AS d1,
    sum(open) FILTER (WHERE dpd BETWEEN 31 AND 60) AS d31,
    sum(open) FILTER (WHERE dpd BETWEEN 61 AND 90) AS d61,
    sum(open) FILTER (WHERE dpd > 90) AS d90
  FROM inv_open WHERE open > 0 GROUP BY ALL
)
SELECT k.account_id, k.currency,
  (coalesce(g.open_total, 0) - coalesce(cr.credit, 0))::DECIMAL(18,2) AS balance,
  coalesce(g.overdue, 0)::DECIMAL(18,2) AS overdue_balance,
  coalesce(cr.credit, 0)::DECIMAL(18,2) AS credit,
  coalesce(g.days_overdue, 0) AS days_overdue,
  g.max_dpd_after_grace,
  coalesce(g.current, 0)::DECIMAL(18,2) AS current, coalesce(g.d1, 0)::DECIMAL(18,2) AS d1,
  coalesce(g.d31, 0)::DECIMAL(18,2) AS d31, coalesce(g.d61, 0)::DECIMAL(18,2) AS d61,
  coalesce(g.d90, 0)::DECIMAL(18,2) AS d90,
  coalesce(g.overdue_count, 0) AS overdue_count,
  coalesce(g.disputed_total, 0)::DECIMAL(18,2) AS disputed_total
FROM keys k
LEFT JOIN agg g USING (account_id, currency)
LEFT JOIN credit cr USING (account_id, currency)
"""

NOTES_SQL = """
SELECT src, account_id, invoice_id, 'not-yet-issued',
       'issued ' || strftime(issue_date, '%Y-%m-%d') || ', after the batch date; counted from then'
FROM invoices WHERE issue_date > $as_of
UNION ALL
SELECT src, account_id, coalesce(invoice_id, ''), 'not-yet-paid',
       'paid ' || strftime(paid_on, '%Y-%m-%d') || ', after the batch date; counted from then'
FROM payments WHERE paid_on > $as_of
UNION ALL
SELECT src, account_id, coalesce(invoice_id, ''), 'not-yet-credited',
       'credit note dated ' || strftime(issued_on, '%Y-%m-%d') || ', after the batch date'
FROM credit_notes WHERE issued_on > $as_of
UNION ALL
SELECT d.src, i.account_id, d.invoice_id, 'dispute',
       'in dispute since ' || strftime(d.opened_on, '%Y-%m-%d')
       || coalesce(': ' || nullif(d.reason, ''), '') || '; not chased while open'
FROM disputes d JOIN inv i USING (invoice_id)
WHERE d.opened_on <= $as_of AND (d.resolved_on IS NULL OR d.resolved_on > $as_of)
  AND i.invoice_id IN (SELECT invoice_id FROM inv_open WHERE open > 0)
UNION ALL
SELECT 'account ' || account_id, account_id, '', 'credit-balance',
       'overpaid: ' || currency || ' ' || credit::VARCHAR || ' in credit; refund or apply it'
FROM acct WHERE credit > 0 AND balance <= 0
ORDER BY 2, 1, 3
"""

ACCOUNTS_SQL = """
SELECT c.account_id, c.name, c.email, c.phone, c.address, c.country, c.jurisdiction,
       c.client_type, c.segment, coalesce(c.terms, $default_terms), c.language, c.contact_name,
       c.do_not_contact, c.src,
       a.currency, a.balance, a.overdue_balance, a.credit, a.days_overdue,
       a.current, a.d1, a.d31, a.d61, a.d90
FROM acct a JOIN clients c USING (account_id)
ORDER BY a.account_id, a.currency
"""

OPEN_INVOICES_SQL = """
SELECT account_id, currency, invoice_id, issue_date, due_date, amount, paid, open, dpd,
       description, reference, disputed
FROM inv_open WHERE open > 0
ORDER BY account_id, currency, due_date, issue_date, invoice_id
"""


def _fetch_accounts(con: duckdb.DuckDBPyConnection, default_terms: str) -> tuple[Account, ...]:
    lines: dict[tuple[str, str], list[InvoiceLine]] = {}
    disputed: dict[tuple[str, str], list[InvoiceLine]] = {}
    for row in con.execute(OPEN_INVOICES_SQL).fetchall():
        target = disputed if row[-1] else lines
        target.setdefault((row[0], row[1]), []).append(InvoiceLine(*row[2:-1]))
    out = []
    rows = con.execute(ACCOUNTS_SQL, {"default_terms": default_terms}).fetchall()
    for r in rows:
        client = Client(*r[:14])
        out.append(
            Account(
                client=client,
                currency=r[14],
                balance=r[15],
                overdue_balance=r[16],
                credit=r[17],
                days_overdue=r[18],
                aging=tuple(r[19:24]),
                invoices=tuple(lines.get((client.account_id, r[14]), [])),
                disputed=tuple(disputed.get((client.account_id, r[14]), [])),
            )
        )
    return tuple(out)
