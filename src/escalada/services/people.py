"""People and their API tokens: who may use escalada, in which role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from escalada.adapters.db import reads
from escalada.adapters.db.database import busy
from escalada.adapters.db.tables import TokenRow, UserRow
from escalada.domain.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Unauthenticated,
)
from escalada.domain.id_words import ROLE_WORDS, named
from escalada.domain.model import Role
from escalada.domain.snapshot import Text
from escalada.domain.validation import invalid_input
from escalada.domain.words import Moment, Words
from escalada.services.acting_user import actor_named as actor_named
from escalada.services.authz import can_change_role_of, can_create_token_for, require_admin
from escalada.services.context import Actor, Context
from escalada.services.people_log import log_people_event
from escalada.services.views import TokenCreatedView, TokenView, UserView

TOKEN_PREFIX = "esc_"
# What escalada writes to a person in (the reminders it sends them).
PersonLanguage = Literal["en", "ru"]
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
    language: PersonLanguage | None = None


def _view(row: UserRow) -> UserView:
    return UserView.model_validate(row, from_attributes=True)


def add_user(*, ctx: Context, actor: Actor | None, **fields: object) -> UserView:
    """Add a person. The very first one must be an admin and needs nobody's leave;
    after that, only an admin adds people. Each addition is on the people log."""
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
            raise AlreadyExists.of("user {name!r} exists already", name=new.name)
        now = ctx.clock()
        row = UserRow(name=new.name, role=new.role.value, title=new.title,
                      display_name=new.display_name, email=new.email,
                      language=new.language, created_at=now)
        session.add(row)
        by = new.name if first else (actor or Actor("?")).name
        log_people_event(session, actor=by, at=now, kind="user_added", user=new.name,
                         summary=(Words("{by} added {name} as {role} ({title})", by=by,
                                        name=new.name, role=named(ROLE_WORDS, new.role.value),
                                        title=new.title)
                                  if new.title else
                                  Words("{by} added {name} as {role}", by=by, name=new.name,
                                        role=named(ROLE_WORDS, new.role.value))),
                         data={"role": new.role.value, "title": new.title})
        uow.commit()
        return _view(row)


class ProfileChanges(BaseModel):
    """What `user update` may change: how a person signs letters and is matched."""

    model_config = ConfigDict(extra="forbid")

    display_name: Text | None = Field(default=None, max_length=200)
    title: Text | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    language: PersonLanguage | None = None
    slack_user_id: str | None = Field(
        default=None, pattern=r"^[UW][A-Z0-9]{2,29}$",
        description="their Slack user id, e.g. U0123ABC (admin): Slack commands act as them")


# A person may change how they sign; a title matches them to customers' executives
# (and lets them acknowledge war rooms), and a Slack user id lets a Slack user act with
# their role, so only an admin gives or changes those.
_OWN_FIELDS = frozenset({"display_name", "email", "language"})


def update_user(
    *, ctx: Context, actor: Actor, name: str, changes: dict[str, object]
) -> UserView:
    """Set or change (None clears) a person's display name, email, language, executive
    title or Slack user id."""
    if name != actor.name:
        require_admin(actor, "changing someone else's display name, title or email")
    elif "slack_user_id" in changes:
        require_admin(actor, "changing your own Slack user id")
    elif not set(changes) <= _OWN_FIELDS:
        require_admin(actor, "changing your own title")
    try:
        checked = ProfileChanges.model_validate(changes)
    except ValidationError as error:
        raise invalid_input(error) from error
    if not changes:
        raise InvalidInput.of("changes", "name at least one of display_name, title, email, "
                                         "language, slack_user_id")
    with ctx.unit_of_work() as uow:
        row = _user(uow.session, name)
        if checked.slack_user_id is not None:
            holder = uow.session.scalar(select(UserRow.name).where(
                UserRow.slack_user_id == checked.slack_user_id, UserRow.name != name))
            if holder is not None:
                raise AlreadyExists.of("Slack user {slack_user_id} is {name}'s already",
                                       slack_user_id=checked.slack_user_id, name=holder)
        for field in changes:
            value = getattr(checked, field)
            setattr(row, field, value.strip() or None if isinstance(value, str) else value)
        uow.commit()
        return _view(row)


def change_role(*, ctx: Context, actor: Actor, name: str, role: str) -> UserView:
    """Give a person another role (admins only, never their own: ask another admin)."""
    require_admin(actor, "changing roles")
    try:
        wanted = Role(role.strip().lower())
    except ValueError as error:
        raise InvalidInput.of("role", "must be one of {roles}", roles=', '.join(Role)) from error
    can_change_role_of(actor, name, wanted)
    with ctx.unit_of_work() as uow:
        row = _user(uow.session, name)
        if row.role == wanted.value:
            return _view(row)
        if row.role == Role.ADMIN.value:
            _keep_an_admin(uow.session, row, "demoting")
        before, row.role = row.role, wanted.value
        log_people_event(uow.session, actor=actor.name, at=ctx.clock(), kind="role_changed",
                         user=name,
                         summary=Words("{by} changed {name}'s role from {before} to {after}",
                                       by=actor.name, name=name, before=named(ROLE_WORDS, before),
                                       after=named(ROLE_WORDS, wanted.value)),
                         data={"from": before, "to": wanted.value})
        uow.commit()
        return _view(row)


def disable_user(*, ctx: Context, actor: Actor, name: str) -> UserView:
    """A disabled user can no longer act, by the CLI or with any token."""
    require_admin(actor, "disabling people")
    with ctx.unit_of_work() as uow:
        row = _user(uow.session, name)
        if row.disabled_at is None:
            if row.role == Role.ADMIN.value:
                _keep_an_admin(uow.session, row, "disabling")
            row.disabled_at = ctx.clock()
            log_people_event(uow.session, actor=actor.name, at=row.disabled_at,
                             kind="user_disabled", user=name,
                             summary=Words("{by} disabled {name} ({role})", by=actor.name,
                                           name=name, role=named(ROLE_WORDS, row.role)))
        uow.commit()
        return _view(row)


def enable_user(*, ctx: Context, actor: Actor, name: str) -> UserView:
    """A disabled user may act again (their tokens too, unless revoked or expired)."""
    require_admin(actor, "enabling people")
    with ctx.unit_of_work() as uow:
        row = _user(uow.session, name)
        if row.disabled_at is not None:
            row.disabled_at = None
            log_people_event(uow.session, actor=actor.name, at=ctx.clock(),
                             kind="user_enabled", user=name,
                             summary=Words("{by} enabled {name} ({role})", by=actor.name,
                                           name=name, role=named(ROLE_WORDS, row.role)))
        uow.commit()
        return _view(row)


def _keep_an_admin(session: Session, row: UserRow, doing: str) -> None:
    """Refuse to leave nobody enabled who can manage people (only SQL would recover)."""
    others = session.scalar(select(func.count()).select_from(UserRow).where(
        UserRow.role == Role.ADMIN.value, UserRow.disabled_at.is_(None),
        UserRow.name != row.name))
    if not others:
        raise InvalidTransition.of("{name} is the last enabled admin: {doing} them would leave "
                                   "nobody to manage people; first add or enable another admin "
                                   "(`escalada user add NAME --role admin`)", name=row.name,
                                   doing=doing)


def _user(session: Session, name: str) -> UserRow:
    row = session.get(UserRow, name)
    if row is None:
        raise NotFound.of("no user {name!r}", name=name)
    return row


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *, ctx: Context, actor: Actor, user: str | None = None,
    expires_in_days: int | None = None, label: str | None = None,
) -> TokenCreatedView:
    """A new API token for the actor, who alone may mint theirs: nobody, an admin
    included, creates a token for someone else. The token itself is shown once, here;
    only its hash is stored. It lasts `expires_in_days` (the configured default when
    None), at most the configured longest lifetime."""
    can_create_token_for(actor, user)
    lifetimes = ctx.tokens
    days = lifetimes.default_days if expires_in_days is None else expires_in_days
    if not 1 <= days <= lifetimes.longest_days:
        raise InvalidInput.of("expires_in_days", "must be between 1 and {longest_days}",
                              longest_days=lifetimes.longest_days)
    now = ctx.clock()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.unit_of_work() as uow:
        owner = _user(uow.session, actor.name)
        if owner.disabled_at is not None:
            raise InvalidInput.of("user", "{name} is disabled", name=owner.name)
        row = TokenRow(user_name=owner.name, token_hash=_digest(token), label=label,
                       created_at=now, expires_at=now + timedelta(days=days),
                       created_by=actor.name)
        uow.session.add(row)
        uow.session.flush()
        expiring = Moment(row.expires_at) if row.expires_at else Words("never")
        log_people_event(uow.session, actor=actor.name, at=now, kind="token_created",
                         user=owner.name,
                         summary=(Words("{by} created token {id} ({label}), expiring {day}",
                                        by=actor.name, id=row.id, label=label,
                                        day=expiring) if label else
                                  Words("{by} created token {id}, expiring {day}",
                                        by=actor.name, id=row.id,
                                        day=expiring)),
                         data={"token": row.id})
        uow.commit()
        return TokenCreatedView(token=token, **TokenView.model_validate(
            row, from_attributes=True).model_dump())


def revoke_token(*, ctx: Context, actor: Actor, token_id: int) -> TokenView:
    """Revoke one's own token, or (an admin) anyone's; it stops working at once."""
    with ctx.unit_of_work() as uow:
        row = uow.session.get(TokenRow, token_id)
        if row is None:
            raise NotFound.of("no token {token_id}", token_id=token_id)
        if row.user_name != actor.name:
            require_admin(actor, "revoking other people's tokens")
        if row.revoked_at is None:
            row.revoked_at = ctx.clock()
            log_people_event(uow.session, actor=actor.name, at=row.revoked_at,
                             kind="token_revoked", user=row.user_name,
                             summary=Words("{by} revoked token {id} of {user}",
                                           by=actor.name, id=row.id, user=row.user_name),
                             data={"token": row.id})
        uow.commit()
        return TokenView.model_validate(row, from_attributes=True)


def authenticate(*, ctx: Context, token: str | None) -> Actor:
    """The user a bearer token belongs to, if the token is known, live and theirs. It is
    read in one plain statement (it runs before every API request) without waiting for
    any writer; its last use is stamped apart (`_stamp_use`)."""
    if not token:
        raise Unauthenticated("no bearer token: send `Authorization: Bearer <token>`")
    now = ctx.clock()
    with ctx.plain_reading(one_statement=True) as db:
        found = reads.token_owner(db, _digest(token))
    if found is None:
        raise Unauthenticated("unknown token")
    if found.revoked_at is not None:
        raise Unauthenticated("the token was revoked")
    if found.expires_at is not None and found.expires_at <= now:
        raise Unauthenticated("the token expired")
    if found.disabled_at is not None:
        raise Unauthenticated.of("user {name} is disabled", name=found.name)
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_EVERY:
        _stamp_use(ctx, found.token_id, now)
    return Actor(found.name, found.role, found.language)


def _stamp_use(ctx: Context, token_id: int, now: datetime) -> None:
    """Write down when the token was last used (at most once a minute), unless another
    writer holds the lock at this moment: a request never waits for the stamp, and the
    next one tries again."""
    try:
        with ctx.unit_of_work(wait=False) as uow:
            uow.session.execute(update(TokenRow).where(
                TokenRow.id == token_id,
                or_(TokenRow.last_used_at.is_(None),
                    TokenRow.last_used_at < now - LAST_USED_EVERY)).values(last_used_at=now))
            uow.commit()
    except OperationalError as error:
        if error.orig is None or not busy(error.orig):
            raise
