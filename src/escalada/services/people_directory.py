"""People and their API tokens as an admin reviews them: a page of users, a page of tokens
(never a secret) and the latest entries of the people log, read in one read-only
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import PeopleLogRow, TokenRow, UserRow
from escalada.domain.snapshot import AwareDatetime
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.paging import Page, validated
from escalada.services.people_lists import TokensQuery, UsersQuery, tokens_in, users_in
from escalada.services.people_log import PeopleLogEntryView
from escalada.services.views import TokenView, UserView, View

LOG_ENTRIES_SHOWN = 20


class PeopleDirectory(View):
    at: AwareDatetime  # when it was read: a token expired before it no longer works
    users: list[UserView]  # a page of them by name
    users_next: str | None  # the cursor of the next page of users; None: the last
    with_password: list[str]  # of those users, the ones who can sign in to the console
    tokens: list[TokenView]  # a page of them, newest first
    tokens_next: str | None
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


def people_directory(*, ctx: Context, actor: Actor, users: Mapping[str, Any] | None = None,
                     tokens: Mapping[str, Any] | None = None,
                     only: Literal["users", "tokens"] | None = None) -> PeopleDirectory:
    """A page of users and one of tokens (each filtered and paged as `user list` and
    `token list` are: `users`, `tokens`; `only` one of the two, the other left empty)
    and the latest people-log entries, for an admin."""
    require_admin(actor, "managing people and tokens")
    wanted_users = validated(UsersQuery, users or {})
    wanted_tokens = validated(TokensQuery, tokens or {})
    now = ctx.clock()
    nothing: Page[Any] = Page([], None)
    with ctx.reading() as uow:
        session = uow.session
        log = session.scalars(select(PeopleLogRow).order_by(PeopleLogRow.id.desc())
                              .limit(LOG_ENTRIES_SHOWN))
        user_page = nothing if only == "tokens" else users_in(session, wanted_users)
        with_password = session.scalars(select(UserRow.name).where(
            UserRow.password_hash.is_not(None),
            UserRow.name.in_([user.name for user in user_page.items])).order_by(UserRow.name))
        token_page = nothing if only == "users" else tokens_in(
            session, wanted_tokens, now, newest_first=True)
        return PeopleDirectory(
            at=now, users=user_page.items, users_next=user_page.next_cursor,
            with_password=list(with_password), tokens=token_page.items,
            tokens_next=token_page.next_cursor,
            log=[PeopleLogEntryView.model_validate(row, from_attributes=True) for row in log])
