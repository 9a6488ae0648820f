"""Stage 3b, climb the ladder: evaluated accounts + history → which step each account gets now.

The question each month is "given everything we sent before and everything that happened since,
what should we send now?". It is answered in SQL over all accounts at once:

- the **cycle**: the current run of days on which the account had an overdue balance; steps issued
  before it started (or marked void) do not count;
- the **ladder** each client follows: clients.csv `ladder`, else by segment, client type,
  jurisdiction, else the default;
- step **conditions** (`when`), compiled to parameterised SQL over the facts table;
- **order and pacing**: `next` issues the step after the last one issued in the cycle, `highest`
  the highest step reached; a step waits until `min_days_since_previous` days have passed;
- **holds**: do-not-contact, a promise to pay, a payment plan being kept; a broken plan resumes
  at the policy's `plan_broken_step`.

Pre-due steps remind of invoices not yet due; each invoice gets a given pre-due step once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .plan import Issued
from .policy import Policy

NO_STEP_DAYS = 100_000  # "days since last step" when no step was issued in the cycle


@dataclass(frozen=True)
class Decision:
    account_id: str
    currency: str
    ladder: str
    step: str | None  # the step to issue now, if any
    hold: str | None  # why nothing is issued although a step is due (exceptions kind)
    reason: str
    last_step: str | None
    last_on: date | None
    cycle_start: date | None


def decide(
    con: duckdb.DuckDBPyConnection, policy: Policy, as_of: date, history: tuple[Issued, ...]
) -> tuple[tuple[Decision, ...], tuple[tuple[str, ...], ...]]:
    """Decide every account's step; return the decisions and extra exception rows."""
    _tables(con, policy, history)
    params = {
        "as_of": as_of,
        "default_ladder": policy.default_ladder,
        "promise_grace": policy.holds.promise_grace_days,
        "plan_grace": policy.holds.plan_grace_days,
        "no_step_days": NO_STEP_DAYS,
    }
    for sql in (CLIENT_LADDER_SQL, CYCLE_SQL, HISTORY_SQL, PLANS_SQL, PROMISES_SQL, FACTS_SQL):
        con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    _conditions(con, policy)
    con.execute(DECISION_SQL, {"broken_step": policy.holds.plan_broken_step or ""})
    rows = con.execute(
        "SELECT * EXCLUDE (due_step) FROM decision ORDER BY account_id, currency"
    ).fetchall()
    notes = con.execute(HOLD_NOTES_SQL).fetchall()
    return tuple(Decision(*r) for r in rows), tuple(tuple(map(str, n)) for n in notes)


def _tables(con: duckdb.DuckDBPyConnection, policy: Policy, history: tuple[Issued, ...]) -> None:
    steps = [(ladder, s) for ladder in policy.ladders.values() for s in ladder.steps]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ladder_steps AS SELECT unnest($1::VARCHAR[]) AS ladder, "
        "unnest($2::VARCHAR[]) AS step, unnest($3::INTEGER[]) AS step_order, "
        "unnest($4::INTEGER[]) AS offset_days, unnest($5::INTEGER[]) AS min_gap, "
        "unnest($6::VARCHAR[]) AS mode",
        [
            [lad.name for lad, _ in steps],
            [s.id for _, s in steps],
            [s.order for _, s in steps],
            [s.offset_days for _, s in steps],
            [s.min_days_since_previous for _, s in steps],
            [lad.mode for lad, _ in steps],
        ],
    )
    assign = [
        (kind, key, name)
        for kind, table in (
            ("segment", policy.assign.by_segment),
            ("client_type", policy.assign.by_client_type),
            ("jurisdiction", policy.assign.by_jurisdiction),
        )
        for key, name in sorted(table.items())
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ladder_assign AS SELECT unnest($1::VARCHAR[]) AS kind, "
        "unnest($2::VARCHAR[]) AS key, unnest($3::VARCHAR[]) AS ladder",
        [[a[0] for a in assign], [a[1] for a in assign], [a[2] for a in assign]],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE issued AS SELECT unnest($1::DATE[]) AS as_of, "
        "unnest($2::VARCHAR[]) AS account_id, unnest($3::VARCHAR[]) AS currency, "
        "unnest($4::VARCHAR[]) AS step, unnest($5::VARCHAR[]) AS channel, "
        "unnest($6::VARCHAR[]) AS status, unnest($7::VARCHAR[]) AS invoice_ids",
        [
            [h.as_of for h in history],
            [h.account_id for h in history],
            [h.currency for h in history],
            [h.step for h in history],
            [h.channel for h in history],
            [h.status for h in history],
            [h.invoice_ids for h in history],
        ],
    )


