"""The console's people and token pages over HTTP (TestClient, SQLite), for admins: add a
person, change a role, disable and enable, set a console password, create a token (its
secret shown once), revoke one; each through the people services, whose refusals show on
the page; anyone but an admin refused (403); forms without their CSRF token refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from console_routes import SignedIn, cheap_passwords, csrf_of, people, sign_in, signed_in_clients
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services.context import Actor, Context
from escalada.services.people import create_token
from escalada.services.people_lists import token_page, user_page


@pytest.fixture
def console(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[SignedIn]:
    cheap_passwords(monkeypatch)
    people(sqlite_ctx, {"ana": ("engineer", None), "lena": ("team_lead", None)})
    yield from signed_in_clients(sqlite_ctx)


def post(console: SignedIn, path: str, as_user: str = "admin", **fields: str
         ) -> httpx.Response:
    client = console(as_user)
    page = client.get("/people/tokens" if path.startswith("/people/tokens") else "/people")
    token = csrf_of(page.text) if page.status_code == 200 else csrf_of(
        client.get("/board").text)
    return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


def role_of(ctx: Context, name: str) -> str:
    return next(user.role for user in user_page(ctx=ctx).items if user.name == name)


def test_an_admin_sees_everyone_with_their_role_state_and_password(console: SignedIn) -> None:
    page = console("admin").get("/people")

    assert page.status_code == 200
    assert all(f'data-user="{name}"' in page.text for name in ("admin", "ana", "lena"))
    assert 'action="/people/ana/role"' in page.text
    assert 'action="/people/admin/role"' not in page.text  # nobody changes their own
    assert "admin added lena as team lead" in page.text  # the people log


@pytest.mark.parametrize("path", ["/people", "/people/tokens"])
def test_anyone_but_an_admin_is_refused(console: SignedIn, path: str) -> None:
    answer = console("lena").get(path)

    assert answer.status_code == 403
    assert "managing people and tokens needs the role admin; lena is team lead" in answer.text


def test_an_admin_adds_a_person_and_changes_a_role(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    added = post(console, "/people/add", name="olga", role="engineer",
                 display_name="Olga Berg", title="", email="olga@example.com")
    promoted = post(console, "/people/olga/role", role="team_lead")

    assert added.status_code == promoted.status_code == 303
    assert added.headers["location"] == "/people"
    assert role_of(sqlite_ctx, "olga") == "team_lead"
    assert "Olga Berg" in console("admin").get("/people").text


def test_a_refused_change_shows_the_services_reason_on_the_page(console: SignedIn) -> None:
    twice = post(console, "/people/add", name="ana", role="engineer")
    own = post(console, "/people/admin/role", role="viewer")
    bad = post(console, "/people/add", name="bad name!", role="engineer")

    assert twice.status_code == 409 and "user &#39;ana&#39; exists already" in twice.text
    assert own.status_code == 403 and "nobody changes their own role" in own.text
    assert bad.status_code == 422 and "name:" in bad.text
    assert 'data-user="ana"' in twice.text  # the page itself, not an error page


def test_a_non_admin_posting_an_admins_form_is_refused_by_the_service(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    answer = post(console, "/people/ana/role", as_user="lena", role="vp")

    assert answer.status_code == 403
    assert "changing roles needs the role admin; lena is team lead" in answer.text
    assert role_of(sqlite_ctx, "ana") == "engineer"


def test_disabling_ends_the_persons_console_use_and_enabling_brings_it_back(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    ana = console("ana")
    disabled = post(console, "/people/ana/disable")

    assert disabled.status_code == 303
    assert ana.get("/board", follow_redirects=False).status_code == 303  # to sign-in
    assert "disabled" in console("admin").get("/people").text
    assert post(console, "/people/ana/enable").status_code == 303
    assert next(u for u in user_page(ctx=sqlite_ctx).items if u.name == "ana").disabled_at is None


def test_the_last_admin_cannot_be_disabled(console: SignedIn) -> None:
    answer = post(console, "/people/admin/disable")

    assert answer.status_code == 409 and "admin is the last enabled admin" in answer.text


def test_an_admin_sets_a_persons_password_and_they_sign_in_with_it(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    short = post(console, "/people/lena/password", new_password="short")
    answer = post(console, "/people/lena/password", new_password="a brand new password")

    assert short.status_code == 422 and "must be at least 10 characters long" in short.text
    assert answer.status_code == 303
    with TestClient(create_app(sqlite_ctx), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "lena", "a brand new password").status_code == 303


def test_a_token_made_on_the_page_is_the_admins_and_its_secret_is_shown_once(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    answer = post(console, "/people/tokens", label="ticket sync", expires_in_days="30")

    assert answer.status_code == 201
    secret = re.search(r'data-testid="token-secret">(esc_[^<]+)<', answer.text)
    assert secret is not None
    token = token_page(ctx=sqlite_ctx, actor=Actor("admin", "admin")).items[-1]
    assert (token.user_name, token.label) == ("admin", "ticket sync")
    assert secret.group(1) not in console("admin").get("/people/tokens").text  # once
    api = console("admin").get("/api/v1/users", headers={
        "Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code == 200


def test_a_token_lifetime_out_of_range_is_refused_naming_the_field(console: SignedIn) -> None:
    answer = post(console, "/people/tokens", expires_in_days="100000")

    assert answer.status_code == 422 and "expires_in_days: must be between 1 and" in answer.text


def test_an_admin_revokes_anyones_token(console: SignedIn, sqlite_ctx: Context) -> None:
    made = create_token(ctx=sqlite_ctx, actor=Actor("ana", "engineer"), label="laptop")

    answer = post(console, f"/people/tokens/{made.id}/revoke")
    unknown = post(console, "/people/tokens/999/revoke")

    assert answer.status_code == 303 and answer.headers["location"] == "/people/tokens"
    assert token_page(ctx=sqlite_ctx, actor=Actor("ana", "engineer"),
                       user="ana").items[0].revoked_at is not None
    assert "revoked" in console("admin").get("/people/tokens").text
    assert unknown.status_code == 404 and "no token 999" in unknown.text


@pytest.mark.parametrize("path", ["/people/add", "/people/ana/disable", "/people/tokens",
                                  "/people/ana/password"])
def test_a_form_without_its_csrf_token_is_refused(
    console: SignedIn, sqlite_ctx: Context, path: str,
) -> None:
    answer = console("admin").post(path, data={"name": "olga", "role": "engineer",
                                               "new_password": "a brand new password"},
                                   follow_redirects=False)

    assert answer.status_code == 403
    assert "its security token is missing or wrong" in answer.text
    assert [u.name for u in user_page(ctx=sqlite_ctx).items] == ["admin", "ana", "lena"]
    assert token_page(ctx=sqlite_ctx, actor=Actor("admin", "admin")).items == []
