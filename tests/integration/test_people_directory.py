"""The console's people page on SQLite and PostgreSQL: every user, every token (never a
secret) and the latest people-log entries, for admins only, in one read transaction."""

from __future__ import annotations

import pytest
from examples import ADMIN, ANA, LENA
from transaction_support import count_units

from escalada.domain.errors import InvalidInput, NotPermitted
from escalada.services.context import Context
from escalada.services.passwords import set_password
from escalada.services.people import (
    add_user,
    create_token,
    disable_user,
    revoke_token,
)
from escalada.services.people_directory import people_directory
from escalada.services.people_lists import token_page, user_page
from escalada.testing import FakeClock


@pytest.fixture
def people(ctx: Context, clock: FakeClock) -> None:
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    add_user(ctx=ctx, actor=ADMIN, name=ANA.name, role="engineer")
    add_user(ctx=ctx, actor=ADMIN, name=LENA.name, role="team_lead")
    first = create_token(ctx=ctx, actor=ANA, label="laptop")
    clock.advance(minutes=1)
    create_token(ctx=ctx, actor=ADMIN, label="automation", expires_in_days=1)
    revoke_token(ctx=ctx, actor=ADMIN, token_id=first.id)
    disable_user(ctx=ctx, actor=ADMIN, name=LENA.name)
    set_password(ctx=ctx, actor=ADMIN, name=ANA.name, password="ana's own password")


@pytest.mark.usefixtures("people")
def test_an_admin_sees_every_user_every_token_newest_first_and_the_log(
    ctx: Context, clock: FakeClock,
) -> None:
    directory = people_directory(ctx=ctx, actor=ADMIN)

    assert directory.users == user_page(ctx=ctx).items
    assert directory.with_password == ["ana"]
    assert directory.tokens == list(reversed(token_page(ctx=ctx, actor=ADMIN).items))
    assert [(t.user_name, t.label) for t in directory.tokens] == [
        ("admin", "automation"), ("ana", "laptop")]
    assert "token" not in directory.tokens[0].model_dump()  # never a secret
    assert directory.at == clock.now
    assert [entry.kind for entry in directory.log] == [
        "password_set", "user_disabled", "token_revoked", "token_created", "token_created",
        "user_added", "user_added", "user_added"]


@pytest.mark.usefixtures("people")
def test_nobody_but_an_admin_reads_it(ctx: Context) -> None:
    with pytest.raises(NotPermitted, match="managing people and tokens needs the role admin; "
                                           "lena is team lead: ask an admin"):
        people_directory(ctx=ctx, actor=LENA)


@pytest.mark.usefixtures("people")
def test_the_page_is_read_in_one_read_only_transaction(
    ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    units = count_units(ctx, monkeypatch)

    people_directory(ctx=ctx, actor=ADMIN)

    assert units == {"reading": 1, "writing": 0}


@pytest.mark.usefixtures("people")
def test_users_and_tokens_come_a_filtered_page_at_a_time(ctx: Context) -> None:
    first = people_directory(ctx=ctx, actor=ADMIN, users={"limit": 2})
    second = people_directory(ctx=ctx, actor=ADMIN, users={
        "limit": 2, "cursor": first.users_next})
    engineers = people_directory(ctx=ctx, actor=ADMIN, users={"role": "engineer"})
    live = people_directory(ctx=ctx, actor=ADMIN, tokens={"active": "true"}, only="tokens")

    assert [u.name for u in first.users] == ["admin", "ana"]
    assert [u.name for u in second.users] == ["lena"] and second.users_next is None
    assert second.with_password == []  # of this page's people: ana's is on the first
    assert [u.name for u in engineers.users] == ["ana"]
    assert [(t.user_name, t.label) for t in live.tokens] == [("admin", "automation")]
    assert live.users == [] and live.tokens_next is None


@pytest.mark.usefixtures("people")
def test_a_wrong_filter_is_refused_naming_it(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match=r"role: must be one of .viewer.*or .admin."):
        people_directory(ctx=ctx, actor=ADMIN, users={"role": "wizard"})
