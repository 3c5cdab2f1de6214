"""Slack through the REST API (both databases) and the `escalada` command, against the
fake Slack Web API on loopback: a war room's channel created and its people invited, and
the `/escalada` slash command Slack posts, signed with the signing secret (a bad
signature, a stale timestamp or none at all is 401; an unmapped user is told why)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from cli_support import Cli
from conftest import API, Bearer
from fake_slack import TOKEN, FakeSlack, fake_slack  # noqa: F401
from fastapi.testclient import TestClient

from escalada.services.context import Context

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # what the fake_slack fixture sets
COMMANDS = f"{API}/slack/commands"


def signed(body: str, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack sends: v0=HMAC-SHA256 of v0:<timestamp>:<body>."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(),
                      hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded", "Authorization": ""}


def command(text: str, user: str = "U0ANA", channel: str = "C0GENERAL") -> str:
    return urlencode({"token": "legacy", "team_id": "T0001", "channel_id": channel,
                      "user_id": user, "user_name": "someone", "command": "/escalada",
                      "text": text, "response_url": "https://hooks.slack.test/x"})


@pytest.fixture
def room(client: TestClient, bearer: Bearer) -> str:
    """CASE-1 at L3 with its war room; ana (engineer) and lebedev (the CEO, its executive)
    mapped to Slack users."""
    account = {"id": "meridian", "name": "Meridian Bank", "tier": "strategic",
               "support_plan": "enterprise"}
    assert client.post(f"{API}/accounts", json=account).status_code == 201
    ana = bearer("ana", "engineer")
    bearer("lena", "team_lead")
    bearer("lebedev", "vp", "CEO")
    for name, slack_id in (("ana", "U0ANA"), ("lebedev", "U0OLGA")):
        mapped = client.patch(f"{API}/users/{name}", json={"slack_user_id": slack_id})
        assert mapped.status_code == 200, mapped.text
        assert mapped.json()["slack_user_id"] == slack_id
    opened = client.post(f"{API}/cases", json={
        "account": "meridian", "severity": "P1", "title": "Payments time out",
        "contact_level": "c_level", "contact_title": "CEO"})
    case = str(opened.json()["snapshot"]["id"])
    assert client.post(f"{API}/cases/{case}/escalate", json={"to": "L3"},
                       headers=ana).status_code == 200
    return case


def test_a_team_lead_creates_the_channel_over_http_and_commands_come_back_signed(
    client: TestClient, bearer: Bearer, ctx: Context, room: str,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    created = client.post(f"{API}/cases/{room}/war-room/slack", headers=bearer("lena"))
    assert created.status_code == 200, created.text
    view = created.json()
    assert (view["channel"], view["invited"]) == ("#exec-escalation-meridian-bank",
                                                  ["lebedev"])
    assert client.get(f"{API}/cases/{room}/war-room").json()["slack_channel_id"] == (
        view["channel_id"])
    refused = client.post(f"{API}/cases/{room}/war-room/slack", headers=bearer("ana"))
    assert (refused.status_code, refused.json()["error"]) == (403, "not_permitted")

    now = int(ctx.clock().timestamp())
    body = command("status", channel=view["channel_id"])
    status = client.post(COMMANDS, content=body, headers=signed(body, now))
    body = command("ack 1", user="U0OLGA", channel=view["channel_id"])
    ack = client.post(COMMANDS, content=body, headers=signed(body, now))

    assert status.status_code == 200, status.text
    assert status.json()["response_type"] == "ephemeral"
    assert status.json()["text"].startswith("*CASE-1* Payments time out (Meridian Bank)")
    assert ack.json() == {"response_type": "in_channel",
                          "text": "lebedev acknowledged step 1 of CASE-1 (none -> L3)"}
    step = client.get(f"{API}/cases/{room}").json()["escalations"][0]
    assert step["acknowledged_by"] == "lebedev"


def test_a_bad_signature_a_stale_or_missing_timestamp_is_401(
    client: TestClient, ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    now = int(ctx.clock().timestamp())
    body = command("ack 1", user="U0OLGA", channel="C0")

    forged = client.post(COMMANDS, content=body, headers=signed(body, now, "not-the-secret"))
    tampered = client.post(COMMANDS, content=body.replace("ack+1", "ack+2"),
                           headers=signed(body, now))
    stale = client.post(COMMANDS, content=body, headers=signed(body, now - 301))
    future = client.post(COMMANDS, content=body, headers=signed(body, now + 301))
    unsigned = client.post(COMMANDS, content=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Authorization": ""})
    garbled = client.post(COMMANDS, content=body, headers={
        **signed(body, now), "X-Slack-Request-Timestamp": "yesterday"})

    for response in (forged, tampered, stale, future, unsigned, garbled):
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "signature_invalid"
    assert forged.json()["detail"] == "the Slack signature does not match the request"
    assert tampered.json()["detail"] == "the Slack signature does not match the request"
    assert "older than 5 minutes" in stale.json()["detail"]
    assert "older than 5 minutes" in future.json()["detail"]
    assert "X-Slack-Signature are needed" in unsigned.json()["detail"]
    assert "not a Unix time" in garbled.json()["detail"]
    step = client.get(f"{API}/cases/{room}").json()["escalations"][0]
    assert step["acknowledged_by"] is None  # nothing was done


def test_an_unmapped_user_is_told_why_and_a_body_without_user_is_422(
    client: TestClient, ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    now = int(ctx.clock().timestamp())
    body = command("status CASE-1", user="U0NOBODY")
    unmapped = client.post(COMMANDS, content=body, headers=signed(body, now))
    body = urlencode({"text": "status CASE-1"})
    incomplete = client.post(COMMANDS, content=body, headers=signed(body, now))

    assert unmapped.status_code == 200
    assert unmapped.json()["response_type"] == "ephemeral"
    assert "U0NOBODY is not mapped to an escalada user" in unmapped.json()["text"]
    assert incomplete.status_code == 422
    assert {p["field"] for p in incomplete.json()["problems"]} == {"user_id", "channel_id"}


def test_without_a_signing_secret_every_command_is_refused_naming_the_setting(
    client: TestClient, ctx: Context, room: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    body = command("status CASE-1")

    response = client.post(COMMANDS, content=body,
                           headers=signed(body, int(ctx.clock().timestamp())))

    assert (response.status_code, response.json()["error"]) == (401, "signature_invalid")
    assert response.json()["detail"] == (
        "SLACK_SIGNING_SECRET is not set: every Slack delivery is refused")


def test_a_slack_api_error_is_a_502_naming_slacks_code(
    client: TestClient, bearer: Bearer, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    fake_slack.fail("conversations.create", "restricted_action")

    response = client.post(f"{API}/cases/{room}/war-room/slack", headers=bearer("lena"))

    assert (response.status_code, response.json()["error"]) == (502, "vendor_failed")
    assert response.json()["detail"] == (
        "Slack: conversations.create answered restricted_action")


def test_the_cli_maps_a_user_and_creates_the_channel(
    cli: Cli, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    cli.env.update({"ESCALADA_SLACK_API_URL": fake_slack.url, "SLACK_BOT_TOKEN": TOKEN})
    cli.run("user", "add", "lena", "--role", "team_lead")
    cli.run("user", "add", "lebedev", "--role", "vp", "--title", "CEO")
    mapped: Any = cli.json("user", "update", "lebedev", "--slack-user-id", "U0OLGA")
    assert mapped["slack_user_id"] == "U0OLGA"
    assert "--slack-user-id: must match" in cli.run(
        "user", "update", "lebedev", "--slack-user-id", "olga", code=2)
    cli.run("account", "add", "--id", "meridian", "--name", "Meridian Bank", "--tier",
            "strategic", "--support-plan", "enterprise")
    cli.run("case", "open", "--account", "meridian", "--severity", "P1", "--title", "Down",
            "--contact-level", "c_level", "--contact-title", "CEO")
    cli.run("case", "escalate", "CASE-1", "--to", "L3")

    shown = cli.run("--as", "lena", "war-room", "slack", "CASE-1")
    again = json.loads(cli.run("--as", "lena", "war-room", "slack", "CASE-1", "--format",
                               "json"))

    assert "Slack channel #exec-escalation-meridian-bank (C00000001) created for CASE-1" in shown
    assert "invited: lebedev" in shown
    assert (again["created"], again["channel_id"]) == (False, "C00000001")
    refused = cli.run("war-room", "slack", "CASE-1", code=7)
    assert "creating a war room's Slack channel" in refused
