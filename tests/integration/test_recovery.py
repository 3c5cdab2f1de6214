"""The relationship recovery plan on real SQLite and PostgreSQL: opened when an L2+ case
resolves (once, in the same transaction), edited task by task with a timeline entry,
refused with the field, the task or the role named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from case_support import open_case as open_acme_case
from concurrency_support import run_at_once
from examples import ADMIN, ANA, LENA, MARIA
from sqlalchemy import func, select

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import RecoveryTaskRow
from escalada.domain.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context
from escalada.services.escalations import acknowledge, deescalate, escalate
from escalada.services.people import add_user
from escalada.services.recovery import (
    RecoveryPlanView,
    RecoveryTaskView,
    add_task,
    create_plan,
    recovery_plan,
    update_task,
)
from escalada.testing import FakeClock

DMITRI = Actor("dmitri", "support_director")
VIKTOR = Actor("viktor", "viewer")
RESOLVED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # the clock's start, a Thursday


@pytest.fixture
def people(ctx: Context) -> None:
    add_user(ctx=ctx, actor=ADMIN, name="admin", role="admin")
    for who in (ANA, LENA, MARIA, DMITRI, VIKTOR):
        add_user(ctx=ctx, actor=ADMIN, name=who.name, role=who.role)


def open_case(ctx: Context, *, language: str = "en", **fields: Any) -> str:
    """A P1 case of an enterprise account that asked for escalation (L2 criteria fire)."""
    return open_acme_case(ctx, account_fields={"language": language},
                          flags=["customer_requested_escalation"], **fields).snapshot.id


def resolved_at_l2(ctx: Context, **fields: Any) -> str:
    case_id = open_case(ctx, **fields)
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2")
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id, reason="driver patched")
    return case_id


def task(plan: RecoveryPlanView, key: str) -> RecoveryTaskView:
    return next(t for phase in plan.phases for t in phase.tasks if t.key == key)


def task_count(ctx: Context) -> int:
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(RecoveryTaskRow)) or 0


# Opening the plan


def test_resolving_an_l2_case_opens_its_recovery_plan_with_follow_up_and_post_mortem(
    ctx: Context, people: None,
) -> None:
    case_id = resolved_at_l2(ctx)

    plan = recovery_plan(ctx=ctx, case_id=case_id)

    assert (plan.case, plan.level, plan.open_tasks, plan.overdue_tasks) == (case_id, "L2", 14, 0)
    assert [phase.phase for phase in plan.phases] == [
        "immediate", "short_term", "medium_term", "long_term"]
    assert all(phase.tasks for phase in plan.phases)
    assert plan.customer_follow_up is not None and plan.post_mortem is not None
    assert plan.customer_follow_up.due_at == RESOLVED_AT + timedelta(days=7)
    assert plan.customer_follow_up.owner_role == "support_manager"  # who answers for L2
    # Five business days of the policy's hours in the account's zone (UTC here).
    assert plan.post_mortem.due_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert "Agenda" in plan.post_mortem.text
    assert task(plan, "resolution_communication").due_at == RESOLVED_AT + timedelta(days=1)
    assert {t.status for phase in plan.phases for t in phase.tasks} == {"open"}


def test_the_resolution_on_the_timeline_tells_of_the_plan_and_the_case_moves_once(
    ctx: Context, people: None,
) -> None:
    case_id = open_case(ctx)
    version = escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2").version

    view = cases.resolve(ctx=ctx, actor=ANA, case_id=case_id, reason="driver patched")

    assert view.version == version + 1
    resolved = view.timeline[-1]
    assert (resolved.kind, resolved.reason) == ("resolved", "driver patched")
    assert resolved.summary.startswith("case resolved; recovery plan opened (14 tasks)")
    assert resolved.data["recovery_plan"] == {
        "tasks": 14, "level": "L2",
        "post_mortem_due_at": "2026-12-03T10:00:00+00:00",
        "customer_follow_up_due_at": "2026-12-03T10:00:00+00:00"}


@pytest.mark.parametrize("level", [None, "L1"])
def test_a_case_resolved_below_l2_gets_no_plan(
    ctx: Context, people: None, level: str | None,
) -> None:
    case_id = open_case(ctx)
    if level is not None:
        escalate(ctx=ctx, actor=ANA, case_id=case_id, to=level, reason="asked for a lead")

    view = cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)

    assert view.timeline[-1].summary == "case resolved"
    assert task_count(ctx) == 0
    with pytest.raises(NotFound, match=f"{case_id} has no recovery plan"):
        recovery_plan(ctx=ctx, case_id=case_id)


def test_a_case_that_reached_l3_and_stepped_down_still_gets_a_plan_led_at_l3(
    ctx: Context, people: None,
) -> None:
    case_id = open_case(ctx, business_impact_usd="150000")
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L3")
    acknowledge(ctx=ctx, actor=DMITRI, case_id=case_id, step=1)
    deescalate(ctx=ctx, actor=DMITRI, case_id=case_id, track="executive", to="L1",
               reason="impact contained")
    cases.resolve(ctx=ctx, actor=LENA, case_id=case_id)

    plan = recovery_plan(ctx=ctx, case_id=case_id)

    assert plan.level == "L3"
    apology = task(plan, "executive_apology")
    assert (apology.owner_role, apology.owner) == ("support_director", "dmitri")
    assert task(plan, "post_mortem").owner is None  # no support manager took a step


def test_the_manager_who_acknowledged_the_l2_step_owns_the_managers_tasks(
    ctx: Context, people: None,
) -> None:
    case_id = open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2")
    acknowledge(ctx=ctx, actor=MARIA, case_id=case_id, step=1)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)

    plan = recovery_plan(ctx=ctx, case_id=case_id)

    owned = {t.key for phase in plan.phases for t in phase.tasks if t.owner == "maria"}
    assert owned == {"resolution_communication", "executive_apology", "post_mortem",
                     "customer_follow_up", "enhanced_support", "internal_learning"}
    assert task(plan, "strategic_partnership").owner is None


def test_a_russian_speaking_account_gets_its_plan_in_russian(
    ctx: Context, people: None,
) -> None:
    case_id = resolved_at_l2(ctx, language="ru")

    plan = recovery_plan(ctx=ctx, case_id=case_id)

    assert task(plan, "executive_apology").text == "Звонок или визит руководителя с извинениями"
    assert plan.post_mortem is not None and "Повестка" in plan.post_mortem.text


def test_a_reader_reads_the_templates_tasks_in_their_own_language_whatever_the_accounts(
    ctx: Context, people: None,
) -> None:
    russian_case = resolved_at_l2(ctx, language="ru")
    english_case = resolved_at_l2(ctx, account="globex", name="Globex")

    english_reader = recovery_plan(ctx=ctx, case_id=russian_case, language="en")
    russian_reader = recovery_plan(ctx=ctx, case_id=english_case, language="ru")
    as_stored = recovery_plan(ctx=ctx, case_id=russian_case)

    assert task(english_reader, "executive_apology").text == "Executive apology call or visit"
    assert english_reader.post_mortem is not None
    assert english_reader.post_mortem.text.startswith("Post-mortem")
    assert task(russian_reader, "executive_apology").text == (
        "Звонок или визит руководителя с извинениями")
    assert task(as_stored, "executive_apology").text.startswith("Звонок")
    with ctx.unit_of_work() as uow:  # the rows keep the account's language
        stored = uow.session.scalars(select(RecoveryTaskRow.text).where(
            RecoveryTaskRow.key == "executive_apology")).all()
    assert sorted(stored) == ["Executive apology call or visit",
                              "Звонок или визит руководителя с извинениями"]


def test_a_task_people_added_or_reworded_reads_as_they_wrote_it_in_any_language(
    ctx: Context, people: None,
) -> None:
    case_id = resolved_at_l2(ctx, language="ru")
    plan = recovery_plan(ctx=ctx, case_id=case_id, language="en")
    apology = task(plan, "executive_apology")
    added = add_task(ctx=ctx, actor=ANA, case_id=case_id, phase="short_term",
                     text="Отправить RCA")

    reworded = update_task(ctx=ctx, actor=ANA, task_id=apology.id, language="en",
                           text="Звонок CEO клиенту в пятницу")
    later = recovery_plan(ctx=ctx, case_id=case_id, language="en")

    assert reworded.text == "Звонок CEO клиенту в пятницу"
    assert task(later, "executive_apology").text == "Звонок CEO клиенту в пятницу"
    assert next(t for p in later.phases for t in p.tasks if t.id == added.id).text == (
        "Отправить RCA")
    assert task(later, "service_credits").text.startswith("Agree service credits")


def test_a_refused_resolution_writes_no_plan(ctx: Context, people: None) -> None:
    case_id = open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2")

    with pytest.raises(
        Conflict,
        match=r"^CASE-1 is at version \d+, not 1: someone else changed it",
    ):
        cases.resolve(ctx=ctx, actor=ANA, case_id=case_id, expected_version=1)

    assert task_count(ctx) == 0


def test_a_plan_made_by_hand_before_resolving_is_not_made_again_on_resolving(
    ctx: Context, people: None,
) -> None:
    case_id = open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2")
    create_plan(ctx=ctx, actor=LENA, case_id=case_id, reason="customer asked for a review")

    view = cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)

    assert view.timeline[-1].summary == "case resolved"
    assert task_count(ctx) == 14


def test_a_team_lead_makes_a_plan_by_hand_for_a_case_below_l2_dated_from_now(
    ctx: Context, clock: FakeClock, people: None,
) -> None:
    case_id = open_case(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)
    later = clock.advance(days=2)

    plan = create_plan(ctx=ctx, actor=LENA, case_id=case_id, reason="CSAT 1 after closure")

    assert plan.level is None and plan.open_tasks == 14
    assert plan.customer_follow_up is not None
    assert plan.customer_follow_up.owner_role == "support_manager"  # at least L2's role
    assert plan.customer_follow_up.due_at == later + timedelta(days=7)
    entry = cases.case_timeline(ctx=ctx, case_id=case_id)[-1]
    assert (entry.kind, entry.actor, entry.reason) == (
        "recovery_plan_created", "lena", "CSAT 1 after closure")
    assert entry.summary.startswith("recovery plan opened (14 tasks)")


def test_a_second_plan_is_refused_and_an_engineer_may_not_make_one(
    ctx: Context, people: None,
) -> None:
    case_id = resolved_at_l2(ctx)

    with pytest.raises(AlreadyExists, match="has a recovery plan already"):
        create_plan(ctx=ctx, actor=LENA, case_id=case_id)
    with pytest.raises(NotPermitted, match="needs the role team lead"):
        create_plan(ctx=ctx, actor=ANA, case_id="CASE-1")
    with pytest.raises(NotFound, match=r"^no case CASE-77$"):
        create_plan(ctx=ctx, actor=LENA, case_id="CASE-77")


# Editing it


def test_assigning_and_starting_a_task_is_recorded_on_the_case_timeline(
    ctx: Context, clock: FakeClock, people: None,
) -> None:
    case_id = resolved_at_l2(ctx)
    apology = task(recovery_plan(ctx=ctx, case_id=case_id), "executive_apology")
    version = cases.show_case(ctx=ctx, case_id=case_id).version
    later = clock.advance(hours=1)

    changed = update_task(ctx=ctx, actor=ANA, task_id=apology.id, owner="maria",
                          status="in_progress", reason="Maria calls their CTO on Monday")

    assert (changed.owner, changed.status, changed.updated_by, changed.updated_at) == (
        "maria", "in_progress", "ana", later)
    entry = cases.case_timeline(ctx=ctx, case_id=case_id)[-1]
    assert (entry.kind, entry.actor, entry.reason) == (
        "recovery_task_updated", "ana", "Maria calls their CTO on Monday")
    assert entry.summary == (f"recovery task {apology.id} (executive apology): "
                             "owner none -> maria, status open -> in_progress")
    assert entry.summary_in(translations("ru")) == (
        f"задача плана восстановления {apology.id} (извинения руководителя): "
        "ответственный нет -> maria, статус открыта -> в работе")
    assert entry.data == {"task": apology.id, "key": "executive_apology",
                          "before": {"owner": None, "status": "open"},
                          "after": {"owner": "maria", "status": "in_progress"}}
    assert cases.show_case(ctx=ctx, case_id=case_id).version == version
    assert task(recovery_plan(ctx=ctx, case_id=case_id), "executive_apology") == changed


def test_a_change_that_changes_nothing_writes_nothing(ctx: Context, people: None) -> None:
    case_id = resolved_at_l2(ctx)
    credits = task(recovery_plan(ctx=ctx, case_id=case_id), "service_credits")
    entries = len(cases.case_timeline(ctx=ctx, case_id=case_id))

    same = update_task(ctx=ctx, actor=ANA, task_id=credits.id, status="open",
                       text=credits.text)

    assert same == credits
    assert len(cases.case_timeline(ctx=ctx, case_id=case_id)) == entries


def test_the_owner_and_the_due_date_are_cleared_with_null_and_a_day_ends_in_the_accounts_zone(
    ctx: Context, people: None,
) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="mosenergo", name="Mosenergo", tier="strategic",
                support_plan="enterprise", timezone="Europe/Moscow", language="ru")
    case_id = cases.open_case(ctx=ctx, actor=ANA, account="mosenergo", severity="P1",
                              title="Billing down", contact_level="c_level").snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L3")
    cases.resolve(ctx=ctx, actor=LENA, case_id=case_id)
    qbr = task(recovery_plan(ctx=ctx, case_id=case_id), "quarterly_business_review")

    dated = update_task(ctx=ctx, actor=ANA, task_id=qbr.id, due_at="2027-01-20",
                        owner="lena")
    cleared = update_task(ctx=ctx, actor=ANA, task_id=qbr.id, due_at=None, owner=None)

    assert dated.due_at == datetime(2027, 1, 20, 20, 59, tzinfo=UTC)  # 23:59 in Moscow
    assert dated.timezone == "Europe/Moscow"
    assert (cleared.due_at, cleared.owner, cleared.overdue) == (None, None, False)
    entry = cases.case_timeline(ctx=ctx, case_id=case_id)[-1]
    assert entry.data["after"] == {"owner": None, "due_at": None}


def test_a_task_past_its_due_date_is_overdue_until_done(
    ctx: Context, clock: FakeClock, people: None,
) -> None:
    case_id = resolved_at_l2(ctx)
    clock.advance(days=1, minutes=1)

    plan = recovery_plan(ctx=ctx, case_id=case_id)
    communication = task(plan, "resolution_communication")
    done = update_task(ctx=ctx, actor=ANA, task_id=communication.id, status="done")

    assert (plan.overdue_tasks, communication.overdue) == (1, True)
    assert done.overdue is False
    assert recovery_plan(ctx=ctx, case_id=case_id).overdue_tasks == 0


def test_tasks_stay_editable_after_the_case_closes(ctx: Context, people: None) -> None:
    case_id = resolved_at_l2(ctx)
    cases.close(ctx=ctx, actor=ANA, case_id=case_id)
    qbr = task(recovery_plan(ctx=ctx, case_id=case_id), "quarterly_business_review")

    assert update_task(ctx=ctx, actor=ANA, task_id=qbr.id, status="done").status == "done"
    added = add_task(ctx=ctx, actor=ANA, case_id=case_id, phase="long_term",
                     text="Joint talk at the customer's conference")
    assert added.key is None and added.owner_role is None


def test_people_add_their_own_tasks_to_a_plan(ctx: Context, people: None) -> None:
    case_id = resolved_at_l2(ctx)

    added = add_task(ctx=ctx, actor=ANA, case_id=case_id, phase="short_term",
                     text="Send the RCA document", due_at="2026-11-30T12:00:00+03:00",
                     owner="maria", reason="promised on the bridge call")

    assert (added.phase, added.text, added.owner, added.status, added.due_at) == (
        "short_term", "Send the RCA document", "maria", "open",
        datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    plan = recovery_plan(ctx=ctx, case_id=case_id)
    assert added in plan.phases[1].tasks and plan.open_tasks == 15
    entry = cases.case_timeline(ctx=ctx, case_id=case_id)[-1]
    assert (entry.kind, entry.reason) == ("recovery_task_added", "promised on the bridge call")


def test_the_timeline_names_a_task_of_peoples_own_by_its_phase_in_words(
    ctx: Context, people: None,
) -> None:
    case_id = resolved_at_l2(ctx)
    added = add_task(ctx=ctx, actor=ANA, case_id=case_id, phase="short_term", text="Send RCA")

    update_task(ctx=ctx, actor=ANA, task_id=added.id, status="done")

    entry = cases.case_timeline(ctx=ctx, case_id=case_id)[-1]
    assert entry.summary == f"recovery task {added.id} (short term): status open -> done"
    assert entry.summary_in(translations("ru")) == (
        f"задача плана восстановления {added.id} (краткосрочно): статус открыта -> выполнена")


def test_a_task_cannot_be_added_to_a_case_without_a_plan(ctx: Context, people: None) -> None:
    case_id = open_case(ctx)
    with pytest.raises(InvalidTransition, match="has no recovery plan"):
        add_task(ctx=ctx, actor=ANA, case_id=case_id, phase="immediate", text="Call back")


# Refusals


@pytest.mark.parametrize(("changes", "field"), [
    ({"status": "finished"}, "status"),
    ({"status": None}, "status"),
    ({"owner": "nobody-here"}, "owner"),
    ({"owner": "  "}, "owner"),
    ({"due_at": "next week"}, "due_at"),
    ({"due_at": "2026-12-03T10:00:00"}, "due_at"),
    ({"text": ""}, "text"),
    ({"priority": "high"}, "priority"),
    ({}, "changes"),
])
def test_a_bad_change_is_refused_naming_the_field_and_nothing_changes(
    ctx: Context, people: None, changes: dict[str, Any], field: str,
) -> None:
    case_id = resolved_at_l2(ctx)
    apology = task(recovery_plan(ctx=ctx, case_id=case_id), "executive_apology")

    with pytest.raises(InvalidInput, match=rf"^{field}: ") as refused:
        update_task(ctx=ctx, actor=ANA, task_id=apology.id, **changes)

    assert [name for name, _ in refused.value.problems] == [field]
    assert task(recovery_plan(ctx=ctx, case_id=case_id), "executive_apology") == apology


def test_a_bad_phase_is_refused_naming_it(ctx: Context, people: None) -> None:
    case_id = resolved_at_l2(ctx)
    with pytest.raises(InvalidInput, match=r"^phase: must be one of 'immediate', ") as refused:
        add_task(ctx=ctx, actor=ANA, case_id=case_id, phase="someday", text="x")
    assert refused.value.problems[0][0] == "phase"
    assert "immediate" in refused.value.problems[0][1]


@pytest.mark.parametrize("task_id", [999, 0, -1, 2**40])
def test_an_unknown_task_is_not_found(ctx: Context, people: None, task_id: int) -> None:
    resolved_at_l2(ctx)
    with pytest.raises(NotFound, match=f"no recovery task {task_id}"):
        update_task(ctx=ctx, actor=ANA, task_id=task_id, status="done")


def test_a_viewer_may_read_the_plan_but_change_nothing(ctx: Context, people: None) -> None:
    case_id = resolved_at_l2(ctx)
    apology = task(recovery_plan(ctx=ctx, case_id=case_id), "executive_apology")

    with pytest.raises(NotPermitted, match="needs the role engineer"):
        update_task(ctx=ctx, actor=VIKTOR, task_id=apology.id, status="done")
    with pytest.raises(NotPermitted, match="needs the role engineer"):
        add_task(ctx=ctx, actor=VIKTOR, case_id=case_id, phase="immediate", text="x")
    with pytest.raises(NotPermitted, match="needs the role team lead"):
        create_plan(ctx=ctx, actor=VIKTOR, case_id=case_id)
    assert task(recovery_plan(ctx=ctx, case_id=case_id), "executive_apology").status == "open"


# At the same moment




def test_team_leads_making_a_plan_at_once_make_one_plan(ctx: Context, people: None) -> None:
    case_id = open_case(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)

    outcomes = run_at_once([lambda: create_plan(ctx=ctx, actor=LENA, case_id=case_id)] * 4)

    assert sum(isinstance(o, RecoveryPlanView) for o in outcomes) == 1
    assert all(isinstance(o, (RecoveryPlanView, AlreadyExists)) for o in outcomes), outcomes
    assert task_count(ctx) == 14


def test_a_plan_made_by_hand_while_the_case_resolves_is_not_doubled(
    ctx: Context, people: None,
) -> None:
    case_id = open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2")

    outcomes = run_at_once([lambda: create_plan(ctx=ctx, actor=LENA, case_id=case_id),
                            lambda: cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)])

    made, resolved = outcomes
    assert isinstance(made, (RecoveryPlanView, AlreadyExists)), made  # whoever came first
    assert resolved.snapshot.status == "resolved"
    assert task_count(ctx) == 14
