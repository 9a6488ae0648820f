from datetime import date
from decimal import Decimal as D

from collectbatch.evaluate import Account, Client, Evaluation, InvoiceLine
from collectbatch.ladder import Decision
from collectbatch.plan import action_id, plan_actions
from collectbatch.policy import load_policy


def client(**kw):
    base = dict(
        account_id="A1",
        name="Acme",
        email="a@x.example",
        phone="1",
        address="1 Road",
        country="GB",
        jurisdiction=None,
        client_type="business",
        segment=None,
        terms="net30",
        language=None,
        contact_name=None,
        do_not_contact=False,
        src="ledgers/clients.csv:2",
    )
    base.update(kw)
    return Client(**base)


def account(days=30, open_=D("500.00"), **kw):
    inv = InvoiceLine("I1", date(2026, 9, 1), date(2026, 10, 1), open_, D("0"), open_, days, "", "")
    return Account(
        client(**kw),
        "GBP",
        open_,
        open_ if days > 0 else D("0"),
        D("0"),
        max(days, 0),
        (D("0"),) * 5,
        (inv,),
    )


def decision(acc, last=None):
    step = "overdue-2" if acc.days_overdue >= 21 else "pre-due"
    return Decision(
        acc.account_id,
        acc.currency,
        "standard",
        step,
        None,
        "",
        last[0] if last else None,
        last[1] if last else None,
        None,
    )


def plan(accounts, paths, last=None):
    policy, _ = load_policy(paths.rules, paths.root)
    ev = Evaluation(date(2026, 12, 1), tuple(accounts), ())
    return plan_actions(ev, tuple(decision(a, last) for a in accounts), (), policy)


def test_one_action_per_channel_sorted(make_project):
    p = plan([account()], make_project())
    assert [(a.step.id, a.channel, a.document) for a in p.actions] == [
        ("overdue-2", "email", "emails/A1-GBP-overdue-2.eml"),
        ("overdue-2", "letter", "letters/A1-GBP-overdue-2.pdf"),
        ("overdue-2", "phone", "calls/call-list.csv"),
    ]
    assert p.notes == ()


def test_action_ids_are_stable_and_distinct():
    a = action_id(date(2026, 12, 1), "A1", "GBP", "overdue-2", "letter")
    assert a == action_id(date(2026, 12, 1), "A1", "GBP", "overdue-2", "letter")
    assert a != action_id(date(2026, 12, 1), "A1", "GBP", "overdue-2", "email")
    assert a != action_id(date(2027, 1, 1), "A1", "GBP", "overdue-2", "letter")


def test_missing_contact_details_skip_channels_with_reasons(make_project):
    p = plan([account(email=None, phone=None)], make_project())
    assert [a.channel for a in p.actions] == ["letter"]
    assert sorted(n.reason for n in p.notes) == [
        'step "overdue-2" by email skipped: no email address',
        'step "overdue-2" by phone skipped: no phone number',
    ]


def test_written_step_falls_back_to_the_other_written_channel(make_project):
    # pre-due is email-only; a client without email gets the reminder by letter
    p = plan([account(days=-5, email=None)], make_project())
    assert [a.channel for a in p.actions] == ["letter"]
    assert {n.kind for n in p.notes} == {"channel-unavailable", "channel-fallback"}


def test_below_minimum_is_an_exception_not_silence(make_project):
    p = plan([account(open_=D("35.00"), account_id="A2")], make_project())
    assert p.actions == ()
    assert [(n.account_id, n.kind) for n in p.notes] == [("A2", "below-minimum")]
    assert "GBP 35.00 is below the step's minimum of 50.00" in p.notes[0].reason


def test_last_issued_step_is_passed_to_the_documents(make_project):
    p = plan([account()], make_project(), last=("overdue-1", date(2026, 10, 1)))
    assert {(a.last_issued.step, a.last_issued.as_of) for a in p.actions} == {
        ("overdue-1", date(2026, 10, 1))
    }
