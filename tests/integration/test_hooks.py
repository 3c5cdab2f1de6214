"""Help desks' inbound webhooks on SQLite and PostgreSQL: realistic Zendesk and Jira
payloads (from their public documentation) signed for real, applied once onto the
mapped account's case; a bad signature, a stale timestamp, a replay, out-of-order
updates and a malformed body; failed deliveries kept and replayed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
import zendesk_support
from concurrency_support import run_at_once
from examples import ADMIN, ANA

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import HookDeliveryRow
from escalada.domain.errors import InvalidTransition, PayloadRejected, SignatureInvalid
from escalada.domain.hook_signatures import generic_signature, jira_jwt, jira_signature
from escalada.services import cases, hooks
from escalada.services.accounts import add_account
from escalada.services.case_board import list_page
from escalada.services.context import Context
from escalada.services.inbound_messages import message_page
from escalada.testing import FakeClock

SECRET = "dGhpcyBpcyBhIHNlY3JldA=="
ORG = "8447388083598"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each source's secret, and a mapping that names Acme's Zendesk organization."""
    for source in ("ZENDESK", "JIRA", "GENERIC"):
        monkeypatch.setenv(f"ESCALADA_{source}_WEBHOOK_SECRET", SECRET)
    return mapping_file(monkeypatch, tmp_path, {ORG: "acme"})


def mapping_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, accounts: dict[str, str],
                 name: str = "hooks.yaml") -> Path:
    from escalada.adapters.hooks_file import HOOKS_MAPPING

    document = yaml.safe_load(HOOKS_MAPPING.default_path().read_text(encoding="utf-8"))
    document["zendesk"]["accounts"] = accounts
    document["jira"]["accounts"] = {"ACME": "acme"}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(path))
    return path


@pytest.fixture
def acme(ctx: Context) -> str:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise", language="ru")
    return "acme"


