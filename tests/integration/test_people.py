"""People, roles and tokens: who may act, proven by the service functions themselves."""

from __future__ import annotations

import pytest
from examples import ADMIN

from escalada.domain.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    NotPermitted,
    Unauthenticated,
)
from escalada.services import people
from escalada.services.context import Actor, Context
from escalada.testing import FakeClock

OLGA = Actor("olga", "engineer")


@pytest.fixture
def admin(ctx: Context) -> Actor:
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")
    return ADMIN


def test_the_first_user_must_be_an_admin_and_needs_nobody(ctx: Context) -> None:
    with pytest.raises(InvalidInput) as refused:
        people.add_user(ctx=ctx, actor=None, name="olga", role="engineer")

    first = people.add_user(ctx=ctx, actor=None, name="admin", role="admin")

    assert refused.value.problems == [("role", "the first user must be an admin")]
    assert (first.name, first.role) == ("admin", "admin")


def test_after_the_first_only_an_admin_adds_people(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")

    with pytest.raises(NotPermitted, match="needs the role admin; olga is engineer"):
        people.add_user(ctx=ctx, actor=OLGA, name="mallory", role="vp")
    with pytest.raises(AlreadyExists):
        people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")

    assert [u.name for u in people.list_users(ctx=ctx)] == ["admin", "olga"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "olga", "role": "ceo"}, "role"),
    ({"name": "has space", "role": "engineer"}, "name"),
    ({"name": "olga", "role": "engineer", "email": "not-an-address"}, "email"),
])
def test_a_bad_user_is_refused_naming_the_field(
    ctx: Context, admin: Actor, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        people.add_user(ctx=ctx, actor=admin, **fields)

    assert [f for f, _ in refused.value.problems] == [field]


def test_an_executive_title_is_kept(ctx: Context, admin: Actor) -> None:
    user = people.add_user(ctx=ctx, actor=admin, name="n.lebedev", role="vp", title="CEO")

    assert (user.role, user.title) == ("vp", "CEO")


def test_a_token_authenticates_its_user_with_their_role(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=admin, user="olga", label="laptop")

    assert created.token.startswith("esc_")
    assert people.authenticate(ctx=ctx, token=created.token) == OLGA


def test_only_the_hash_of_a_token_is_stored(ctx: Context, admin: Actor) -> None:
    from sqlalchemy import select

    from escalada.adapters.db.tables import TokenRow

    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=admin, user="olga")

    with ctx.unit_of_work() as uow:
        stored = list(uow.session.scalars(select(TokenRow.token_hash)))
    assert len(stored) == 1 and created.token not in stored[0] and len(stored[0]) == 64
    assert "token" not in people.list_tokens(ctx=ctx, actor=admin, user="olga")[0].model_dump()


@pytest.mark.parametrize("token", [None, "", "esc_unknown"])
def test_no_or_an_unknown_token_is_unauthenticated(
    ctx: Context, admin: Actor, token: str | None
) -> None:
    with pytest.raises(Unauthenticated):
        people.authenticate(ctx=ctx, token=token)


def test_a_revoked_token_stops_working_at_once(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=admin, user="olga")

    people.revoke_token(ctx=ctx, actor=OLGA, token_id=created.id)  # one's own

    with pytest.raises(Unauthenticated, match="revoked"):
        people.authenticate(ctx=ctx, token=created.token)


def test_a_token_expires(ctx: Context, admin: Actor, clock: FakeClock) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=admin, user="olga", expires_in_days=1)

    clock.advance(hours=23, minutes=59)
    assert people.authenticate(ctx=ctx, token=created.token) == OLGA
    clock.advance(minutes=1)
    with pytest.raises(Unauthenticated, match="expired"):
        people.authenticate(ctx=ctx, token=created.token)


def test_a_disabled_user_can_no_longer_act(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=admin, user="olga")

    people.disable_user(ctx=ctx, actor=admin, name="olga")

    with pytest.raises(Unauthenticated, match="disabled"):
        people.authenticate(ctx=ctx, token=created.token)
    with pytest.raises(Unauthenticated, match="disabled"):
        people.actor_named(ctx=ctx, name="olga")
    with pytest.raises(InvalidInput):
        people.create_token(ctx=ctx, actor=admin, user="olga")


def test_people_manage_their_own_tokens_and_admins_everyone_s(
    ctx: Context, admin: Actor
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    people.add_user(ctx=ctx, actor=admin, name="boris", role="engineer")
    own = people.create_token(ctx=ctx, actor=OLGA, user="olga")
    borises = people.create_token(ctx=ctx, actor=admin, user="boris")

    with pytest.raises(NotPermitted):
        people.create_token(ctx=ctx, actor=OLGA, user="boris")
    with pytest.raises(NotPermitted):
        people.revoke_token(ctx=ctx, actor=OLGA, token_id=borises.id)
    with pytest.raises(NotPermitted):
        people.list_tokens(ctx=ctx, actor=OLGA, user=None)
    assert [t.id for t in people.list_tokens(ctx=ctx, actor=OLGA, user="olga")] == [own.id]
    assert len(people.list_tokens(ctx=ctx, actor=admin, user=None)) == 2


def test_token_lifetimes_are_bounded(ctx: Context, admin: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        people.create_token(ctx=ctx, actor=admin, user="admin", expires_in_days=0)
    forever = people.create_token(ctx=ctx, actor=admin, user="admin", expires_in_days=None)

    assert refused.value.problems[0][0] == "expires_in_days"
    assert forever.expires_at is None
    with pytest.raises(NotFound):
        people.create_token(ctx=ctx, actor=admin, user="nobody")


def test_the_cli_user_must_exist(ctx: Context) -> None:
    with pytest.raises(Unauthenticated, match="no users yet"):
        people.actor_named(ctx=ctx, name="root")
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")

    with pytest.raises(Unauthenticated, match="ask an admin"):
        people.actor_named(ctx=ctx, name="root")
    assert people.actor_named(ctx=ctx, name="admin") == ADMIN
