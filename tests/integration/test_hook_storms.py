"""Outage storms arriving through the help desks' webhooks, on SQLite and PostgreSQL: 200
tickets of 50 accounts (Zendesk, Jira and generic, each signed for real, naming their
service and region in tags, components, labels and keys) open exactly one platform
incident per service and region, link every case and set the policy's flags, as cases
opened by people do; the same deliveries again change nothing; a ticket whose tags change
later joins the incident of its new place, as a person's edit of the case does."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
import zendesk_support
from examples import ADMIN

from escalada.adapters.db.tables import CaseRow, IncidentCaseRow, TimelineRow
from escalada.domain.hook_signatures import generic_signature, jira_signature
from escalada.services import cases, hooks
from escalada.services.accounts import add_account
from escalada.services.context import Context
from escalada.services.incidents import incident_page, show_incident
from escalada.testing import FakeClock

SECRET = "c3Rvcm0gb2YgdGlja2V0cw=="
ACCOUNTS = 50
TICKETS = 200
PLACES = [("rds", "eu-central-1"), ("s3", "us-east-1")]
BOTH_FLAGS = ["multi_service_outage", "systemic_platform_failure"]


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each source's secret; Jira's projects C1..C50 are the accounts acct-1..acct-50
    (Zendesk organizations and generic accounts name them by their own ids)."""
    from escalada.adapters.hooks_file import HOOKS_MAPPING

    for source in ("ZENDESK", "JIRA", "GENERIC"):
        monkeypatch.setenv(f"ESCALADA_{source}_WEBHOOK_SECRET", SECRET)
    document = yaml.safe_load(HOOKS_MAPPING.default_path().read_text(encoding="utf-8"))
    document["jira"]["accounts"] = {f"C{n}": f"acct-{n}" for n in range(1, ACCOUNTS + 1)}
    path = tmp_path / "hooks.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(path))


def accounts(ctx: Context, count: int = ACCOUNTS) -> None:
    for n in range(1, count + 1):
        add_account(ctx=ctx, actor=ADMIN, id=f"acct-{n}", name=f"Customer {n}",
                    tier="enterprise", support_plan="enterprise")


def zendesk_ticket(n: int, account: str, at: datetime, tags: list[str], *,
                   kind: str = "created", event_id: str | None = None) -> dict[str, Any]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "account_id": 22129848, "id": event_id or f"zd-{n}", "subject": f"zen:ticket:{n}",
        "time": stamp, "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06", "event": {},
        "detail": {"id": str(n), "organization_id": account, "priority": "URGENT",
                   "status": "NEW", "subject": "Database connections time out",
                   "tags": tags, "type": "INCIDENT", "updated_at": stamp,
                   "via": {"channel": "web"}}}


def jira_ticket(n: int, project: str, at: datetime, service: str, region: str
                ) -> dict[str, Any]:
    return {
        "timestamp": int(at.timestamp() * 1000), "webhookEvent": "jira:issue_created",
        "issue": {"id": str(10_000 + n), "key": f"{project}-{n}", "fields": {
            "summary": "Database connections time out", "priority": {"name": "Highest"},
            "status": {"name": "Open"}, "project": {"key": project},
            "components": [{"id": "10100", "name": service}],
            "labels": ["outage", f"region_{region}"]}}}


def generic_ticket(n: int, account: str, at: datetime, service: str, region: str
                   ) -> dict[str, Any]:
    return {"id": f"gen-{n}", "type": "ticket.created", "occurred_at": at.isoformat(),
            "ticket": {"id": f"G{n}", "account": account, "priority": "p1",
                       "subject": "Database connections time out",
                       "services": [service], "regions": region}}


