"""A case opened from a Zendesk ticket has its tier and executive level written back to
the ticket as tags, through the outbox and Zendesk's REST API (a loopback fake), on
SQLite and PostgreSQL: queued in the transaction that moved the case, sent once,
retried when Zendesk asks, dead-lettered when it refuses for good."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import pytest
import zendesk_support
from channel_support import HttpSink, http_sink
from examples import ADMIN, ANA, MARIA, T2_HANDOFF

from escalada.adapters.catalogs import translations
from escalada.domain.hook_signatures import jira_signature
from escalada.services import cases, hooks, outbox
from escalada.services.accounts import add_account
from escalada.services.context import Context
from escalada.services.delivery_list import delivery_page
from escalada.services.escalations import escalate
from escalada.services.helpdesk_sync import place_tags
from escalada.testing import FakeClock

__all__ = ["http_sink"]  # fixtures
SECRET = "zendesk-secret"


@pytest.fixture(autouse=True)
def zendesk_api(monkeypatch: pytest.MonkeyPatch, http_sink: HttpSink) -> HttpSink:
    monkeypatch.setenv("ESCALADA_ZENDESK_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ESCALADA_ZENDESK_URL", http_sink.url())
    monkeypatch.setenv("ESCALADA_ZENDESK_EMAIL", "bot@acme.example")
    monkeypatch.setenv("ESCALADA_ZENDESK_API_TOKEN", "api-token")
    return http_sink


def ticket_created(ctx: Context, at: datetime) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise")
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({
        "id": "evt-1", "type": "zen:event-type:ticket.created", "time": stamp,
        "subject": "zen:ticket:5158", "account_id": 1, "event": {},
        "detail": {"id": "5158", "organization_id": "acme", "priority": "URGENT",
                   "status": "NEW", "subject": "Volumes detach"}}).encode()
    hooks.receive_hook(ctx=ctx, source="zendesk", body=body,
                       headers=zendesk_support.signature(body, at, SECRET))


def sent(sink: HttpSink) -> list[dict[str, Any]]:
    return [request.json()["ticket"] for request in sink.requests
            if request.method == "PUT" and request.path == "/api/v2/tickets/5158.json"]


def test_the_tier_and_level_reach_the_ticket_as_tags_once_each(
        ctx: Context, clock: FakeClock, zendesk_api: HttpSink) -> None:
    ticket_created(ctx, clock())
    outbox.deliver_due(ctx, owner="worker-1")
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="storage engineers needed")
    outbox.deliver_due(ctx, owner="worker-1")
    escalate(ctx=ctx, actor=MARIA, case_id="CASE-1", to="L2", reason="revenue at risk")
    outbox.deliver_due(ctx, owner="worker-1")
    outbox.deliver_due(ctx, owner="worker-1")

    tickets = sent(zendesk_api)
    assert [t["additional_tags"] for t in tickets] == [
        ["escalada_tier_t1", "escalada_level_none"], ["escalada_tier_t2", "escalada_level_none"],
        ["escalada_tier_t2", "escalada_level_l2"]]
    assert "escalada_tier_t1" in tickets[1]["remove_tags"]
    assert "escalada_level_none" in tickets[2]["remove_tags"]
    request = zendesk_api.requests[0]
    assert request.headers["authorization"] == "Basic " + base64.b64encode(
        b"bot@acme.example/token:api-token").decode()
    log = delivery_page(ctx=ctx, case="CASE-1").items
    assert {(d.channel, d.to, d.state) for d in log} == {("zendesk", "5158", "delivered")}
    written = [entry for entry in cases.case_timeline(ctx=ctx, case_id="CASE-1")
               if (entry.data or {}).get("channel") == "zendesk"]
    assert [entry.summary_in(translations("ru")) for entry in written[:2]] == [
        "линия: T1, уровень: нет — поставлено в очередь для заявки zendesk 5158",
        "доставлено: запись линии и уровня в заявку (en), получатель 5158, канал zendesk"]
    assert written[-2].summary == "tier T2 and level L2 queued for zendesk ticket 5158"


def test_two_moves_before_a_send_go_to_the_ticket_as_one_the_latest(
        ctx: Context, clock: FakeClock, zendesk_api: HttpSink) -> None:
    ticket_created(ctx, clock())
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="storage engineers needed")
    escalate(ctx=ctx, actor=MARIA, case_id="CASE-1", to="L2", reason="revenue at risk")
    outbox.deliver_due(ctx, owner="worker-1")

    assert [t["additional_tags"] for t in sent(zendesk_api)] == [
        ["escalada_tier_t2", "escalada_level_l2"]]
    assert len(delivery_page(ctx=ctx, case="CASE-1").items) == 1


def test_a_case_not_from_a_ticket_writes_nothing_back(ctx: Context, zendesk_api: HttpSink
                                                      ) -> None:
    from case_support import open_case

    open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="storage engineers needed")

    assert delivery_page(ctx=ctx).items == []


def test_zendesk_asking_to_wait_is_retried_and_a_refusal_is_a_dead_letter(
        ctx: Context, clock: FakeClock, zendesk_api: HttpSink) -> None:
    ticket_created(ctx, clock())
    zendesk_api.fail_next(1, status=429)
    [first] = outbox.deliver_due(ctx, owner="worker-1")
    assert first.outcome == "retry"
    clock.advance(minutes=5)
    zendesk_api.answer("/api/v2/tickets/5158.json", status=404, body={"error": "RecordNotFound"})
    [second] = outbox.deliver_due(ctx, owner="worker-1")

    assert second.outcome == "dead"
    [dead] = delivery_page(ctx=ctx, state="dead").items
    assert "answered 404" in (dead.last_error or "")


def test_without_zendesks_url_nothing_is_written_back(
        ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESCALADA_ZENDESK_URL")
    ticket_created(ctx, clock())
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="storage engineers needed")

    assert delivery_page(ctx=ctx).items == []


def test_the_tags_name_every_place_the_case_is_not() -> None:
    added, removed = place_tags("esc_", "VENDOR", "L4")

    assert added == ["esc_tier_vendor", "esc_level_l4"]
    assert set(removed) == {"esc_tier_t1", "esc_tier_t2", "esc_tier_t3", "esc_level_l1",
                            "esc_level_l2", "esc_level_l3", "esc_level_none"}


def test_a_jira_issue_gets_the_tier_and_level_as_labels(
        ctx: Context, clock: FakeClock, zendesk_api: HttpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    jira_api = zendesk_api  # one loopback fake answers both APIs
    monkeypatch.setenv("ESCALADA_JIRA_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ESCALADA_JIRA_URL", jira_api.url())
    monkeypatch.setenv("ESCALADA_JIRA_EMAIL", "bot@acme.example")
    monkeypatch.setenv("ESCALADA_JIRA_API_TOKEN", "jira-token")
    add_account(ctx=ctx, actor=ADMIN, id="ACME", name="Acme Corp", tier="enterprise",
                support_plan="enterprise")
    body = json.dumps({
        "timestamp": int(clock().timestamp() * 1000), "webhookEvent": "jira:issue_created",
        "issue": {"id": "10002", "key": "ACME-3", "fields": {
            "summary": "Failover stuck", "priority": {"name": "High"},
            "status": {"name": "Open"}, "project": {"key": "ACME"}}}}).encode()
    hooks.receive_hook(ctx=ctx, source="jira", body=body, headers={
        "X-Hub-Signature": jira_signature(SECRET, body),
        "X-Atlassian-Webhook-Identifier": "j-1"})
    escalate(ctx=ctx, actor=MARIA, case_id="CASE-1", to="L2", reason="revenue at risk")
    outbox.deliver_due(ctx, owner="worker-1")

    [request] = [r for r in jira_api.requests if r.path == "/rest/api/3/issue/ACME-3"]
    labels = request.json()["update"]["labels"]
    assert [op["add"] for op in labels if "add" in op] == ["escalada_tier_t1",
                                                          "escalada_level_l2"]
    assert {"remove": "escalada_level_none"} in labels
    assert request.method == "PUT"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(
        b"bot@acme.example:jira-token").decode()
