"""The console's page of failed webhooks over HTTP (TestClient, SQLite): the failed
deliveries with what is wrong and their body, a replay that opens the ticket's case once
the mapping is fixed, one that still fails showing why, viewers refused, a replay without
its CSRF token refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import zendesk_support
from console_routes import SignedIn, cheap_passwords, csrf_of, people, signed_in_clients

from escalada.domain.errors import PayloadRejected
from escalada.services import hooks
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context

SECRET = "zendesk-secret"


def mapping(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, accounts: dict[str, str]) -> None:
    path = zendesk_support.mapping(tmp_path, accounts, f"hooks-{len(accounts)}.yaml")
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(path))


@pytest.fixture
def console(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
            ) -> Iterator[SignedIn]:
    cheap_passwords(monkeypatch)
    people(sqlite_ctx, {"ana": ("engineer", None), "vera": ("viewer", None)})
    add_account(ctx=sqlite_ctx, actor=Actor("admin", "admin"), id="acme", name="Acme Corp",
                tier="enterprise", support_plan="enterprise")
    monkeypatch.setenv("ESCALADA_ZENDESK_WEBHOOK_SECRET", SECRET)
    mapping(monkeypatch, tmp_path, {})
    now = sqlite_ctx.clock()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({
        "id": "evt-1", "type": "zen:event-type:ticket.created", "time": stamp,
        "subject": "zen:ticket:77", "account_id": 1, "event": {},
        "detail": {"id": "77", "organization_id": "900", "priority": "HIGH",
                   "subject": "API returns 500"}}).encode()
    with pytest.raises(PayloadRejected, match="900"):
        hooks.receive_hook(ctx=sqlite_ctx, source="zendesk", body=body,
                           headers=zendesk_support.signature(body, now, SECRET))
    yield from signed_in_clients(sqlite_ctx)


def test_an_engineer_sees_the_failed_delivery_and_replays_it_once_mapped(
        console: SignedIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    client = console("ana")
    page = client.get("/hooks")

    assert page.status_code == 200
    assert 'data-delivery="1"' in page.text
    assert "no account for customer &#39;900&#39;" in page.text
    assert "API returns 500" in page.text  # the body as received
    assert 'href="/hooks"' in page.text  # in the header's navigation
    russian = client.get("/hooks", headers={"Accept-Language": "ru"}).text
    assert "нет аккаунта для клиента &#39;900&#39;" in russian  # in the reader's language

    still = client.post("/hooks/1/replay", data={"csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert still.status_code == 422
    assert 'data-testid="refusal"' in still.text

    mapping(monkeypatch, tmp_path, {"900": "acme"})
    done = client.post("/hooks/1/replay", data={"csrf_token": csrf_of(page.text)},
                       follow_redirects=False)

    assert (done.status_code, done.headers["location"]) == (303, "/cases/CASE-1")
    assert "No failed deliveries." in client.get("/hooks").text


def test_a_viewer_is_refused_and_a_replay_needs_its_csrf_token(console: SignedIn) -> None:
    assert console("vera").get("/hooks").status_code == 403
    assert 'href="/hooks"' not in console("vera").get("/board").text

    refused = console("ana").post("/hooks/1/replay", data={}, follow_redirects=False)

    assert refused.status_code in (400, 403)
    assert 'data-delivery="1"' in console("ana").get("/hooks").text
