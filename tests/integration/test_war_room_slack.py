"""A war room in Slack, on real SQLite and PostgreSQL, through slack_sdk's real WebClient
against the fake Web API on loopback: the channel created under the room's slug and its
seated people invited (those with a Slack user id), the case's changes posted there
through the outbox, and the `/escalada` slash command acting as the mapped user."""

from __future__ import annotations

import pytest
from case_support import open_case
from examples import ADMIN, ANA, T2_HANDOFF
from examples import LENA as LEAD
from fake_slack import FakeSlack, fake_slack  # noqa: F401
from timer_support import drain

from escalada.adapters.catalogs import translations
from escalada.domain.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    VendorFailed,
)
from escalada.services import cases, war_room_actions
from escalada.services.context import Actor, Context
from escalada.services.escalations import escalate
from escalada.services.outbox import deliver_due
from escalada.services.people import add_user, disable_user, update_user
from escalada.services.slack_commands import run_command
from escalada.services.war_room_slack import create_slack_channel
from escalada.testing import FakeClock

CEO = Actor("lebedev", "vp")
VIEWER = Actor("vic", "viewer")
CHANNEL = "exec-escalation-meridian-bank"


@pytest.fixture
def room(ctx: Context) -> str:
    """CASE-1 of Meridian Bank at L3 with its war room; ana and lena seated, ana and the
    CEO (its executive) in Slack, lena not."""
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    for person, title in ((ANA, None), (LEAD, None), (CEO, "CEO"), (VIEWER, None)):
        add_user(ctx=ctx, actor=ADMIN, name=person.name, role=person.role or "", title=title)
    for person, slack_id in ((ANA, "U0ANA"), (CEO, "U0OLGA"), (VIEWER, "U0VERA")):
        update_user(ctx=ctx, actor=ADMIN, name=person.name,
                    changes={"slack_user_id": slack_id})
    case = open_case(ctx, account="meridian", name="Meridian Bank", tier="strategic",
                     title="Payments time out", contact_level="c_level",
                     contact_title="CEO").snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    for role, user in (("escalation_coordinator", LEAD.name),
                       ("senior_technical_engineer", ANA.name)):
        war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role=role, user=user)
    return case


def test_the_channel_is_created_under_the_rooms_slug_and_its_slack_people_invited(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    view = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)

    assert (view.channel, view.created) == (f"#{CHANNEL}", True)
    assert fake_slack.channels[view.channel_id]["name"] == CHANNEL
    assert view.invited == ["ana", "lebedev"]
    assert view.not_in_slack == ["lena"]
    assert sorted(fake_slack.members(view.channel_id)) == ["U0ANA", "U0BOT", "U0OLGA"]
    shown = war_room_actions.show_war_room(ctx=ctx, case_id=room)
    assert shown.slack_channel_id == view.channel_id
    entry = cases.case_timeline(ctx=ctx, case_id=room)[-1]
    assert entry.kind == "war_room_slack_channel"
    assert "not in Slack: lena" in entry.summary


def test_running_it_again_finds_the_channel_and_invites_whoever_is_new(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    first = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)
    update_user(ctx=ctx, actor=ADMIN, name=LEAD.name, changes={"slack_user_id": "U0LENA"})

    again = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)

    assert (again.channel_id, again.created) == (first.channel_id, False)
    assert len(fake_slack.called("conversations.create")) == 1
    assert "U0LENA" in fake_slack.members(first.channel_id)
    assert again.not_in_slack == []


def test_a_channel_made_by_hand_under_the_name_is_taken_over(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    made = fake_slack.add_channel(CHANNEL)

    view = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)

    assert view.channel_id == made


def test_a_slack_error_is_reported_naming_the_method_and_code_and_nothing_is_kept(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    fake_slack.fail("conversations.invite", "missing_scope")

    with pytest.raises(VendorFailed, match=r"Slack: conversations\.invite of U0ANA answered "
                                           r"missing_scope"):
        create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)

    assert war_room_actions.show_war_room(ctx=ctx, case_id=room).slack_channel_id is None


def test_a_wrong_token_is_slacks_invalid_auth(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")

    with pytest.raises(VendorFailed, match=r"conversations\.create answered invalid_auth"):
        create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)


