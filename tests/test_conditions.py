"""Step conditions compile to parameterised SQL; bad ones are located errors."""

from decimal import Decimal

import pytest

from collectbatch.conditions import ConditionError, compile_condition
from collectbatch.policy import load_policy


def test_values_are_parameters_never_sql_text():
    evil = "x'); DROP TABLE clients; --"
    c = compile_condition(
        {"all": [{"segment": {"in": [evil, "vip"]}}, {"not": {"overdue_balance": {"lt": "500"}}}]}
    )
    assert evil not in c.sql and "DROP" not in c.sql
    assert c.params == (evil, "vip", Decimal("500"))
    assert c.sql.count("?") == 3


@pytest.mark.parametrize(
    "cond,message",
    [
        ({"days_past_due": 30}, 'unknown fact "days_past_due"'),
        ({"segment": {"gt": "a"}}, '"gt" compares numbers, but "segment" is text'),
        ({"days_overdue": {"gte": "soon"}}, "expected a number"),
        ({"on_payment_plan": "yes"}, "expected true or false"),
        ({"days_overdue": {"between": [1, 2]}}, 'unknown operator "between"'),
    ],
)
def test_bad_conditions_are_refused(cond, message):
    with pytest.raises(ConditionError) as err:
        compile_condition(cond, ("when",))
    assert message in str(err.value)


def test_a_bad_condition_in_the_policy_points_at_its_line(make_project):
    paths = make_project()
    text = (paths.rules / "ladders.yaml").read_text()
    text = text.replace("when: {overdue_balance: {gte: 50}}", "when: {overdue_balanse: {gte: 50}}")
    (paths.rules / "ladders.yaml").write_text(text)
    _, diags = load_policy(paths.rules, paths.root)
    (d,) = diags
    line = text.splitlines().index("        when: {overdue_balanse: {gte: 50}}") + 1
    assert (d.code, d.line, d.column) == ("E206", line, 16)
    assert d.fix == 'did you mean "overdue_balance"?'


LADDERS = """\
default: main
ladders:
  main:
    mode: next
    steps:
      - {id: friendly, offset_days: 1, channels: [email], template: overdue,
         when: {avg_days_late_12m: {lte: 10}}}
      - {id: firm, offset_days: 1, channels: [email], template: overdue,
         when: {avg_days_late_12m: {gt: 10}}}
      - {id: after, offset_days: 2, channels: [email], template: overdue,
         when: {all: [{last_step: firm}, {days_since_last_step: {gte: 5}}]}}
"""


def test_history_and_payment_behaviour_facts(make_project, run_batch):
    paths = make_project(
        {
            "rules/ladders.yaml": LADDERS.replace("offset_days: 2,", "offset_days: 3,"),
            "ledgers/clients.csv": "account_id,name,email\nGOOD,Good Ltd,g@x.example\n"
            "SLOW,Slow Ltd,s@x.example\n",
            "ledgers/invoices.csv": "invoice_id,account_id,issue_date,amount,currency\n"
            "G0,GOOD,2025-10-01,100.00,GBP\nG1,GOOD,2025-12-01,100.00,GBP\n"
            "S0,SLOW,2025-10-01,100.00,GBP\nS1,SLOW,2025-12-01,100.00,GBP\n",
            # G0 (due 10-31) paid 5 days late; S0 paid 45 days late
            "ledgers/payments.csv": "payment_id,account_id,paid_on,amount,currency,invoice_id\n"
            "PG,GOOD,2025-11-05,100.00,GBP,G0\nPS,SLOW,2025-12-15,100.00,GBP,S0\n",
        }
    )
    first = run_batch(paths, "2026-01-01", force=False)  # G1, S1 due 12-31: one day overdue
    assert sorted((a.account_id, a.step.id) for a in first.plan.actions) == [
        ("GOOD", "friendly"),
        ("SLOW", "firm"),
    ]
    # SLOW got "firm"; "after" needs 5 days since it: not on 01-04, yes on 01-06
    assert [
        a.step.id
        for a in run_batch(paths, "2026-01-04", force=False).plan.actions
        if a.account_id == "SLOW"
    ] == []
    assert [
        a.step.id
        for a in run_batch(paths, "2026-01-06", force=False).plan.actions
        if a.account_id == "SLOW"
    ] == ["after"]
