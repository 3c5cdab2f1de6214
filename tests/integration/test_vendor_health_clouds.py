"""Azure Service Health and Google Cloud Service Health, offline: the real
azure-mgmt-resourcehealth client against a fake ARM events endpoint, and the real
google-cloud-servicehealth client over REST against a fake Service Health, both on
loopback; then the three vendors polled together by the workers, where one vendor's
failure stops no other's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from case_support import open_case
from examples import ANA
from fake_aws_health import FakeAwsHealth, fake_aws_health  # noqa: F401
from fake_service_health import (  # noqa: F401
    FakeAzureHealth,
    FakeGoogleHealth,
    azure_feed,
    fake_azure_health,
    fake_google_health,
    google_feed,
)
from timer_support import drain, timeline

from escalada.adapters.vendors.health import health_feed
from escalada.domain.errors import VendorFailed
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.vendor_health import poll_now
from escalada.services.vendor_health_views import vendor_health
from escalada.settings import Settings
from escalada.testing import FakeClock


def test_azure_service_issues_are_read_one_event_per_service_and_region(
    clock: FakeClock, fake_azure_health: FakeAzureHealth,  # noqa: F811
) -> None:
    began = clock() - timedelta(minutes=30)
    tracking = fake_azure_health.open_issue(
        "Virtual Machines - West Europe - Degraded start-up", "Virtual Machines",
        ["West Europe", "North Europe"], began, "Some VMs fail to start.",
        resolved_regions=("North Europe",))
    fake_azure_health.open_issue("Storage - Global", "Storage", [], began)

    events = azure_feed(fake_azure_health).open_events()

    assert [(e.id, e.service, e.region, e.status) for e in events] == [
        (f"{tracking}/Virtual Machines/West Europe", "Virtual Machines", "West Europe", "open"),
        (f"{tracking}/Virtual Machines/North Europe", "Virtual Machines", "North Europe",
         "closed"),
        ("TRK-002/Storage/global", "Storage", None, "open"),
    ]
    assert events[0].title == "Virtual Machines - West Europe - Degraded start-up"
    assert (events[0].started_at, events[0].description) == (began, "Some VMs fail to start.")
    paths = [(path, query) for path, query in fake_azure_health.requests]
    assert len(paths) == 2  # two pages
    assert paths[0][1]["$filter"] == ("Properties/EventType eq 'ServiceIssue' and "
                                      "Properties/Status eq 'Active'")
    assert paths[0][1]["api-version"] == "2025-05-01"


@pytest.mark.parametrize(("status", "code", "said", "tries"), [
    (403, "AuthorizationFailed", "may not read Service Health on subscription", 1),
    (401, "InvalidAuthenticationToken", "may not read Service Health on subscription", 1),
    (400, "BadRequest", r"Azure Service Health: refused \(BadRequest\)", 1),
    (503, "ServiceUnavailable", "Azure Resource Manager answered 503 after retries", 2),
])
def test_azure_refusing_says_what_to_do(
    fake_azure_health: FakeAzureHealth,  # noqa: F811
    status: int, code: str, said: str, tries: int,
) -> None:
    fake_azure_health.fail_with(status, code)
    with pytest.raises(VendorFailed, match=said):
        azure_feed(fake_azure_health).open_events()
    assert len(fake_azure_health.requests) == tries


def test_azure_without_a_subscription_or_over_http_is_refused_naming_the_setting() -> None:
    with pytest.raises(Exception, match="AZURE_SUBSCRIPTION_ID"):
        health_feed("azure", settings=Settings.of({}))
    with pytest.raises(Exception, match="ESCALADA_AZURE_ENDPOINT"):
        health_feed("azure", settings=Settings.of({
            "AZURE_SUBSCRIPTION_ID": "8f2c8d3e-2a47-4a39-9d62-3f4a1b6e7c10",
            "ESCALADA_AZURE_ENDPOINT": "http://127.0.0.1:1"}))


def test_google_incidents_are_read_over_rest_one_event_per_product_and_location(
    clock: FakeClock, fake_google_health: FakeGoogleHealth,  # noqa: F811
) -> None:
    began = clock() - timedelta(hours=1)
    name = fake_google_health.open_issue("Cloud SQL connection errors in europe-west1",
                                         "Cloud SQL", ["europe-west1", "europe-west4"], began,
                                         "Elevated connection errors.")
    fake_google_health.open_issue("Console slow", "Google Cloud Console", ["global"], began)

    events = google_feed(fake_google_health).open_events()

    assert [(e.id, e.service, e.region) for e in events] == [
        (f"{name}/Cloud SQL/europe-west1", "Cloud SQL", "europe-west1"),
        (f"{name}/Cloud SQL/europe-west4", "Cloud SQL", "europe-west4"),
        (f"{fake_google_health.incidents[1]['name']}/Google Cloud Console/global",
         "Google Cloud Console", None),
    ]
    assert {e.status for e in events} == {"open"}
    assert (events[0].started_at, events[0].title) == (
        began, "Cloud SQL connection errors in europe-west1")
    assert fake_google_health.requests[0][1]["filter"] == "state=ACTIVE AND category=INCIDENT"
    assert len(fake_google_health.requests) == 2  # two pages


@pytest.mark.parametrize(("status", "grpc_status", "said", "tries"), [
    (403, "PERMISSION_DENIED", "may not read Service Health on projects/acme-prod", 1),
    # google-auth's session refreshes the token and tries again after a 401, twice; our
    # retries add none.
    (401, "UNAUTHENTICATED", "Google Cloud refused the credentials", 3),
    (503, "UNAVAILABLE", "Google Cloud Service Health did not answer", 2),
])
def test_google_refusing_says_what_to_do(
    fake_google_health: FakeGoogleHealth,  # noqa: F811
    status: int, grpc_status: str, said: str, tries: int,
) -> None:
    fake_google_health.fail_with(status, grpc_status)
    with pytest.raises(VendorFailed, match=said):
        google_feed(fake_google_health).open_events()
    assert len(fake_google_health.requests) == tries


def _three_vendors(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, azure: FakeAzureHealth,
    google: FakeGoogleHealth,
) -> None:
    monkeypatch.setenv("ESCALADA_VENDOR_HEALTH", "aws,azure,gcp")
    feeds: dict[str, Any] = {"azure": azure_feed(azure), "gcp": google_feed(google)}
    monkeypatch.setattr(ctx, "health_feeds", lambda vendor: feeds.get(vendor) or health_feed(
        vendor, settings=Settings.current()))


def test_the_workers_poll_the_three_vendors_and_link_each_match(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
    fake_aws_health: FakeAwsHealth,  # noqa: F811
    fake_azure_health: FakeAzureHealth, fake_google_health: FakeGoogleHealth,  # noqa: F811
) -> None:
    _three_vendors(ctx, monkeypatch, fake_azure_health, fake_google_health)
    open_case(ctx, services=["RDS", "Virtual Machines", "Cloud SQL"],
              account_fields={"timezone": "Europe/Moscow"})
    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1",
                      regions=["eu-central-1", "westeurope", "europe-west1"])
    began = clock() - timedelta(minutes=20)  # 09:40 UTC, 12:40 in Moscow
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE", began)
    fake_azure_health.open_issue("Degraded VM start-up", "Virtual Machines", ["West Europe"],
                                 began)
    fake_google_health.open_issue("Connection errors", "Cloud SQL", ["europe-west1"], began)
    fake_google_health.open_issue("Slow queries", "BigQuery", ["europe-west1"], began)

    drain(ctx)

    lines = sorted(e.summary for e in timeline(ctx) if e.kind == "vendor_health_event")
    assert lines == [
        "AWS reports: operational issue for RDS in eu-central-1 since 12:40",
        "Azure reports: Degraded VM start-up for Virtual Machines in West Europe since 12:40",
        "Google Cloud reports: Connection errors for Cloud SQL in europe-west1 since 12:40",
    ]
    polls = vendor_health(ctx=ctx).polls
    assert [(p.vendor, p.error, p.polled_at) for p in polls] == [
        ("aws", None, clock()), ("azure", None, clock()), ("gcp", None, clock())]


class _Crashing:
    vendor = "azure"

    def open_events(self) -> list[Any]:
        raise RuntimeError("the SDK fell over")


def test_a_vendor_failing_or_crashing_stops_none_of_the_others(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
    fake_aws_health: FakeAwsHealth,  # noqa: F811
    fake_azure_health: FakeAzureHealth, fake_google_health: FakeGoogleHealth,  # noqa: F811
) -> None:
    _three_vendors(ctx, monkeypatch, fake_azure_health, fake_google_health)
    open_case(ctx, services=["RDS", "Cloud SQL"])
    fake_aws_health.fail_with(400, "UnrecognizedClientException")
    fake_google_health.open_issue("Connection errors", "Cloud SQL", ["europe-west1"], clock())
    fake_azure_health.fail_with(403, "AuthorizationFailed")

    polled = {p.vendor: p for p in poll_now(ctx=ctx, actor=ANA)}

    assert polled["aws"].error is not None and "refused the credentials" in polled["aws"].error
    assert polled["azure"].error is not None and "may not read Service Health" in (
        polled["azure"].error)
    assert (polled["gcp"].error, polled["gcp"].linked) == (None, 1)

    feeds: dict[str, Any] = {"azure": _Crashing(), "gcp": google_feed(fake_google_health)}
    monkeypatch.setattr(ctx, "health_feeds", lambda vendor: feeds.get(vendor) or health_feed(
        vendor, settings=Settings.current()))
    fake_google_health.open_issue("Slow writes", "Cloud SQL", ["us-east1"], clock())
    clock.advance(minutes=5)
    drain(ctx)
    polls = {p.vendor: p for p in vendor_health(ctx=ctx).polls}
    assert polls["azure"].error == "RuntimeError: the SDK fell over"
    assert polls["gcp"].error is None and polls["gcp"].polled_at == clock()
    assert len([e for e in timeline(ctx) if e.kind == "vendor_health_event"]) == 2


class _Counting:
    vendor = "gcp"

    def __init__(self) -> None:
        self.polls = 0

    def open_events(self) -> list[Any]:
        self.polls += 1
        return []


def test_a_vendors_poll_is_leased_to_one_worker_and_comes_back_when_it_dies(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from escalada.services.vendor_health import POLL_LEASE, POLLS, poll_due

    monkeypatch.setenv("ESCALADA_VENDOR_HEALTH", "gcp")
    feed = _Counting()
    monkeypatch.setattr(ctx, "health_feeds", lambda vendor: feed)
    assert poll_due(ctx, owner="worker-a") == 1  # the first poll, due at once
    clock.advance(minutes=5)
    with ctx.unit_of_work() as uow:  # worker A takes the next poll, then dies
        held = POLLS.take(uow.session, now=clock(), holder="worker-a", lease=POLL_LEASE,
                          limit=3)
        assert [row.vendor for row in held] == ["gcp"]
        uow.commit()

    assert poll_due(ctx, owner="worker-b") == 0  # held by A
    clock.advance(seconds=POLL_LEASE.total_seconds() - 1)
    assert poll_due(ctx, owner="worker-b") == 0
    clock.advance(seconds=1)
    assert poll_due(ctx, owner="worker-b") == 1  # A's lease is over
    assert feed.polls == 2
    assert poll_due(ctx, owner="worker-a") == 0  # and it is not due again until 5 min on


class _Fixed:
    vendor = "gcp"

    def __init__(self, events: list[Any]) -> None:
        self.events = events

    def open_events(self) -> list[Any]:
        return self.events


def test_a_poll_racing_another_for_a_new_event_takes_the_others_row(
    postgres_ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A person's poll and a worker's keep the same new event at once: the one that
    inserts second waits for the first, then takes its row and still links the case."""
    import threading
    import time

    from sqlalchemy import insert, text

    from escalada.adapters.db.tables import VendorEventRow
    from escalada.domain.vendor_health import VendorEvent

    ctx = postgres_ctx
    open_case(ctx, services=["Cloud SQL"])
    now = ctx.clock()
    event = VendorEvent(vendor="gcp", id="incident-1/Cloud SQL/europe-west1",
                        service="Cloud SQL", region="europe-west1",
                        title="Connection errors", started_at=now)
    monkeypatch.setattr(ctx, "health_feeds", lambda vendor: _Fixed([event]))
    other = ctx.engine.connect()
    keeping = other.begin()  # the other poll: its new event inserted, not yet committed
    other.execute(insert(VendorEventRow).values(
        vendor="gcp", event_id=event.id, service="Cloud SQL", region="europe-west1",
        title="Connection errors", description="", status="open", started_at=now,
        first_seen_at=now, last_seen_at=now))
    done: dict[str, Any] = {}

    def polling() -> None:
        try:
            done["polled"] = poll_now(ctx=ctx, actor=ANA, vendor="gcp")
        except Exception as error:  # shown by the assertion below
            done["error"] = error

    poll = threading.Thread(target=polling)
    poll.start()
    deadline = time.monotonic() + 20
    with ctx.engine.connect() as watching:  # until this poll waits on the other's insert
        while not watching.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")):
            assert poll.is_alive(), f"the poll ended without waiting on the other's insert: {done}"
            assert time.monotonic() < deadline, "the poll never waited on the other's insert"
            # pg_stat_activity is read once per transaction: a fresh one for each look
            watching.rollback()
            time.sleep(0.02)
    keeping.commit()
    other.close()
    poll.join(30)

    assert not poll.is_alive() and "error" not in done, done
    [polled] = done["polled"]
    assert (polled.error, polled.events, polled.linked) == (None, 1, 1)
    [kept] = vendor_health(ctx=ctx).events
    assert kept.cases == ["CASE-1"]