def test_without_a_token_or_a_room_or_the_role_nothing_is_asked_of_slack(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(NotPermitted, match="a team lead or above"):
        create_slack_channel(ctx=ctx, actor=ANA, case_id=room)
    other = open_case(ctx, title="Another").snapshot.id
    with pytest.raises(InvalidTransition, match="has no open war room"):
        create_slack_channel(ctx=ctx, actor=LEAD, case_id=other)
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    with pytest.raises(InvalidInput, match="SLACK_BOT_TOKEN: not set"):
        create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)
    assert fake_slack.calls == []


def test_the_cases_changes_are_posted_to_the_channel_through_the_outbox(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    channel = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room).channel_id

    escalate(ctx=ctx, actor=ANA, case_id=room, to="T2", handoff=T2_HANDOFF,
             reason="the database tier")
    war_room_actions.tick(ctx=ctx, actor=LEAD, case_id=room, item="notify_account_team")
    sent = deliver_due(ctx, owner="worker-1")

    assert [attempt.outcome for attempt in sent] == ["delivered"] * 3
    # Sent side by side: in any order.
    texts = sorted(message["text"] for message in fake_slack.messages)
    assert all(message["channel"] == channel for message in fake_slack.messages)
    assert all(text.startswith("*CASE-1: Payments time out*\n\n• ") for text in texts)
    created, escalated, _ticked = (next(t for t in texts if part in t) for part in (
        "Slack channel #exec-escalation-meridian-bank", "ana: step 2: T1 -&gt; T2",
        "lena: war room: Notify the Account Executive"))
    assert "(the database tier)" in escalated  # the reason; mrkdwn escapes ">"
    assert "invited ana, lebedev" in created
    # The posts' own deliveries change nothing: nothing more is queued.
    assert deliver_due(ctx, owner="worker-1") == []


def test_a_russian_accounts_room_is_posted_to_in_russian(
    ctx: Context, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    """The room works that customer's case: its posts are in the account's language, the
    entries told from their words (the reasons people typed stay as typed)."""
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    for person in (ANA, LEAD):
        add_user(ctx=ctx, actor=ADMIN, name=person.name, role=person.role or "")
    update_user(ctx=ctx, actor=ADMIN, name=ANA.name, changes={"slack_user_id": "U0ANA"})
    case = open_case(ctx, account="severstal", name="Severstal", tier="strategic",
                     account_fields={"language": "ru"}, title="Платежи зависают",
                     contact_level="c_level", contact_title="CEO").snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case,
                            role="escalation_coordinator", user=ANA.name)
    create_slack_channel(ctx=ctx, actor=LEAD, case_id=case)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="T2", handoff=T2_HANDOFF,
             reason="the database tier")

    deliver_due(ctx, owner="worker-1")

    posted = "\n".join(message["text"] for message in fake_slack.messages)
    assert "lena: канал Slack #exec-escalation-severstal (C" in posted
    assert "ana: шаг 2: T1 -&gt; T2" in posted
    assert "создан, приглашены: ana" in posted
    assert "(the database tier)" in posted
    assert "invited" not in posted and "created" not in posted


def test_what_the_timers_record_is_posted_too(
    ctx: Context, clock: FakeClock, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    create_slack_channel(ctx=ctx, actor=LEAD, case_id=room)
    deliver_due(ctx, owner="worker-1")
    clock.advance(minutes=31)  # the immediate actions and the acknowledgment are overdue

    drain(ctx)  # the worker fires the timers and sends what they queued

    assert len(fake_slack.messages) > 1
    posted = "\n".join(message["text"] for message in fake_slack.messages[1:])
    assert "escalada: war room: Notify the Support Director: not done" in posted
    assert deliver_due(ctx, owner="worker-1") == []  # the deliveries post nothing more


def test_a_case_without_a_slack_channel_posts_nothing(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    escalate(ctx=ctx, actor=ANA, case_id=room, to="T2", handoff=T2_HANDOFF, reason="db")

    assert deliver_due(ctx, owner="worker-1") == []
    assert fake_slack.messages == []


def test_a_slack_user_id_is_set_by_an_admin_only_and_belongs_to_one_person(
    ctx: Context, room: str,
) -> None:
    with pytest.raises(NotPermitted, match="changing your own Slack user id"):
        update_user(ctx=ctx, actor=LEAD, name=LEAD.name, changes={"slack_user_id": "U0LENA"})
    with pytest.raises(AlreadyExists, match="Slack user U0ANA is ana's already"):
        update_user(ctx=ctx, actor=ADMIN, name=LEAD.name, changes={"slack_user_id": "U0ANA"})
    with pytest.raises(InvalidInput, match="slack_user_id"):
        update_user(ctx=ctx, actor=ADMIN, name=LEAD.name, changes={"slack_user_id": "lena"})


# The slash command


def test_status_shows_the_case_to_the_asker_in_their_channel_or_by_name(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    channel = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room).channel_id

    here = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id=channel, text="status")
    named = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id="C0OTHER",
                        text="status case-1")
    nowhere = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id="C0OTHER",
                          text="status")

    assert here.response_type == "ephemeral"
    assert here.text.startswith("*CASE-1* Payments time out (Meridian Bank)")
    assert "tier T1, executive level L3" in here.text
    assert "\nSLA first response: due " in here.text  # words, not "first_response"
    assert "waits for acknowledgment" in here.text
    assert named.text == here.text
    assert "this channel is no war room's" in nowhere.text


