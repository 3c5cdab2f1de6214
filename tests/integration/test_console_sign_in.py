"""Console sign-in as the services do it (both databases): passwords set by their owner
or an admin and kept as Argon2 hashes, sessions that expire, end at sign-out and stop for
a disabled user, and the sign-in rate limit kept in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from examples import ADMIN
from sqlalchemy import select

from escalada.adapters.db.tables import ConsoleSessionRow, SignInFailureRow, UserRow
from escalada.domain.errors import InvalidInput, NotPermitted, TooManyAttempts, Unauthenticated
from escalada.services import console_sessions
from escalada.services.console_sessions import (
    FAILURES_ALLOWED,
    choose_session_language,
    session_user,
    sign_in,
    sign_out,
)
from escalada.services.context import Actor, Context
from escalada.services.passwords import set_password
from escalada.services.people import add_user, disable_user
from escalada.testing import FakeClock

OLGA = Actor("olga", "engineer")
PASSWORD = "correct horse battery"


@pytest.fixture
def people(ctx: Context) -> Context:
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="olga", role="engineer")
    add_user(ctx=ctx, actor=ADMIN, name="ivan", role="viewer")
    set_password(ctx=ctx, actor=OLGA, name="olga", password=PASSWORD)
    return ctx


def test_a_password_is_kept_as_an_argon2_hash_and_signs_its_owner_in(people: Context) -> None:
    with people.reading() as uow:
        stored = uow.session.get_one(UserRow, "olga").password_hash

    made = sign_in(ctx=people, username="olga", password=PASSWORD, client="10.0.0.1")

    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert made.signed_in.actor == OLGA
    assert session_user(ctx=people, token=made.token).actor == OLGA
    with people.reading() as uow:  # only the session id's hash is kept
        assert uow.session.scalar(select(ConsoleSessionRow.id_hash)) != made.token


def test_only_its_owner_or_an_admin_sets_a_password(people: Context) -> None:
    with pytest.raises(NotPermitted, match="setting someone else's password needs the role "
                                           "admin; olga is engineer"):
        set_password(ctx=people, actor=OLGA, name="ivan", password="another password")
    set_password(ctx=people, actor=ADMIN, name="ivan", password="another password")

    assert sign_in(ctx=people, username="ivan", password="another password",
                   client="c").signed_in.actor.name == "ivan"


def test_a_short_password_is_refused_naming_the_field(people: Context) -> None:
    with pytest.raises(InvalidInput, match="password: must be at least 10 characters long"):
        set_password(ctx=people, actor=OLGA, name="olga", password="short")


@pytest.mark.parametrize(("username", "password"), [
    ("olga", "wrong password"), ("nobody", PASSWORD), ("ivan", "no password set yet")])
def test_a_wrong_password_an_unknown_name_and_no_password_are_refused_alike(
    people: Context, username: str, password: str,
) -> None:
    with pytest.raises(Unauthenticated, match=r"^wrong user name or password$"):
        sign_in(ctx=people, username=username, password=password, client="c")


def test_a_session_expires_after_its_lifetime(people: Context, clock: FakeClock) -> None:
    made = sign_in(ctx=people, username="olga", password=PASSWORD, client="c")

    clock.advance(hours=11, minutes=59)
    assert session_user(ctx=people, token=made.token).actor == OLGA
    clock.advance(minutes=1)
    with pytest.raises(Unauthenticated, match="the session expired: sign in again"):
        session_user(ctx=people, token=made.token)


def test_signing_out_ends_the_session(people: Context) -> None:
    made = sign_in(ctx=people, username="olga", password=PASSWORD, client="c")

    sign_out(ctx=people, token=made.token)

    with pytest.raises(Unauthenticated, match="not signed in"):
        session_user(ctx=people, token=made.token)


def test_a_disabled_user_s_session_stops_working_and_they_cannot_sign_in(
    people: Context,
) -> None:
    made = sign_in(ctx=people, username="olga", password=PASSWORD, client="c")

    disable_user(ctx=people, actor=ADMIN, name="olga")

    with pytest.raises(Unauthenticated, match="user olga is disabled"):
        session_user(ctx=people, token=made.token)
    with pytest.raises(Unauthenticated, match="wrong user name or password"):
        sign_in(ctx=people, username="olga", password=PASSWORD, client="c")


def test_an_admin_setting_someone_s_password_ends_their_sessions(people: Context) -> None:
    made = sign_in(ctx=people, username="olga", password=PASSWORD, client="c")

    set_password(ctx=people, actor=ADMIN, name="olga", password="a new password")

    with pytest.raises(Unauthenticated, match="not signed in"):
        session_user(ctx=people, token=made.token)


def test_too_many_failures_refuse_even_the_right_password_until_the_window_passes(
    people: Context, clock: FakeClock,
) -> None:
    for _ in range(FAILURES_ALLOWED):
        with pytest.raises(Unauthenticated, match="wrong user name or password"):
            sign_in(ctx=people, username="olga", password="guess", client="10.0.0.9")
        clock.advance(seconds=10)

    with pytest.raises(TooManyAttempts, match="too many failed sign-ins for olga: try again "
                                              "in 15 min") as refused:
        sign_in(ctx=people, username="olga", password=PASSWORD, client="10.0.0.9")
    # From another client the same name still signs in: the limit is per name and client.
    assert sign_in(ctx=people, username="olga", password=PASSWORD, client="10.0.0.7")

    window = console_sessions.FAILURE_WINDOW - timedelta(seconds=10 * FAILURES_ALLOWED)
    assert refused.value.retry_after == int(window.total_seconds())
    clock.advance(seconds=refused.value.retry_after)
    assert sign_in(ctx=people, username="olga", password=PASSWORD, client="10.0.0.9")


def test_the_language_chosen_stays_with_the_session(people: Context) -> None:
    made = sign_in(ctx=people, username="olga", password=PASSWORD, client="c", language="en")

    choose_session_language(ctx=people, token=made.token, language="ru")

    signed_in = session_user(ctx=people, token=made.token)
    assert (signed_in.language, signed_in.actor.language) == ("ru", "ru")  # the user's too
    with pytest.raises(InvalidInput, match="language: must be one of en, ru"):
        choose_session_language(ctx=people, token=made.token, language="de")


def test_failures_older_than_the_window_are_deleted_whatever_name_they_tried(
    people: Context, clock: FakeClock,
) -> None:
    for name in ("ghost-1", "ghost-2", "olga"):
        with pytest.raises(Unauthenticated, match="wrong user name or password"):
            sign_in(ctx=people, username=name, password="guess", client="10.0.0.9")
    clock.advance(minutes=16)

    with pytest.raises(Unauthenticated, match="wrong user name or password"):
        sign_in(ctx=people, username="ghost-3", password="guess", client="10.0.0.9")

    with people.reading() as uow:
        assert uow.session.scalars(select(SignInFailureRow.username)).all() == ["ghost-3"]
