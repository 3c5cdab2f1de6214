"""The post-mortem of a resolved case: the playbook's agenda (findings under each
heading), who attends (the war room team and the executives on the case by default),
and action items tracked as tasks with an owner, a due time and a reminder timer.
Completing it freezes the record, puts it in the knowledge base and fills the
report's lessons learned. Every change is on the case's timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, object_session

from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    EscalationRow,
    PostMortemActionRow,
    PostMortemAttendeeRow,
    PostMortemFindingRow,
    PostMortemRow,
    RecoveryTaskRow,
    RootCauseRow,
    TimerRow,
    WarRoomRow,
)
from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound
from escalada.domain.id_words import RECOVERY_TASK_WORDS
from escalada.domain.post_mortem import HEADING_TITLES, HEADINGS, OVERDUE, action_state, is_overdue
from escalada.domain.recovery import OPEN_STATUSES, POST_MORTEM
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.timers import POST_MORTEM_ACTION_DUE, POST_MORTEM_DUE
from escalada.domain.validation import ID_MAX, Label, Note, invalid_input
from escalada.domain.words import Moment, Words
from escalada.services.authz import SYSTEM_ROLE, can_work_cases
from escalada.services.commitments import NewCommitment, checked_owner, due_time
from escalada.services.context import Actor, Context, Detect
from escalada.services.knowledge_base import publish
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.policies import policy_of
from escalada.services.post_mortem_reminders import remind_owner
from escalada.services.records import Event, excerpt, record
from escalada.services.recovery.rows import is_user
from escalada.services.repositories import load_account, load_case
from escalada.services.timers import DROPPED, PENDING
from escalada.services.views import View

_ESCALADA = Actor("escalada", SYSTEM_ROLE)  # the timer that reminds an action's owner


class AttendeeView(View):
    name: str
    why: str = Field(description="the war room role, executive, or added")


class FindingView(View):
    id: int
    heading: str
    text: str
    added_by: str
    added_at: AwareDatetime


class ActionView(View):
    id: int
    what: str
    owner: str
    due_at: AwareDatetime
    status: str = Field(description="open, done, or overdue (open past its due time)")
    added_by: str
    done_by: str | None
    done_at: AwareDatetime | None


class RecordedCause(View):
    """The case's recorded root cause (technical or process), as the agenda shows it."""

    text: str
    updated_by: str
    updated_at: AwareDatetime


class PostMortemView(View):
    case: str
    status: str = Field(description="due (not started), open, or completed")
    due_at: AwareDatetime | None
    overdue: bool
    started_by: str | None
    started_at: AwareDatetime | None
    completed_by: str | None
    completed_at: AwareDatetime | None
    summary: str | None
    attendees: list[AttendeeView]
    agenda: dict[str, list[FindingView]] = Field(
        description="findings under each of the playbook's headings, in its order")
    case_rca: dict[str, RecordedCause] = Field(
        default_factory=dict,
        description="the root cause recorded on the case (`escalada case rca`), under its "
        "agenda heading (root_cause_technical, root_cause_process): where the post-mortem "
        "starts from")
    actions: list[ActionView]
    timezone: str


class NewFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: str = Field(description=f"one of {', '.join(HEADINGS)}")
    text: Note = Field(min_length=1)

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str) -> str:
        value = value.strip().replace("-", "_")
        if value not in HEADINGS:
            raise ValueError(Words("must be one of {value}", value=", ".join(HEADINGS)))
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class NewAction(NewCommitment):
    """An action item a post-mortem assigns: what, by when and who, checked as a commitment is."""


class Attendance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    add: list[Label] = Field(default_factory=list, max_length=50)
    remove: list[Label] = Field(default_factory=list, max_length=50)


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: Note | None = None


