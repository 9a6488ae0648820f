"""Issue 3: the batch run monthly for a year, asserting what each account received and when.

Every expected sequence below was worked out by hand from the ledger rows and the ladder;
comments give the arithmetic.
"""

import csv
from datetime import date

import pytest

from collectbatch.pipeline import run

LADDERS = """\
default: steady
assign:
  by_segment: {fast: quick}
holds: {promise_grace_days: 3, plan_grace_days: 5, plan_broken_step: final}
ladders:
  steady:
    mode: next
    steps: &steps
      - {id: remind, offset_days: 1, channels: [email], template: overdue}
      - {id: second, offset_days: 30, channels: [email], template: overdue,
         min_days_since_previous: 25}
      - {id: final, offset_days: 60, channels: [letter], template: final,
         min_days_since_previous: 25}
  quick:
    mode: highest
    steps: *steps
"""

CLIENTS = """\
account_id,name,email,address,segment
A,Late Payer Ltd,a@x.example,1 A Street,
B,Part Payer Ltd,b@x.example,1 B Street,
C,Disputer Ltd,c@x.example,1 C Street,
D,Planner Ltd,d@x.example,1 D Street,
E,Again Ltd,e@x.example,1 E Street,
F,Fast Ladder Ltd,f@x.example,1 F Street,fast
G,Next Ladder Ltd,g@x.example,1 G Street,
"""

INVOICES = """\
invoice_id,account_id,issue_date,amount,currency
L1,A,2025-12-01,1000.00,GBP
P1,B,2026-01-10,600.00,GBP
P2,B,2026-02-10,400.00,GBP
D1,C,2026-03-01,1500.00,GBP
Q1,D,2026-01-05,3000.00,GBP
E1,E,2026-01-15,500.00,GBP
E2,E,2026-05-20,700.00,GBP
H1,F,2025-10-01,2000.00,GBP
G1,G,2025-10-01,2000.00,GBP
"""

PAYMENTS = """\
payment_id,account_id,paid_on,amount,currency,invoice_id
PA,A,2026-03-15,1000.00,GBP,L1
PB1,B,2026-03-20,300.00,GBP,
PB2,B,2026-04-20,300.00,GBP,
PB3,B,2026-06-10,400.00,GBP,P2
PC,C,2026-08-20,1500.00,GBP,D1
PD,D,2026-03-30,1000.00,GBP,
PE1,E,2026-03-05,500.00,GBP,E1
PE2,E,2026-09-10,700.00,GBP,E2
PF,F,2026-02-10,2000.00,GBP,H1
PG,G,2026-03-20,2000.00,GBP,G1
"""

DISPUTES = "invoice_id,opened_on,resolved_on,reason\nD1,2026-04-10,2026-06-15,hours queried\n"
PLANS = """\
plan_id,account_id,agreed_on,due_date,amount
PL1,D,2026-03-10,2026-03-31,1000.00
PL1,D,2026-03-10,2026-04-30,1000.00
PL1,D,2026-03-10,2026-05-31,1000.00
"""

MONTHS = [date(2026, m, 1) for m in range(1, 13)]

EXPECTED = {
    # L1 due 2025-12-31: 1 day at 01-01, 32 at 02-01, 60 at 03-01; paid 03-15
    "A": [
        ("2026-01-01", "remind", "email"),
        ("2026-02-01", "second", "email"),
        ("2026-03-01", "final", "letter"),
    ],
    # P1 due 02-09: 20 days at 03-01; 51 at 04-01 (second). The 04-20 payment clears P1, so
    # the age is P2's (due 03-12): 50 at 05-01 (final not reached), 81 at 06-01 (final).
    "B": [
        ("2026-03-01", "remind", "email"),
        ("2026-04-01", "second", "email"),
        ("2026-06-01", "final", "letter"),
    ],
    # D1 due 03-31: remind at 04-01; in dispute 04-10..06-15 (not chased at 05-01, 06-01);
    # the cycle goes on after the dispute: second at 07-01, final at 08-01; paid 08-20
    "C": [
        ("2026-04-01", "remind", "email"),
        ("2026-07-01", "second", "email"),
        ("2026-08-01", "final", "letter"),
    ],
    # Q1 due 02-04: remind at 03-01; plan agreed 03-10 holds 04-01 and 05-01 (1000 paid covers
    # the 03-31 instalment); at 06-01 the 04-30 instalment is 26 days late: broken → final
    "D": [("2026-03-01", "remind", "email"), ("2026-06-01", "final", "letter")],
    # E1 due 02-14: remind at 03-01, paid 03-05: the cycle ends. E2 due 06-19 starts a new
    # cycle at the first step: remind 07-01 (12 days), second 08-01 (43), final 09-01 (74)
    "E": [
        ("2026-03-01", "remind", "email"),
        ("2026-07-01", "remind", "email"),
        ("2026-08-01", "second", "email"),
        ("2026-09-01", "final", "letter"),
    ],
    # H1 due 2025-10-31: 62 days at the first batch; `highest` goes straight to final
    "F": [("2026-01-01", "final", "letter")],
    # the same invoice on a `next` ladder climbs one step a month
    "G": [
        ("2026-01-01", "remind", "email"),
        ("2026-02-01", "second", "email"),
        ("2026-03-01", "final", "letter"),
    ],
}


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    from .conftest import write_project

    root = tmp_path_factory.mktemp("year")
    paths = write_project(
        root,
        {
            "rules/ladders.yaml": LADDERS,
            "ledgers/clients.csv": CLIENTS,
            "ledgers/invoices.csv": INVOICES,
            "ledgers/payments.csv": PAYMENTS,
            "ledgers/disputes.csv": DISPUTES,
            "ledgers/payment_plans.csv": PLANS,
        },
    )
    for month in MONTHS:
        run(paths, month, force=False, workers=1)
    return paths


