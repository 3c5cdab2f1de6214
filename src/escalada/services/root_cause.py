"""The root cause of a case, technical and process: entered (and revised) by people,
each change on the case's timeline; the escalation report reads it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, RootCauseRow
from escalada.domain.errors import InvalidInput, NotFound
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.validation import Note, invalid_input
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.knowledge_base import publish_root_cause
from escalada.services.records import excerpt, record
from escalada.services.repositories import load_case
from escalada.services.views import View

_PARTS = ("technical", "process")


class RootCauseView(View):
    case: str
    technical: str | None
    process: str | None
    entered_by: str
    entered_at: AwareDatetime
    updated_by: str
    updated_at: AwareDatetime


class RootCauseInput(BaseModel):
    """What people send: the technical root cause, the process one, or both."""

    model_config = ConfigDict(extra="forbid")

    technical: Note | None = None
    process: Note | None = None

    @field_validator("technical", "process")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return None if value is None else value.strip()


def record_root_cause(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    **parts: str | None,
) -> RootCauseView:
    """Enter or revise the case's root cause; the parts not given stay as they were,
    and a revision that changes nothing writes nothing."""
    can_work_cases(actor, "recording a root cause")
    try:
        given = RootCauseInput.model_validate(parts)
    except ValidationError as error:
        raise invalid_input(error) from error
    wanted = {name: getattr(given, name) for name in _PARTS
              if getattr(given, name) is not None}
    if not wanted:
        raise InvalidInput.of("technical", "give the technical root cause, the process "
                              "one (--process / process), or both")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        row = _locked(uow.session, case)
        first = row is None
        if row is None:
            row = RootCauseRow(case_number=case.number, entered_by=actor.name,
                               entered_at=now, updated_by=actor.name, updated_at=now)
            uow.session.add(row)
        changed = {name: text for name, text in wanted.items() if getattr(row, name) != text}
        if changed:
            _apply(row, changed, actor=actor, now=now)
            record(uow.session, case, actor=actor, at=now,
                   kind="root_cause_recorded" if first else "root_cause_revised",
                   summary=_summary(changed, first), reason=reason,
                   data={"technical": row.technical, "process": row.process,
                         "changed": sorted(changed)}, changed=False)
            publish_root_cause(uow, row, case, ctx.detect_language)
            uow.commit()
        return root_cause_view(row, case)


def root_cause(*, ctx: Context, case_id: str) -> RootCauseView:
    """The case's root cause (NotFound, naming the command, while none is entered)."""
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        row = uow.session.get(RootCauseRow, case.number)
        if row is None:
            raise NotFound.of("{case} has no root cause yet: `escalada case rca {case} --technical "
                              "... --process ...`", case=case.ref)
        return root_cause_view(row, case)


def root_cause_view(row: RootCauseRow, case: CaseRow) -> RootCauseView:
    return RootCauseView(
        case=case.ref, technical=row.technical, process=row.process,
        entered_by=row.entered_by, entered_at=row.entered_at, updated_by=row.updated_by,
        updated_at=row.updated_at)


def _locked(session: Session, case: CaseRow) -> RootCauseRow | None:
    """The case's root cause, with the case locked first (the order every change to a
    case takes): of two people entering it at once, the second revises the first's."""
    session.execute(select(CaseRow.number).where(CaseRow.number == case.number)
                    .with_for_update())
    return session.get(RootCauseRow, case.number)


def _apply(row: RootCauseRow, changed: dict[str, str], *, actor: Actor, now: datetime) -> None:
    for name, text in changed.items():
        setattr(row, name, text)
    row.updated_by, row.updated_at = actor.name, now


def _summary(changed: dict[str, str], first: bool) -> Words:
    parts = [Words("technical: {text}", text=excerpt(text, 120)) if name == "technical"
             else Words("process: {text}", text=excerpt(text, 120))
             for name, text in changed.items()]
    joined = parts[0]
    for part in parts[1:]:
        joined = Words("{first}; {then}", first=joined, then=part)
    return (Words("root cause recorded: {parts}", parts=joined) if first
            else Words("root cause revised: {parts}", parts=joined))