def start_post_mortem(*, ctx: Context, actor: Actor, case_id: str) -> PostMortemView:
    """Open the post-mortem of a resolved case, with the war room team and the
    executives on the case as its attendees."""
    can_work_cases(actor, "starting a post-mortem")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        if case.resolved_at is None:
            raise InvalidTransition.of("{case} is not resolved yet: a post-mortem follows the "
                                       "resolution (`escalada case resolve {case}`)", case=case.ref)
        row = _lock(session, case)
        if row is not None and row.started_at is not None:
            raise InvalidTransition.of("the post-mortem of {case} was started already (by "
                                       "{started_by}): `escalada postmortem show {case}`",
                                       case=case.ref, started_by=row.started_by)
        if row is None:
            row = PostMortemRow(case_number=case.number)
            session.add(row)
        row.started_by, row.started_at = actor.name, now
        session.flush()
        people = default_attendees(session, case)
        for name, why in people.items():
            session.add(PostMortemAttendeeRow(case_number=case.number, name=name, why=why))
        record(session, case, actor=actor, at=now, kind="post_mortem_started",
               summary=Words("post-mortem started; attendees: {people}",
                             people=", ".join(people) or Words("none yet")),
               data={"attendees": sorted(people)}, changed=False)
        uow.commit()
        return _view(session, case, row, now)


def show_post_mortem(*, ctx: Context, case_id: str) -> PostMortemView:
    now = ctx.clock()
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        row = uow.session.get(PostMortemRow, case.number)
        if row is None:
            raise NotFound.of("{case} has no post-mortem: `escalada postmortem start {case}`",
                              case=case.ref)
        return _view(uow.session, case, row, now)


def attend(*, ctx: Context, actor: Actor, case_id: str, **fields: Any) -> PostMortemView:
    """Add people to the post-mortem's attendees, or take them off."""
    can_work_cases(actor, "changing a post-mortem's attendees")
    try:
        change = Attendance.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    if not change.add and not change.remove:
        raise InvalidInput.of("add", "name someone to add or remove")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        row = _open(session, case)
        present = {a.name: a for a in _attendees(session, case.number)}
        for name in change.add:
            if not is_user(session, name):
                raise InvalidInput.of("add", "no user {name!r} (see `escalada user list`)",
                                      name=name)
        for name in change.remove:
            if name not in present:
                raise InvalidInput.of("remove",
                                      "{name!r} does not attend the post-mortem of {case}",
                                      name=name, case=case.ref)
        added = [n for n in dict.fromkeys(change.add) if n not in present]
        for name in added:
            session.add(PostMortemAttendeeRow(case_number=case.number, name=name, why="added"))
        for name in dict.fromkeys(change.remove):
            session.delete(present[name])
        record(session, case, actor=actor, at=now, kind="post_mortem_attendees",
               summary=_attendance(added, list(dict.fromkeys(change.remove))),
               data={"added": added, "removed": list(dict.fromkeys(change.remove))},
               changed=False)
        session.flush()
        uow.commit()
        return _view(session, case, row, now)


def add_finding(*, ctx: Context, actor: Actor, case_id: str, **fields: Any) -> PostMortemView:
    """File a finding under one of the agenda's headings."""
    can_work_cases(actor, "adding a post-mortem finding")
    try:
        new = NewFinding.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        row = _open(session, case)
        finding = PostMortemFindingRow(case_number=case.number, heading=new.heading,
                                       text=new.text, added_by=actor.name, added_at=now)
        session.add(finding)
        session.flush()
        record(session, case, actor=actor, at=now, kind="post_mortem_finding",
               summary=Words("post-mortem finding ({heading}): {text}",
                             heading=Words(HEADING_TITLES[new.heading]),
                             text=excerpt(new.text, 160)),
               data={"finding": finding.id, "heading": new.heading}, changed=False)
        uow.commit()
        return _view(session, case, row, now)


