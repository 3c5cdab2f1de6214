"""The console's incident pages over HTTP (TestClient, SQLite): a storm's incident on the
board's menu, its page with the linked cases, each case page naming it; an update told to
every customer from the page, the incident resolved and the proposed resolutions
confirmed through the same services as `escalada incident`; refusals on the page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from console_routes import SignedIn, cheap_passwords, csrf_of, people, signed_in_clients
from examples import ADMIN
from fake_aws_health import FakeAwsHealth, fake_aws_health  # noqa: F401
from storm_support import storm

from escalada.services import cases, incidents
from escalada.services.context import Context
from escalada.services.vendor_health import poll_now
from escalada.testing import CapturingChannels, FakeClock


@pytest.fixture
def console(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[SignedIn]:
    cheap_passwords(monkeypatch)
    people(sqlite_ctx, {"vera": ("viewer", None), "ana": ("engineer", None)})
    yield from signed_in_clients(sqlite_ctx)


@pytest.fixture
def stormed(sqlite_ctx: Context, clock: FakeClock, console: SignedIn) -> Context:
    sqlite_ctx.channels = CapturingChannels()
    storm(sqlite_ctx, clock, 5)
    return sqlite_ctx


@pytest.mark.usefixtures("stormed")
def test_the_incident_shows_on_its_pages_and_on_each_case(console: SignedIn) -> None:
    listed = console("vera").get("/incidents")
    page = console("vera").get("/incidents/INC-1")
    case = console("vera").get("/cases/CASE-3")

    assert listed.status_code == 200 and 'href="/incidents/INC-1"' in listed.text
    assert 'href="/incidents"' in listed.text  # the menu
    assert page.status_code == 200
    assert page.text.count('data-testid="linked-case"') == 5
    assert "multi_service_outage" in page.text
    assert 'data-testid="incident-link"' in case.text and "Platform incident INC-1" in case.text


def test_the_board_marks_the_cases_of_an_open_incident(console: SignedIn, stormed: Context
                                                      ) -> None:
    board = console("vera").get("/board").text

    assert board.count('data-testid="incident-mark"') == 5
    assert 'href="/incidents/INC-1"' in board
    console("ana").post("/incidents/INC-1/resolve", data={"csrf_token": csrf_of(
        console("ana").get("/incidents/INC-1").text)})
    assert 'data-testid="incident-mark"' not in console("vera").get("/board").text


def test_an_engineer_updates_resolves_and_confirms_from_the_page(
    console: SignedIn, stormed: Context,
) -> None:
    ana = console("ana")
    token = csrf_of(ana.get("/incidents/INC-1").text)

    updated = ana.post("/incidents/INC-1/update", data={
        "csrf_token": token, "status": "MITIGATING", "understanding": "A node failed",
        "doing_now": "Failing over", "next_steps": "Watch"}, follow_redirects=False)
    resolved = ana.post("/incidents/INC-1/resolve", data={
        "csrf_token": token, "resolution": "Node replaced"}, follow_redirects=False)
    proposed = ana.get("/cases/CASE-1")
    confirmed = ana.post("/incidents/INC-1/resolve-cases", data={"csrf_token": token},
                         follow_redirects=False)

    assert updated.status_code == resolved.status_code == confirmed.status_code == 303
    assert 'data-testid="resolution-proposed"' in proposed.text
    assert cases.show_case(ctx=stormed, case_id="CASE-1").snapshot.status == "resolved"
    page = ana.get("/incidents/INC-1").text
    assert page.count('data-testid="incident-update"') == 1
    assert 'data-testid="resolve-incident"' not in page


def test_refusals_show_on_the_page(console: SignedIn, stormed: Context) -> None:
    vera = console("vera")
    token = csrf_of(vera.get("/incidents/INC-1").text)

    refused = vera.post("/incidents/INC-1/resolve", data={"csrf_token": token})
    missing = vera.get("/incidents/INC-404")
    no_csrf = console("ana").post("/incidents/INC-1/resolve", data={})

    assert refused.status_code == 403 and 'data-testid="problem"' in refused.text
    assert missing.status_code == 404
    assert no_csrf.status_code in (400, 403)
    ana = console("ana")
    ana.post("/incidents/INC-1/resolve", data={"csrf_token": csrf_of(
        ana.get("/incidents/INC-1").text)})
    twice = ana.post("/incidents/INC-1/resolve", data={"csrf_token": csrf_of(
        ana.get("/incidents/INC-1").text)})
    assert twice.status_code == 409 and "INC-1 is resolved already" in twice.text


def test_the_pages_speak_russian(console: SignedIn, stormed: Context) -> None:
    vera = console("vera")
    vera.post("/language", data={"csrf_token": csrf_of(vera.get("/incidents").text),
                                 "language": "ru", "next": "/incidents"})

    listed = vera.get("/incidents").text
    case = vera.get("/cases/CASE-1").text
    assert "Инциденты платформы" in listed
    assert "Инцидент платформы INC-1" in case
    # an incident (инцидент) is «открыт», where a case (обращение) is «открыто»
    assert 'status-open">открыт</span>' in listed
    assert 'data-testid="incident-status">открыт</span>' in vera.get("/incidents/INC-1").text
    assert " · открыт · " in case


def test_the_incident_page_lists_the_vendors_open_events_of_its_place(
    console: SignedIn, stormed: Context, clock: FakeClock,
    fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    quiet = console("vera").get("/incidents/INC-1").text
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE",
                               clock() - timedelta(minutes=10))
    fake_aws_health.open_issue("EC2", "eu-central-1", "AWS_EC2_OPERATIONAL_ISSUE",
                               clock() - timedelta(minutes=10))
    poll_now(ctx=stormed, actor=ADMIN, vendor="aws")

    page = console("vera").get("/incidents/INC-1").text

    assert 'data-testid="vendor-health"' not in quiet
    assert page.count('data-testid="vendor-event"') == 1
    assert "AWS reports: operational issue for RDS in eu-central-1" in page


def test_the_incidents_come_a_page_at_a_time_filtered_by_status(
        console: SignedIn, sqlite_ctx: Context) -> None:
    for n in range(52):
        incidents.open_incident(ctx=sqlite_ctx, actor=ADMIN, service="compute",
                                region=f"region-{n:02d}")
    incidents.resolve_incident(ctx=sqlite_ctx, actor=ADMIN, incident_id="INC-52")
    vera = console("vera")

    first = vera.get("/incidents?status=open").text
    [following] = re.findall(r'href="([^"]+)" data-testid="next-page"', first)
    second = vera.get(html.unescape(following)).text

    assert first.count('data-testid="incident-row"') == 50  # INC-51 .. INC-2
    assert 'href="/incidents/INC-52"' not in first  # resolved
    assert "status=open" in following
    assert second.count('data-testid="incident-row"') == 1 and 'href="/incidents/INC-1"' in second
    assert 'data-testid="next-page"' not in second