def deliver(ctx: Context, source: str, document: dict[str, Any]) -> hooks.HookReceiptView:
    """Sign the document as its help desk does, and post it to the webhook's service."""
    body = json.dumps(document).encode()
    now = ctx.clock()
    if source == "zendesk":
        headers = zendesk_support.signature(body, now, SECRET)
    elif source == "jira":
        headers = {"X-Hub-Signature": jira_signature(SECRET, body),
                   "X-Atlassian-Webhook-Identifier": f"jira-{document['issue']['id']}-"
                                                     f"{document['timestamp']}"}
    else:
        seconds = int(now.timestamp())
        headers = {"X-Escalada-Timestamp": str(seconds),
                   "X-Escalada-Signature": generic_signature(SECRET, seconds, body)}
    return hooks.receive_hook(ctx=ctx, source=source, headers=headers, body=body)


def storm_of_tickets(clock: FakeClock) -> list[tuple[str, dict[str, Any], tuple[str, str]]]:
    """Ticket n (of account n mod 50) about place n mod 2, a second apart; every tenth a
    Jira issue, every tenth but five a generic document, the others Zendesk's."""
    tickets = []
    for n in range(TICKETS):
        account, (service, region) = n % ACCOUNTS + 1, PLACES[n % 2]
        at = clock() if not tickets else clock.advance(seconds=1)
        if n % 10 == 0:
            tickets.append(("jira", jira_ticket(n, f"C{account}", at, service, region)))
        elif n % 10 == 5:
            tickets.append(("generic", generic_ticket(n, f"acct-{account}", at, service,
                                                      region)))
        else:
            tickets.append(("zendesk", zendesk_ticket(
                n, f"acct-{account}", at, ["outage", f"service_{service}",
                                           f"region_{region}"])))
    return [(source, document, PLACES[n % 2])
            for n, (source, document) in enumerate(tickets)]


def _delivered(ctx: Context, tickets: list[tuple[str, dict[str, Any], tuple[str, str]]]
               ) -> list[hooks.HookReceiptView]:
    return [deliver(ctx, source, document) for source, document, _ in tickets]


def places(ctx: Context, ref: str) -> tuple[list[str], list[str]]:
    """The case's services and regions as stored."""
    with ctx.reading() as uow:
        case = uow.session.get_one(CaseRow, int(ref.removeprefix("CASE-")))
        return list(case.services), list(case.regions)


def _counts(ctx: Context) -> tuple[int, int]:
    with ctx.reading() as uow:
        return (uow.session.query(TimelineRow).count(),
                uow.session.query(IncidentCaseRow).count())