def add_action(*, ctx: Context, actor: Actor, case_id: str, **fields: Any) -> PostMortemView:
    """Add an action item: a task with an owner and a due time, and the timer that
    reminds its owner if it falls due undone."""
    can_work_cases(actor, "adding a post-mortem action item")
    try:
        new = NewAction.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    if new.due_at is None:
        raise InvalidInput.of("due_at", "is required: when the action is due")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        row = _open(session, case)
        timezone = session.get_one(AccountRow, case.account_id).timezone
        due = due_time(new.due_at, timezone)
        if due <= now:
            raise InvalidInput.of("due_at", "must be in the future (now is {now:%Y-%m-%d %H:%M} "
                                  "UTC)", now=now)
        owner = actor.name if new.owner is None else checked_owner(session, new.owner)
        action = PostMortemActionRow(case_number=case.number, what=new.what, owner=owner,
                                     due_at=due, added_by=actor.name, added_at=now)
        session.add(action)
        session.flush()
        session.add(TimerRow(
            case_number=case.number, kind=POST_MORTEM_ACTION_DUE, key=_timer_key(action),
            generation=None, due_at=due, available_at=due, state=PENDING, attempts=0,
            payload={"action": action.id}, created_at=now))
        record(session, case, actor=actor, at=now, kind="post_mortem_action",
               summary=Words("post-mortem action {id}, due {due} (owner {owner}): {what}",
                             id=action.id, due=Moment(due), owner=owner,
                             what=excerpt(new.what, 160)),
               data={"action": action.id, "due_at": due.isoformat(), "owner": owner},
               changed=False)
        uow.commit()
        return _view(session, case, row, now)


def finish_action(
    *, ctx: Context, actor: Actor, case_id: str, action_id: int
) -> PostMortemView:
    """An action item is done (also after the post-mortem is completed: its tasks go on)."""
    can_work_cases(actor, "finishing a post-mortem action item")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        row = _lock(session, case)
        action = None
        if row is not None and 0 < action_id <= ID_MAX:
            action = session.scalar(select(PostMortemActionRow).where(
                PostMortemActionRow.id == action_id,
                PostMortemActionRow.case_number == case.number).with_for_update())
        if row is None or action is None:
            raise NotFound.of("the post-mortem of {case} has no action {action_id} (`escalada "
                              "postmortem show {case}`)", case=case.ref, action_id=action_id)
        if action.done_at is not None:
            raise InvalidTransition.of("action {id} of {case} was done already (by {done_by})",
                                       id=action.id, case=case.ref, done_by=action.done_by)
        late = action_state(action.due_at, None, now) == OVERDUE
        action.done_by, action.done_at = actor.name, now
        session.execute(update(TimerRow).where(
            TimerRow.case_number == case.number, TimerRow.key == _timer_key(action),
            TimerRow.state == PENDING).values(state=DROPPED, outcome="action done",
                               outcome_words=Words("action done").as_json()))
        record(session, case, actor=actor, at=now, kind="post_mortem_action_done",
               summary=(Words("post-mortem action {id} done (late): {what}", id=action.id,
                              what=excerpt(action.what, 160)) if late else
                        Words("post-mortem action {id} done: {what}", id=action.id,
                              what=excerpt(action.what, 160))),
               data={"action": action.id, "late": late}, changed=False)
        uow.commit()
        return _view(session, case, row, now)


def complete_post_mortem(
    *, ctx: Context, actor: Actor, case_id: str, **fields: Any
) -> PostMortemView:
    """Freeze the post-mortem: it goes into the knowledge base and fills the report's
    lessons learned. It needs at least one finding."""
    can_work_cases(actor, "completing a post-mortem")
    try:
        done = Completion.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        row = _open(session, case)
        findings = _findings(session, case.number)
        if not findings:
            raise InvalidTransition.of("the post-mortem of {case} has no findings yet: `escalada "
                                       "postmortem finding {case} --heading went_wrong --text ...`",
                                       case=case.ref)
        row.completed_by, row.completed_at = actor.name, now
        row.summary = None if done.summary is None else done.summary.strip() or None
        session.execute(update(TimerRow).where(
            TimerRow.case_number == case.number, TimerRow.key == "post_mortem",
            TimerRow.state == PENDING).values(state=DROPPED, outcome="post-mortem completed",
                               outcome_words=Words("post-mortem completed").as_json()))
        session.flush()
        _publish(uow, case, row, findings, _actions(session, case.number), ctx.detect_language)
        _plan_task_done(session, case, actor=actor, now=now)
        record(session, case, actor=actor, at=now, kind="post_mortem_completed",
               summary=Words("post-mortem completed: {findings} findings, {actions} action "
                             "items; published to the knowledge base",
                             findings=len(findings),
                             actions=len(_actions(session, case.number))),
               data={"findings": len(findings)}, changed=False)
        uow.commit()
        return _view(session, case, row, now)


