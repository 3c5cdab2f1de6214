"""Communications over HTTP and through the real `escalada` command: messages in, drafts
in the customer's language, sending through the outbox to real loopback servers, the
communication log, dead letters, and operator templates refused by the sandbox."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from channel_support import HttpSink, SmtpSink, http_sink, smtp_sink  # noqa: F401
from cli_support import Cli
from fastapi.testclient import TestClient

from escalada.adapters.channels.webhook import verify_signature

API = "/api/v1"
SECRET = "e2e-secret"
OpenCase = Callable[..., dict[str, Any]]
Bearer = Callable[..., dict[str, str]]
HOSTILE = "Subject: Hello\n\n{{ facts.case_ref }}\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n"


def _operator_dir(tmp_path: Path, template: str) -> Path:
    folder = tmp_path / "templates"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "acknowledgment.md.j2").write_text(template, encoding="utf-8")
    return folder


# API


def test_a_russian_message_gets_a_russian_draft_sent_by_signed_webhook(
    client: TestClient, open_case: OpenCase, http_sink: HttpSink,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", SECRET)
    open_case()
    message = client.post(f"{API}/cases/CASE-1/messages",
                          json={"from": "customer", "text": "ticket #4412 — всё ещё висит"})
    draft = client.post(f"{API}/cases/CASE-1/drafts", json={"kind": "acknowledgment"})

    assert message.status_code == 201 and message.json()["language"] == "ru"
    assert draft.status_code == 201, draft.text
    assert (draft.json()["language"], draft.json()["language_reason"]) == (
        "ru", "the customer's last message is in Russian")

    endpoint = client.post(f"{API}/endpoints", json={"name": "crm-inbox", "channel": "webhook",
                                                     "url": http_sink.url("/in")})
    assert endpoint.status_code == 201, endpoint.text
    body = {"channel": "webhook", "to": "crm-inbox"}
    sent = client.post(f"{API}/drafts/{draft.json()['id']}/send", json=body)
    again = client.post(f"{API}/drafts/{draft.json()['id']}/send", json=body)

    assert sent.status_code == 201, sent.text
    assert sent.json()["state"] == "delivered" and again.json()["id"] == sent.json()["id"]
    [request] = http_sink.requests_to("/in")
    assert verify_signature(SECRET, request.headers["X-Escalada-Timestamp"], request.body,
                            request.headers["X-Escalada-Signature"], now=time.time())
    assert request.json()["language"] == "ru"
    log = client.get(f"{API}/cases/CASE-1/communications").json()
    assert [(d["channel"], d["audience"], d["language"], d["state"]) for d in log] == [
        ("webhook", "customer", "ru", "delivered")]
    assert client.get(f"{API}/cases/CASE-1").json()["snapshot"]["first_response_at"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/cases/CASE-1/messages", {"from": "robot", "text": "hi"}, "from"),
    ("/cases/CASE-1/messages", {"from": "customer", "text": ""}, "text"),
    ("/cases/CASE-1/drafts", {"kind": "apology"}, "kind"),
    ("/cases/CASE-1/drafts", {"kind": "acknowledgment", "lang": "de"}, "lang"),
    ("/cases/CASE-1/drafts", {"kind": "resolution", "fields": {"why": "x"}}, "fields.why"),
    ("/cases/CASE-1/drafts", {"kind": "acknowledgment", "timezone": "Nowhere"}, "timezone"),
])
def test_a_bad_request_is_422_naming_the_field(
    client: TestClient, open_case: OpenCase, path: str, body: dict[str, Any], field: str,
) -> None:
    open_case()
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == [field]
    assert client.get(f"{API}/cases/CASE-1/drafts").json() == []


def test_sending_is_422_for_a_bad_recipient_or_unwritten_parts_and_404_for_no_draft(
    client: TestClient, open_case: OpenCase,
) -> None:
    open_case()
    ack = client.post(f"{API}/cases/CASE-1/drafts", json={"kind": "acknowledgment"}).json()
    gaps = client.post(f"{API}/cases/CASE-1/drafts", json={"kind": "resolution"}).json()

    bad_to = client.post(f"{API}/drafts/{ack['id']}/send",
                         json={"channel": "email", "to": "nobody"})
    unwritten = client.post(f"{API}/drafts/{gaps['id']}/send",
                            json={"channel": "email", "to": "cto@acme.example"})
    missing = client.post(f"{API}/drafts/999/send", json={"channel": "email", "to": "a@b.c"})

    assert (bad_to.status_code, bad_to.json()["problems"][0]["field"]) == (422, "to")
    assert (unwritten.status_code, unwritten.json()["problems"][0]["field"]) == (422, "draft")
    assert "root_cause, fix, verification" in unwritten.json()["message"]
    assert missing.status_code == 404
    assert client.get(f"{API}/outbox").json() == []


def test_a_dead_letter_is_listed_and_retried_over_http(
    client: TestClient, open_case: OpenCase, http_sink: HttpSink,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", SECRET)
    open_case()
    http_sink.answer("/gone", status=410, body=b"gone")
    draft = client.post(f"{API}/cases/CASE-1/drafts", json={"kind": "acknowledgment"}).json()
    client.post(f"{API}/endpoints", json={"name": "gone", "channel": "webhook",
                                          "url": http_sink.url("/gone")})
    dead = client.post(f"{API}/drafts/{draft['id']}/send",
                       json={"channel": "webhook", "to": "gone"}).json()
    assert dead["state"] == "dead"
    assert [d["id"] for d in client.get(f"{API}/outbox", params={"state": "dead"}).json()] == [
        dead["id"]]

    http_sink.answer("/gone", status=200)
    retried = client.post(f"{API}/outbox/{dead['id']}/retry")

    assert (retried.status_code, retried.json()["state"]) == (200, "delivered")
    assert client.post(f"{API}/outbox/{dead['id']}/retry").status_code == 409
    assert client.post(f"{API}/outbox/77/retry").status_code == 404


def test_endpoints_over_http_change_for_admins_only_and_read_masked_for_everyone(
    client: TestClient, open_case: OpenCase, bearer: Bearer,
    http_sink: HttpSink,  # noqa: F811
) -> None:
    open_case()
    url = http_sink.url("/services/T0/B0/api-secret")
    body = {"name": "team-room", "channel": "slack", "url": url}

    by_engineer = client.post(f"{API}/endpoints", json=body, headers=bearer("ana"))
    added = client.post(f"{API}/endpoints", json=body)
    listed = client.get(f"{API}/endpoints", headers=bearer("vera", "viewer"))
    draft = client.post(f"{API}/cases/CASE-1/drafts", json={"kind": "handoff"}).json()
    by_url = client.post(f"{API}/drafts/{draft['id']}/send", headers=bearer("ana"),
                         json={"channel": "slack", "to": url})
    removed = client.delete(f"{API}/endpoints/team-room")

    assert (by_engineer.status_code, by_engineer.json()["error"]) == (403, "not_permitted")
    assert added.status_code == 201, added.text
    assert listed.json() == [{**added.json(), "url": f"http://127.0.0.1:{http_sink.port}/…/****"}]
    assert (by_url.status_code, by_url.json()["problems"][0]["field"]) == (422, "to")
    assert "escalada endpoint add" in by_url.json()["problems"][0]["reason"]
    assert removed.status_code == 200 and client.get(f"{API}/endpoints").json() == []
    assert "api-secret" not in listed.text + added.text + removed.text
    assert http_sink.requests == []


def test_a_hostile_operator_template_is_refused_with_its_name_and_line(
    client: TestClient, open_case: OpenCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCALADA_TEMPLATES", str(_operator_dir(tmp_path, HOSTILE)))
    open_case()

    response = client.post(f"{API}/cases/CASE-1/drafts",
                           json={"kind": "acknowledgment", "lang": "en"})

    assert response.status_code == 500
    assert response.json()["error"] == "template_invalid"
    assert "operator en/acknowledgment.md.j2, line 4" in response.json()["message"]
    assert "subclasses" not in response.text.replace("__subclasses__", "")
    assert client.get(f"{API}/cases/CASE-1/drafts").json() == []
    kinds = client.get(f"{API}/templates").json()
    assert kinds["acknowledgment"]["en"].startswith("operator ")
    assert kinds["acknowledgment"]["ru"] == "built-in"


# CLI


@pytest.fixture
def case(cli: Cli) -> str:
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise", "--language", "en")
    return str(cli.json("case", "open", "--account", "acme", "--severity", "P1",
                        "--title", "API 500")["snapshot"]["id"])


def test_the_cli_records_a_message_drafts_in_its_language_and_sends_by_email(
    cli: Cli, case: str, smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    cli.env.update(smtp_sink.environ())
    message = cli.json("case", "message", case, "--from", "customer",
                       "--text", "Добрый день! Getting error 500 on the API since 14:30")
    assert message[0]["language"] == "en"
    cli.run("case", "message", case, "--text", "Спасибо, ждём")

    draft = cli.run("comms", "draft", case, "--kind", "acknowledgment")

    assert draft.startswith("<!-- draft 1 · CASE-1 · acknowledgment · to the customer")
    assert "language ru: the customer's last message is in Russian" in draft
    assert "\nSubject: " in draft and "Здравствуйте" in draft

    sent = cli.json("comms", "send", "1", "--channel", "email", "--to", "cto@acme.example")
    [mail] = smtp_sink.wait_for(1)

    assert sent[0]["state"] == "delivered"
    assert mail.message["To"] == "cto@acme.example" and "Здравствуйте" in mail.text
    log = cli.json("comms", "log", case)
    assert [(d["channel"], d["language"], d["state"]) for d in log] == [
        ("email", "ru", "delivered")]
    assert "delivered" in cli.run("comms", "log", case)


def test_the_cli_names_what_is_wrong_with_a_draft_or_a_send(cli: Cli, case: str) -> None:
    resolution = json.loads(cli.run("comms", "draft", case, "--kind", "resolution",
                                    "--set", "root_cause=a full disk", "--format", "json"))
    assert resolution["missing"] == ["fix", "verification"]

    assert "fix, verification" in cli.run("comms", "send", str(resolution["id"]),
                                          "--channel", "email", "--to", "a@b.example", code=2)
    assert "channel" in cli.run("comms", "send", "1", "--channel", "fax", "--to", "x", code=2)
    assert "--set" in cli.run("comms", "draft", case, "--kind", "resolution", "--set", "oops",
                              code=2)
    assert "status" in cli.run("comms", "draft", case, "--kind", "progress_update",
                               "--status", "DONE", code=2)
    assert "no draft 42" in cli.run("comms", "show", "42", code=4)


def test_the_cli_lists_and_retries_dead_letters(
    cli: Cli, case: str, smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    cli.env.update(smtp_sink.environ())
    smtp_sink.refuse_recipient("gone@acme.example")
    cli.run("comms", "draft", case, "--kind", "acknowledgment")
    dead = cli.json("comms", "send", "1", "--channel", "email", "--to", "gone@acme.example")
    assert dead[0]["state"] == "dead" and "550" in dead[0]["last_error"]
    assert [d["id"] for d in cli.json("outbox", "list", "--state", "dead")] == [dead[0]["id"]]
    assert "dead letters 1" in cli.run("outbox", "status", "--check", code=1, stdout=True)

    smtp_sink.reset()
    retried = cli.json("outbox", "retry", str(dead[0]["id"]))

    assert retried[0]["state"] == "delivered"
    assert len(smtp_sink.wait_for(1)) == 1
    assert cli.json("outbox", "list", "--state", "dead") == []
    assert cli.json("outbox", "status", "--check")["dead"] == 0


def test_the_cli_refuses_a_hostile_operator_template_with_exit_8(
    cli: Cli, case: str, tmp_path: Path,
) -> None:
    cli.env["ESCALADA_TEMPLATES"] = str(_operator_dir(tmp_path, HOSTILE))
    error = cli.run("comms", "draft", case, "--kind", "acknowledgment", "--lang", "en", code=8)
    assert "operator en/acknowledgment.md.j2, line 4" in error
    assert "operator" in cli.run("comms", "templates")


def test_the_cli_names_endpoints_sends_to_them_by_name_and_refuses_urls(
    cli: Cli, case: str, http_sink: HttpSink,  # noqa: F811
) -> None:
    url = http_sink.url("/services/T0/B0/cli-secret")
    added = cli.json("endpoint", "add", "team-room", "--channel", "slack", "--url", url)
    assert added[0]["url"] == f"http://127.0.0.1:{http_sink.port}/…/****"
    assert "team-room" in cli.run("endpoint", "list")
    cli.run("comms", "draft", case, "--kind", "handoff")

    refused = cli.run("comms", "send", "1", "--channel", "slack", "--to", url, code=2)
    sent = cli.json("comms", "send", "1", "--channel", "slack", "--to", "team-room")

    assert "a URL is not accepted for slack" in refused and "escalada endpoint add" in refused
    assert (sent[0]["state"], sent[0]["to"]) == ("delivered", "team-room")
    assert len(http_sink.requests_to("/services/T0/B0/cli-secret")) == 1
    assert "cli-secret" not in cli.run("comms", "log", case) + cli.run("case", "timeline", case)
    cli.run("user", "add", "ana", "--role", "engineer")
    assert "needs the role admin" in cli.run("--as", "ana", "endpoint", "remove", "team-room",
                                             code=7)
    cli.run("endpoint", "remove", "team-room")
    assert cli.json("endpoint", "list") == []
