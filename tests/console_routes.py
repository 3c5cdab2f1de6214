"""The console over HTTP in route tests (TestClient): one client per signed-in person (each
its own session cookie) on one app, and the CSRF token a page's forms carry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest
from argon2 import PasswordHasher
from examples import ADMIN
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services import passwords
from escalada.services.context import Context
from escalada.services.passwords import set_password
from escalada.services.people import add_user
from escalada.services.people_lists import user_page

PASSWORD = "route tests only"
SignedIn = Callable[[str], TestClient]


def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: a route test signs several people in, and the default
    cost (about a second each on a busy machine) is the sign-in tests' to measure."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", lambda: cheap)
    monkeypatch.setattr(passwords, "_decoy_hash", lambda: cheap.hash("decoy"))


def people(ctx: Context, roles: dict[str, tuple[str, str | None]]) -> None:
    """The admin and each `name: (role, executive title)`, all with PASSWORD."""
    if not user_page(ctx=ctx).items:
        add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
        set_password(ctx=ctx, actor=ADMIN, name=ADMIN.name, password=PASSWORD)
    for name, (role, title) in roles.items():
        add_user(ctx=ctx, actor=ADMIN, name=name, role=role, title=title)
        set_password(ctx=ctx, actor=ADMIN, name=name, password=PASSWORD)


def signed_in_clients(ctx: Context) -> Iterator[SignedIn]:
    """`signed_in("olga")`: a client of the console signed in as olga (made once)."""
    app = create_app(ctx)
    clients: dict[str, TestClient] = {}
    with ExitStack() as stack:

        def signed_in(name: str) -> TestClient:
            if name not in clients:
                client = stack.enter_context(TestClient(app, base_url="http://127.0.0.1"))
                answer = sign_in(client, name)
                assert answer.status_code == 303, answer.text
                clients[name] = client
            return clients[name]

        yield signed_in


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/sign-in").text
    nonce = re.search(r'name="nonce" value="([^"]+)"', form)
    assert nonce is not None
    return client.post("/sign-in", data={"username": name, "password": password,
                                         "nonce": nonce.group(1), "next": "/board"},
                       follow_redirects=False)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def forms_of(page: str) -> list[str]:
    """The actions of the page's POST forms (the header's language and sign-out aside)."""
    return [action for action in re.findall(r'<form method="post" action="([^"]+)"', page)
            if action not in ("/language", "/sign-out")]