CLIENT_LADDER_SQL = """
CREATE OR REPLACE TEMP TABLE client_ladder AS
SELECT c.account_id, coalesce(c.ladder, seg.ladder, typ.ladder, jur.ladder, $default_ladder)
       AS ladder
FROM clients c
LEFT JOIN ladder_assign seg ON seg.kind = 'segment' AND seg.key = c.segment
LEFT JOIN ladder_assign typ ON typ.kind = 'client_type' AND typ.key = c.client_type
LEFT JOIN ladder_assign jur ON jur.kind = 'jurisdiction' AND jur.key = c.jurisdiction
"""

# The cycle: overdue balance at the end of each day on which it changed (an invoice falling
# overdue, a payment or credit applied). The cycle starts on the first such day with a positive
# overdue balance after the last day on which it was zero.
CYCLE_SQL = """
CREATE OR REPLACE TEMP TABLE cycle AS
WITH pieces AS (
  SELECT a.account_id, a.currency, a.invoice_id, a.amount,
         greatest(a.paid_on, i.issue_date) AS on_day, i.due_date
  FROM alloc a JOIN inv i USING (invoice_id)
  WHERE a.invoice_id IS NOT NULL AND NOT i.disputed
), days AS (
  SELECT account_id, currency, due_date + 1 AS d FROM inv
  WHERE NOT disputed AND due_date + 1 <= $as_of
  UNION
  SELECT account_id, currency, on_day FROM pieces WHERE on_day <= $as_of
), owed AS (
  SELECT d.account_id, d.currency, d.d, sum(i.amount) AS owed
  FROM days d JOIN inv i ON i.account_id = d.account_id AND i.currency = d.currency
   AND NOT i.disputed AND i.due_date < d.d
  GROUP BY ALL
), paid AS (
  SELECT d.account_id, d.currency, d.d, sum(p.amount) AS paid
  FROM days d JOIN pieces p ON p.account_id = d.account_id AND p.currency = d.currency
   AND p.due_date < d.d AND p.on_day <= d.d
  GROUP BY ALL
), balance AS (
  SELECT d.account_id, d.currency, d.d, coalesce(o.owed, 0) - coalesce(p.paid, 0) AS overdue
  FROM days d LEFT JOIN owed o USING (account_id, currency, d)
  LEFT JOIN paid p USING (account_id, currency, d)
), last_zero AS (
  SELECT account_id, currency, max(d) FILTER (WHERE overdue <= 0) AS zero_on
  FROM balance GROUP BY ALL
)
SELECT b.account_id, b.currency, min(b.d) AS cycle_start
FROM balance b JOIN last_zero z USING (account_id, currency)
WHERE b.overdue > 0 AND (z.zero_on IS NULL OR b.d > z.zero_on)
GROUP BY ALL
"""

# Steps issued in the current cycle (void ones do not count; pre-due steps are per invoice).
HISTORY_SQL = """
CREATE OR REPLACE TEMP TABLE cycle_history AS
SELECT h.account_id, h.currency,
       arg_max(h.step, s.step_order) AS last_step,
       max(s.step_order) AS last_order,
       max(h.as_of) AS last_on
FROM issued h
JOIN acct a USING (account_id, currency)
JOIN cycle c USING (account_id, currency)
JOIN client_ladder cl USING (account_id)
JOIN ladder_steps s ON s.step = h.step AND s.offset_days > 0 AND s.ladder = cl.ladder
WHERE h.status <> 'void' AND h.as_of >= c.cycle_start AND h.as_of < $as_of
GROUP BY ALL
"""

# The latest payment plan of each account: kept while every instalment due (plus grace) is
# covered by what was paid since the plan was agreed; complete once everything is paid.
PLANS_SQL = """
CREATE OR REPLACE TEMP TABLE plan_state AS
WITH latest AS (
  SELECT account_id, arg_max(plan_id, agreed_on) AS plan_id FROM payment_plans
  WHERE agreed_on <= $as_of GROUP BY ALL
), plan AS (
  SELECT p.* FROM payment_plans p JOIN latest USING (account_id, plan_id)
), due AS (
  SELECT account_id, plan_id, min(agreed_on) AS agreed_on, sum(amount) AS total,
         sum(amount) FILTER (WHERE due_date + $plan_grace::INTEGER < $as_of) AS due_now,
         min(due_date) FILTER (WHERE due_date + $plan_grace::INTEGER < $as_of) AS first_due
  FROM plan GROUP BY ALL
), paid AS (
  SELECT d.account_id, sum(p.amount) AS paid
  FROM due d JOIN payments p ON p.account_id = d.account_id
   AND p.paid_on >= d.agreed_on AND p.paid_on <= $as_of
  GROUP BY ALL
)
SELECT d.account_id, d.plan_id, d.agreed_on,
       CASE WHEN coalesce(p.paid, 0) >= d.total THEN 'complete'
            WHEN coalesce(p.paid, 0) >= coalesce(d.due_now, 0) THEN 'kept'
            ELSE 'broken' END AS state,
       coalesce(p.paid, 0) AS paid, coalesce(d.due_now, 0) AS due_now
FROM due d LEFT JOIN paid p USING (account_id)
"""