def on_action_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    """The timer: an action item still open at its due time is overdue (on the case's
    timeline), and its owner is sent a reminder in their language (by email, through
    the outbox)."""
    action = session.get(PostMortemActionRow, timer.payload["action"], with_for_update=True)
    if action is None or action.done_at is not None:
        return Words("done meanwhile")
    record(session, case, actor=_ESCALADA, at=now, kind="post_mortem_action_overdue",
           summary=Words("post-mortem action {id} overdue: due {due}, still open; "
                         "reminder to {owner}: {what}", id=action.id,
                         due=Moment(action.due_at), owner=action.owner,
                         what=excerpt(action.what, 160)),
           data={"action": action.id, "owner": action.owner}, changed=False)
    sent = remind_owner(session, case, action, actor=_ESCALADA, timer_id=timer.id, now=now,
                        policy=policy_of(session, case, ctx.policy()))
    return Words("post-mortem action {id} overdue, {owner} reminded: {sent}", id=action.id,
                 owner=action.owner, sent=sent)


def post_mortem_due(case: CaseRow, event: Event, now: datetime) -> None:
    """A case resolving with a recovery plan (it reached the policy's level, L2) owes a
    post-mortem by the plan's post-mortem task (`recovery.post_mortem` in the policy:
    5 business days by default); a timer tells when it falls due not completed."""
    plan = event.data.get("recovery_plan")
    if not plan:
        return
    session = object_session(case)
    assert session is not None
    with session.no_autoflush:
        if session.get(PostMortemRow, case.number) is not None:
            return
    due_text = plan.get("post_mortem_due_at")
    due = None if due_text is None else datetime.fromisoformat(due_text)
    session.add(PostMortemRow(case_number=case.number, due_at=due))
    if due is not None:
        session.add(TimerRow(
            case_number=case.number, kind=POST_MORTEM_DUE, key="post_mortem", generation=None,
            due_at=due, available_at=due, state=PENDING, attempts=0, payload={},
            created_at=now))


def _attendance(added: list[str], removed: list[str]) -> Words:
    """The attendees' change, as the timeline says it."""
    if added and removed:
        return Words("post-mortem attendees: added {added}; removed {removed}",
                     added=", ".join(added), removed=", ".join(removed))
    if added:
        return Words("post-mortem attendees: added {added}", added=", ".join(added))
    if removed:
        return Words("post-mortem attendees: removed {removed}", removed=", ".join(removed))
    return Words("post-mortem attendees: ")


def on_post_mortem_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    """The timer: a post-mortem not completed by its due time is overdue."""
    row = session.get(PostMortemRow, case.number, with_for_update=True)
    if row is None or row.completed_at is not None:
        return Words("completed meanwhile")
    started = Words("started, not completed") if row.started_at else Words("not started")
    record(session, case, actor=_ESCALADA, at=now, kind="post_mortem_overdue",
           summary=Words("post-mortem overdue: due {due}, {started} (`escalada postmortem "
                         "start {case}`)", due=Moment(timer.due_at),
                         started=started, case=case.ref),
           data={"due_at": timer.due_at.isoformat(), "started": row.started_at is not None},
           changed=False)
    return Words("post-mortem overdue")


class PostMortemItem(View):
    case: str
    title: str
    status: str = Field(description="due (not started), open, or completed")
    due_at: AwareDatetime | None
    overdue: bool
    completed_at: AwareDatetime | None


class PostMortemsQuery(PageQuery):
    overdue: bool = Field(default=False, description=(
        "only those past their due time and not completed"))
    status: Literal["due", "open", "completed"] | None = Field(default=None, description=(
        "due: not started; open: started, not completed; completed"))
    account: str | None = Field(default=None, min_length=1, max_length=64,
                                description="only this account's cases' post-mortems")


# By due time, those without one last: the flag, then the due time (the sentinel where
# none), then the case; a cursor holds the three.
_NO_DUE = datetime(1970, 1, 1, tzinfo=UTC)
_BY_DUE = Order("due", (case((PostMortemRow.due_at.is_(None), 1), else_=0),
                        func.coalesce(PostMortemRow.due_at, _NO_DUE), PostMortemRow.case_number),
                ("int", "time", "int"))


