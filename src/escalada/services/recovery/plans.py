"""Opening a case's recovery plan (on resolution, or by hand) and reading it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from escalada.adapters.db.tables import AccountRow, CaseRow, RecoveryTaskRow
from escalada.domain.errors import AlreadyExists, NotFound
from escalada.domain.policy import Policy
from escalada.domain.recovery import CUSTOMER_FOLLOW_UP, POST_MORTEM, needs_plan, plan_recovery
from escalada.domain.sla import resolve_calendar
from escalada.domain.words import Words
from escalada.services.authz import can_make_recovery_plan
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, sql_page
from escalada.services.policies import policy_of
from escalada.services.records import Event, account_snapshot, record
from escalada.services.recovery.rows import (
    executive_role,
    has_plan,
    iso,
    peak_reached,
    people_of,
    tasks_of,
)
from escalada.services.recovery.views import RecoveryPlanView, plan_view
from escalada.services.repositories import load_case


def plan_on_resolution(
    ctx: Context, case: CaseRow, event: Event, *, actor: Actor, now: datetime
) -> Event:
    """Open the plan of a case resolving now if it reached the policy's level (L2) and
    has none yet, in the resolving transaction; the resolution's event tells of it."""
    session = object_session(case)
    assert session is not None
    policy = policy_of(session, case, ctx.policy())
    with session.no_autoflush:
        if (not needs_plan(peak_reached(case), policy.recovery)
                or has_plan(session, case, lock=True)):
            return event
        tasks = _open_plan(session, case, policy, actor=actor, now=now)
    return Event(event.kind, Words("{event}; {plan}", event=event.summary,
                                   plan=_opened(tasks)), event.reason,
                 {**event.data, "recovery_plan": _plan_data(case, tasks)})


def create_plan(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    language: str | None = None,
) -> RecoveryPlanView:
    """Make the plan by hand for a case that needs one (below L2, or resolved earlier);
    its dates run from now. Its tasks are stored in the account's language and shown in
    `language` (the reader's)."""
    can_make_recovery_plan(actor)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        if has_plan(uow.session, case, lock=True):
            raise AlreadyExists.of("{case} has a recovery plan already", case=case.ref)
        policy = policy_of(uow.session, case, ctx.policy())
        tasks = _open_plan(uow.session, case, policy, actor=actor, now=now)
        uow.session.flush()
        record(uow.session, case, actor=actor, at=now, kind="recovery_plan_created",
               summary=Words("{plan} by hand", plan=_opened(tasks)), reason=reason,
               data={"recovery_plan": _plan_data(case, tasks)}, changed=False)
        uow.commit()
        return plan_view(uow.session, case, tasks, policy, now, language)


def _open_plan(
    session: Session, case: CaseRow, policy: Policy, *, actor: Actor, now: datetime
) -> list[RecoveryTaskRow]:
    account = session.get_one(AccountRow, case.account_id)
    business = resolve_calendar("business", account_snapshot(account), policy.sla.business_hours)
    planned = plan_recovery(
        policy.recovery, start=now, language=account.language, business=business,
        executive_role=executive_role(case, policy), people=people_of(session, case, policy))
    tasks = [RecoveryTaskRow(
        case_number=case.number, phase=task.phase, key=task.key, text=task.text,
        due_at=task.due_at, owner=task.owner, status="open", created_at=now,
        updated_at=now, updated_by=actor.name) for task in planned]
    session.add_all(tasks)
    return tasks


def _by_key(tasks: Sequence[RecoveryTaskRow], key: str) -> RecoveryTaskRow | None:
    return next((task for task in tasks if task.key == key), None)


def _opened(tasks: Sequence[RecoveryTaskRow]) -> Words:
    due = [Words("{name} due {due} UTC", name=name, due=f"{task.due_at:%Y-%m-%d %H:%M}")
           for name, key in ((Words("post-mortem"), POST_MORTEM),
                             (Words("customer follow-up"), CUSTOMER_FOLLOW_UP))
           if (task := _by_key(tasks, key)) is not None and task.due_at is not None]
    opened = Words.counted("recovery plan opened ({count} task)",
                           "recovery plan opened ({count} tasks)", len(tasks))
    return Words("{opened}, {due}", opened=opened, due=due) if due else opened


def _plan_data(case: CaseRow, tasks: Sequence[RecoveryTaskRow]) -> dict[str, Any]:
    peak = peak_reached(case)
    data: dict[str, Any] = {"tasks": len(tasks), "level": None if peak is None else peak.value}
    for key in (POST_MORTEM, CUSTOMER_FOLLOW_UP):
        task = _by_key(tasks, key)
        data[f"{key}_due_at"] = None if task is None else iso(task.due_at)
    return data


def recovery_plan(
    *, ctx: Context, case_id: str, language: str | None = None
) -> RecoveryPlanView:
    """The case's plan by phase, with what is overdue now; the template's tasks in
    `language` (the reader's; None: as stored, in the account's language)."""
    now = ctx.clock()
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        tasks = tasks_of(uow.session, case)
        if not tasks:
            raise NotFound.of("{case} has no recovery plan (one opens when an L2+ escalation "
                              "resolves; a team lead can make one by hand)", case=case.ref)
        return plan_view(uow.session, case, tasks, policy_of(uow.session, case, ctx.policy()),
                          now, language)


def account_plans(session: Session, account_id: str, current: Policy, now: datetime,
                  wanted: PageQuery | None = None,
                  language: str | None = None) -> Page[RecoveryPlanView]:
    """A page of the recovery plans of the account's cases, newest case first, in the
    caller's transaction (`current`: the policy of a case without one of its own), their
    tasks in `language` (the reader's)."""
    with_plan = select(CaseRow).where(CaseRow.account_id == account_id, select(
        RecoveryTaskRow.id).where(RecoveryTaskRow.case_number == CaseRow.number).exists())
    cases = sql_page(session, with_plan, _NEWEST_CASE_FIRST, wanted or PageQuery(),
                     lambda case: case, lambda case: [case.number])
    tasks: dict[int, list[RecoveryTaskRow]] = {}
    for task in session.scalars(select(RecoveryTaskRow).where(RecoveryTaskRow.case_number.in_(
            [case.number for case in cases.items])).order_by(RecoveryTaskRow.id)):
        tasks.setdefault(task.case_number, []).append(task)
    return Page([plan_view(session, case, tasks[case.number], policy_of(session, case, current),
                           now, language) for case in cases.items], cases.next_cursor)


_NEWEST_CASE_FIRST = Order("recovery_plans", (CaseRow.number,), ("int",), descending=True)