def _rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def sequences(out):
    seq: dict[str, list[tuple[str, str, str]]] = {}
    for month in MONTHS:
        for r in _rows(out / month.isoformat() / "actions.csv"):
            seq.setdefault(r["account_id"], []).append((r["as_of"], r["step"], r["channel"]))
    return seq


def exceptions(out, kind):
    found = []
    for month in MONTHS:
        for r in _rows(out / month.isoformat() / "exceptions.csv"):
            if r["kind"] == kind:
                found.append((month.isoformat(), r["account_id"], r["invoice_id"]))
    return found


def test_twelve_monthly_batches_give_the_exact_sequences(year):
    assert sequences(year.out) == EXPECTED


def test_dispute_is_listed_while_open_and_not_chased(year):
    assert exceptions(year.out, "dispute") == [("2026-05-01", "C", "D1"), ("2026-06-01", "C", "D1")]


def test_plan_holds_then_breaks(year):
    assert exceptions(year.out, "payment-plan") == [
        ("2026-04-01", "D", ""),
        ("2026-05-01", "D", ""),
    ]
    assert ("2026-06-01", "D", "") in exceptions(year.out, "plan-broken")


def test_rerunning_a_date_replaces_it_and_never_counts_itself(year):
    before = (year.out / "2026-03-01" / "actions.csv").read_bytes()
    run(year, date(2026, 3, 1), force=True, workers=1)
    assert (year.out / "2026-03-01" / "actions.csv").read_bytes() == before


def test_voiding_an_action_makes_the_next_month_issue_it_again(make_project, run_batch):
    paths = make_project(
        {
            "rules/ladders.yaml": LADDERS,
            "ledgers/clients.csv": CLIENTS,
            "ledgers/invoices.csv": INVOICES,
            "ledgers/payments.csv": PAYMENTS,
        }
    )
    run_batch(paths, "2026-01-01", force=False)
    actions = paths.out / "2026-01-01" / "actions.csv"
    rows = _rows(actions)
    assert [(r["account_id"], r["step"]) for r in rows if r["account_id"] == "A"] == [
        ("A", "remind")
    ]
    lines = [
        ln.replace(",planned", ",void") if ",A,remind," in ln else ln
        for ln in actions.read_text().splitlines()
    ]
    actions.write_text("\n".join(lines) + "\n")
    run_batch(paths, "2026-02-01", force=False)
    feb = [
        (r["step"])
        for r in _rows(paths.out / "2026-02-01" / "actions.csv")
        if r["account_id"] == "A"
    ]
    assert feb == ["remind"]  # not "second": the voided reminder was never sent


