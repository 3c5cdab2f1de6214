"""Commitments made to a customer on a case (a written root cause by Friday, a fix in
the next release): each tracked by a durable timer that marks it missed when it falls
due open; closed in time it is met. Every change is on the case's timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, CommitmentRow, TimerRow
from escalada.domain.commitments import MISSED, OPEN, commitment_state
from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound
from escalada.domain.recovery import end_of_day
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.timers import COMMITMENT_DUE
from escalada.domain.validation import ID_MAX, Label, Note, invalid_input
from escalada.domain.words import Moment, Words
from escalada.services.authz import SYSTEM_ROLE, can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import excerpt, record
from escalada.services.recovery.rows import is_user
from escalada.services.recovery.schemas import DueAt
from escalada.services.repositories import load_case
from escalada.services.timers import DROPPED, PENDING
from escalada.services.views import View

_ESCALADA = Actor("escalada", SYSTEM_ROLE)  # the timer that judges a commitment


class CommitmentView(View):
    id: int
    case: str
    what: str
    due_at: AwareDatetime
    owner: str
    state: str = Field(description="open, met (closed by its due time) or missed")
    made_by: str
    made_at: AwareDatetime
    closed_by: str | None
    closed_at: AwareDatetime | None
    note: str | None
    timezone: str = Field(description="the account's time zone, for showing times to people")


class NewCommitment(BaseModel):
    """A commitment people make to the customer."""

    model_config = ConfigDict(extra="forbid")

    what: Note = Field(min_length=1)
    due_at: DueAt
    owner: Label | None = Field(default=None, description="a user's name (default: you)")

    @field_validator("what", "owner")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return None if value is None else value.strip()


def make_commitment(
    *, ctx: Context, actor: Actor, case_id: str, **fields: Any
) -> CommitmentView:
    """Record a commitment made to the customer, and the timer that judges it."""
    can_work_cases(actor, "making a commitment")
    try:
        new = NewCommitment.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    if new.due_at is None:
        raise InvalidInput.of("due_at", "is required: when the customer was promised it")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        account = uow.session.get_one(AccountRow, case.account_id)
        due = due_time(new.due_at, account.timezone)
        if due <= now:
            raise InvalidInput.of("due_at", "must be in the future (now is {now:%Y-%m-%d %H:%M} "
                                  "UTC)", now=now)
        # The actor is authenticated: only someone else named is looked up.
        owner = actor.name if new.owner is None else checked_owner(uow.session, new.owner)
        row = CommitmentRow(case_number=case.number, what=new.what, due_at=due, owner=owner,
                            state=OPEN, made_by=actor.name, made_at=now)
        uow.session.add(row)
        uow.session.flush()
        uow.session.add(TimerRow(
            case_number=case.number, kind=COMMITMENT_DUE, key=_timer_key(row),
            generation=None, due_at=due, available_at=due, state=PENDING, attempts=0,
            payload={"commitment": row.id}, created_at=now))
        record(uow.session, case, actor=actor, at=now, kind="commitment_made",
               summary=Words("commitment {id} to the customer, due {due} (owner {owner}): "
                             "{what}", id=row.id, due=Moment(due), owner=owner,
                             what=excerpt(row.what, 160)),
               data={"commitment": row.id, "due_at": due.isoformat(), "owner": owner},
               changed=False)
        uow.commit()
        return commitment_view(row, case, account.timezone, now)


def close_commitment(
    *, ctx: Context, actor: Actor, case_id: str, commitment_id: int, note: str | None = None
) -> CommitmentView:
    """The commitment is delivered: met if by its due time, missed if late."""
    can_work_cases(actor, "closing a commitment")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        row = _load(uow.session, case, commitment_id)
        if row.closed_at is not None:
            raise InvalidTransition.of("commitment {id} of {case} was closed already ({state}, by "
                                       "{closed_by})", id=row.id, case=case.ref, state=row.state,
                                       closed_by=row.closed_by)
        row.closed_by, row.closed_at, row.note = actor.name, now, note
        row.state = commitment_state(row.due_at, now, now)
        _drop_timer(uow.session, row)
        summary = (Words("commitment {id} closed: met: {what}", id=row.id,
                         what=excerpt(row.what, 160)) if row.state != MISSED else
                   Words("commitment {id} closed: missed, {late} late: {what}", id=row.id,
                         late=_late(row.due_at, now), what=excerpt(row.what, 160)))
        record(uow.session, case, actor=actor, at=now, kind="commitment_closed",
               summary=summary, reason=note,
               data={"commitment": row.id, "state": row.state,
                     "due_at": row.due_at.isoformat()}, changed=False)
        uow.commit()
        timezone = uow.session.get_one(AccountRow, case.account_id).timezone
        return commitment_view(row, case, timezone, now)


class CommitmentsQuery(PageQuery):
    state: Literal["open", "met", "missed"] | None = Field(default=None, description=(
        "open: not closed, not yet due; met: closed by its due time; missed: closed after "
        "it, or still open past it"))


_BY_DUE = Order("commitments", (CommitmentRow.due_at, CommitmentRow.id), ("time", "int"))


def commitment_page(*, ctx: Context, case_id: str, **query: Any) -> Page[CommitmentView]:
    """A page of the case's commitments by due time, each open, met or missed now (only
    those in `state` when given)."""
    wanted = validated(CommitmentsQuery, query)
    now = ctx.clock()
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        timezone = uow.session.get_one(AccountRow, case.account_id).timezone
        rows = select(CommitmentRow).where(CommitmentRow.case_number == case.number)
        closed, due = CommitmentRow.closed_at, CommitmentRow.due_at
        if wanted.state == "open":
            rows = rows.where(closed.is_(None), due >= now)
        elif wanted.state == "met":
            rows = rows.where(closed.is_not(None), closed <= due)
        elif wanted.state == "missed":
            rows = rows.where(or_(closed > due, closed.is_(None) & (due < now)))
        return sql_page(uow.session, rows, _BY_DUE, wanted,
                        lambda row: commitment_view(row, case, timezone, now),
                        lambda row: [row.due_at, row.id])


def commitments_of(session: Session, case_number: int) -> list[CommitmentRow]:
    return list(session.scalars(select(CommitmentRow).where(
        CommitmentRow.case_number == case_number)
        .order_by(CommitmentRow.due_at, CommitmentRow.id)))


def on_commitment_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    """The timer: a commitment still open at its due time is missed."""
    row = session.get(CommitmentRow, timer.payload["commitment"], with_for_update=True)
    if row is None or row.closed_at is not None:
        return Words("closed meanwhile")
    row.state = MISSED
    record(session, case, actor=_ESCALADA, at=now, kind="commitment_missed",
           summary=Words("commitment {id} missed: due {due}, still open (owner {owner}): "
                         "{what}", id=row.id, due=Moment(row.due_at),
                         owner=row.owner, what=excerpt(row.what, 160)),
           data={"commitment": row.id, "due_at": row.due_at.isoformat(), "owner": row.owner},
           changed=False)
    return Words("commitment {id} missed", id=row.id)


def commitment_view(row: CommitmentRow, case: CaseRow, timezone: str,
                    now: datetime) -> CommitmentView:
    return CommitmentView(
        id=row.id, case=case.ref, what=row.what, due_at=row.due_at, owner=row.owner,
        state=commitment_state(row.due_at, row.closed_at, now), made_by=row.made_by,
        made_at=row.made_at, closed_by=row.closed_by, closed_at=row.closed_at, note=row.note,
        timezone=timezone)


def _load(session: Session, case: CaseRow, commitment_id: int) -> CommitmentRow:
    row = None
    if 0 < commitment_id <= ID_MAX:
        row = session.scalar(select(CommitmentRow).where(
            CommitmentRow.id == commitment_id, CommitmentRow.case_number == case.number)
            .with_for_update())
    if row is None:
        raise NotFound.of("{case} has no commitment {commitment_id} (`escalada case commitments "
                          "{case}`)", case=case.ref, commitment_id=commitment_id)
    return row


def _drop_timer(session: Session, row: CommitmentRow) -> None:
    session.execute(update(TimerRow).where(
        TimerRow.case_number == row.case_number, TimerRow.key == _timer_key(row),
        TimerRow.state == PENDING).values(state=DROPPED, outcome="commitment closed",
                                               outcome_words=Words("commitment closed").as_json()))


def _timer_key(row: CommitmentRow) -> str:
    return f"commitment:{row.id}"


def due_time(value: date | datetime, timezone: str) -> datetime:
    return value if isinstance(value, datetime) else end_of_day(value, timezone)


def checked_owner(session: Session, name: str) -> str:
    if not is_user(session, name):
        raise InvalidInput.of("owner", "no user {name!r} (see `escalada user list`)", name=name)
    return name


def _late(due_at: datetime, at: datetime) -> str:
    minutes = int((at - due_at).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"
