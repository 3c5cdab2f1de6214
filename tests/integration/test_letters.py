"""Letters drafted from a real case on SQLite and PostgreSQL say only what is true: a war
room only while one is open, and of the recovery plan only what is meant for the
customer, with owners by name and never by login."""

from __future__ import annotations

from typing import Any

import pytest
from case_support import open_case as open_acme_case
from examples import ADMIN, ANA, LENA, MARIA

from escalada.services import cases
from escalada.services.context import Context
from escalada.services.drafting import DraftView, draft_message
from escalada.services.escalations import acknowledge, escalate
from escalada.services.people import add_user
from escalada.services.recovery import recovery_plan, update_task
from escalada.services.war_room_actions import open_war_room

RESOLUTION = {"root_cause": "пул соединений исчерпан", "fix": "откатили версию pgbouncer",
              "verification": "час без ошибок"}


@pytest.fixture
def people(ctx: Context) -> None:
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="ana", role="engineer")
    add_user(ctx=ctx, actor=ADMIN, name="lena", role="team_lead")
    add_user(ctx=ctx, actor=ADMIN, name="maria", role="support_manager",
             display_name="Мария Смирнова")
    add_user(ctx=ctx, actor=ADMIN, name="k.morozova", role="vp", title="CTO")


def case_at_l2(ctx: Context) -> str:
    """A P1 of a Russian-speaking enterprise account, escalated to L2 by a staff contact
    whose executive is a CTO: no war room opens."""
    case = open_acme_case(ctx, account="audit", name="ООО «Аудит Тест»",
                          account_fields={"language": "ru", "timezone": "Europe/Moscow"},
                          title="Платежи не проходят", contact_title="CTO",
                          flags=["customer_requested_escalation"]).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L2")
    return case


def draft(ctx: Context, case: str, kind: str, **options: Any) -> DraftView:
    return draft_message(ctx=ctx, actor=ANA, case_id=case, kind=kind, keep=False, **options)


@pytest.mark.usefixtures("people")
def test_an_executive_acknowledgment_speaks_of_a_war_room_only_once_one_is_open(
    ctx: Context,
) -> None:
    case = case_at_l2(ctx)

    without = draft(ctx, case, "executive_acknowledgment").body

    assert "штаб" not in without and "круглосуточно" not in without
    assert "для компании ООО «Аудит Тест»" in without
    open_war_room(ctx=ctx, actor=LENA, case_id=case, reason="CTO on the phone")
    with_room = draft(ctx, case, "executive_acknowledgment").body
    assert "над обращением работает оперативный штаб" in with_room
    assert "не реже чем раз в 4 часа" in with_room  # a room opened at L2 runs as L3


@pytest.mark.usefixtures("people")
def test_the_resolution_letter_lists_only_the_customers_follow_ups_without_logins(
    ctx: Context,
) -> None:
    case = case_at_l2(ctx)
    acknowledge(ctx=ctx, actor=MARIA, case_id=case, step=1)
    cases.resolve(ctx=ctx, actor=MARIA, case_id=case, reason="pgbouncer rolled back")
    plan = recovery_plan(ctx=ctx, case_id=case)
    follow_up = plan.customer_follow_up
    assert follow_up is not None
    update_task(ctx=ctx, actor=LENA, task_id=follow_up.id, owner="lena")
    owners = {task.owner for phase in plan.phases for task in phase.tasks}
    assert "maria" in owners  # the plan is staffed: its logins must not leak

    letter = draft(ctx, case, "resolution", fields=RESOLUTION).body

    listed = letter.split("## Дальнейшие действия\n\n")[1].split("\n\n")[0].splitlines()
    assert [line.split(";")[0] for line in listed] == [
        "- Мы проведём разбор инцидента и поделимся с Вами его выводами",
        "- Наш руководитель позвонит руководству Вашей компании, чтобы рассказать о выводах "
        "разбора инцидента и о плане улучшений",
        "- Мы направим Вам план улучшений, которые берём на себя, с конкретными сроками",
    ]
    assert "ответственный: Мария Смирнова; срок: до " in listed[0]
    assert "ответственный" not in listed[1]  # lena has no display name: no owner shown
    for internal in ("совместного маркетинга", "сервисные кредиты", "Внутреннее обучение",
                     "maria", "lena"):
        assert internal not in letter
