"""People and their API tokens: who may use escalada, in which role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import TokenRow, UserRow
from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound, Unauthenticated
from escalada.domain.model import Role
from escalada.domain.snapshot import Text
from escalada.domain.validation import invalid_input
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.views import TokenCreatedView, TokenView, UserView

TOKEN_PREFIX = "esc_"
LONGEST_TOKEN_DAYS = 3650
# How often a token's last use is written down (not on every request).
LAST_USED_EVERY = timedelta(minutes=1)


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
    role: Role
    title: Text | None = Field(default=None, max_length=100,
                               description="executive title, e.g. CEO, CTO, VP Support")
    display_name: Text | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")


def _view(row: UserRow) -> UserView:
    return UserView.model_validate(row, from_attributes=True)


def add_user(*, ctx: Context, actor: Actor | None, **fields: object) -> UserView:
    """Add a person. The very first one must be an admin and needs nobody's leave;
    after that, only an admin adds people."""
    try:
        new = NewUser.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    with ctx.unit_of_work() as uow:
        session = uow.session
        first = not session.scalar(select(func.count()).select_from(UserRow))
        if first and new.role is not Role.ADMIN:
            raise InvalidInput.of("role", "the first user must be an admin")
        if not first:
            require_admin(actor or Actor("?"), "adding people")
        if session.get(UserRow, new.name) is not None:
            raise AlreadyExists(f"user {new.name!r} exists already")
        row = UserRow(name=new.name, role=new.role.value, title=new.title,
                      display_name=new.display_name, email=new.email,
                      created_at=ctx.clock())
        session.add(row)
        uow.commit()
        return _view(row)


class ProfileChanges(BaseModel):
    """What `user update` may change: how a person signs letters and is matched."""

    model_config = ConfigDict(extra="forbid")

    display_name: Text | None = Field(default=None, max_length=200)
    title: Text | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")


# A person may change how they sign; a title matches them to customers' executives
# (and lets them acknowledge war rooms), so only an admin gives or changes it.
_OWN_FIELDS = frozenset({"display_name", "email"})


def update_user(
    *, ctx: Context, actor: Actor, name: str, changes: dict[str, object]
) -> UserView:
    """Set or change (None clears) a person's display name, email or executive title."""
    if name != actor.name:
        require_admin(actor, "changing someone else's display name, title or email")
    elif not set(changes) <= _OWN_FIELDS:
        require_admin(actor, "changing your own title")
    try:
        checked = ProfileChanges.model_validate(changes)
    except ValidationError as error:
        raise invalid_input(error) from error
    if not changes:
        raise InvalidInput.of("changes", "name at least one of display_name, title, email")
    with ctx.unit_of_work() as uow:
        row = _user(uow.session, name)
        for field in changes:
            value = getattr(checked, field)
            setattr(row, field, value.strip() or None if isinstance(value, str) else value)
        uow.commit()
        return _view(row)


def list_users(*, ctx: Context) -> list[UserView]:
    with ctx.unit_of_work() as uow:
        return [_view(row) for row in uow.session.scalars(select(UserRow).order_by(UserRow.name))]


def disable_user(*, ctx: Context, actor: Actor, name: str) -> UserView:
    """A disabled user can no longer act, by the CLI or with any token."""
    require_admin(actor, "disabling people")
    with ctx.unit_of_work() as uow:
        row = _user(uow.session, name)
        if row.disabled_at is None:
            row.disabled_at = ctx.clock()
        uow.commit()
        return _view(row)


def _user(session: Session, name: str) -> UserRow:
    row = session.get(UserRow, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *, ctx: Context, actor: Actor, user: str, expires_in_days: int | None = 90,
    label: str | None = None,
) -> TokenCreatedView:
    """A new API token for `user` (an admin's, or your own). The token itself is
    shown once, here; only its hash is stored."""
    if user != actor.name:
        require_admin(actor, "creating tokens for other people")
    if expires_in_days is not None and not 1 <= expires_in_days <= LONGEST_TOKEN_DAYS:
        raise InvalidInput.of("expires_in_days", f"must be between 1 and {LONGEST_TOKEN_DAYS}")
    now = ctx.clock()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.unit_of_work() as uow:
        owner = _user(uow.session, user)
        if owner.disabled_at is not None:
            raise InvalidInput.of("user", f"{user} is disabled")
        row = TokenRow(user_name=user, token_hash=_digest(token), label=label, created_at=now,
                       expires_at=None if expires_in_days is None
                       else now + timedelta(days=expires_in_days))
        uow.session.add(row)
        uow.commit()
        return TokenCreatedView(token=token, **TokenView.model_validate(
            row, from_attributes=True).model_dump())


def list_tokens(*, ctx: Context, actor: Actor, user: str | None = None) -> list[TokenView]:
    """Tokens (never the secrets): your own, or anyone's for an admin."""
    if user != actor.name:
        require_admin(actor, "listing other people's tokens")
    with ctx.unit_of_work() as uow:
        query = select(TokenRow).order_by(TokenRow.id)
        if user is not None:
            query = query.where(TokenRow.user_name == user)
        return [TokenView.model_validate(row, from_attributes=True)
                for row in uow.session.scalars(query)]


def revoke_token(*, ctx: Context, actor: Actor, token_id: int) -> TokenView:
    with ctx.unit_of_work() as uow:
        row = uow.session.get(TokenRow, token_id)
        if row is None:
            raise NotFound(f"no token {token_id}")
        if row.user_name != actor.name:
            require_admin(actor, "revoking other people's tokens")
        if row.revoked_at is None:
            row.revoked_at = ctx.clock()
        uow.commit()
        return TokenView.model_validate(row, from_attributes=True)


def authenticate(*, ctx: Context, token: str | None) -> Actor:
    """The user a bearer token belongs to, if the token is known, live and theirs."""
    if not token:
        raise Unauthenticated("no bearer token: send `Authorization: Bearer <token>`")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        row = uow.session.scalar(select(TokenRow).where(TokenRow.token_hash == _digest(token)))
        if row is None:
            raise Unauthenticated("unknown token")
        if row.revoked_at is not None:
            raise Unauthenticated("the token was revoked")
        if row.expires_at is not None and row.expires_at <= now:
            raise Unauthenticated("the token expired")
        user = uow.session.get_one(UserRow, row.user_name)
        if user.disabled_at is not None:
            raise Unauthenticated(f"user {user.name} is disabled")
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            row.last_used_at = now
            uow.commit()
        return Actor(user.name, user.role)


def actor_named(*, ctx: Context, name: str) -> Actor:
    """The CLI's user (--as / ESCALADA_USER), checked like a token's."""
    with ctx.unit_of_work() as uow:
        user = uow.session.get(UserRow, name)
        if user is None:
            anyone = uow.session.scalar(select(func.count()).select_from(UserRow))
            hint = ("ask an admin for `escalada user add`" if anyone else
                    "no users yet: add the first admin with "
                    "`escalada user add NAME --role admin`")
            raise Unauthenticated(f"no user {name!r} ({hint})")
        if user.disabled_at is not None:
            raise Unauthenticated(f"user {name} is disabled")
        return Actor(user.name, user.role)