def post_mortem_page(*, ctx: Context, **query: Any) -> Page[PostMortemItem]:
    """A page of post-mortems by due time (those without one last), filtered by
    `overdue`, `status` and `account`."""
    wanted = validated(PostMortemsQuery, query)
    now = ctx.clock()
    rows = select(PostMortemRow, CaseRow).join(
        CaseRow, CaseRow.number == PostMortemRow.case_number)
    if wanted.overdue:
        rows = rows.where(PostMortemRow.completed_at.is_(None), PostMortemRow.due_at < now)
    if wanted.status == "completed":
        rows = rows.where(PostMortemRow.completed_at.is_not(None))
    elif wanted.status is not None:
        rows = rows.where(PostMortemRow.completed_at.is_(None), (
            PostMortemRow.started_at.is_not(None) if wanted.status == "open"
            else PostMortemRow.started_at.is_(None)))
    with ctx.reading() as uow:
        if wanted.account is not None:
            rows = rows.where(CaseRow.account_id == load_account(uow.session, wanted.account).id)
        return sql_page(uow.session, rows, _BY_DUE, wanted, lambda row: _item(row[0], row[1], now),
                        lambda row: [int(row[0].due_at is None), row[0].due_at or _NO_DUE,
                                     row[0].case_number])


def _item(row: PostMortemRow, case: CaseRow, now: datetime) -> PostMortemItem:
    return PostMortemItem(case=case.ref, title=case.title, status=_status(row),
                          due_at=row.due_at, overdue=is_overdue(row.due_at, row.completed_at, now),
                          completed_at=row.completed_at)


def _status(row: PostMortemRow) -> str:
    return ("completed" if row.completed_at is not None
            else "open" if row.started_at is not None else "due")


def default_attendees(session: Session, case: CaseRow) -> dict[str, str]:
    """The war room team (by role) and the executives who acknowledged a step of the
    case or were matched to its war room."""
    people: dict[str, str] = {}
    room = session.scalar(select(WarRoomRow).where(WarRoomRow.case_number == case.number))
    if room is not None:
        for attendee in room.attendees:
            if attendee.user_name and is_user(session, attendee.user_name):
                people.setdefault(attendee.user_name, attendee.role)
        if room.executive and is_user(session, room.executive):
            people.setdefault(room.executive, "executive")
    for step in session.scalars(select(EscalationRow).where(
            EscalationRow.case_number == case.number, EscalationRow.track == "executive")
            .order_by(EscalationRow.seq)):
        if step.acknowledged_by and is_user(session, step.acknowledged_by):
            people.setdefault(step.acknowledged_by, "executive")
    return people


def lessons_of(session: Session, case_number: int) -> tuple[list[PostMortemFindingRow],
                                                             list[PostMortemActionRow]] | None:
    """A completed post-mortem's findings and action items (None while not completed)."""
    row = session.get(PostMortemRow, case_number)
    if row is None or row.completed_at is None:
        return None
    return _findings(session, case_number), _actions(session, case_number)


def _publish(uow: Any, case: CaseRow, row: PostMortemRow,
             findings: list[PostMortemFindingRow], actions: list[PostMortemActionRow],
             detect: Detect) -> None:
    """One knowledge-base entry: the summary, the findings by heading, the action items;
    in the language its text is written in (the account's when the detector cannot
    tell)."""
    parts = [row.summary] if row.summary else []
    for heading in HEADINGS:
        texts = [f.text for f in findings if f.heading == heading]
        if texts:
            parts.append(f"{HEADING_TITLES[heading]}:\n" + "\n".join(f"- {t}" for t in texts))
    if actions:
        parts.append("Action items:\n" + "\n".join(f"- {a.what} ({a.owner})" for a in actions))
    assert row.completed_at is not None
    told = detect("\n".join([*([row.summary] if row.summary else []),
                              *(f.text for f in findings)]))
    publish(uow, kind="post_mortem", case=case, key="", title=f"{case.ref}: {case.title}",
            body="\n\n".join(parts), at=row.completed_at,
            language=None if told is None else told.value)


