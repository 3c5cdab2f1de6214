"""HTTP fixtures: a TestClient over the API on the shared context, and builders for
the accounts and cases a test needs."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli
from examples import ADMIN
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token

API = "/api/v1"

ACME: dict[str, Any] = {
    "id": "acme",
    "name": "Acme Corp",
    "tier": "enterprise",
    "support_plan": "enterprise",
    "timezone": "Europe/Moscow",
    "country": "RU",
    "language": "ru",
}


Bearer = Callable[..., dict[str, str]]


@pytest.fixture
def bearer(ctx: Context) -> Bearer:
    """`bearer("maria", "support_manager")`: headers with a token of that user (added once)."""
    made: dict[str, dict[str, str]] = {}

    def run(name: str, role: str = "engineer", title: str | None = None) -> dict[str, str]:
        if name not in made:
            add_user(ctx=ctx, actor=ADMIN, name=name, role=role, title=title)
            token = create_token(ctx=ctx, actor=Actor(name, role)).token
            made[name] = {"Authorization": f"Bearer {token}"}
        return made[name]

    return run


@pytest.fixture
def client(ctx: Context, bearer: Bearer) -> Iterator[TestClient]:
    """The API over the shared context (SQLite, then PostgreSQL; fake clock), calling
    with an admin's token unless a request sends its own."""
    bearer("admin", "admin")
    with TestClient(create_app(ctx), headers=bearer("admin")) as test_client:
        yield test_client


@pytest.fixture
def account(client: TestClient) -> dict[str, Any]:
    """An enterprise account, created through the API."""
    response = client.post(f"{API}/accounts", json=ACME)
    assert response.status_code == 201, response.text
    return response.json()


OpenCase = Callable[..., dict[str, Any]]


@pytest.fixture
def open_case(client: TestClient, account: dict[str, Any]) -> OpenCase:
    """Open a case of the enterprise account; keyword arguments override the body."""

    def run(**overrides: Any) -> dict[str, Any]:
        body = {"account": account["id"], "severity": "P1", "title": "Volumes unreachable",
                "services": ["compute", "block-storage"],
                "flags": ["customer_requested_escalation"], **overrides}
        response = client.post(f"{API}/cases", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return run


@pytest.fixture
def cli(tmp_path: Path, sqlite_template: Path) -> Cli:
    """The `escalada` command (in this process) on a migrated SQLite file of the test's
    own, acting as irina, its first user and admin."""
    shutil.copy(sqlite_template, tmp_path / "cli.db")
    cli = Cli(tmp_path)
    cli.run("user", "add", "irina", "--role", "admin")
    return cli

