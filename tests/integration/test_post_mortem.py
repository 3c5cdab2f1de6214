"""The post-mortem of a resolved case, on SQLite and PostgreSQL: started with the war
room team and executives, findings under the agenda's headings, action items tracked by
a timer, completed (frozen, in the knowledge base), every change on the timeline and
nothing written by a refused request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from examples import ANA, MARIA
from timer_support import drain, open_case, timeline, timers

from escalada.adapters.catalogs import translations
from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from escalada.domain.post_mortem import HEADINGS
from escalada.services import cases
from escalada.services.context import Actor, Context
from escalada.services.delivery_list import delivery_page
from escalada.services.escalations import acknowledge, escalate
from escalada.services.knowledge_base import search
from escalada.services.people import add_user, update_user
from escalada.services.post_mortem import (
    add_action,
    add_finding,
    attend,
    complete_post_mortem,
    finish_action,
    post_mortem_page,
    show_post_mortem,
    start_post_mortem,
)
from escalada.services.recovery import recovery_plan
from escalada.services.report import escalation_report
from escalada.testing import CapturingChannels, FakeClock

VIEWER = Actor("vera", "viewer")
ADMIN_ACTOR = Actor("admin", "admin")


def _resolved(ctx: Context) -> str:
    case = open_case(ctx).snapshot.id
    cases.resolve(ctx=ctx, actor=ANA, case_id=case)
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=Actor("admin", "admin"), name="lena", role="team_lead")
    return case


def test_a_post_mortem_is_held_and_completed_into_the_knowledge_base(
    ctx: Context, clock: FakeClock,
) -> None:
    case = _resolved(ctx)

    started = start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    attend(ctx=ctx, actor=ANA, case_id=case, add=["lena"])
    add_finding(ctx=ctx, actor=ANA, case_id=case, heading="went_wrong",
                text="The failover of the RDS cluster took 40 minutes.")
    add_finding(ctx=ctx, actor=MARIA, case_id=case, heading="went-well",
                text="The war room formed within 10 minutes.")
    shown = add_action(ctx=ctx, actor=ANA, case_id=case, what="Alert on replica lag",
                       due_at="2026-12-10", owner="lena")
    done = complete_post_mortem(ctx=ctx, actor=MARIA, case_id=case, summary="Slow failover.")

    assert (started.status, started.attendees) == ("open", [])
    assert [a.name for a in shown.attendees] == ["lena"]
    assert [f.text for f in shown.agenda["went_well"]] == [
        "The war room formed within 10 minutes."]
    assert tuple(shown.agenda) == HEADINGS
    [action] = shown.actions
    assert (action.owner, action.status) == ("lena", "open")
    assert (done.status, done.completed_by, done.summary) == ("completed", "maria",
                                                             "Slow failover.")
    assert show_post_mortem(ctx=ctx, case_id=case) == done
    kinds = [e.kind for e in timeline(ctx, case) if e.kind.startswith("post_mortem")]
    assert kinds == ["post_mortem_started", "post_mortem_attendees", "post_mortem_finding",
                     "post_mortem_finding", "post_mortem_action", "post_mortem_completed"]
    report = escalation_report(ctx=ctx, actor=ANA, case_id=case, fmt="md",
                               language="en").content.decode()
    lessons = report.split("## 7.")[1].split("## 8.")[0]
    assert "What went well: The war room formed within 10 minutes" in lessons
    assert "What went wrong: The failover of the RDS cluster" in lessons
    assert "| Action item: Alert on replica lag | lena | " in lessons and "| open |" in lessons
    assert "Nothing recorded" not in lessons
    hits = search(ctx=ctx, q="failover")
    assert [h.kind for h in hits] == ["post_mortem"]
    # Frozen: no more findings, attendees or a second completion.
    for change in (lambda: add_finding(ctx=ctx, actor=ANA, case_id=case, heading="went_well",
                                       text="x"),
                   lambda: attend(ctx=ctx, actor=ANA, case_id=case, remove=["lena"]),
                   lambda: complete_post_mortem(ctx=ctx, actor=ANA, case_id=case)):
        with pytest.raises(InvalidTransition, match="frozen"):
            change()
    # Its action items go on as tasks.
    clock.advance(hours=1)
    after = finish_action(ctx=ctx, actor=Actor("lena", "team_lead"), case_id=case,
                          action_id=action.id)
    assert after.actions[0].status == "done"
    timer = next(t for t in timers(ctx, case) if t.kind == "post_mortem_action_due")
    assert (timer.state, timer.outcome) == ("dropped", "action done")


def test_an_action_item_undone_at_its_due_time_reminds_its_owner(
    ctx: Context, clock: FakeClock,
) -> None:
    case = _resolved(ctx)
    start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    made = add_action(ctx=ctx, actor=ANA, case_id=case, what="Runbook for failover",
                      due_at="2026-11-28T12:00:00+00:00")

    clock.now = datetime(2026, 11, 28, 12, 1, tzinfo=UTC)
    drain(ctx)

    assert show_post_mortem(ctx=ctx, case_id=case).actions[0].status == "overdue"
    [entry] = [e for e in timeline(ctx, case) if e.kind == "post_mortem_action_overdue"]
    assert entry.actor == "escalada" and "reminder to ana" in entry.summary
    assert made.actions[0].owner == "ana"


def _action_due_at_noon(ctx: Context, case: str, owner: str) -> None:
    start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    add_action(ctx=ctx, actor=ANA, case_id=case, what="Runbook for failover",
               due_at="2026-11-28T12:00:00+00:00", owner=owner)


def _overdue_action(ctx: Context, clock: FakeClock, case: str, owner: str) -> None:
    _action_due_at_noon(ctx, case, owner)
    clock.now = datetime(2026, 11, 28, 12, 1, tzinfo=UTC)


def test_the_owner_of_an_overdue_action_is_emailed_a_reminder_in_their_language(
    ctx: Context, clock: FakeClock,
) -> None:
    ctx.channels = channels = CapturingChannels()
    case = _resolved(ctx)  # acme writes English
    update_user(ctx=ctx, actor=ADMIN_ACTOR, name="lena",
                changes={"email": "lena@support.example", "language": "ru",
                         "display_name": "Елена Орлова"})
    _overdue_action(ctx, clock, case, owner="lena")

    drain(ctx)

    [mail] = channels["email"].delivered
    assert (mail.to, mail.language, mail.audience, mail.kind) == (
        "lena@support.example", "ru", "internal", "post_mortem_action_reminder")
    assert mail.subject == f"Просрочен пункт плана по итогам разбора {case}: Runbook for failover"
    assert mail.body.startswith("Здравствуйте, Елена Орлова!")
    assert "до 2026-11-28 12:00 (UTC)" in mail.body
    assert f"escalada postmortem done {case} 1" in mail.body
    [delivery] = delivery_page(ctx=ctx, case=case).items
    assert (delivery.state, delivery.created_by) == ("delivered", "escalada")
    kinds = [e.kind for e in timeline(ctx, case)]
    assert kinds[-3:] == ["post_mortem_action_overdue", "message_queued", "message_delivered"]
    queued = timeline(ctx, case)[-2]
    assert queued.summary == ("post-mortem action reminder (ru) queued for lena by email to "
                              "lena@support.example")
    assert queued.summary_in(translations("ru")) == (
        "напоминание о пункте плана по итогам разбора (ru) поставлено в очередь для lena, "
        "по почте на lena@support.example")
    # Once: the timer fired, and nothing is due again.
    assert drain(ctx) == 0 and len(channels["email"].delivered) == 1


def test_an_owner_without_a_language_is_reminded_in_the_accounts_and_without_email_not_at_all(
    ctx: Context, clock: FakeClock,
) -> None:
    ctx.channels = channels = CapturingChannels()
    moscow = {"timezone": "Europe/Moscow", "country": "RU", "language": "ru"}
    volga = open_case(ctx, account="volga", account_fields=moscow).snapshot.id
    cases.resolve(ctx=ctx, actor=ANA, case_id=volga)
    acme = _resolved(ctx)
    add_user(ctx=ctx, actor=ADMIN_ACTOR, name="ivan", role="engineer")
    update_user(ctx=ctx, actor=ADMIN_ACTOR, name="lena", changes={"email": "lena@x.example"})
    _action_due_at_noon(ctx, volga, owner="lena")
    _action_due_at_noon(ctx, acme, owner="lena")
    add_action(ctx=ctx, actor=ANA, case_id=acme, what="Alert on lag", owner="ivan",
               due_at="2026-11-28T12:00:00+00:00")
    clock.now = datetime(2026, 11, 28, 12, 1, tzinfo=UTC)

    drain(ctx)

    russian, english = sorted(channels["email"].delivered, key=lambda m: m.language,
                              reverse=True)
    assert (russian.case_ref, russian.language) == (volga, "ru")  # the account's language
    assert russian.body.startswith("Здравствуйте, lena!")
    assert "до 2026-11-28 15:00 (Europe/Moscow)" in russian.body
    assert (english.case_ref, english.language) == (acme, "en")
    assert english.subject == f"Post-mortem action item overdue on {acme}: Runbook for failover"
    # No email: the overdue entry stands, and the timer's outcome says why nobody was mailed.
    [ivans] = [t for t in timers(ctx, acme) if t.kind == "post_mortem_action_due"
               and "ivan" in (t.outcome or "")]
    assert "ivan has no email to be reminded by (`escalada user update ivan" in (
        ivans.outcome or "")
    assert len([e for e in timeline(ctx, acme) if e.kind == "post_mortem_action_overdue"]) == 2


def test_refusals_name_the_field_and_write_nothing(ctx: Context) -> None:
    open_one = open_case(ctx).snapshot.id
    with pytest.raises(InvalidTransition, match="not resolved"):
        start_post_mortem(ctx=ctx, actor=ANA, case_id=open_one)
    case = _resolved(ctx)
    with pytest.raises(NotFound, match="postmortem start"):
        show_post_mortem(ctx=ctx, case_id=case)
    with pytest.raises(NotFound, match="postmortem start"):
        add_finding(ctx=ctx, actor=ANA, case_id=case, heading="went_well", text="x")
    with pytest.raises(NotPermitted, match="starting a post-mortem needs the role engineer"):
        start_post_mortem(ctx=ctx, actor=VIEWER, case_id=case)
    start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    before = len(timeline(ctx, case))

    def problem(call: object, **fields: object) -> str:
        with pytest.raises(InvalidInput) as refused:
            call(ctx=ctx, actor=ANA, case_id=case, **fields)  # type: ignore[operator]
        return refused.value.problems[0][0]

    assert problem(add_finding, heading="lessons", text="x") == "heading"
    assert problem(add_finding, heading="went_well", text="  ") == "text"
    assert problem(add_action, what="x", due_at="2026-11-20") == "due_at"
    assert problem(add_action, what="x", due_at="soon") == "due_at"
    assert problem(add_action, what="x", due_at="2026-12-20", owner="nobody") == "owner"
    assert problem(attend, add=["nobody"]) == "add"
    assert problem(attend, remove=["lena"]) == "remove"
    assert problem(attend) == "add"
    with pytest.raises(InvalidTransition, match="no findings"):
        complete_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    with pytest.raises(InvalidTransition, match="started already"):
        start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    with pytest.raises(NotFound, match="no action 7"):
        finish_action(ctx=ctx, actor=ANA, case_id=case, action_id=7)
    assert len(timeline(ctx, case)) == before
    assert show_post_mortem(ctx=ctx, case_id=case).actions == []


def test_an_l2_resolution_makes_a_post_mortem_due_and_its_timer_tells_when_overdue(
    ctx: Context, clock: FakeClock,
) -> None:
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=Actor("admin", "admin"), name="maria", role="support_manager")
    below = _resolved_at(ctx, None)
    case = open_case(ctx).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L2", reason="CTO asked")
    acknowledge(ctx=ctx, actor=MARIA, case_id=case, step=1)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case)

    due = show_post_mortem(ctx=ctx, case_id=case)
    with pytest.raises(NotFound, match="has no post-mortem"):
        show_post_mortem(ctx=ctx, case_id=below)
    assert (due.status, due.overdue) == ("due", False)
    assert due.due_at is not None and due.due_at > clock.now  # 5 business days (policy)
    assert [i.case for i in post_mortem_page(ctx=ctx).items] == [case]
    assert post_mortem_page(ctx=ctx, overdue=True).items == []

    clock.now = due.due_at + timedelta(minutes=1)
    drain(ctx)

    [overdue] = post_mortem_page(ctx=ctx, overdue=True).items
    assert (overdue.case, overdue.status, overdue.overdue) == (case, "due", True)
    [entry] = [e for e in timeline(ctx, case) if e.kind == "post_mortem_overdue"]
    assert entry.actor == "escalada" and "not started" in entry.summary
    started = start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    assert [a.name for a in started.attendees] == ["maria"]  # the executive on the case
    add_finding(ctx=ctx, actor=ANA, case_id=case, heading="went_wrong", text="Late.")
    complete_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    assert post_mortem_page(ctx=ctx, overdue=True).items == []
    plan = recovery_plan(ctx=ctx, case_id=case)
    [task] = [t for phase in plan.phases for t in phase.tasks if t.key == "post_mortem"]
    assert task.status == "done"  # the plan's post-mortem task is done with it
    assert timeline(ctx, case)[-2].summary == (
        f"recovery task {task.id} (post-mortem): status open -> done (post-mortem completed)")
    assert timeline(ctx, case)[-2].summary_in(translations("ru")).endswith(
        ": статус открыта -> выполнена (разбор инцидента завершён)")  # the task, feminine
    with pytest.raises(InvalidInput) as refused:
        post_mortem_page(ctx=ctx, limit=0)
    assert refused.value.problems[0][0] == "limit"


def test_completing_before_the_due_time_drops_the_timer(ctx: Context) -> None:
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    case = open_case(ctx).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3", reason="CTO asked")
    cases.resolve(ctx=ctx, actor=MARIA, case_id=case)  # closes the war room: a manager
    start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    add_finding(ctx=ctx, actor=ANA, case_id=case, heading="went_well", text="Fast.")
    complete_post_mortem(ctx=ctx, actor=ANA, case_id=case)

    timer = next(t for t in timers(ctx, case) if t.kind == "post_mortem_due")
    assert (timer.state, timer.outcome) == ("dropped", "post-mortem completed")


def _resolved_at(ctx: Context, level: str | None) -> str:
    case = open_case(ctx).snapshot.id
    if level:
        escalate(ctx=ctx, actor=ANA, case_id=case, to=level, reason="x")
    cases.resolve(ctx=ctx, actor=ANA, case_id=case)
    return case


def test_a_post_mortem_written_in_russian_enters_the_knowledge_base_in_russian(
    ctx: Context,
) -> None:
    case = _resolved(ctx)  # an English-speaking account
    start_post_mortem(ctx=ctx, actor=ANA, case_id=case)
    add_finding(ctx=ctx, actor=ANA, case_id=case, heading="went_wrong",
                text="Переключение кластера базы данных заняло сорок минут из-за сбоя "
                     "репликации, и клиенты заметили это раньше нас.")
    complete_post_mortem(ctx=ctx, actor=ANA, case_id=case)

    [hit] = search(ctx=ctx, q="сбои репликации")
    assert (hit.kind, hit.language) == ("post_mortem", "ru")
