"""People and timers: reminders, the timers of a case, the purge of replaced ones, and
the auditor's view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import delete, func, select

from escalada.adapters import metrics
from escalada.adapters.db.tables import TimerRow
from escalada.domain.errors import InvalidInput
from escalada.domain.model import case_label
from escalada.domain.timers import REMINDER
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.evaluation import check_aware
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import record
from escalada.services.repositories import load_case, load_open_case
from escalada.services.timers import DROPPED, OVERDUE_AFTER, PENDING, STATES
from escalada.services.views import TimersStatusView, TimerView


def set_reminder(
    *, ctx: Context, actor: Actor, case_id: str, at: datetime, note: str,
    expected_version: int | None = None,
) -> TimerView:
    """Remind whoever sets it, on the case's timeline, at `at`."""
    can_work_cases(actor, "setting a reminder")
    check_aware(at)
    if not note.strip():
        raise InvalidInput.of("note", "say what to be reminded of")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_open_case(uow.session, case_id, expected_version=expected_version)
        timer = TimerRow(case_number=case.number, kind=REMINDER, key=f"reminder:{now.isoformat()}",
                         generation=None, due_at=at, available_at=at, state=PENDING,
                         attempts=0, payload={"note": note.strip(), "by": actor.name},
                         created_at=now)
        uow.session.add(timer)
        record(uow.session, case, actor=actor, at=now, kind="reminder_set",
               summary=Words("reminder set for {at}: {note}", at=at.isoformat(),
                             note=note.strip()), changed=False)
        uow.commit()
        return timer_view(timer, case.ref)


def timer_view(timer: TimerRow, case_ref: str) -> TimerView:
    return TimerView(
        id=timer.id, case=case_ref, kind=timer.kind, key=timer.key,
        generation=timer.generation, due_at=timer.due_at, state=timer.state,
        attempts=timer.attempts, lease_owner=timer.lease_owner,
        available_at=timer.available_at, fired_at=timer.fired_at, outcome=timer.outcome,
        outcome_words=timer.outcome_words,
    )


class TimersQuery(PageQuery):
    case: str | None = Field(default=None, min_length=1, max_length=30,
                             description="only this case's timers")
    state: Literal["pending", "fired", "dropped", "failed"] | None = None
    kind: str | None = Field(default=None, min_length=1, max_length=60, description=(
        "only timers of this kind, e.g. reminder, sla_threshold"))


_BY_DUE = Order("due", (TimerRow.due_at, TimerRow.id), ("time", "int"))


def timer_page(*, ctx: Context, **query: Any) -> Page[TimerView]:
    """A page of timers by due time, filtered by `case`, `state` and `kind`."""
    wanted = validated(TimersQuery, query)
    rows = select(TimerRow)
    if wanted.state is not None:
        rows = rows.where(TimerRow.state == wanted.state)
    if wanted.kind is not None:
        rows = rows.where(TimerRow.kind == wanted.kind)
    with ctx.reading() as uow:
        if wanted.case is not None:
            rows = rows.where(TimerRow.case_number == load_case(uow.session, wanted.case).number)
        return sql_page(uow.session, rows, _BY_DUE, wanted,
                        lambda t: timer_view(t, case_label(t.case_number)),
                        lambda t: [t.due_at, t.id])


# Replaced timers are kept this long (to see what a plan replaced), then purged.
KEEP_DROPPED = timedelta(days=7)


def purge_dropped(*, ctx: Context, older_than: timedelta = KEEP_DROPPED) -> int:
    """Delete timers a newer plan replaced (or that were dropped) longer ago than
    `older_than`: every change re-plans a case, so they pile up. Fired and failed
    timers stay: they are history."""
    cutoff = ctx.clock() - older_than
    with ctx.unit_of_work() as uow:
        result = uow.session.execute(
            delete(TimerRow).where(TimerRow.state == DROPPED, TimerRow.created_at < cutoff),
            execution_options={"synchronize_session": False})
        uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def timers_status(*, ctx: Context) -> TimersStatusView:
    """The auditor's view: counts by state, and the pending timers overdue by more
    than a minute (a worker is missing, stuck or too slow)."""
    now = ctx.clock()
    with ctx.reading() as uow:
        session = uow.session
        by_state: dict[str, int] = {
            state: count for state, count in session.execute(
                select(TimerRow.state, func.count()).group_by(TimerRow.state))}
        overdue_query = select(func.count(), func.min(TimerRow.due_at)).where(
            TimerRow.state == PENDING, TimerRow.due_at < now - OVERDUE_AFTER)
        overdue, oldest = session.execute(overdue_query).one()
        due_now = session.scalar(select(func.count()).where(
            TimerRow.state == PENDING, TimerRow.due_at <= now))
        next_due = session.scalar(select(func.min(TimerRow.due_at)).where(
            TimerRow.state == PENDING, TimerRow.due_at > now))
    metrics.timers_overdue(overdue or 0)
    return TimersStatusView(
        at=now, counts={state: by_state.get(state, 0) for state in STATES},
        due_now=due_now or 0, overdue=overdue or 0, oldest_overdue_due_at=oldest,
        next_due_at=next_due, overdue_after_seconds=int(OVERDUE_AFTER.total_seconds()),
    )
