"""The help desks' webhooks over HTTP with real signatures (no bearer token: the
signature is the sender's credential), their RFC 9457 refusals, and the failed
deliveries listed and replayed through the API and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli
from fastapi.testclient import TestClient
from zendesk_support import SECRET, created, mapping, signed

from escalada.adapters.db.database import make_engine
from escalada.bootstrap import wire
from escalada.domain.errors import PayloadRejected
from escalada.services import hooks
from escalada.services.context import Context

API = "/api/v1"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_ZENDESK_WEBHOOK_SECRET", SECRET)


def test_a_signed_zendesk_ticket_opens_a_case_without_a_bearer_token(
        client: TestClient, ctx: Context, account: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {"900": "acme"}, "m")))
    body = created(ctx.clock())

    answer = client.post(f"{API}/hooks/zendesk", content=body, headers=signed(body, ctx.clock()))
    again = client.post(f"{API}/hooks/zendesk", content=body, headers=signed(body, ctx.clock()))

    assert answer.status_code == 200, answer.text
    assert answer.json() | {"delivery": 0} == {"delivery": 0, "state": "applied",
                                               "case": "CASE-1", "outcome": "opened CASE-1"}
    assert again.json()["state"] == "duplicate"
    assert client.get(f"{API}/cases/CASE-1").json()["snapshot"]["severity"] == "P1"


def test_a_bad_signature_is_a_401_problem(client: TestClient, ctx: Context) -> None:
    body = created(ctx.clock())

    answer = client.post(f"{API}/hooks/zendesk", content=body,
                         headers=signed(body, ctx.clock(), secret="wrong"))

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/signature-invalid"
    assert "does not match" in answer.json()["detail"]


def test_an_unmapped_ticket_is_a_422_problem_kept_and_replayed_through_the_api(
        client: TestClient, ctx: Context, account: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {}, "empty")))
    body = created(ctx.clock())

    refused = client.post(f"{API}/hooks/zendesk", content=body,
                          headers=signed(body, ctx.clock()))

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/payload-rejected"
    assert problem["problems"][0]["field"] == "detail.organization_id"
    [failed] = client.get(f"{API}/hooks/failed").json()
    assert failed["id"] == problem["delivery"] and failed["state"] == "failed"
    assert client.get(f"{API}/hooks/failed", headers={"Authorization": ""}).status_code == 401

    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {"900": "acme"}, "f")))
    replayed = client.post(f"{API}/hooks/deliveries/{failed['id']}/replay")

    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["case"] == "CASE-1"
    assert client.get(f"{API}/hooks/failed").json() == []
    again = client.post(f"{API}/hooks/deliveries/{failed['id']}/replay")
    assert again.status_code == 409


def test_the_cli_lists_the_failed_deliveries_and_replays_one(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--support-plan", "enterprise")
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {}, "empty")))
    ctx = wire(lambda: make_engine(cli.env["ESCALADA_DATABASE_URL"]))
    now = datetime.now(UTC)
    body = created(now)
    with pytest.raises(PayloadRejected) as refused:
        hooks.receive_hook(ctx=ctx, source="zendesk", headers=signed(body, now), body=body)
    ctx.engine.dispose()

    listed = cli.run("hooks", "failed")
    assert "no account for customer '900'" in listed
    assert cli.json("hooks", "failed")[0]["id"] == refused.value.delivery
    shown = cli.run("hooks", "show", str(refused.value.delivery))
    assert f"delivery {refused.value.delivery} from zendesk: failed" in shown
    assert '"subject": "API returns 500"' in shown  # the body as received
    cli.env["ESCALADA_LANG"] = "ru"  # what is wrong, in the reader's language
    assert "нет аккаунта для клиента '900'" in cli.run("hooks", "failed")
    shown = cli.run("hooks", "show", str(refused.value.delivery))
    assert "нет аккаунта для клиента '900'" in shown
    # the state in words, not `failed`, agreeing with доставка (feminine)
    assert shown.splitlines()[0].endswith(": не применена")
    assert _cells(cli.run("hooks", "deliveries"), str(refused.value.delivery))[5] == (
        "не применена")
    assert "words" not in cli.json("hooks", "failed")[0]["problems"][0]  # the API's shape
    cli.env["ESCALADA_LANG"] = "en"
    assert "no webhook delivery 999" in cli.run("hooks", "show", "999", code=4)
    cli.env["ESCALADA_HOOKS_MAPPING"] = str(mapping(tmp_path, {"900": "acme"}, "fixed"))
    replayed = cli.run("hooks", "replay", str(refused.value.delivery))
    assert "applied (CASE-1)" in replayed
    assert "no failed webhook deliveries" in cli.run("hooks", "failed")
    assert "only a failed one is replayed" in cli.run(
        "hooks", "replay", str(refused.value.delivery), code=6)
    cli.env["ESCALADA_LANG"] = "ru"
    assert _cells(cli.run("hooks", "deliveries"), str(refused.value.delivery))[5] == (
        "применена")
    assert f"доставка {refused.value.delivery} уже применена: " in cli.run(
        "hooks", "replay", str(refused.value.delivery), code=6)


def _cells(table: str, first: str) -> list[str]:
    """The cells of the row whose first cell is `first`."""
    row = next(line for line in table.splitlines() if line.startswith(f"│ {first} "))
    return [cell.strip() for cell in row.split("│")[1:-1]]


def tagged(at: datetime, n: int) -> bytes:
    """Ticket n of account acct-n, tagged with its service and region."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({
        "id": f"storm-{n}", "type": "zen:event-type:ticket.created", "time": stamp,
        "subject": f"zen:ticket:{n}", "zendesk_event_version": "2022-11-06", "account_id": 1,
        "detail": {"id": str(n), "organization_id": f"acct-{n}", "priority": "URGENT",
                   "status": "NEW", "subject": "Database connections time out",
                   "tags": ["service_rds", "region_eu-central-1"]},
        "event": {}}).encode()