def _plan_task_done(session: Session, case: CaseRow, *, actor: Actor, now: datetime) -> None:
    """The recovery plan's post-mortem task is done when the post-mortem is completed."""
    task = session.scalar(select(RecoveryTaskRow).where(
        RecoveryTaskRow.case_number == case.number, RecoveryTaskRow.key == POST_MORTEM,
        RecoveryTaskRow.status.in_(OPEN_STATUSES)).with_for_update())
    if task is None:
        return
    before = task.status
    task.status, task.updated_at, task.updated_by = "done", now, actor.name
    record(session, case, actor=actor, at=now, kind="recovery_task_updated",
           summary=Words("recovery task {id} ({key}): status {before} -> done (post-mortem "
                         "completed)", id=task.id, key=RECOVERY_TASK_WORDS[POST_MORTEM],
                         before=Words.said_of("recovery task", before)),
           data={"task": task.id, "key": task.key, "before": {"status": before},
                 "after": {"status": "done"}}, changed=False)


def _lock(session: Session, case: CaseRow) -> PostMortemRow | None:
    """The case's post-mortem, with the case locked first (the order every change to a
    case takes)."""
    session.execute(select(CaseRow.number).where(CaseRow.number == case.number)
                    .with_for_update())
    return session.get(PostMortemRow, case.number)


def _open(session: Session, case: CaseRow) -> PostMortemRow:
    row = _lock(session, case)
    if row is None or row.started_at is None:
        raise NotFound.of("{case} has no post-mortem started: `escalada postmortem start {case}`",
                          case=case.ref)
    if row.completed_at is not None:
        raise InvalidTransition.of("the post-mortem of {case} was completed (by {completed_by}) "
                                   "and is frozen", case=case.ref, completed_by=row.completed_by)
    return row


def _attendees(session: Session, number: int) -> list[PostMortemAttendeeRow]:
    return list(session.scalars(select(PostMortemAttendeeRow).where(
        PostMortemAttendeeRow.case_number == number).order_by(PostMortemAttendeeRow.id)))


def _findings(session: Session, number: int) -> list[PostMortemFindingRow]:
    return list(session.scalars(select(PostMortemFindingRow).where(
        PostMortemFindingRow.case_number == number).order_by(PostMortemFindingRow.id)))


def _actions(session: Session, number: int) -> list[PostMortemActionRow]:
    return list(session.scalars(select(PostMortemActionRow).where(
        PostMortemActionRow.case_number == number)
        .order_by(PostMortemActionRow.due_at, PostMortemActionRow.id)))


def _timer_key(action: PostMortemActionRow) -> str:
    return f"post_mortem_action:{action.id}"


def _case_rca(row: RootCauseRow | None) -> dict[str, RecordedCause]:
    """The case's root cause by agenda heading, the parts entered only."""
    if row is None:
        return {}
    return {heading: RecordedCause(text=text, updated_by=row.updated_by,
                                   updated_at=row.updated_at)
            for heading, text in (("root_cause_technical", row.technical),
                                  ("root_cause_process", row.process)) if text}


def _view(session: Session, case: CaseRow, row: PostMortemRow, now: datetime) -> PostMortemView:
    findings = _findings(session, case.number)
    status = _status(row)
    return PostMortemView(
        case=case.ref, status=status, due_at=row.due_at,
        overdue=is_overdue(row.due_at, row.completed_at, now),
        started_by=row.started_by, started_at=row.started_at, completed_by=row.completed_by,
        completed_at=row.completed_at, summary=row.summary,
        attendees=[AttendeeView(name=a.name, why=a.why)
                   for a in _attendees(session, case.number)],
        agenda={heading: [FindingView(id=f.id, heading=f.heading, text=f.text,
                                      added_by=f.added_by, added_at=f.added_at)
                          for f in findings if f.heading == heading] for heading in HEADINGS},
        case_rca=_case_rca(session.get(RootCauseRow, case.number)),
        actions=[ActionView(id=a.id, what=a.what, owner=a.owner, due_at=a.due_at,
                            status=action_state(a.due_at, a.done_at, now), added_by=a.added_by,
                            done_by=a.done_by, done_at=a.done_at)
                 for a in _actions(session, case.number)],
        timezone=session.get_one(AccountRow, case.account_id).timezone)