def zendesk_event(kind: str, at: datetime, *, event_id: str, event: dict[str, Any] | None = None,
                  priority: str = "HIGH", status: str = "OPEN") -> dict[str, Any]:
    """A Zendesk ticket event as its webhooks send it (developer.zendesk.com: ticket events)."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "account_id": 22129848,
        "detail": {
            "actor_id": "8447388090494", "assignee_id": "8447388090494",
            "brand_id": "8447376886286", "created_at": "2026-11-26T09:58:00Z",
            "description": "Volumes detach from instances under load", "external_id": None,
            "group_id": "8447320466830", "id": "5158", "is_public": True,
            "organization_id": ORG, "priority": priority,
            "requester_id": "8447388090494", "status": status,
            "subject": "Volumes detach under load", "submitter_id": "8447388090494",
            "tags": ["storage"], "type": "INCIDENT", "updated_at": stamp,
            "via": {"channel": "web_service"}},
        "event": event or {},
        "id": event_id,
        "subject": "zen:ticket:5158",
        "time": stamp,
        "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06",
    }


def zendesk(ctx: Context, document: dict[str, Any], *, signed_at: datetime | None = None,
            secret: str = SECRET) -> hooks.HookReceiptView:
    body = json.dumps(document).encode()
    headers = {**zendesk_support.signature(body, signed_at or ctx.clock(), secret),
               "Content-Type": "application/json"}
    return hooks.receive_hook(ctx=ctx, source="zendesk", headers=headers, body=body)


def test_a_zendesk_ticket_opens_a_case_of_the_mapped_account_once(
        ctx: Context, acme: str) -> None:
    created = zendesk_event("created", ctx.clock(), event_id="cbe4028c-7239-495d-b020")

    first = zendesk(ctx, created)
    again = zendesk(ctx, created)

    assert (first.state, first.case) == ("applied", "CASE-1")
    assert (again.state, again.case, again.delivery) == ("duplicate", "CASE-1", first.delivery)
    case = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (case.snapshot.account.id, case.snapshot.severity, case.title) == (
        acme, "P2", "Volumes detach under load")
    assert len(list_page(ctx=ctx).items) == 1
    opened = cases.case_timeline(ctx=ctx, case_id="CASE-1")[0]
    assert (opened.kind, opened.actor) == ("case_opened", "zendesk")


def test_priority_status_comments_and_csat_change_the_case(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    start = clock()
    zendesk(ctx, zendesk_event("created", start, event_id="e1"))
    clock.advance(minutes=1)
    zendesk(ctx, zendesk_event("priority_changed", clock(), event_id="e2", priority="URGENT",
                               event={"current": "URGENT", "previous": "HIGH"}))
    comment = {"comment": {"id": "901", "body": "Тома отключаются каждые пять минут, "
                           "производство стоит", "is_public": True,
                           "author": {"id": "8447388090494", "is_staff": False,
                                      "name": "Ivan Petrov"}}}
    zendesk(ctx, zendesk_event("comment_added", clock(), event_id="e3", event=comment))
    zendesk(ctx, zendesk_event("status_changed", clock(), event_id="e4", status="PENDING",
                               event={"current": "PENDING", "previous": "OPEN"}))
    clock.advance(minutes=1)
    zendesk(ctx, zendesk_event("status_changed", clock(), event_id="e5", status="SOLVED",
                               event={"current": "SOLVED", "previous": "PENDING"}))
    zendesk(ctx, zendesk_event("satisfaction_rating_changed", clock(), event_id="e6",
                               event={"current": "bad", "previous": "offered"}))

    case = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (case.snapshot.severity, case.snapshot.status, case.snapshot.csat) == (
        "P1", "resolved", 1.0)
    [message] = message_page(ctx=ctx, case_id="CASE-1").items
    assert (message.sender, message.author, message.language) == ("customer", "Ivan Petrov",
                                                                   "ru")
    entries = cases.case_timeline(ctx=ctx, case_id="CASE-1")
    assert [entry.kind for entry in entries] == ["case_opened", "updated", "customer_message",
                                                 "paused", "resolved", "updated"]
    # A Russian reader reads what the ticket did in Russian; the English stays the record.
    told = [entry.summary_in(translations("ru")) for entry in entries]
    assert entries[1].summary == "changed severity P2 -> P1"
    assert told[0] == "открыто обращение P2 по заявке zendesk 5158: Volumes detach under load"
    assert told[1] == "изменено: severity P2 -> P1"
    assert told[2].startswith("сообщение клиента (Ivan Petrov) в заявке zendesk 5158: Тома")
    assert told[3] == "ждём клиента: часы SLA остановлены"
    # And why, in the ticket's words.
    reasons = [(entry.reason, entry.reason_in(translations("ru"))) for entry in entries]
    assert reasons[1] == ("zendesk priority URGENT", "приоритет в zendesk: URGENT")
    assert reasons[4][1] == reasons[4][0].replace("zendesk status ", "статус в zendesk: ")


def test_an_update_older_than_the_last_applied_is_ignored(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    start = clock()
    zendesk(ctx, zendesk_event("created", start, event_id="e1"))
    zendesk(ctx, zendesk_event("priority_changed", start + timedelta(seconds=30),
                               event_id="e3", priority="URGENT", event={"current": "URGENT"}))

    late = zendesk(ctx, zendesk_event("priority_changed", start + timedelta(seconds=10),
                                      event_id="e2", priority="LOW",
                                      event={"current": "LOW"}))

    assert late.state == "ignored" and "older than" in late.outcome
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.severity == "P1"
    assert late.delivery == zendesk(ctx, zendesk_event(
        "priority_changed", start + timedelta(seconds=10), event_id="e2",
        event={"current": "LOW"})).delivery  # the ignored one is known too: a duplicate


def test_an_update_arriving_before_its_creation_opens_the_case_and_the_creation_is_ignored(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    start = clock()
    update = zendesk(ctx, zendesk_event("priority_changed", start + timedelta(seconds=5),
                                        event_id="e2", priority="URGENT",
                                        event={"current": "URGENT"}))
    creation = zendesk(ctx, zendesk_event("created", start, event_id="e1"))

    assert (update.state, update.case, creation.state) == ("applied", "CASE-1", "ignored")
    assert len(list_page(ctx=ctx).items) == 1


def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_not_kept(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    created = zendesk_event("created", clock(), event_id="e1")

    with pytest.raises(SignatureInvalid, match="does not match"):
        zendesk(ctx, created, secret="someone else's")
    with pytest.raises(SignatureInvalid, match="more than 300 seconds"):
        zendesk(ctx, created, signed_at=clock() - timedelta(minutes=6))

    assert list_page(ctx=ctx).items == []
    assert hooks.delivery_page(ctx=ctx, actor=ANA).items == []


def test_no_secret_configured_refuses_every_delivery(
        ctx: Context, acme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESCALADA_ZENDESK_WEBHOOK_SECRET")

    with pytest.raises(SignatureInvalid, match="ESCALADA_ZENDESK_WEBHOOK_SECRET is not set"):
        zendesk(ctx, zendesk_event("created", ctx.clock(), event_id="e1"))


def test_a_malformed_body_is_kept_failed_and_applies_nothing(ctx: Context, acme: str) -> None:
    broken = zendesk_event("created", ctx.clock(), event_id="e1")
    del broken["detail"]["id"]
    broken["time"] = "yesterday"

    with pytest.raises(PayloadRejected) as refused:
        zendesk(ctx, broken)

    assert [field for field, _ in refused.value.problems] == ["time", "detail.id"]
    [failed] = hooks.delivery_page(ctx=ctx, actor=ANA, state="failed").items
    assert (failed.id, failed.state, failed.event_id) == (refused.value.delivery, "failed",
                                                          "e1")
    assert json.loads(failed.body)["time"] == "yesterday"
    assert list_page(ctx=ctx).items == []


def test_an_unmapped_customer_fails_whole_and_replays_once_mapped(
        ctx: Context, acme: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mapping_file(monkeypatch, tmp_path, {}, name="empty.yaml")
    comment = {"comment": {"body": "Still down", "author": {"is_staff": False, "name": "Ivan"}}}

    with pytest.raises(PayloadRejected, match="no account for customer") as refused:
        zendesk(ctx, zendesk_event("comment_added", ctx.clock(), event_id="e9", event=comment))
    assert list_page(ctx=ctx).items == []  # nothing half-applied: no case, no message

    mapping_file(monkeypatch, tmp_path, {ORG: "acme"}, name="fixed.yaml")
    replayed = hooks.replay_delivery(ctx=ctx, actor=ANA, delivery_id=refused.value.delivery)

    assert (replayed.state, replayed.case) == ("applied", "CASE-1")
    [row] = hooks.delivery_page(ctx=ctx, actor=ANA).items
    assert (row.state, row.replayed_by, row.attempts) == ("applied", "ana", 2)
    assert [m.text for m in message_page(ctx=ctx, case_id="CASE-1").items] == ["Still down"]
    with pytest.raises(InvalidTransition, match="only a failed one"):
        hooks.replay_delivery(ctx=ctx, actor=ANA, delivery_id=refused.value.delivery)


def test_an_unknown_status_is_refused_and_the_case_is_left_as_it_was(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    zendesk(ctx, zendesk_event("created", clock(), event_id="e1"))
    clock.advance(seconds=1)

    with pytest.raises(PayloadRejected, match="ticket status 'ESCALATED_TO_MARS'"):
        zendesk(ctx, zendesk_event("status_changed", clock(), event_id="e2",
                                   event={"current": "ESCALATED_TO_MARS"}))

    case = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert case.snapshot.status == "new"
    with ctx.reading() as uow:
        states = sorted(row.state for row in uow.session.query(HookDeliveryRow))
    assert states == ["applied", "failed"]


def jira_issue_updated(at: datetime, items: list[dict[str, str]]) -> dict[str, Any]:
    """A Jira Cloud jira:issue_updated webhook (developer.atlassian.com: webhooks)."""
    return {
        "timestamp": int(at.timestamp() * 1000),
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Maria Support"},
        "issue": {
            "id": "10002", "key": "SUP-3",
            "fields": {
                "summary": "Database failover did not complete",
                "priority": {"name": "Highest", "id": "1"},
                "status": {"name": "Waiting for customer", "id": "10003"},
                "project": {"id": "10000", "key": "ACME", "name": "Acme support"},
                "updated": at.isoformat(), "created": at.isoformat()}},
        "changelog": {"id": "10101", "items": items},
    }


def jira(ctx: Context, document: dict[str, Any], delivery: str) -> hooks.HookReceiptView:
    body = json.dumps(document).encode()
    headers = {"X-Hub-Signature": jira_signature(SECRET, body),
               "X-Atlassian-Webhook-Identifier": delivery}
    return hooks.receive_hook(ctx=ctx, source="jira", headers=headers, body=body)


def test_a_jira_update_opens_the_projects_case_and_applies_its_changelog(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    items = [{"field": "priority", "fromString": "Medium", "toString": "Highest"},
             {"field": "status", "fromString": "In Progress", "toString": "Waiting for customer"}]

    receipt = jira(ctx, jira_issue_updated(clock(), items), "1d2f3a")
    repeat = jira(ctx, jira_issue_updated(clock(), items), "1d2f3a")

    assert (receipt.state, repeat.state) == ("applied", "duplicate")
    case = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (case.snapshot.account.id, case.snapshot.severity, case.snapshot.status) == (
        "acme", "P1", "waiting_on_customer")
    with pytest.raises(SignatureInvalid, match="more than 300 seconds"):
        jira(ctx, jira_issue_updated(clock() - timedelta(hours=1), items), "old")


def test_a_generic_document_signed_like_escaladas_own_webhooks(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    document = {"id": "evt-1", "type": "ticket.created", "occurred_at": clock().isoformat(),
                "ticket": {"id": "T-7", "account": "acme", "subject": "Login fails",
                           "priority": "urgent", "status": "open"}}
    body = json.dumps(document).encode()
    stamp = int(clock().timestamp())
    headers = {"X-Escalada-Timestamp": str(stamp),
               "X-Escalada-Signature": generic_signature(SECRET, stamp, body)}

    receipt = hooks.receive_hook(ctx=ctx, source="generic", headers=headers, body=body)

    assert receipt.state == "applied"
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.severity == "P1"
    headers["X-Escalada-Signature"] = generic_signature(SECRET, stamp + 1, body)
    with pytest.raises(SignatureInvalid, match="does not match"):
        hooks.receive_hook(ctx=ctx, source="generic", headers=headers, body=body)


def test_the_same_delivery_twice_at_once_is_applied_once(ctx: Context, acme: str) -> None:
    created = zendesk_event("created", ctx.clock(), event_id="e1")

    outcomes = run_at_once([lambda: zendesk(ctx, created), lambda: zendesk(ctx, created)])

    assert sorted(outcome.state for outcome in outcomes) == ["applied", "duplicate"], outcomes
    assert len(list_page(ctx=ctx).items) == 1
    assert len(hooks.delivery_page(ctx=ctx, actor=ANA).items) == 1


def test_two_events_of_a_new_ticket_at_once_open_one_case(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    created = zendesk_event("created", clock(), event_id="e1")
    comment = zendesk_event("comment_added", clock() + timedelta(seconds=1), event_id="e2",
                            event={"comment": {"body": "Any news?",
                                               "author": {"is_staff": False, "name": "Ivan"}}})

    outcomes = run_at_once([lambda: zendesk(ctx, created), lambda: zendesk(ctx, comment)])

    # Whichever came first opened the case; the creation after the comment is older.
    assert outcomes[1].state == "applied", outcomes
    assert outcomes[0].state in ("applied", "ignored"), outcomes
    assert len(list_page(ctx=ctx).items) == 1
    assert [m.text for m in message_page(ctx=ctx, case_id="CASE-1").items] == ["Any news?"]


def test_a_jira_customer_comment_in_an_atlassian_document_is_a_customer_message(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    jira(ctx, jira_issue_updated(clock(), []), "d1")
    comment = {
        "timestamp": int(clock().timestamp() * 1000), "webhookEvent": "comment_created",
        "issue": jira_issue_updated(clock(), [])["issue"],
        "comment": {"id": "10050", "jsdPublic": True,
                    "author": {"accountId": "qm:1", "displayName": "Olga Smirnova",
                               "accountType": "customer"},
                    "body": {"type": "doc", "version": 1, "content": [
                        {"type": "paragraph", "content": [
                            {"type": "text", "text": "Failover still has not finished,"},
                            {"type": "text", "text": "please call us."}]}]}}}

    receipt = jira(ctx, comment, "d2")

    assert receipt.state == "applied"
    [message] = message_page(ctx=ctx, case_id="CASE-1").items
    assert (message.sender, message.author, message.text, message.language) == (
        "customer", "Olga Smirnova", "Failover still has not finished, please call us.", "en")


def test_a_jira_connect_apps_jwt_is_checked_when_configured(
        ctx: Context, acme: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_JIRA_WEBHOOK_AUTH", "jwt")
    document = jira_issue_updated(clock(), [
        {"field": "priority", "fromString": "Medium", "toString": "High"}])
    body = json.dumps(document).encode()
    path = "/api/v1/hooks/jira"

    def send(token: str, at_path: str = path) -> hooks.HookReceiptView:
        return hooks.receive_hook(ctx=ctx, source="jira", body=body, path=at_path,
                                  headers={"Authorization": token})

    now = int(clock().timestamp())
    receipt = send(jira_jwt(SECRET, method="POST", path=path, issued_at=now))
    repeat = send(jira_jwt(SECRET, method="POST", path=path, issued_at=now))

    assert (receipt.state, repeat.state) == ("applied", "duplicate")  # the ids in the body
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.severity == "P2"
    with pytest.raises(SignatureInvalid, match="signature does not match"):
        send(jira_jwt("another app's secret", method="POST", path=path, issued_at=now))
    with pytest.raises(SignatureInvalid, match="qsh"):
        send(jira_jwt(SECRET, method="POST", path=path, issued_at=now), at_path="/elsewhere")
    with pytest.raises(SignatureInvalid, match="expired"):
        send(jira_jwt(SECRET, method="POST", path=path, issued_at=now - 600))
    with pytest.raises(SignatureInvalid, match="must be JWT"):
        send(jira_signature(SECRET, body))


def test_a_comment_does_not_make_an_earlier_state_change_look_old(
        ctx: Context, acme: str, clock: FakeClock) -> None:
    start = clock()
    zendesk(ctx, zendesk_event("created", start, event_id="e1"))
    zendesk(ctx, zendesk_event("comment_added", start + timedelta(seconds=20), event_id="e3",
                               event={"comment": {"body": "Any news?",
                                                  "author": {"is_staff": False}}}))

    change = zendesk(ctx, zendesk_event("priority_changed", start + timedelta(seconds=10),
                                        event_id="e2", event={"current": "URGENT"}))

    assert change.state == "applied"
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.severity == "P1"
