"""People and their API tokens as an admin reviews them: every user, every token (never a
secret) and the latest entries of the people log, read in one read-only transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import PeopleLogRow, TokenRow, UserRow
from escalada.domain.snapshot import AwareDatetime
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.people_log import PeopleLogEntryView
from escalada.services.views import TokenView, UserView, View

LOG_ENTRIES_SHOWN = 20


class PeopleDirectory(View):
    at: AwareDatetime  # when it was read: a token expired before it no longer works
    users: list[UserView]  # by name
    with_password: list[str]  # the users who can sign in to the console
    tokens: list[TokenView]  # newest first
    log: list[PeopleLogEntryView]  # the latest entries, newest first


def users_of(session: Session) -> list[UserView]:
    """Every user, by name."""
    return [UserView.model_validate(row, from_attributes=True)
            for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def tokens_of(session: Session, user: str | None = None, *, newest_first: bool = False
              ) -> list[TokenView]:
    """Every token (or one user's), by id."""
    query = select(TokenRow).order_by(TokenRow.id.desc() if newest_first else TokenRow.id)
    if user is not None:
        query = query.where(TokenRow.user_name == user)
    return [TokenView.model_validate(row, from_attributes=True)
            for row in session.scalars(query)]


def people_directory(*, ctx: Context, actor: Actor) -> PeopleDirectory:
    """Users, tokens and the latest people-log entries, for an admin."""
    require_admin(actor, "managing people and tokens")
    now = ctx.clock()
    with ctx.reading() as uow:
        session = uow.session
        log = session.scalars(select(PeopleLogRow).order_by(PeopleLogRow.id.desc())
                              .limit(LOG_ENTRIES_SHOWN))
        with_password = session.scalars(select(UserRow.name).where(
            UserRow.password_hash.is_not(None)).order_by(UserRow.name))
        return PeopleDirectory(
            at=now, users=users_of(session), with_password=list(with_password),
            tokens=tokens_of(session, newest_first=True),
            log=[PeopleLogEntryView.model_validate(row, from_attributes=True) for row in log])
