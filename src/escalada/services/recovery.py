"""The relationship recovery plan of a case: opened when an L2+ escalation resolves
(or by hand), then edited task by task, each change on the case's timeline.

The plan outlives the case: its tasks stay editable after the case closes, since
the medium- and long-term work runs for months. Plan changes go on the case's
timeline but do not move the case's version: the case itself does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from escalada.adapters.db.tables import AccountRow, CaseRow, RecoveryTaskRow, UserRow
from escalada.domain.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound
from escalada.domain.model import ExecLevel
from escalada.domain.policy import Policy
from escalada.domain.recovery import (
    CUSTOMER_FOLLOW_UP,
    OPEN_STATUSES,
    PHASES,
    POST_MORTEM,
    Phase,
    TaskStatus,
    end_of_day,
    needs_plan,
    owner_role,
    peak_level,
    plan_recovery,
)
from escalada.domain.sla import resolve_calendar
from escalada.domain.snapshot import AwareDatetime, Text
from escalada.domain.validation import Note, invalid_input
from escalada.services.authz import can_make_recovery_plan, can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.records import Event, account_snapshot, load_case, record
from escalada.services.views import View

_LARGEST_ID = 2**31 - 1
_FIELDS = ("owner", "status", "due_at", "text")
_FIRST_YEAR, _LAST_YEAR = 1970, 9998  # in range for UTC whatever the offset


def _due_input(value: Any) -> Any:
    """A date (the end of that day in the account's zone) or a time with an offset."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is neither a date like 2026-12-03 nor a time like "
                             "2026-12-03T18:00:00+00:00") from None
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError("a time must carry a UTC offset, e.g. 2026-12-03T18:00:00+00:00")
    if isinstance(value, date) and not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise ValueError(f"must fall between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    return value


DueAt = Annotated[AwareDatetime | date | None, BeforeValidator(_due_input), Field(
    description="a time with offset, or a date: the end of that day in the account's zone")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("text", "owner", check_fields=False)
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return None if value is None else value.strip()


class NewTask(_Input):
    """A task people add to a plan."""

    phase: Phase
    text: Note = Field(min_length=1)
    due_at: DueAt = None
    owner: Text | None = Field(default=None, max_length=100, description="a user's name")


class TaskChanges(_Input):
    """What may change on a task; a field sent as null clears the owner or the due date."""

    owner: Text | None = Field(default=None, max_length=100)
    status: TaskStatus | None = None
    due_at: DueAt = None
    text: Note | None = Field(default=None, min_length=1)


def _validated(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error


# Opening a plan


def plan_on_resolution(
    ctx: Context, case: CaseRow, event: Event, *, actor: Actor, now: datetime
) -> Event:
    """Open the plan of a case resolving now if it reached the policy's level (L2) and
    has none yet, in the resolving transaction; the resolution's event tells of it."""
    session = object_session(case)
    assert session is not None
    policy = policy_of(session, case, ctx.policy())
    with session.no_autoflush:
        if not needs_plan(_peak(case), policy.recovery) or _has_plan(session, case, lock=True):
            return event
        tasks = _open_plan(session, case, policy, actor=actor, now=now)
    return Event(event.kind, f"{event.summary}; {_opened(tasks)}", event.reason,
                 {**event.data, "recovery_plan": _plan_data(case, tasks)})


def create_plan(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None
) -> RecoveryPlanView:
    """Make the plan by hand for a case that needs one (below L2, or resolved earlier);
    its dates run from now."""
    can_make_recovery_plan(actor)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        if _has_plan(uow.session, case, lock=True):
            raise AlreadyExists(f"{case.ref} has a recovery plan already")
        policy = policy_of(uow.session, case, ctx.policy())
        tasks = _open_plan(uow.session, case, policy, actor=actor, now=now)
        uow.session.flush()
        record(uow.session, case, actor=actor, at=now, kind="recovery_plan_created",
               summary=_opened(tasks) + " by hand", reason=reason,
               data={"recovery_plan": _plan_data(case, tasks)}, changed=False)
        uow.commit()
        return _plan_view(uow.session, case, tasks, policy, now)


def _open_plan(
    session: Session, case: CaseRow, policy: Policy, *, actor: Actor, now: datetime
) -> list[RecoveryTaskRow]:
    account = session.get_one(AccountRow, case.account_id)
    business = resolve_calendar("business", account_snapshot(account), policy.sla.business_hours)
    planned = plan_recovery(
        policy.recovery, start=now, language=account.language, business=business,
        executive_role=_executive_role(case, policy), people=_people(session, case, policy))
    tasks = [RecoveryTaskRow(
        case_number=case.number, phase=task.phase, key=task.key, text=task.text,
        due_at=task.due_at, owner=task.owner, status="open", created_at=now,
        updated_at=now, updated_by=actor.name) for task in planned]
    session.add_all(tasks)
    return tasks


def _peak(case: CaseRow) -> ExecLevel | None:
    """The highest executive level the case reached, stepped down from or not."""
    return peak_level([case.exec_level, *(
        step.to_level for step in case.escalations
        if step.track == "executive" and step.direction == "up")])


def _executive_role(case: CaseRow, policy: Policy) -> str | None:
    """Who answers for the level the case reached, and at least for the plan's level
    (a plan made by hand for an L1 case still has its apology call from a manager)."""
    level = peak_level([_peak(case), policy.recovery.min_level])
    terms = None if level is None else policy.level(level)
    return None if terms is None else terms.role


def _people(session: Session, case: CaseRow, policy: Policy) -> dict[str, str]:
    """role -> the user who acknowledged the case's step to that role's level: they
    own the role's tasks from the start."""
    people = {}
    for step in case.escalations:
        terms = None
        if step.track == "executive" and step.direction == "up" and step.to_level:
            terms = policy.level(ExecLevel(step.to_level))
        if terms is not None and step.acknowledged_by and _is_user(session,
                                                                    step.acknowledged_by):
            people[terms.role] = step.acknowledged_by
    return people


def _is_user(session: Session, name: str) -> bool:
    user = session.get(UserRow, name)
    return user is not None and user.disabled_at is None


def _has_plan(session: Session, case: CaseRow, *, lock: bool = False) -> bool:
    """Whether the case has a plan; with `lock`, the case is locked first so that a
    plan made meanwhile by another transaction is seen, not doubled (PostgreSQL)."""
    if lock:
        session.execute(select(CaseRow.number).where(CaseRow.number == case.number)
                        .with_for_update())
    return session.scalar(select(RecoveryTaskRow.id).where(
        RecoveryTaskRow.case_number == case.number).limit(1)) is not None


def _by_key(tasks: Sequence[RecoveryTaskRow], key: str) -> RecoveryTaskRow | None:
    return next((task for task in tasks if task.key == key), None)


def _opened(tasks: Sequence[RecoveryTaskRow]) -> str:
    due = [f"{name} due {task.due_at:%Y-%m-%d %H:%M} UTC"
           for name, key in (("post-mortem", POST_MORTEM), ("customer follow-up",
                                                            CUSTOMER_FOLLOW_UP))
           if (task := _by_key(tasks, key)) is not None and task.due_at is not None]
    return ", ".join([f"recovery plan opened ({len(tasks)} tasks)", *due])


def _plan_data(case: CaseRow, tasks: Sequence[RecoveryTaskRow]) -> dict[str, Any]:
    peak = _peak(case)
    data: dict[str, Any] = {"tasks": len(tasks), "level": None if peak is None else peak.value}
    for key in (POST_MORTEM, CUSTOMER_FOLLOW_UP):
        task = _by_key(tasks, key)
        data[f"{key}_due_at"] = None if task is None else _iso(task.due_at)
    return data


# Reading and editing a plan


def recovery_plan(*, ctx: Context, case_id: str) -> RecoveryPlanView:
    """The case's plan by phase, with what is overdue now."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        tasks = _tasks(uow.session, case)
        if not tasks:
            raise NotFound(f"{case.ref} has no recovery plan (one opens when an L2+ "
                           f"escalation resolves; a team lead can make one by hand)")
        return _plan_view(uow.session, case, tasks, policy_of(uow.session, case, ctx.policy()),
                          now)


def add_task(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None, **fields: Any
) -> RecoveryTaskView:
    """Add a task of people's own to a case's plan."""
    can_work_cases(actor, "adding a recovery task")
    new: NewTask = _validated(NewTask, fields)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        if not _has_plan(uow.session, case):
            raise InvalidTransition(f"{case.ref} has no recovery plan; create it first")
        account = uow.session.get_one(AccountRow, case.account_id)
        task = RecoveryTaskRow(
            case_number=case.number, phase=new.phase, key=None, text=new.text,
            due_at=_due(new.due_at, account), owner=_owner(uow.session, new.owner),
            status="open", created_at=now, updated_at=now, updated_by=actor.name)
        uow.session.add(task)
        uow.session.flush()
        record(uow.session, case, actor=actor, at=now, kind="recovery_task_added",
               summary=f"recovery task {task.id} added ({task.phase}): {task.text}",
               reason=reason, data={"task": task.id, "phase": task.phase,
                                    "due_at": _iso(task.due_at), "owner": task.owner},
               changed=False)
        uow.commit()
        return _task_view(task, case, policy_of(uow.session, case, ctx.policy()), now,
                          account.timezone)


def update_task(
    *, ctx: Context, actor: Actor, task_id: int, reason: str | None = None, **fields: Any
) -> RecoveryTaskView:
    """Change a task's owner, status, due date or text (null owner or due date clears
    it); a change that changes nothing writes nothing."""
    can_work_cases(actor, "editing a recovery task")
    changes: TaskChanges = _validated(TaskChanges, fields)
    wanted = [name for name in _FIELDS if name in changes.model_fields_set]
    if not wanted:
        raise InvalidInput.of("changes", "name at least one of owner, status, due_at, text")
    for name in ("status", "text"):
        if name in wanted and getattr(changes, name) is None:
            raise InvalidInput.of(name, "must not be null")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        task = _load_task(uow.session, task_id)
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
        return _task_view(task, case, policy_of(uow.session, case, ctx.policy()), now,
                          account.timezone)


def _new_value(name: str, changes: TaskChanges, session: Session, account: AccountRow) -> Any:
    if name == "owner":
        return _owner(session, changes.owner)
    if name == "due_at":
        return _due(changes.due_at, account)
    return getattr(changes, name)


def _load_task(session: Session, task_id: int) -> RecoveryTaskRow:
    task = None
    if 0 < task_id <= _LARGEST_ID:  # the column is a 32-bit integer on PostgreSQL
        task = session.scalar(select(RecoveryTaskRow).where(RecoveryTaskRow.id == task_id)
                              .with_for_update())
    if task is None:
        raise NotFound(f"no recovery task {task_id}")
    return task


def _apply(task: RecoveryTaskRow, changed: dict[str, Any], *, actor: Actor,
           now: datetime) -> None:
    for name, value in changed.items():
        setattr(task, name, value)
    task.updated_at, task.updated_by = now, actor.name


def _owner(session: Session, name: str | None) -> str | None:
    if name is not None and not _is_user(session, name):
        raise InvalidInput.of("owner", f"no user {name!r} (see `escalada user list`)")
    return name


def _due(value: date | datetime | None, account: AccountRow) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    return end_of_day(value, account.timezone)


def _update_summary(task: RecoveryTaskRow, before: dict[str, Any],
                    changed: dict[str, Any]) -> str:
    parts = ["text changed" if name == "text" else
             f"{name} {_shown(before[name])} -> {_shown(value)}"
             for name, value in changed.items()]
    return f"recovery task {task.id} ({task.key or task.phase}): {', '.join(parts)}"


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return "none" if value is None else str(value)


def _json(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _tasks(session: Session, case: CaseRow) -> list[RecoveryTaskRow]:
    return list(session.scalars(select(RecoveryTaskRow).where(
        RecoveryTaskRow.case_number == case.number).order_by(RecoveryTaskRow.id)))


# Views


class RecoveryTaskView(View):
    id: int
    case: str
    phase: str
    key: str | None = Field(description="the template's key; null for a task people added")
    text: str
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


def _task_view(task: RecoveryTaskRow, case: CaseRow, policy: Policy, now: datetime,
               timezone: str) -> RecoveryTaskView:
    terms = policy.recovery.terms(task.key)
    return RecoveryTaskView(
        id=task.id, case=case.ref, phase=task.phase, key=task.key, text=task.text,
        due_at=task.due_at, owner=task.owner, status=task.status,
        owner_role=None if terms is None else owner_role(terms, _executive_role(case, policy)),
        overdue=task.status in OPEN_STATUSES and task.due_at is not None and task.due_at < now,
        created_at=task.created_at, updated_at=task.updated_at, updated_by=task.updated_by,
        timezone=timezone)


def _plan_view(session: Session, case: CaseRow, tasks: Sequence[RecoveryTaskRow],
               policy: Policy, now: datetime) -> RecoveryPlanView:
    account = session.get_one(AccountRow, case.account_id)
    views = [_task_view(task, case, policy, now, account.timezone) for task in tasks]
    peak = _peak(case)
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
