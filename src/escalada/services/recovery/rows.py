"""The rows behind a recovery plan: its tasks, the case's peak level and the people
who answer for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, RecoveryTaskRow, UserRow
from escalada.domain.errors import NotFound
from escalada.domain.model import ExecLevel
from escalada.domain.policy import Policy
from escalada.domain.recovery import peak_level

_LARGEST_ID = 2**31 - 1


def peak_reached(case: CaseRow) -> ExecLevel | None:
    """The highest executive level the case reached, stepped down from or not."""
    return peak_level([case.exec_level, *(
        step.to_level for step in case.escalations
        if step.track == "executive" and step.direction == "up")])


def executive_role(case: CaseRow, policy: Policy) -> str | None:
    """Who answers for the level the case reached, and at least for the plan's level
    (a plan made by hand for an L1 case still has its apology call from a manager)."""
    level = peak_level([peak_reached(case), policy.recovery.min_level])
    terms = None if level is None else policy.level(level)
    return None if terms is None else terms.role


def people_of(session: Session, case: CaseRow, policy: Policy) -> dict[str, str]:
    """role -> the user who acknowledged the case's step to that role's level: they
    own the role's tasks from the start."""
    people = {}
    for step in case.escalations:
        terms = None
        if step.track == "executive" and step.direction == "up" and step.to_level:
            terms = policy.level(ExecLevel(step.to_level))
        if terms is not None and step.acknowledged_by and is_user(session,
                                                                    step.acknowledged_by):
            people[terms.role] = step.acknowledged_by
    return people


def is_user(session: Session, name: str) -> bool:
    user = session.get(UserRow, name)
    return user is not None and user.disabled_at is None


def has_plan(session: Session, case: CaseRow, *, lock: bool = False) -> bool:
    """Whether the case has a plan; with `lock`, the case is locked first so that a
    plan made meanwhile by another transaction is seen, not doubled (PostgreSQL)."""
    if lock:
        session.execute(select(CaseRow.number).where(CaseRow.number == case.number)
                        .with_for_update())
    return session.scalar(select(RecoveryTaskRow.id).where(
        RecoveryTaskRow.case_number == case.number).limit(1)) is not None


def tasks_of(session: Session, case: CaseRow) -> list[RecoveryTaskRow]:
    return list(session.scalars(select(RecoveryTaskRow).where(
        RecoveryTaskRow.case_number == case.number).order_by(RecoveryTaskRow.id)))


def load_task(session: Session, task_id: int) -> RecoveryTaskRow:
    task = None
    if 0 < task_id <= _LARGEST_ID:  # the column is a 32-bit integer on PostgreSQL
        task = session.scalar(select(RecoveryTaskRow).where(RecoveryTaskRow.id == task_id)
                              .with_for_update())
    if task is None:
        raise NotFound.of("no recovery task {task_id}", task_id=task_id)
    return task


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
