"""Signing in to the web console: server-side sessions and the sign-in rate limit.

A session is a random id given to the browser in a cookie; the database keeps only its
SHA-256, with the user, when it was made and last seen, when it expires, the CSRF token
every console form must send back, and the language chosen. Signing out deletes it; a
disabled user's sessions stop working at once (checked on every request).

Failed sign-ins are counted per user name and client in the database (so the limit
holds across server processes): `FAILURES_ALLOWED` in `FAILURE_WINDOW`, then each try is
refused with the seconds to wait, before the password is even checked."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from escalada.adapters.catalogs import LANGUAGES
from escalada.adapters.db.database import busy
from escalada.adapters.db.tables import ConsoleSessionRow, SignInFailureRow, UserRow
from escalada.domain.errors import InvalidInput, TooManyAttempts, Unauthenticated
from escalada.domain.words import Words
from escalada.services.context import Actor, Context
from escalada.services.passwords import matches

FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=15)
LAST_SEEN_EVERY = timedelta(minutes=1)  # how often a session's last use is written down
_WRONG = "wrong user name or password"


@dataclass(frozen=True)
class SignedIn:
    """A live session: who, the CSRF token its forms carry, the language chosen."""

    actor: Actor
    csrf_token: str
    language: str | None
    expires_at: datetime


@dataclass(frozen=True)
class NewSession:
    """What sign-in gives the browser: `token` (the cookie's value; shown once)."""

    token: str
    signed_in: SignedIn


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(*, ctx: Context, username: str, password: str, client: str,
            language: str | None = None) -> NewSession:
    """A new session for `username` if `password` is theirs and they are enabled.
    Refused alike for an unknown name, a wrong password or no password set; refused with
    TooManyAttempts (and the seconds to wait) after too many failures from `client`."""
    username, client = username.strip()[:100], client[:100]
    if not username:
        raise InvalidInput.of("username", "required")
    now = ctx.clock()
    _check_rate(ctx, username, client, now)
    with ctx.reading() as uow:
        user = uow.session.get(UserRow, username)
        stored = None if user is None else user.password_hash
        role = None if user is None else user.role
        own_language = None if user is None else user.language
        disabled = user is not None and user.disabled_at is not None
    if not matches(stored, password) or disabled:
        _fail(ctx, username, client, now)
        raise Unauthenticated(_WRONG)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + ctx.settings().session_lifetime()
    chosen = language if language in LANGUAGES else None
    with ctx.unit_of_work() as uow:
        uow.session.add(ConsoleSessionRow(
            id_hash=_digest(token), user_name=username, csrf_token=csrf, created_at=now,
            last_seen_at=now, expires_at=expires, language=chosen))
        uow.session.execute(delete(SignInFailureRow).where(
            SignInFailureRow.username == username, SignInFailureRow.client == client))
        # Sessions of this user that have expired go at the next sign-in.
        uow.session.execute(delete(ConsoleSessionRow).where(
            ConsoleSessionRow.user_name == username, ConsoleSessionRow.expires_at <= now))
        uow.commit()
    return NewSession(token, SignedIn(Actor(username, role, own_language), csrf, chosen,
                                      expires))


def _check_rate(ctx: Context, username: str, client: str, now: datetime) -> None:
    with ctx.reading() as uow:
        count, oldest = uow.session.execute(
            select(func.count(), func.min(SignInFailureRow.at)).where(
                SignInFailureRow.username == username, SignInFailureRow.client == client,
                SignInFailureRow.at > now - FAILURE_WINDOW)).one()
    if count >= FAILURES_ALLOWED:
        wait = max(1, math.ceil((oldest + FAILURE_WINDOW - now).total_seconds()))
        raise TooManyAttempts(
            Words("too many failed sign-ins for {username}: try again in {minutes} min",
                  username=username, minutes=math.ceil(wait / 60)), retry_after=wait)


def _fail(ctx: Context, username: str, client: str, now: datetime) -> None:
    with ctx.unit_of_work() as uow:
        # Failures older than the window count for nothing: whoever's they are, they go
        # (tries at made-up names never pile up).
        uow.session.execute(delete(SignInFailureRow).where(
            SignInFailureRow.at <= now - FAILURE_WINDOW))
        uow.session.add(SignInFailureRow(username=username, client=client, at=now))
        uow.commit()


def session_user(*, ctx: Context, token: str | None) -> SignedIn:
    """The live session whose cookie is `token` (Unauthenticated when there is none, it
    expired, or its user is disabled). Its last use is written down at most once a minute,
    never waiting for another writer."""
    if not token:
        raise Unauthenticated("not signed in")
    now = ctx.clock()
    with ctx.reading() as uow:
        found = uow.session.execute(
            select(ConsoleSessionRow, UserRow).join(
                UserRow, UserRow.name == ConsoleSessionRow.user_name).where(
                ConsoleSessionRow.id_hash == _digest(token))).first()
        if found is None:
            raise Unauthenticated("not signed in (or signed out)")
        row, user = found[0], found[1]
        if row.expires_at <= now:
            raise Unauthenticated("the session expired: sign in again")
        if user.disabled_at is not None:
            raise Unauthenticated.of("user {name} is disabled", name=user.name)
        signed_in = SignedIn(Actor(user.name, user.role, user.language), row.csrf_token,
                             row.language, row.expires_at)
        stale = now - row.last_seen_at > LAST_SEEN_EVERY
    if stale:
        _stamp(ctx, _digest(token), now)
    return signed_in


def _stamp(ctx: Context, id_hash: str, now: datetime) -> None:
    try:
        with ctx.unit_of_work(wait=False) as uow:
            uow.session.execute(update(ConsoleSessionRow).where(
                ConsoleSessionRow.id_hash == id_hash).values(last_seen_at=now))
            uow.commit()
    except OperationalError as error:
        if error.orig is None or not busy(error.orig):
            raise


def csrf_matches(signed_in: SignedIn, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(signed_in.csrf_token.encode(),
                                              (sent or "").encode())


def choose_session_language(*, ctx: Context, token: str, language: str) -> None:
    """The console's language from now on (one of catalogs.LANGUAGES): this session's, and
    the person's own (users.language), which their next sign-in and the API's and the
    CLI's words follow too."""
    if language not in LANGUAGES:
        raise InvalidInput.of("language", "must be one of {languages}",
                              languages=', '.join(LANGUAGES))
    who = session_user(ctx=ctx, token=token).actor
    with ctx.unit_of_work() as uow:
        uow.session.execute(update(ConsoleSessionRow).where(
            ConsoleSessionRow.id_hash == _digest(token)).values(language=language))
        uow.session.execute(update(UserRow).where(UserRow.name == who.name).values(
            language=language))
        uow.commit()


def sign_out(*, ctx: Context, token: str | None) -> None:
    """End the session (nothing to do when there is none)."""
    if not token:
        return
    with ctx.unit_of_work() as uow:
        uow.session.execute(delete(ConsoleSessionRow).where(
            ConsoleSessionRow.id_hash == _digest(token)))
        uow.commit()
