"""People, their tokens and the people log a page at a time, filtered in the database
(services.paging): what `user list`, `token list`, `user log` and GET /users, /tokens and
/people/log answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import PeopleLogRow, TokenRow, UserRow
from escalada.domain.model import Role
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, containing, sql_page, validated
from escalada.services.people_log import PeopleLogEntryView
from escalada.services.views import TokenView, UserView

_USERS = Order("users", (UserRow.name,), ("text",))
_TOKENS = Order("tokens", (TokenRow.id,), ("int",))
_NEWEST_TOKENS = Order("tokens_newest", (TokenRow.id,), ("int",), descending=True)
_LOG = Order("people_log", (PeopleLogRow.id,), ("int",))


class UsersQuery(PageQuery):
    role: Role | None = None
    disabled: bool | None = Field(default=None, description=(
        "true: only disabled people; false: only those who may act"))
    name: str | None = Field(default=None, min_length=1, max_length=100, description=(
        "people whose name, display name or email contains this (any case of ASCII letters)"))


class TokensQuery(PageQuery):
    user: str | None = Field(default=None, min_length=1, max_length=100, description=(
        "whose tokens; none: everyone's (admins)"))
    active: bool | None = Field(default=None, description=(
        "true: only tokens that work now (neither revoked nor expired); false: only those "
        "that do not"))


class PeopleLogQuery(PageQuery):
    user: str | None = Field(default=None, min_length=1, max_length=100,
                             description="only entries about this person")
    kind: str | None = Field(default=None, min_length=1, max_length=40, description=(
        "only entries of this kind, e.g. user_added, role_changed, token_created"))
    since: AwareDatetime | None = Field(default=None, description=(
        "only entries at or after this time (ISO 8601 with offset)"))


def user_page(*, ctx: Context, **query: Any) -> Page[UserView]:
    """A page of people by name, filtered by `role`, `disabled` and `name`."""
    wanted = validated(UsersQuery, query)
    with ctx.reading() as uow:
        return users_in(uow.session, wanted)


def users_in(session: Session, wanted: UsersQuery) -> Page[UserView]:
    """`user_page` in the caller's transaction."""
    rows = select(UserRow)
    if wanted.role is not None:
        rows = rows.where(UserRow.role == wanted.role.value)
    if wanted.disabled is not None:
        rows = rows.where(UserRow.disabled_at.is_not(None) if wanted.disabled
                          else UserRow.disabled_at.is_(None))
    if wanted.name is not None:
        pattern = containing(wanted.name)
        rows = rows.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            UserRow.name, UserRow.display_name, UserRow.email))))
    return sql_page(session, rows, _USERS, wanted, _user, lambda row: [row.name])


def token_page(*, ctx: Context, actor: Actor, **query: Any) -> Page[TokenView]:
    """A page of tokens by id (never the secrets): one person's (your own, or anyone's for
    an admin) or, with no `user`, everyone's (admins); `active` for those that work now."""
    wanted = validated(TokensQuery, query)
    if wanted.user != actor.name:
        require_admin(actor, "listing other people's tokens")
    now = ctx.clock()
    with ctx.reading() as uow:
        return tokens_in(uow.session, wanted, now)


def tokens_in(session: Session, wanted: TokensQuery, now: datetime, *,
              newest_first: bool = False) -> Page[TokenView]:
    """`token_page` (the newest first, if asked) in the caller's transaction, at `now`."""
    rows = select(TokenRow)
    if wanted.user is not None:
        rows = rows.where(TokenRow.user_name == wanted.user)
    if wanted.active is not None:
        working = TokenRow.revoked_at.is_(None) & (
            TokenRow.expires_at.is_(None) | (TokenRow.expires_at > now))
        rows = rows.where(working if wanted.active else ~working)
    return sql_page(session, rows, _NEWEST_TOKENS if newest_first else _TOKENS, wanted,
                    _token, lambda row: [row.id])


def people_log_page(*, ctx: Context, actor: Actor, **query: Any) -> Page[PeopleLogEntryView]:
    """A page of the people log, oldest first (admins), filtered by `user`, `kind` and
    `since`."""
    require_admin(actor, "reading the people log")
    wanted = validated(PeopleLogQuery, query)
    rows = select(PeopleLogRow)
    if wanted.user is not None:
        rows = rows.where(PeopleLogRow.user_name == wanted.user)
    if wanted.kind is not None:
        rows = rows.where(PeopleLogRow.kind == wanted.kind)
    if wanted.since is not None:
        rows = rows.where(PeopleLogRow.at >= wanted.since)
    with ctx.reading() as uow:
        return sql_page(uow.session, rows, _LOG, wanted, _log_entry, lambda row: [row.id])


def _user(row: UserRow) -> UserView:
    return UserView.model_validate(row, from_attributes=True)


def _token(row: TokenRow) -> TokenView:
    return TokenView.model_validate(row, from_attributes=True)


def _log_entry(row: PeopleLogRow) -> PeopleLogEntryView:
    return PeopleLogEntryView.model_validate(row, from_attributes=True)
