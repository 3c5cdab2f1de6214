"""Routes of /api/v1 for recovery plans: each calls the same service function as the CLI."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from escalada.domain.validation import Note
from escalada.entrypoints.api.deps import ActorDep, ContextDep, TaskId, current_actor
from escalada.entrypoints.api.language import request_language
from escalada.services import recovery
from escalada.services.recovery import (
    NewTask,
    RecoveryPlanView,
    RecoveryTaskView,
    TaskChanges,
)

router = APIRouter(dependencies=[Depends(current_actor)], tags=["recovery"])


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Note | None = None


class TaskIn(NewTask):
    reason: Note | None = None


class TaskChangesIn(TaskChanges):
    """The fields to change (null clears the owner or the due date), and why."""

    reason: Note | None = None


@router.get("/cases/{case_id}/recovery")
def show_plan(ctx: ContextDep, case_id: str, request: Request) -> RecoveryPlanView:
    """The case's recovery plan by phase, with what is overdue now (404 without one). The
    template's tasks are worded in the reader's language (their setting, else
    Accept-Language); tasks people added or reworded as they wrote them."""
    return recovery.recovery_plan(ctx=ctx, case_id=case_id,
                                  language=request_language(request))


@router.post("/cases/{case_id}/recovery", status_code=201)
def create_plan(
    ctx: ContextDep, actor: ActorDep, case_id: str, request: Request, body: PlanIn | None = None
) -> RecoveryPlanView:
    """Make the plan by hand (team lead and up); 409 if the case has one."""
    reason = None if body is None else body.reason
    return recovery.create_plan(ctx=ctx, actor=actor, case_id=case_id, reason=reason,
                                language=request_language(request))


@router.post("/cases/{case_id}/recovery/tasks", status_code=201)
def add_task(ctx: ContextDep, actor: ActorDep, case_id: str, body: TaskIn) -> RecoveryTaskView:
    """Add a task of people's own to the case's plan."""
    return recovery.add_task(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@router.patch("/recovery/tasks/{task_id}")
def update_task(
    ctx: ContextDep, actor: ActorDep, task_id: TaskId, body: TaskChangesIn, request: Request
) -> RecoveryTaskView:
    """Change a task's owner, status, due date or text; only the fields sent change."""
    return recovery.update_task(ctx=ctx, actor=actor, task_id=task_id,
                                language=request_language(request),
                                **body.model_dump(exclude_unset=True))
