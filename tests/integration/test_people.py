"""People, roles and tokens: who may act, proven by the service functions themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from examples import ADMIN
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from escalada.domain.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    Unauthenticated,
)
from escalada.domain.words import Moment
from escalada.services import people
from escalada.services.context import Actor, Context, TokenLifetimes
from escalada.services.people_lists import token_page, user_page
from escalada.services.people_log import people_log
from escalada.testing import FakeClock

OLGA = Actor("olga", "engineer")
BORIS = Actor("boris", "engineer")


@pytest.fixture
def admin(ctx: Context) -> Actor:
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")
    return ADMIN


def test_the_first_user_must_be_an_admin_and_needs_nobody(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match=r"^role: the first user must be an admin$") as refused:
        people.add_user(ctx=ctx, actor=None, name="olga", role="engineer")

    first = people.add_user(ctx=ctx, actor=None, name="admin", role="admin")

    assert refused.value.problems == [("role", "the first user must be an admin")]
    assert (first.name, first.role) == ("admin", "admin")


def test_after_the_first_only_an_admin_adds_people(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")

    with pytest.raises(NotPermitted, match="needs the role admin; olga is engineer"):
        people.add_user(ctx=ctx, actor=OLGA, name="mallory", role="vp")
    with pytest.raises(AlreadyExists, match=r"^user 'olga' exists already$"):
        people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")

    assert [u.name for u in user_page(ctx=ctx).items] == ["admin", "olga"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "olga", "role": "ceo"}, "role"),
    ({"name": "has space", "role": "engineer"}, "name"),
    ({"name": "olga", "role": "engineer", "email": "not-an-address"}, "email"),
])
def test_a_bad_user_is_refused_naming_the_field(
    ctx: Context, admin: Actor, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^{field}: ") as refused:
        people.add_user(ctx=ctx, actor=admin, **fields)

    assert [f for f, _ in refused.value.problems] == [field]


def test_an_executive_title_is_kept(ctx: Context, admin: Actor) -> None:
    user = people.add_user(ctx=ctx, actor=admin, name="n.lebedev", role="vp", title="CEO")

    assert (user.role, user.title) == ("vp", "CEO")


def test_a_token_authenticates_its_user_with_their_role(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=OLGA, label="laptop")

    assert created.token.startswith("esc_")
    assert people.authenticate(ctx=ctx, token=created.token) == OLGA


def test_only_the_hash_of_a_token_is_stored(ctx: Context, admin: Actor) -> None:
    from sqlalchemy import select

    from escalada.adapters.db.tables import TokenRow

    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=OLGA)

    with ctx.unit_of_work() as uow:
        stored = list(uow.session.scalars(select(TokenRow.token_hash)))
    assert len(stored) == 1 and created.token not in stored[0] and len(stored[0]) == 64
    assert "token" not in token_page(ctx=ctx, actor=admin, user="olga").items[0].model_dump()


@pytest.mark.parametrize("token", [None, "", "esc_unknown"])
def test_no_or_an_unknown_token_is_unauthenticated(
    ctx: Context, admin: Actor, token: str | None
) -> None:
    with pytest.raises(Unauthenticated, match="^unknown token$" if token else "^no bearer token"):
        people.authenticate(ctx=ctx, token=token)


def test_a_revoked_token_stops_working_at_once(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=OLGA)

    people.revoke_token(ctx=ctx, actor=OLGA, token_id=created.id)  # one's own

    with pytest.raises(Unauthenticated, match="revoked"):
        people.authenticate(ctx=ctx, token=created.token)


def test_a_token_expires(ctx: Context, admin: Actor, clock: FakeClock) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=OLGA, expires_in_days=1)

    clock.advance(hours=23, minutes=59)
    assert people.authenticate(ctx=ctx, token=created.token) == OLGA
    clock.advance(minutes=1)
    with pytest.raises(Unauthenticated, match="expired"):
        people.authenticate(ctx=ctx, token=created.token)


def test_a_disabled_user_can_no_longer_act(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=OLGA)

    people.disable_user(ctx=ctx, actor=admin, name="olga")

    with pytest.raises(Unauthenticated, match="disabled"):
        people.authenticate(ctx=ctx, token=created.token)
    with pytest.raises(Unauthenticated, match="disabled"):
        people.actor_named(ctx=ctx, name="olga")
    with pytest.raises(InvalidInput, match="olga is disabled"):
        people.create_token(ctx=ctx, actor=OLGA)


def test_people_manage_their_own_tokens_and_admins_everyone_s(
    ctx: Context, admin: Actor
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    people.add_user(ctx=ctx, actor=admin, name="boris", role="engineer")
    own = people.create_token(ctx=ctx, actor=OLGA, user="olga")
    borises = people.create_token(ctx=ctx, actor=BORIS)

    with pytest.raises(NotPermitted, match="tokens are created by their owner only"):
        people.create_token(ctx=ctx, actor=OLGA, user="boris")
    with pytest.raises(NotPermitted, match="needs the role admin; olga is engineer"):
        people.revoke_token(ctx=ctx, actor=OLGA, token_id=borises.id)
    with pytest.raises(NotPermitted, match="needs the role admin; olga is engineer"):
        token_page(ctx=ctx, actor=OLGA, user=None)
    assert [t.id for t in token_page(ctx=ctx, actor=OLGA, user="olga").items] == [own.id]
    assert len(token_page(ctx=ctx, actor=admin, user=None).items) == 2


def test_a_token_lasts_90_days_unless_asked_and_never_more_than_365(
    ctx: Context, admin: Actor, clock: FakeClock,
) -> None:
    default = people.create_token(ctx=ctx, actor=admin)
    longest = people.create_token(ctx=ctx, actor=admin, expires_in_days=365)

    for days in (0, 366):
        with pytest.raises(InvalidInput, match="between 1 and 365") as refused:
            people.create_token(ctx=ctx, actor=admin, expires_in_days=days)
        assert refused.value.problems[0][0] == "expires_in_days"
    assert default.expires_at == clock.now + timedelta(days=90)
    assert longest.expires_at == clock.now + timedelta(days=365)
    with pytest.raises(NotFound, match="no user 'nobody'"):
        people.create_token(ctx=ctx, actor=Actor("nobody", "engineer"))


def test_token_lifetimes_are_the_operator_s_to_set(
    ctx: Context, admin: Actor, clock: FakeClock,
) -> None:
    ctx.tokens = TokenLifetimes(default_days=7, longest_days=30)

    week = people.create_token(ctx=ctx, actor=admin)

    assert week.expires_at == clock.now + timedelta(days=7)
    with pytest.raises(InvalidInput, match="between 1 and 30"):
        people.create_token(ctx=ctx, actor=admin, expires_in_days=31)


def test_the_cli_user_must_exist(ctx: Context) -> None:
    with pytest.raises(Unauthenticated, match="no users yet"):
        people.actor_named(ctx=ctx, name="root")
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")

    with pytest.raises(Unauthenticated, match="ask an admin"):
        people.actor_named(ctx=ctx, name="root")
    assert people.actor_named(ctx=ctx, name="admin") == ADMIN


# Nobody borrows authority: tokens are their owner's to mint


def test_nobody_creates_a_token_for_someone_else_not_even_an_admin(
    ctx: Context, admin: Actor,
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="dina", role="support_director")

    with pytest.raises(NotPermitted, match=(
            "tokens are created by their owner only: admin cannot create one for dina; "
            "dina creates their own")):
        people.create_token(ctx=ctx, actor=admin, user="dina")

    assert token_page(ctx=ctx, actor=admin, user=None).items == []


def test_a_token_records_who_created_it(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")

    created = people.create_token(ctx=ctx, actor=OLGA, user="olga")

    assert (created.user_name, created.created_by) == ("olga", "olga")
    [listed] = token_page(ctx=ctx, actor=admin, user="olga").items
    assert listed.created_by == "olga"


def test_an_admin_revokes_anyone_s_token(ctx: Context, admin: Actor) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    created = people.create_token(ctx=ctx, actor=OLGA)

    revoked = people.revoke_token(ctx=ctx, actor=admin, token_id=created.id)

    assert revoked.revoked_at is not None
    with pytest.raises(Unauthenticated, match="revoked"):
        people.authenticate(ctx=ctx, token=created.token)


# Roles, and the people log


def test_an_admin_changes_a_person_s_role_and_the_log_says_who_did(
    ctx: Context, admin: Actor,
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")

    promoted = people.change_role(ctx=ctx, actor=admin, name="olga", role="team_lead")

    assert promoted.role == "team_lead"
    assert people.actor_named(ctx=ctx, name="olga") == Actor("olga", "team_lead")
    assert log(ctx)[-1] == ("admin", "role_changed", "olga",
                            "admin changed olga's role from engineer to team lead")


def test_a_role_change_is_refused_to_non_admins_to_oneself_and_to_unknown_roles(
    ctx: Context, admin: Actor,
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="olga", role="engineer")
    people.add_user(ctx=ctx, actor=admin, name="root2", role="admin")

    with pytest.raises(NotPermitted, match="changing roles needs the role admin; olga is "
                                           "engineer: ask an admin"):
        people.change_role(ctx=ctx, actor=OLGA, name="olga", role="vp")
    with pytest.raises(NotPermitted, match="nobody changes their own role; ask another admin"):
        people.change_role(ctx=ctx, actor=admin, name="admin", role="vp")
    with pytest.raises(InvalidInput, match="role: must be one of viewer, engineer") as bad:
        people.change_role(ctx=ctx, actor=admin, name="olga", role="ceo")
    with pytest.raises(NotFound, match="no user 'nobody'"):
        people.change_role(ctx=ctx, actor=admin, name="nobody", role="vp")

    assert bad.value.problems[0][0] == "role"
    assert [u.role for u in user_page(ctx=ctx).items] == ["admin", "engineer", "admin"]
    assert [kind for _, kind, _, _ in log(ctx)] == ["user_added"] * 3


def test_adding_disabling_and_enabling_people_and_their_tokens_are_on_the_people_log(
    ctx: Context, admin: Actor,
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="dina", role="support_director",
                    title="Support Director")
    token = people.create_token(ctx=ctx, actor=Actor("dina", "support_director"), label="ci")
    people.revoke_token(ctx=ctx, actor=admin, token_id=token.id)
    people.disable_user(ctx=ctx, actor=admin, name="dina")
    people.disable_user(ctx=ctx, actor=admin, name="dina")  # already: nothing to log
    people.enable_user(ctx=ctx, actor=admin, name="dina")

    assert log(ctx) == [
        ("admin", "user_added", "admin", "admin added admin as admin"),
        ("admin", "user_added", "dina", "admin added dina as support director "
                                        "(Support Director)"),
        ("dina", "token_created", "dina", f"dina created token {token.id} (ci), expiring "
                                          f"{Moment(token.expires_at)}"),
        ("admin", "token_revoked", "dina", f"admin revoked token {token.id} of dina"),
        ("admin", "user_disabled", "dina", "admin disabled dina (support director)"),
        ("admin", "user_enabled", "dina", "admin enabled dina (support director)"),
    ]
    assert [e.kind for e in people_log(ctx=ctx, actor=admin, user="admin")] == ["user_added"]


def test_only_an_admin_reads_the_people_log(ctx: Context, admin: Actor) -> None:
    with pytest.raises(NotPermitted, match="reading the people log needs the role admin"):
        people_log(ctx=ctx, actor=Actor("vic", "vp"))


@pytest.mark.parametrize("statement", [
    "UPDATE people_log SET actor = 'someone-else'",
    "DELETE FROM people_log",
])
def test_the_people_log_is_append_only_in_the_database(
    ctx: Context, admin: Actor, statement: str,
) -> None:
    with pytest.raises(DBAPIError, match="the people log is append-only"), \
            ctx.engine.begin() as connection:
        connection.execute(text(statement))

    assert log(ctx)[0][0] == "admin"


# The last admin


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(
    ctx: Context, admin: Actor,
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="root2", role="admin")
    people.disable_user(ctx=ctx, actor=admin, name="root2")
    root2 = Actor("root2", "admin")

    for refused in (lambda: people.disable_user(ctx=ctx, actor=admin, name="admin"),
                    lambda: people.change_role(ctx=ctx, actor=root2, name="admin",
                                               role="engineer")):
        with pytest.raises(InvalidTransition, match=(
                r"admin is the last enabled admin: \w+ them would leave nobody to manage "
                r"people; first add or enable another admin")):
            refused()

    assert people.actor_named(ctx=ctx, name="admin") == ADMIN


def test_an_admin_may_step_aside_once_another_admin_is_enabled(
    ctx: Context, admin: Actor,
) -> None:
    people.add_user(ctx=ctx, actor=admin, name="root2", role="admin")
    people.disable_user(ctx=ctx, actor=admin, name="root2")
    people.enable_user(ctx=ctx, actor=admin, name="root2")

    people.disable_user(ctx=ctx, actor=admin, name="admin")

    assert people.actor_named(ctx=ctx, name="root2") == Actor("root2", "admin")
    with pytest.raises(Unauthenticated, match="user admin is disabled"):
        people.actor_named(ctx=ctx, name="admin")
    with pytest.raises(NotPermitted, match="enabling people needs the role admin"):
        people.enable_user(ctx=ctx, actor=OLGA, name="admin")


def log(ctx: Context) -> list[tuple[str, str, str, str]]:
    return [(e.actor, e.kind, e.user_name, e.summary)
            for e in people_log(ctx=ctx, actor=ADMIN)]