# The latest promise to pay: it holds the ladder until pay_by + grace; unpaid then, it is broken.
PROMISES_SQL = """
CREATE OR REPLACE TEMP TABLE promise_state AS
WITH latest AS (
  SELECT account_id, max(promised_on) AS promised_on,
         arg_max(pay_by, promised_on) AS pay_by, arg_max(amount, promised_on) AS amount
  FROM promises WHERE promised_on <= $as_of GROUP BY ALL
), paid AS (
  SELECT l.account_id, sum(p.amount) AS paid
  FROM latest l JOIN payments p ON p.account_id = l.account_id AND p.paid_on >= l.promised_on
   AND p.paid_on <= least($as_of, l.pay_by + $promise_grace::INTEGER)
  GROUP BY ALL
)
SELECT l.*, coalesce(p.paid, 0) AS paid,
       CASE WHEN coalesce(p.paid, 0) >= l.amount THEN 'kept'
            WHEN $as_of <= l.pay_by + $promise_grace::INTEGER THEN 'open'
            ELSE 'broken' END AS state
FROM latest l LEFT JOIN paid p USING (account_id)
"""

FACTS_SQL = """
CREATE OR REPLACE TEMP TABLE facts AS
WITH late AS (
  SELECT i.account_id, i.currency,
         avg(greatest(date_diff('day', i.due_date, p.last_paid), 0)) AS avg_late
  FROM inv_open i
  JOIN (SELECT invoice_id, max(paid_on) AS last_paid FROM alloc WHERE invoice_id IS NOT NULL
        GROUP BY ALL) p USING (invoice_id)
  WHERE i.open = 0 AND p.last_paid > $as_of - INTERVAL 365 DAY
  GROUP BY ALL
)
SELECT a.account_id, a.currency, a.balance, a.overdue_balance, a.days_overdue,
       a.overdue_count, c.segment, c.client_type, c.jurisdiction, c.country, c.language,
       c.do_not_contact, cl.ladder,
       h.last_step, coalesce(h.last_order, 0) AS last_order, h.last_on, cy.cycle_start,
       coalesce(date_diff('day', h.last_on, $as_of::DATE), $no_step_days) AS days_since_last_step,
       coalesce(ps.state = 'kept', false) AS on_payment_plan,
       coalesce(ps.state = 'broken' AND ps.agreed_on >= cy.cycle_start, false) AS plan_broken,
       coalesce(pr.state = 'open', false) AS promise_open,
       coalesce(l.avg_late, 0)::DECIMAL(10,2) AS avg_days_late_12m,
       a.max_dpd_after_grace AS max_after_grace
FROM acct a
JOIN clients c USING (account_id)
JOIN client_ladder cl USING (account_id)
LEFT JOIN cycle cy USING (account_id, currency)
LEFT JOIN cycle_history h USING (account_id, currency)
LEFT JOIN plan_state ps USING (account_id)
LEFT JOIN promise_state pr USING (account_id)
LEFT JOIN late l USING (account_id, currency)
"""


def _conditions(con: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Which (account, step) pairs a step's `when` condition rules out, one query per step."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE step_blocked (account_id VARCHAR, "
        "currency VARCHAR, step VARCHAR)"
    )
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            if step.when is None:
                continue
            con.execute(
                "INSERT INTO step_blocked SELECT account_id, currency, ? FROM facts "
                f"WHERE ladder = ? AND NOT coalesce({step.when.sql}, false)",
                [step.id, ladder.name, *step.when.params],
            )