def test_ack_takes_the_step_as_the_mapped_user_within_their_role(
    ctx: Context, room: str, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    channel = create_slack_channel(ctx=ctx, actor=LEAD, case_id=room).channel_id

    viewer = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id=channel, text="ack 1")
    engineer = run_command(ctx=ctx, slack_user_id="U0ANA", channel_id=channel, text="ack 1")
    ceo = run_command(ctx=ctx, slack_user_id="U0OLGA", channel_id=channel, text="ack CASE-1 1")
    twice = run_command(ctx=ctx, slack_user_id="U0OLGA", channel_id=channel, text="ack 1")

    assert viewer.response_type == "ephemeral"
    assert "changing a case needs the role engineer or above; vic is viewer" in viewer.text
    assert "acknowledging an L3 escalation needs the role" in engineer.text
    assert (ceo.response_type, ceo.text) == (
        "in_channel", "lebedev acknowledged step 1 of CASE-1 (none -> L3)")
    step = cases.show_case(ctx=ctx, case_id=room).escalations[0]
    assert (step.acknowledged_by, step.acknowledged_at is not None) == ("lebedev", True)
    assert "acknowledged by lebedev already" in twice.text
    acked = next(e for e in cases.case_timeline(ctx=ctx, case_id=room)
                 if e.kind == "acknowledged")
    assert (acked.reason, acked.reason_in(translations("ru"))) == ("via Slack", "через Slack")


def test_an_unmapped_or_disabled_slack_user_is_refused_saying_what_to_do(
    ctx: Context, room: str,
) -> None:
    unknown = run_command(ctx=ctx, slack_user_id="U0STRANGER", channel_id="C1", text="status")
    disable_user(ctx=ctx, actor=ADMIN, name=VIEWER.name)
    disabled = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id="C1",
                           text="status CASE-1")

    assert unknown.response_type == "ephemeral"
    assert unknown.text == (
        "your Slack user U0STRANGER is not mapped to an escalada user: ask an admin to run "
        "`escalada user update NAME --slack-user-id U0STRANGER`")
    assert disabled.text == "user vic is disabled"


def test_a_bad_command_gets_the_usage_in_the_users_language(ctx: Context, room: str) -> None:
    update_user(ctx=ctx, actor=ADMIN, name=ANA.name, changes={"language": "ru"})

    unknown = run_command(ctx=ctx, slack_user_id="U0ANA", channel_id="C1", text="dance")
    no_step = run_command(ctx=ctx, slack_user_id="U0ANA", channel_id="C1", text="ack CASE-1 x")
    bad_case = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id="C1",
                           text="status CASE-X")
    missing = run_command(ctx=ctx, slack_user_id="U0VERA", channel_id="C1",
                          text="status CASE-99")
    status = run_command(ctx=ctx, slack_user_id="U0ANA", channel_id="C1", text="status CASE-1")

    assert "\nP1, новое; линия T1, уровень руководства L3\n" in status.text  # not "new"
    assert "\nSLA первый ответ: срок " in status.text  # not "first_response"
    assert "\nSLA решение: срок " in status.text
    assert "first_response" not in status.text and "resolution" not in status.text
    assert unknown.text.startswith("Неизвестная команда 'dance'.")
    assert "/escalada status CASE-12" in unknown.text
    assert no_step.text.startswith("step: ")
    assert bad_case.text.startswith("case: must be a case id such as CASE-12")
    assert "CASE-99" in missing.text
