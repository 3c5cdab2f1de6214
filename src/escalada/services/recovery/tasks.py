"""Editing a recovery plan task by task: adding people's own tasks, changing a task's
owner, status, due date or text; each change on the case's timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, RecoveryTaskRow
from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.id_words import RECOVERY_PHASE_WORDS, RECOVERY_TASK_WORDS, named
from escalada.domain.recovery import end_of_day
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.records import record
from escalada.services.recovery.rows import has_plan, is_user, iso, load_task
from escalada.services.recovery.schemas import NewTask, TaskChanges, validated
from escalada.services.recovery.views import RecoveryTaskView, task_view
from escalada.services.repositories import load_case

_FIELDS = ("owner", "status", "due_at", "text")


def add_task(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None, **fields: Any
) -> RecoveryTaskView:
    """Add a task of people's own to a case's plan."""
    can_work_cases(actor, "adding a recovery task")
    new: NewTask = validated(NewTask, fields)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        if not has_plan(uow.session, case):
            raise InvalidTransition.of("{case} has no recovery plan; create it first",
                                       case=case.ref)
        account = uow.session.get_one(AccountRow, case.account_id)
        task = RecoveryTaskRow(
            case_number=case.number, phase=new.phase, key=None, text=new.text,
            due_at=_due(new.due_at, account), owner=_owner(uow.session, new.owner),
            status="open", created_at=now, updated_at=now, updated_by=actor.name)
        uow.session.add(task)
        uow.session.flush()
        record(uow.session, case, actor=actor, at=now, kind="recovery_task_added",
               summary=Words("recovery task {id} added ({phase}): {text}", id=task.id,
                             phase=task.phase, text=task.text),
               reason=reason, data={"task": task.id, "phase": task.phase,
                                    "due_at": iso(task.due_at), "owner": task.owner},
               changed=False)
        uow.commit()
        return task_view(task, case, policy_of(uow.session, case, ctx.policy()), now,
                          account.timezone)


def update_task(
    *, ctx: Context, actor: Actor, task_id: int, reason: str | None = None,
    language: str | None = None, **fields: Any
) -> RecoveryTaskView:
    """Change a task's owner, status, due date or text (null owner or due date clears
    it); a change that changes nothing writes nothing. The task is shown in `language`
    (the reader's)."""
    can_work_cases(actor, "editing a recovery task")
    changes: TaskChanges = validated(TaskChanges, fields)
    wanted = [name for name in _FIELDS if name in changes.model_fields_set]
    if not wanted:
        raise InvalidInput.of("changes", "name at least one of owner, status, due_at, text")
    for name in ("status", "text"):
        if name in wanted and getattr(changes, name) is None:
            raise InvalidInput.of(name, "must not be null")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        task = load_task(uow.session, task_id)
        case = uow.session.get_one(CaseRow, task.case_number)
        account = uow.session.get_one(AccountRow, case.account_id)
        before = {name: getattr(task, name) for name in wanted}
        changed = {name: value for name in wanted
                   if (value := _new_value(name, changes, uow.session, account))
                   != before[name]}
        if changed:
            _apply(task, changed, actor=actor, now=now)
            record(uow.session, case, actor=actor, at=now, kind="recovery_task_updated",
                   summary=_update_summary(task, before, changed), reason=reason,
                   data={"task": task.id, "key": task.key,
                         "before": {n: _json(before[n]) for n in changed},
                         "after": {n: _json(v) for n, v in changed.items()}},
                   changed=False)
            uow.commit()
        return task_view(task, case, policy_of(uow.session, case, ctx.policy()), now,
                          account.timezone, language)


def _new_value(name: str, changes: TaskChanges, session: Session, account: AccountRow) -> Any:
    if name == "owner":
        return _owner(session, changes.owner)
    if name == "due_at":
        return _due(changes.due_at, account)
    return getattr(changes, name)


def _apply(task: RecoveryTaskRow, changed: dict[str, Any], *, actor: Actor,
           now: datetime) -> None:
    for name, value in changed.items():
        setattr(task, name, value)
    task.updated_at, task.updated_by = now, actor.name


def _owner(session: Session, name: str | None) -> str | None:
    if name is not None and not is_user(session, name):
        raise InvalidInput.of("owner", "no user {name!r} (see `escalada user list`)", name=name)
    return name


def _due(value: date | datetime | None, account: AccountRow) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    return end_of_day(value, account.timezone)


def _update_summary(task: RecoveryTaskRow, before: dict[str, Any],
                    changed: dict[str, Any]) -> Words:
    # The field and a status are keys, read as words the catalogs know (status, owner,
    # due_at; open, in_progress, done ...); a person's name or a time stays as it is.
    parts = [Words("text changed") if name == "text" else
             Words("{name} {before} -> {after}", name=Words.literal(name),
                   before=_said(name, before[name]), after=_said(name, value))
             for name, value in changed.items()]
    which = (named(RECOVERY_TASK_WORDS, task.key) if task.key
             else named(RECOVERY_PHASE_WORDS, task.phase))
    return Words("recovery task {id} ({which}): {changes}", id=task.id, which=which,
                 changes=parts)


def _said(name: str, value: Any) -> str | Words:
    if name == "status" and value is not None:  # said of the task (in Russian «открыта»)
        return Words.said_of("recovery task", str(value))
    if value is None:
        return Words.literal(_shown(value))
    return _shown(value)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return "none" if value is None else str(value)


def _json(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value
