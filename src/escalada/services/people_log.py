"""The people log: who added, promoted, demoted, disabled or enabled whom, and who made or
revoked which token. Append-only (the database refuses UPDATE and DELETE); admins read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import PeopleLogRow
from escalada.domain.words import Translator, Words
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.views import View, summary_in


class PeopleLogEntryView(View):
    id: int
    at: AwareDatetime
    actor: str
    kind: str
    user_name: str
    summary: str
    data: dict[str, Any]
    words: dict[str, Any] | None = Field(default=None, exclude=True)  # see views.summary_in

    def summary_in(self, language: Translator) -> str:
        return summary_in(self.summary, self.words, language)


def log_people_event(
    session: Session, *, actor: str, at: datetime, kind: str, user: str,
    summary: str | Words, data: dict[str, Any] | None = None,
) -> None:
    """Add an entry in the caller's transaction, so that the change and its record
    are written together or not at all."""
    session.add(PeopleLogRow(at=at, actor=actor, kind=kind, user_name=user,
                             summary=str(summary), data=data or {},
                             words=summary.as_json() if isinstance(summary, Words) else None))


def people_log(*, ctx: Context, actor: Actor, user: str | None = None
               ) -> list[PeopleLogEntryView]:
    """The log, oldest first (only one person's entries when `user` is given)."""
    require_admin(actor, "reading the people log")
    with ctx.reading() as uow:
        query = select(PeopleLogRow).order_by(PeopleLogRow.id)
        if user is not None:
            query = query.where(PeopleLogRow.user_name == user)
        return [PeopleLogEntryView.model_validate(row, from_attributes=True)
                for row in uow.session.scalars(query)]
