"""Passwords for the web console: set by their owner or an admin, kept as Argon2id hashes
(argon2-cffi's defaults, in the PHC string form that carries its own parameters).

The API and the CLI keep their bearer tokens and user names; a password only signs a
person in to the console (services.console_sessions)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete

from escalada.adapters.db.tables import ConsoleSessionRow, UserRow
from escalada.domain.errors import InvalidInput, NotFound
from escalada.domain.words import Words
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.people_log import log_people_event
from escalada.services.views import UserView

SHORTEST, LONGEST = 10, 1024


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


def set_password(*, ctx: Context, actor: Actor, name: str, password: str) -> UserView:
    """Set `name`'s console password: a person sets their own, an admin anyone's. A
    password set by an admin for someone else ends that person's console sessions."""
    if name != actor.name:
        require_admin(actor, "setting someone else's password")
    _check(password)
    hashed = hasher().hash(password)
    with ctx.unit_of_work() as uow:
        row = uow.session.get(UserRow, name)
        if row is None:
            raise NotFound.of("no user {name!r}", name=name)
        row.password_hash = hashed
        if name != actor.name:
            uow.session.execute(delete(ConsoleSessionRow).where(
                ConsoleSessionRow.user_name == name))
        log_people_event(uow.session, actor=actor.name, at=ctx.clock(), kind="password_set",
                         user=name, summary=Words("{by} set {name}'s console password",
                                                  by=actor.name, name=name))
        uow.commit()
        return UserView.model_validate(row, from_attributes=True)


def _check(password: str) -> None:
    if len(password) < SHORTEST:
        raise InvalidInput.of("password", "must be at least {shortest} characters long",
                              shortest=SHORTEST)
    if len(password) > LONGEST:
        raise InvalidInput.of("password", "must be at most {longest} characters long",
                              longest=LONGEST)
    if not password.strip():
        raise InvalidInput.of("password", "must not be blank")


# Checked against when the user is unknown or has no password, so that a sign-in takes
# as long whether or not the name exists.
_DECOY = "escalada-decoy-password"


@cache
def _decoy_hash() -> str:
    return hasher().hash(_DECOY)


def matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` hashes (False, after as much work, when
    nothing is stored)."""
    try:
        return hasher().verify(stored or _decoy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