def test_tagged_tickets_of_five_accounts_over_http_open_a_platform_incident(
        client: TestClient, ctx: Context) -> None:
    for n in range(1, 6):
        assert client.post(f"{API}/accounts", json={
            "id": f"acct-{n}", "name": f"Customer {n}", "tier": "enterprise",
            "support_plan": "enterprise"}).status_code == 201
        body = tagged(ctx.clock(), n)
        answer = client.post(f"{API}/hooks/zendesk", content=body,
                             headers=signed(body, ctx.clock()))
        assert answer.status_code == 200, answer.text

    [incident] = client.get(f"{API}/incidents", params={"status": "open"}).json()
    assert (incident["service"], incident["region"], incident["accounts"],
            incident["cases"]) == ("rds", "eu-central-1", 5, 5)
    case = client.get(f"{API}/cases/CASE-1").json()
    assert [link["id"] for link in case["incidents"]] == [incident["id"]]
    assert "multi_service_outage" in case["snapshot"]["flags"]


def test_the_cli_shows_the_incident_a_storm_of_tickets_opened(cli: Cli) -> None:
    ctx = wire(lambda: make_engine(cli.env["ESCALADA_DATABASE_URL"]))
    for n in range(1, 6):
        cli.run("account", "add", "--id", f"acct-{n}", "--name", f"Customer {n}", "--tier",
                "enterprise", "--support-plan", "enterprise")
        now = datetime.now(UTC)
        body = tagged(now, n)
        hooks.receive_hook(ctx=ctx, source="zendesk", headers=signed(body, now), body=body)
    ctx.engine.dispose()

    listed = cli.run("incident", "list")
    assert "INC-1" in listed and "rds" in listed and "eu-central-1" in listed
    shown = cli.run("case", "show", "CASE-5")
    assert "INC-1" in shown
