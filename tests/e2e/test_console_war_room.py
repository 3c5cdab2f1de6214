"""The console's war-room page over HTTP (TestClient, SQLite): the room as each role sees
it, the forms each role is shown, every action through the war-room service functions,
and the refusals: a role that may not (403, the service's message on the page), a form
without its CSRF token, a stale form (409), an unknown case (404)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from case_support import open_case
from console_routes import (
    SignedIn,
    cheap_passwords,
    csrf_of,
    forms_of,
    people,
    signed_in_clients,
)
from examples import ANA
from fake_slack import FakeSlack, fake_slack  # noqa: F401

from escalada.services.context import Context
from escalada.services.escalations import escalate
from escalada.services.war_room_actions import show_war_room

ROOM = "/war-rooms/CASE-1"
ROLES = {"vera": ("viewer", None), "ana": ("engineer", None), "lena": ("team_lead", None),
         "lebedev": ("vp", "CEO"), "dana": ("support_director", "Support Director")}


@pytest.fixture
def console(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[SignedIn]:
    cheap_passwords(monkeypatch)
    people(sqlite_ctx, ROLES)
    yield from signed_in_clients(sqlite_ctx)


@pytest.fixture
def room(sqlite_ctx: Context, console: SignedIn) -> str:
    """A strategic account's CEO escalates a P1 to L3: the war room opens, with our CEO
    (lebedev) as the executive to acknowledge."""
    case = open_case(sqlite_ctx, account="meridian", name="Meridian Bank", tier="strategic",
                     contact_level="c_level", contact_title="CEO",
                     title="Payments time out").snapshot.id
    escalate(ctx=sqlite_ctx, actor=ANA, case_id=case, to="L3")
    return case


def post(console: SignedIn, name: str, action: str, **fields: str) -> httpx.Response:
    """Post one of the page's forms as `name` (with the page's CSRF token and the case
    version it shows, unless `fields` say otherwise)."""
    client = console(name)
    page = client.get(ROOM).text
    shown = re.search(r'name="expected_version" value="(\d+)"', page)
    form = {"csrf_token": csrf_of(page)} | (
        {} if shown is None else {"expected_version": shown.group(1)})
    return client.post(f"{ROOM}/{action}", data=form | fields, follow_redirects=False)


@pytest.mark.usefixtures("room")
def test_a_viewer_sees_the_room_and_no_form(console: SignedIn) -> None:
    page = console("vera").get(ROOM)

    assert page.status_code == 200
    assert "#exec-escalation-meridian-bank" in page.text
    assert "Notify the Support Director" in page.text  # a checklist item
    assert "Escalation Coordinator" in page.text  # a seat
    assert "lebedev" in page.text and "every 4 hours" in page.text
    assert forms_of(page.text) == []


@pytest.mark.usefixtures("room")
def test_each_role_is_shown_the_forms_it_may_use(console: SignedIn) -> None:
    engineer = set(forms_of(console("ana").get(ROOM).text))
    lead = set(forms_of(console("lena").get(ROOM).text))
    executive = set(forms_of(console("lebedev").get(ROOM).text))

    assert engineer == {f"{ROOM}/tick"}
    assert lead == {f"{ROOM}/tick", f"{ROOM}/assign", f"{ROOM}/slack"}
    assert executive == {f"{ROOM}/tick", f"{ROOM}/assign", f"{ROOM}/ack", f"{ROOM}/slack"}


def test_a_team_lead_creates_the_slack_channel_from_the_page(
    console: SignedIn, room: str, sqlite_ctx: Context, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    fake_slack.fail("conversations.create", "restricted_action")
    failed = post(console, "lena", "slack")
    assert failed.status_code == 502
    assert "conversations.create answered restricted_action" in failed.text
    fake_slack.failures.clear()

    answer = post(console, "lena", "slack")

    assert answer.status_code == 303, answer.text
    channel = show_war_room(ctx=sqlite_ctx, case_id=room).slack_channel_id
    assert channel is not None
    assert fake_slack.channels[channel]["name"] == "exec-escalation-meridian-bank"
    page = console("lena").get(ROOM).text
    assert f"In Slack: {channel}" in page
    assert "Invite the seated people in Slack" in page
    refused = console("ana").post(f"{ROOM}/slack", data={
        "csrf_token": csrf_of(console("ana").get(ROOM).text)}, follow_redirects=False)
    assert refused.status_code == 403


def test_an_engineer_ticks_an_item_done(console: SignedIn, room: str,
                                        sqlite_ctx: Context) -> None:
    answer = post(console, "ana", "tick", item="notify_support_director", note="Called Dana")

    assert answer.status_code == 303 and answer.headers["location"] == ROOM
    item = next(i for i in show_war_room(ctx=sqlite_ctx, case_id=room).checklist
                if i.key == "notify_support_director")
    assert (item.done_by, item.note) == ("ana", "Called Dana")
    assert "done by ana" in console("ana").get(ROOM).text


def test_a_team_lead_seats_a_person_and_the_executive_acknowledges(
    console: SignedIn, room: str, sqlite_ctx: Context,
) -> None:
    seated = post(console, "lena", "assign", role="escalation_coordinator", person="lena")
    acknowledged = post(console, "lebedev", "ack", note="Spoke to their CEO")

    assert seated.status_code == acknowledged.status_code == 303
    view = show_war_room(ctx=sqlite_ctx, case_id=room)
    assert view.attendees[0].user == "lena" and view.executive_ack_by == "lebedev"
    page = console("lebedev").get(ROOM).text
    assert f"{ROOM}/ack" not in forms_of(page)  # given once
    assert "by lebedev" in page


@pytest.mark.usefixtures("room")
@pytest.mark.parametrize(("name", "action", "fields", "message"), [
    ("ana", "assign", {"role": "escalation_coordinator", "person": "ana"},
     "assigning war-room attendees needs the role team lead or above; ana is engineer"),
    ("vera", "tick", {"item": "notify_support_director"},
     "ticking a war-room checklist item needs the role engineer or above; vera is viewer"),
    ("dana", "ack", {}, "acknowledging for lebedev needs the role VP or above"),
    ("ana", "open", {}, "opening a war room needs the role team lead or above"),
])
def test_a_role_that_may_not_is_refused_on_the_page(
    console: SignedIn, name: str, action: str, fields: dict[str, str], message: str,
) -> None:
    answer = post(console, name, action, **fields)

    assert answer.status_code == 403
    assert message in answer.text
    assert "#exec-escalation-meridian-bank" in answer.text


@pytest.mark.usefixtures("room")
@pytest.mark.parametrize("token", [None, "forged"])
def test_a_form_without_its_csrf_token_is_refused(
    console: SignedIn, token: str | None, sqlite_ctx: Context,
) -> None:
    data = {"item": "notify_support_director"} | ({} if token is None else {"csrf_token": token})

    answer = console("ana").post(f"{ROOM}/tick", data=data, follow_redirects=False)

    assert answer.status_code == 403
    assert "its security token is missing or wrong" in answer.text
    assert all(item.done_at is None for item in show_war_room(ctx=sqlite_ctx,
                                                              case_id="CASE-1").checklist)


@pytest.mark.usefixtures("room")
def test_a_form_read_before_someone_elses_change_is_refused_as_stale(
    console: SignedIn,
) -> None:
    client = console("ana")
    page = client.get(ROOM).text
    post(console, "lena", "tick", item="notify_support_director")

    stale = client.post(f"{ROOM}/tick", data={
        "csrf_token": csrf_of(page), "item": "notify_account_team",
        "expected_version": re.findall(r'name="expected_version" value="(\d+)"', page)[0]},
        follow_redirects=False)

    assert stale.status_code == 409
    assert "someone else changed it; reload and try again" in stale.text


@pytest.mark.usefixtures("room")
def test_ticking_an_item_twice_names_who_ticked_it(console: SignedIn) -> None:
    post(console, "ana", "tick", item="notify_support_director")

    again = post(console, "lena", "tick", item="notify_support_director")

    assert again.status_code == 409
    assert "notify_support_director was ticked by ana" in again.text


def test_a_case_without_a_room_offers_a_team_lead_to_open_one(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    open_case(sqlite_ctx, title="Disk latency")
    lead = console("lena").get(ROOM)

    assert lead.status_code == 200 and "No war room" in lead.text
    assert forms_of(lead.text) == [f"{ROOM}/open"]
    assert forms_of(console("ana").get(ROOM).text) == []
    opened = post(console, "lena", "open", reason="customer's CTO on the phone")
    assert opened.status_code == 303
    assert show_war_room(ctx=sqlite_ctx, case_id="CASE-1").trigger == "manual"


def test_an_unknown_case_is_404_and_nobody_signed_in_goes_to_sign_in(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    from fastapi.testclient import TestClient

    from escalada.entrypoints.api import create_app

    missing = console("ana").get("/war-rooms/CASE-404")
    with TestClient(create_app(sqlite_ctx), base_url="http://127.0.0.1") as stranger:
        anonymous = stranger.get(ROOM, follow_redirects=False)

    assert missing.status_code == 404 and "no case CASE-404" in missing.text
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303, "/sign-in?next=/war-rooms/CASE-1")


@pytest.mark.usefixtures("room")
def test_the_page_speaks_russian_to_a_russian_reader(console: SignedIn) -> None:
    client = console("ana")
    client.post("/language", data={"language": "ru", "csrf_token": csrf_of(
        client.get(ROOM).text)}, follow_redirects=False)

    page = client.get(ROOM).text

    assert "Штаб · CASE-1" in page and "Неотложные действия" in page
    assert "каждые 4 часа" in page