def test_a_storm_of_tickets_opens_one_incident_per_place_and_links_every_case(
        ctx: Context, clock: FakeClock) -> None:
    accounts(ctx)
    tickets = storm_of_tickets(clock)

    receipts = _delivered(ctx, tickets)

    assert [r.state for r in receipts] == ["applied"] * TICKETS
    assert len({r.case for r in receipts}) == TICKETS
    incidents = {(i.service, i.region): i for i in incident_page(ctx=ctx).items}
    assert sorted(incidents) == sorted(PLACES)  # exactly one per service and region
    for place, summary in incidents.items():
        incident = show_incident(ctx=ctx, incident_id=summary.id)
        wanted = {r.case for r, (_, _, at) in zip(receipts, tickets, strict=True)
                  if at == place}
        assert {linked.case for linked in incident.linked} == wanted
        assert (incident.accounts, incident.flags, incident.opened_by) == (
            ACCOUNTS // 2, BOTH_FLAGS, "escalada")
    for receipt, (source, _, place) in zip(receipts[::7], tickets[::7], strict=True):
        assert receipt.case is not None
        case = cases.show_case(ctx=ctx, case_id=receipt.case)
        assert places(ctx, receipt.case) == ([place[0]], [place[1]])
        assert set(BOTH_FLAGS) <= set(case.snapshot.flags), source
        assert [link.id for link in case.incidents] == [incidents[place].id]
        assert case.snapshot.severity == "P1"
    before = _counts(ctx)

    again = _delivered(ctx, tickets)  # every help desk retries every delivery

    assert [r.state for r in again] == ["duplicate"] * TICKETS
    assert [r.case for r in again] == [r.case for r in receipts]
    assert _counts(ctx) == before
    assert sorted((i.id, i.accounts, i.cases) for i in incident_page(ctx=ctx).items) == sorted(
        (i.id, i.accounts, i.cases) for i in incidents.values())


def test_a_tickets_tags_naming_its_region_later_join_the_incident_as_an_edit_does(
        ctx: Context, clock: FakeClock) -> None:
    accounts(ctx, 6)
    for n in range(1, 6):
        deliver(ctx, "zendesk", zendesk_ticket(n, f"acct-{n}", clock(),
                                               ["service_rds", "region_eu-central-1"]))
        clock.advance(seconds=10)
    [incident] = incident_page(ctx=ctx).items
    late = deliver(ctx, "zendesk", zendesk_ticket(6, "acct-6", clock(), ["service_rds"]))
    assert late.case is not None
    assert cases.show_case(ctx=ctx, case_id=late.case).incidents == []
    clock.advance(minutes=1)

    tagged = deliver(ctx, "zendesk", zendesk_ticket(
        6, "acct-6", clock(), ["vip", "service_rds", "region_eu-central-1"],
        kind="tags_changed", event_id="zd-6-tags"))

    assert (tagged.state, tagged.case) == ("applied", late.case)
    assert "regions [] -> ['eu-central-1']" in tagged.outcome
    assert places(ctx, late.case) == (["rds"], ["eu-central-1"])
    case = cases.show_case(ctx=ctx, case_id=late.case)
    assert [link.id for link in case.incidents] == [incident.id]
    assert "multi_service_outage" in case.snapshot.flags
    kinds = [entry.kind for entry in cases.case_timeline(ctx=ctx, case_id=late.case)]
    assert kinds[-2:] == ["updated", "incident_linked"]
    assert show_incident(ctx=ctx, incident_id=incident.id).accounts == 6


def test_an_older_tags_change_leaves_the_cases_places_alone(
        ctx: Context, clock: FakeClock) -> None:
    accounts(ctx, 1)
    start = clock()
    clock.advance(seconds=30)
    deliver(ctx, "zendesk", zendesk_ticket(1, "acct-1", clock(), ["service_rds"]))

    stale = deliver(ctx, "zendesk", zendesk_ticket(1, "acct-1", start, ["service_s3"],
                                                   kind="tags_changed", event_id="old"))

    assert stale.state == "ignored"
    assert places(ctx, "CASE-1") == (["rds"], [])


def test_a_jira_issue_whose_components_change_moves_its_case_and_a_closed_one_stays(
        ctx: Context, clock: FakeClock) -> None:
    accounts(ctx, 1)
    opened = deliver(ctx, "jira", jira_ticket(1, "C1", clock(), "rds", "eu-central-1"))
    clock.advance(seconds=5)
    update = jira_ticket(1, "C1", clock(), "s3", "eu-central-1")
    update["webhookEvent"] = "jira:issue_updated"
    update["issue"]["fields"]["components"].append({"name": "rds"})
    update["changelog"] = {"id": "1", "items": [{"field": "Component", "toString": "s3"}]}

    moved = deliver(ctx, "jira", update)

    assert (moved.state, moved.case) == ("applied", opened.case)
    assert opened.case is not None
    assert places(ctx, opened.case) == (["rds", "s3"], ["eu-central-1"])
    [entry] = [e for e in cases.case_timeline(ctx=ctx, case_id=opened.case)
               if e.kind == "updated"]
    assert entry.actor == "jira" and "services ['rds'] -> ['rds', 's3']" in entry.summary
    clock.advance(seconds=5)
    closed = jira_ticket(1, "C1", clock(), "s3", "eu-central-1")
    closed["webhookEvent"] = "jira:issue_updated"
    closed["issue"]["fields"]["components"] = [{"name": "ec2"}]
    closed["changelog"] = {"id": "2", "items": [{"field": "status", "toString": "Closed"}]}
    receipt = deliver(ctx, "jira", closed)
    assert "services not changed: CASE-1 is closed" in receipt.outcome
    assert places(ctx, opened.case) == (["rds", "s3"], ["eu-central-1"])  # closed: kept
