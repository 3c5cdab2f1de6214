"""What a recovery plan looks like to people: its tasks by phase, what is overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, RecoveryTaskRow
from escalada.domain.policy import Policy
from escalada.domain.recovery import (
    CUSTOMER_FOLLOW_UP,
    OPEN_STATUSES,
    PHASES,
    POST_MORTEM,
    owner_role,
    task_text,
)
from escalada.domain.snapshot import AwareDatetime
from escalada.services.recovery.rows import executive_role, peak_reached
from escalada.services.views import View


class RecoveryTaskView(View):
    id: int
    case: str
    phase: str
    key: str | None = Field(description="the template's key; null for a task people added")
    text: str = Field(description="what is to be done: the template's words in the reader's "
                      "language while people have not reworded it, else as stored")
    due_at: AwareDatetime | None
    owner: str | None = Field(description="the user who owns it; null while unassigned")
    owner_role: str | None = Field(description="the role the template gives it to")
    status: str
    overdue: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime
    updated_by: str
    timezone: str = Field(description="the account's time zone, for showing times to people")


class RecoveryPhaseView(View):
    phase: str
    tasks: list[RecoveryTaskView]


class RecoveryPlanView(View):
    """A case's recovery plan: its tasks by phase, the post-mortem and the follow-up."""

    case: str
    account: str
    timezone: str
    level: str | None = Field(description="the highest executive level the case reached")
    at: AwareDatetime = Field(description="when `overdue` was judged")
    open_tasks: int
    overdue_tasks: int
    post_mortem: RecoveryTaskView | None
    customer_follow_up: RecoveryTaskView | None
    phases: list[RecoveryPhaseView]


def task_view(task: RecoveryTaskRow, case: CaseRow, policy: Policy, now: datetime,
               timezone: str, language: str | None = None) -> RecoveryTaskView:
    """The task as a reader of `language` sees it (None: its words as stored)."""
    terms = policy.recovery.terms(task.key)
    return RecoveryTaskView(
        id=task.id, case=case.ref, phase=task.phase, key=task.key,
        text=task_text(task.text, terms, language),
        due_at=task.due_at, owner=task.owner, status=task.status,
        owner_role=None if terms is None else owner_role(terms, executive_role(case, policy)),
        overdue=task.status in OPEN_STATUSES and task.due_at is not None and task.due_at < now,
        created_at=task.created_at, updated_at=task.updated_at, updated_by=task.updated_by,
        timezone=timezone)


def plan_view(session: Session, case: CaseRow, tasks: Sequence[RecoveryTaskRow],
               policy: Policy, now: datetime, language: str | None = None) -> RecoveryPlanView:
    """The plan as a reader of `language` sees it (None: its tasks' words as stored)."""
    account = session.get_one(AccountRow, case.account_id)
    views = [task_view(task, case, policy, now, account.timezone, language) for task in tasks]
    peak = peak_reached(case)
    return RecoveryPlanView(
        case=case.ref, account=account.id, timezone=account.timezone,
        level=None if peak is None else peak.value, at=now,
        open_tasks=sum(view.status in OPEN_STATUSES for view in views),
        overdue_tasks=sum(view.overdue for view in views),
        post_mortem=next((v for v in views if v.key == POST_MORTEM), None),
        customer_follow_up=next((v for v in views if v.key == CUSTOMER_FOLLOW_UP), None),
        phases=[RecoveryPhaseView(phase=phase, tasks=sorted(
            (v for v in views if v.phase == phase), key=_due_order)) for phase in PHASES])


def _due_order(view: RecoveryTaskView) -> tuple[bool, datetime | None, int]:
    return view.due_at is None, view.due_at, view.id