def test_pacing_waits_then_issues(make_project, run_batch):
    paths = make_project(
        {
            "rules/ladders.yaml": LADDERS,
            "ledgers/clients.csv": "account_id,name,email\nA,Late Payer Ltd,a@x.example\n",
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,currency\n"
            "L1,A,2025-10-02,1000.00,GBP\n",
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    got = []
    for day in ("2026-01-01", "2026-01-10", "2026-01-27"):
        res = run_batch(paths, day, force=False)
        got.append([a.step.id for a in res.plan.actions])
        if day == "2026-01-10":
            (note,) = [n for n in res.plan.notes if n.kind == "pacing"]
            assert 'step "second" is due but held: 9 day(s) since "remind"' in note.reason
    assert got == [["remind"], [], ["second"]]


def test_promise_to_pay_holds_until_pay_by_plus_grace_then_breaks(make_project, run_batch):
    paths = make_project(
        {
            "rules/ladders.yaml": LADDERS,
            "ledgers/clients.csv": "account_id,name,email\nA,Late Payer Ltd,a@x.example\n",
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,currency\n"
            "L1,A,2025-11-01,1000.00,GBP\n",
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
            "ledgers/promises.csv": "account_id,promised_on,pay_by,amount\n"
            "A,2026-01-05,2026-01-20,1000.00\n",
        }
    )
    held = run_batch(paths, "2026-01-22", force=False)  # 20 + 3 grace days: still open
    assert held.plan.actions == ()
    assert [n.kind for n in held.plan.notes] == ["promise-to-pay"]
    broken = run_batch(paths, "2026-01-24", force=False)
    assert [a.step.id for a in broken.plan.actions] == ["remind"]
    assert "promise-broken" in [n.kind for n in broken.plan.notes]


def test_conditions_and_ladder_assignment(make_project, run_batch):
    ladders = LADDERS.replace(
        "      - {id: remind, offset_days: 1, channels: [email], template: overdue}",
        "      - {id: remind, offset_days: 1, channels: [email], template: overdue,\n"
        "         when: {any: [{overdue_balance: {gte: 500}}, {segment: {in: [vip]}}]}}",
    )
    paths = make_project(
        {
            "rules/ladders.yaml": ladders,
            "ledgers/clients.csv": "account_id,name,email,segment,ladder\n"
            "S,Small Ltd,s@x.example,,\n"
            "V,Vip Ltd,v@x.example,vip,\n"
            "X,Explicit Ltd,x@x.example,fast,steady\n",
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,currency\n"
            "S1,S,2025-12-01,100.00,GBP\n"
            "V1,V,2025-12-01,100.00,GBP\n"
            "X1,X,2025-10-01,600.00,GBP\n",
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    res = run_batch(paths, "2026-01-01", force=False)
    # S: 100 < 500 and not vip → `remind` is passed over; `second` is the next step (not yet due)
    # V: vip → remind. X (600, 62 days): the explicit ladder column wins over segment "fast"
    # (which would give the `highest` ladder and so `final`) → `next` → remind
    assert sorted((a.account_id, a.step.id) for a in res.plan.actions) == [
        ("V", "remind"),
        ("X", "remind"),
    ]


def test_pre_due_reminder_once_per_invoice(make_project, run_batch):
    paths = make_project(
        {
            "ledgers/clients.csv": "account_id,name,email\nA,Early Ltd,a@x.example\n",
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,currency\n"
            "N1,A,2026-01-05,100.00,GBP\nN2,A,2026-01-12,50.00,GBP\n",
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency\n",
        }
    )
    # N1 due 02-04, N2 due 02-11; the standard ladder's pre-due step looks 10 days ahead
    first = run_batch(paths, "2026-01-28", force=False)
    assert [(a.step.id, [i.invoice_id for i in a.invoices]) for a in first.plan.actions] == [
        ("pre-due", ["N1"])
    ]
    second = run_batch(paths, "2026-02-02", force=False)
    assert [(a.step.id, [i.invoice_id for i in a.invoices]) for a in second.plan.actions] == [
        ("pre-due", ["N1", "N2"])
    ]  # N2 is new; N1 is repeated on the statement only
    third = run_batch(paths, "2026-02-03", force=False)
    assert third.plan.actions == ()  # both invoices have had their reminder


def test_history_can_come_from_another_folder(make_project):
    from .test_cli import invoke

    paths = make_project(
        {
            "rules/ladders.yaml": LADDERS,
            "ledgers/clients.csv": CLIENTS,
            "ledgers/invoices.csv": INVOICES,
            "ledgers/payments.csv": PAYMENTS,
        }
    )
    assert invoke(paths, "run", "--as-of", "2026-01-01", "--out", "archive").exit_code == 0
    res = invoke(paths, "run", "--as-of", "2026-02-01", "--history", "archive")
    assert res.exit_code == 0, res.output
    feb = _rows(paths.out / "2026-02-01" / "actions.csv")
    # with January's batch as history, A climbs to `second`; without it, it would get `remind`
    assert [r["step"] for r in feb if r["account_id"] == "A"] == ["second"]
    solo = invoke(paths, "run", "--as-of", "2026-02-01", "--out", "alone")
    assert solo.exit_code == 0
    alone = _rows(paths.root / "alone" / "2026-02-01" / "actions.csv")
    assert [r["step"] for r in alone if r["account_id"] == "A"] == ["remind"]