DECISION_SQL = """
CREATE OR REPLACE TEMP TABLE decision AS
WITH open_steps AS (   -- overdue steps the account may still take in this cycle
  SELECT f.account_id, f.currency, s.*,
         f.max_after_grace >= s.offset_days AS reached,
         f.days_since_last_step >= s.min_gap AS paced
  FROM facts f JOIN ladder_steps s ON s.ladder = f.ladder
  WHERE s.offset_days > 0 AND s.step_order > f.last_order
    AND NOT EXISTS (SELECT 1 FROM step_blocked b WHERE b.account_id = f.account_id
                    AND b.currency = f.currency AND b.step = s.step)
), candidates AS (
  SELECT account_id, currency, any_value(mode) AS mode,
         arg_min(step, step_order) AS next_step,
         arg_min(reached, step_order) AS next_reached,
         arg_min(paced, step_order) AS next_paced,
         arg_max(step, step_order) FILTER (WHERE reached AND paced) AS highest_paced,
         bool_or(reached) AS any_reached
  FROM open_steps GROUP BY ALL
), broken AS (         -- a broken payment plan resumes at the policy's step
  SELECT f.account_id, f.currency, s.step FROM facts f
  JOIN ladder_steps s ON s.ladder = f.ladder AND s.step = $broken_step
  WHERE f.plan_broken AND s.step_order > f.last_order
), pre AS (            -- pre-due steps: invoices due soon not yet reminded by that step
  SELECT f.account_id, f.currency, arg_max(s.step, s.step_order) AS pre_step
  FROM facts f JOIN ladder_steps s ON s.ladder = f.ladder
  JOIN inv_open i ON i.account_id = f.account_id AND i.currency = f.currency
   AND i.open > 0 AND NOT i.disputed AND i.dpd BETWEEN s.offset_days AND 0
  WHERE s.offset_days <= 0
    AND NOT EXISTS (SELECT 1 FROM step_blocked b WHERE b.account_id = f.account_id
                    AND b.currency = f.currency AND b.step = s.step)
    AND NOT EXISTS (SELECT 1 FROM issued h WHERE h.account_id = f.account_id
                    AND h.currency = f.currency AND h.step = s.step AND h.status <> 'void'
                    AND list_contains(string_split(h.invoice_ids, ';'), i.invoice_id))
  GROUP BY ALL
), chosen AS (
  SELECT f.*, p.pre_step, b.step AS broken_step,
    CASE WHEN b.step IS NOT NULL THEN b.step
         WHEN n.mode = 'highest' THEN coalesce(n.highest_paced,
                                               CASE WHEN n.any_reached THEN n.next_step END)
         WHEN n.next_reached THEN n.next_step END AS post_step,
    b.step IS NULL AND CASE WHEN n.mode = 'highest' THEN n.highest_paced IS NULL
                            ELSE NOT n.next_paced END AS waits
  FROM facts f
  LEFT JOIN candidates n USING (account_id, currency)
  LEFT JOIN broken b USING (account_id, currency)
  LEFT JOIN pre p USING (account_id, currency)
), held AS (
  SELECT *, coalesce(post_step, pre_step) AS due_step,
    CASE
      WHEN post_step IS NULL AND pre_step IS NULL THEN NULL
      WHEN do_not_contact THEN 'do-not-contact'
      WHEN promise_open THEN 'promise-to-pay'
      WHEN on_payment_plan THEN 'payment-plan'
      WHEN post_step IS NOT NULL AND waits THEN 'pacing'
    END AS hold
  FROM chosen
)
SELECT account_id, currency, ladder, CASE WHEN hold IS NULL THEN due_step END AS step,
  hold,
  CASE hold
    WHEN 'do-not-contact' THEN 'the client is marked do_not_contact; review by hand'
    WHEN 'promise-to-pay' THEN 'a promise to pay is open'
    WHEN 'payment-plan' THEN 'a payment plan is being kept'
    WHEN 'pacing' THEN days_since_last_step || ' day(s) since "' || last_step
                       || '"; the step waits for the pacing the policy sets'
    ELSE '' END AS reason,
  last_step, last_on, cycle_start, due_step
FROM held
"""

HOLD_NOTES_SQL = """
SELECT 'account ' || account_id, account_id, '', hold,
       'step "' || due_step || '" is due but held: ' || reason
FROM decision WHERE hold IS NOT NULL
UNION
SELECT 'account ' || f.account_id, f.account_id, '', 'plan-broken',
       'payment plan ' || ps.plan_id || ' agreed ' || strftime(ps.agreed_on, '%Y-%m-%d')
       || ' is broken: paid ' || ps.paid::VARCHAR || ' of ' || ps.due_now::VARCHAR
       || ' due; the ladder resumes'
FROM facts f JOIN plan_state ps USING (account_id) WHERE f.plan_broken
UNION
SELECT 'account ' || pr.account_id, pr.account_id, '', 'promise-broken',
       'promised ' || pr.amount::VARCHAR || ' by ' || strftime(pr.pay_by, '%Y-%m-%d')
       || ', paid ' || pr.paid::VARCHAR || '; the ladder resumes'
FROM promise_state pr
WHERE pr.state = 'broken' AND pr.promised_on >= (
  SELECT min(cycle_start) FROM facts f WHERE f.account_id = pr.account_id)
ORDER BY 2, 4
"""
