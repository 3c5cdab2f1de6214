"""War rooms on real SQLite and PostgreSQL: opened by L3, L4 and C-level escalations
(once per case), legal added by a flag, checklists ticked with who and when, overdue
items and acknowledgments fired by the timers, the executive's acknowledgment, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from case_support import open_case as open_acme_case
from examples import ADMIN, ANA, T2_HANDOFF
from examples import LENA as LEAD
from timer_support import drain, pending

from escalada.domain.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from escalada.services import cases, war_room_actions
from escalada.services.account_health import account_health
from escalada.services.context import Actor, Context
from escalada.services.escalations import deescalate, escalate
from escalada.services.people import add_user, disable_user
from escalada.services.war_room_actions import WarRoomView
from escalada.testing import FakeClock

DIRECTOR = Actor("dana", "support_director")
CEO = Actor("lebedev", "vp")
CTO = Actor("morozova", "vp")
VP = Actor("hughes", "vp")
VIEWER = Actor("vic", "viewer")
ALWAYS = ["notify_support_director", "notify_vp_customer_success", "notify_account_team",
          "assemble_war_room"]
ASSESSMENT = ["review_history", "identify_root_issue", "assess_sentiment", "desired_outcome",
              "legal_implications"]


@pytest.fixture
def people(ctx: Context) -> None:
    """The support organisation, with our executives' titles."""
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    for person, title in ((ANA, None), (LEAD, None), (DIRECTOR, "Support Director"),
                          (CEO, "CEO"), (CTO, "CTO"), (VP, "VP Customer Success"),
                          (VIEWER, None)):
        add_user(ctx=ctx, actor=ADMIN, name=person.name, role=person.role or "", title=title)


def open_case(ctx: Context, *, name: str = "Meridian Bank", tier: str = "strategic",
              **fields: Any) -> str:
    return open_acme_case(ctx, account="meridian", name=name, tier=tier,
                          account_fields={"timezone": "Europe/Moscow"},
                          title="Payments time out", **fields).snapshot.id


def c_level_case(ctx: Context, title: str = "CEO", **fields: Any) -> str:
    return open_case(ctx, contact_level="c_level", contact_title=title, **fields)


def room(ctx: Context, case: str = "CASE-1") -> WarRoomView:
    return war_room_actions.show_war_room(ctx=ctx, case_id=case)


def kinds(ctx: Context, case: str = "CASE-1") -> list[str]:
    return [entry.kind for entry in cases.case_timeline(ctx=ctx, case_id=case)]


def entries(ctx: Context, kind: str, case: str = "CASE-1") -> list[Any]:
    return [e for e in cases.case_timeline(ctx=ctx, case_id=case) if e.kind == kind]


# Opening


@pytest.mark.usefixtures("people")
def test_a_strategic_accounts_ceo_escalating_opens_the_war_room_with_our_ceo(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    view = room(ctx)
    assert (view.trigger, view.channel) == ("L3", "#exec-escalation-meridian-bank")
    assert [(s.role, s.lead, s.user) for s in view.attendees] == [
        ("escalation_coordinator", True, None), ("senior_technical_engineer", False, None),
        ("account_executive", False, None), ("support_director", False, None),
        ("customer_success_manager", False, None)]
    assert [item.key for item in view.checklist] == ALWAYS + ASSESSMENT
    assert {item.due_at - clock.now for item in view.checklist if item.checklist == "immediate"
            } == {timedelta(minutes=30)}
    assert {item.due_at - clock.now for item in view.checklist
            if item.checklist == "assessment"} == {timedelta(minutes=15)}
    assert (view.executive, view.customer_contact) == ("lebedev", "CEO")
    assert view.executive_ack_due_at == clock.now + timedelta(minutes=30)
    assert (view.update_every_minutes, view.timezone) == (240, "Europe/Moscow")
    assert kinds(ctx)[-2:] == ["escalated", "war_room_opened"]
    opened = entries(ctx, "war_room_opened")[0]
    assert (opened.actor, opened.data["executive_match"]) == ("ana", "title")


@pytest.mark.usefixtures("people")
def test_the_room_opening_moves_the_case_version_once_with_its_step(ctx: Context) -> None:
    case = c_level_case(ctx)
    before = cases.show_case(ctx=ctx, case_id=case).version

    after = escalate(ctx=ctx, actor=ANA, case_id=case, to="L3").version

    assert after == before + 1


@pytest.mark.usefixtures("people")
def test_a_step_to_l4_opens_a_room_updating_every_two_hours(ctx: Context) -> None:
    case = open_case(ctx, flags=["churn_threat"], contact_title="Head of IT")

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L4")

    view = room(ctx)
    assert (view.trigger, view.update_every_minutes) == ("L4", 120)
    assert view.executive == "hughes"  # no executive title: the least senior vp


@pytest.mark.usefixtures("people")
def test_a_c_level_contact_escalating_at_l2_opens_a_room_that_runs_as_l3(ctx: Context) -> None:
    case = c_level_case(ctx, "CTO", flags=["customer_requested_escalation"])

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L2")

    view = room(ctx)
    assert (view.trigger, view.update_every_minutes, view.executive) == (
        "c_level_escalation", 240, "morozova")


@pytest.mark.usefixtures("people")
def test_an_l2_step_for_a_staff_contact_opens_no_room(ctx: Context) -> None:
    case = open_case(ctx, flags=["customer_requested_escalation"])

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L2")

    with pytest.raises(NotFound, match="CASE-1 has no war room"):
        room(ctx)
    assert "war_room_opened" not in kinds(ctx)


@pytest.mark.usefixtures("people")
def test_a_technical_step_of_a_c_level_case_opens_no_room(ctx: Context) -> None:
    case = c_level_case(ctx, flags=["customer_requested_escalation"])

    escalate(ctx=ctx, actor=ANA, case_id=case, to="T2", handoff=T2_HANDOFF)

    with pytest.raises(NotFound, match=r"^CASE-1 has no war room "):
        room(ctx)


@pytest.mark.usefixtures("people")
def test_a_later_step_to_l4_tightens_the_open_room_and_says_so(
    ctx: Context, clock: FakeClock,
) -> None:
    case = open_case(ctx, flags=["strategic_account_at_risk"])
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    assert (room(ctx).executive, room(ctx).update_every_minutes) == ("dana", 240)
    clock.advance(minutes=20)

    cases.set_flags(ctx=ctx, actor=ANA, case_id=case, flags=["public_relations_crisis"])
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L4")

    view = room(ctx)
    assert (view.update_every_minutes, view.executive) == (120, "hughes")
    assert [item.key for item in view.checklist].count("notify_pr") == 1
    revised = entries(ctx, "war_room_revised")
    assert len(revised) == 1
    assert revised[0].data == {"update_every_minutes": 120, "executive": "hughes"}
    assert kinds(ctx).count("war_room_opened") == 1


@pytest.mark.usefixtures("people")
def test_stepping_down_and_up_again_keeps_the_one_room(ctx: Context) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    deescalate(ctx=ctx, actor=DIRECTOR, case_id=case, track="executive", reason="stable")

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    assert kinds(ctx).count("war_room_opened") == 1
    assert "war_room_revised" not in kinds(ctx)


@pytest.mark.usefixtures("people")
def test_a_disabled_executive_is_not_matched(ctx: Context) -> None:
    disable_user(ctx=ctx, actor=ADMIN, name=CEO.name)
    case = c_level_case(ctx)

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    assert room(ctx).executive == "hughes"


@pytest.mark.usefixtures("people")
def test_a_russian_account_gets_a_valid_channel(ctx: Context) -> None:
    case = c_level_case(ctx, "Генеральный директор", name="ООО «Меридиан Банк»")

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    view = room(ctx)
    assert view.channel == "#exec-escalation-ooo-meridian-bank"
    assert re.fullmatch(r"#exec-escalation-[a-z0-9-]+", view.channel)
    assert view.executive == "lebedev"


# Legal, by the flag


@pytest.mark.usefixtures("people")
def test_legal_joins_the_checklist_when_legal_action_is_threatened(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    assert "notify_legal" not in [item.key for item in room(ctx).checklist]
    clock.advance(minutes=10)

    cases.set_flags(ctx=ctx, actor=ANA, case_id=case, flags=["legal_action_threatened"],
                    reason="their counsel wrote to us")

    legal = next(item for item in room(ctx).checklist if item.key == "notify_legal")
    assert legal.due_at == clock.now + timedelta(minutes=30)
    flagged = entries(ctx, "flag_set")[-1]
    assert flagged.data == {"flags": ["legal_action_threatened"],
                            "war_room_items_added": ["notify_legal"]}
    assert "war room checklist: notify_legal added" in flagged.summary
    assert [due for key, due in pending(ctx) if key.startswith("war_room:item:")
            and due == legal.due_at] == [legal.due_at]


@pytest.mark.usefixtures("people")
def test_a_case_opened_with_legal_action_threatened_has_legal_from_the_start(
    ctx: Context,
) -> None:
    case = c_level_case(ctx, flags=["legal_action_threatened"])

    escalate(ctx=ctx, actor=ANA, case_id=case, to="L4")

    assert "notify_legal" in [item.key for item in room(ctx).checklist]


@pytest.mark.usefixtures("people")
def test_a_flag_on_a_case_without_a_room_changes_nothing_else(ctx: Context) -> None:
    case = open_case(ctx)

    cases.set_flags(ctx=ctx, actor=ANA, case_id=case, flags=["legal_action_threatened"])

    assert entries(ctx, "flag_set")[-1].data == {"flags": ["legal_action_threatened"]}


# Ticking


@pytest.mark.usefixtures("people")
def test_ticking_an_item_records_who_and_when_once(ctx: Context, clock: FakeClock) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    version = cases.show_case(ctx=ctx, case_id=case).version
    clock.advance(minutes=5)

    view = war_room_actions.tick(ctx=ctx, actor=ANA, case_id=case, item="review_history",
                          note="tickets and calls read", expected_version=version)

    item = next(i for i in view.checklist if i.key == "review_history")
    assert (item.done_by, item.done_at, item.note, item.late) == (
        "ana", clock.now, "tickets and calls read", False)
    done = entries(ctx, "war_room_item_done")[0]
    assert (done.actor, done.reason, done.data["late"]) == ("ana", "tickets and calls read", False)
    assert cases.show_case(ctx=ctx, case_id=case).version == version + 1
    with pytest.raises(InvalidTransition, match="ticked by ana"):
        war_room_actions.tick(ctx=ctx, actor=LEAD, case_id=case, item="review_history")


@pytest.mark.usefixtures("people")
def test_ticking_an_unknown_item_or_as_a_viewer_is_refused(ctx: Context) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    with pytest.raises(NotFound, match="no checklist item 'notify_legal'"):
        war_room_actions.tick(ctx=ctx, actor=ANA, case_id=case, item="notify_legal")
    with pytest.raises(NotPermitted, match="needs the role engineer"):
        war_room_actions.tick(ctx=ctx, actor=VIEWER, case_id=case, item="review_history")
    with pytest.raises(NotFound, match=r"^no case CASE-99$"):
        war_room_actions.tick(ctx=ctx, actor=ANA, case_id="CASE-99", item="review_history")


# Timers


@pytest.mark.usefixtures("people")
def test_an_unticked_item_past_its_due_time_fires_and_is_recorded(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    war_room_actions.tick(ctx=ctx, actor=ANA, case_id=case, item="review_history")
    room_timers = [key for key, _ in pending(ctx) if key.startswith("war_room:")]
    # each item but the ticked one, and the executive acknowledgment
    assert len(room_timers) == len(ALWAYS + ASSESSMENT) - 1 + 1
    assert sum(key.startswith("war_room:ack:") for key in room_timers) == 1

    clock.advance(minutes=16)
    drain(ctx)

    overdue = entries(ctx, "war_room_item_overdue")
    assert sorted(e.data["item"] for e in overdue) == sorted(ASSESSMENT[1:])
    assert {e.actor for e in overdue} == {"escalada"}
    view = room(ctx)
    assert [i.key for i in view.checklist if i.overdue] == ASSESSMENT[1:]
    assert not view.executive_ack_overdue

    clock.advance(minutes=15)
    drain(ctx)

    assert len(entries(ctx, "war_room_item_overdue")) == len(ASSESSMENT) - 1 + len(ALWAYS)
    late = entries(ctx, "executive_ack_overdue")
    assert [e.data["executive"] for e in late] == ["lebedev"]
    assert room(ctx).executive_ack_overdue
    drain(ctx)
    assert len(entries(ctx, "executive_ack_overdue")) == 1  # fired once


@pytest.mark.usefixtures("people")
def test_an_item_ticked_late_is_marked_late_and_its_overdue_fires_once(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    clock.advance(minutes=20)
    drain(ctx)

    view = war_room_actions.tick(ctx=ctx, actor=ANA, case_id=case, item="assess_sentiment")
    clock.advance(minutes=1)
    drain(ctx)

    item = next(i for i in view.checklist if i.key == "assess_sentiment")
    assert (item.late, item.overdue) == (True, False)
    assert [e.data["item"] for e in entries(ctx, "war_room_item_overdue")].count(
        "assess_sentiment") == 1


# The executive acknowledgment


@pytest.mark.usefixtures("people")
def test_the_matched_executive_acknowledges_and_who_and_when_are_recorded(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    clock.advance(minutes=12)

    view = war_room_actions.acknowledge(ctx=ctx, actor=CEO, case_id=case, note="called their CEO")

    assert (view.executive_ack_by, view.executive_ack_at) == ("lebedev", clock.now)
    assert (view.executive_ack_late, view.executive_ack_overdue) == (False, False)
    assert not [key for key, _ in pending(ctx) if key.startswith("war_room:ack")]
    with pytest.raises(InvalidTransition, match="given by lebedev already"):
        war_room_actions.acknowledge(ctx=ctx, actor=VP, case_id=case)


@pytest.mark.usefixtures("people")
def test_only_the_matched_executive_or_a_vp_may_acknowledge(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    for refused in (ANA, LEAD, DIRECTOR):
        with pytest.raises(NotPermitted, match="acknowledging for lebedev needs the role VP"):
            war_room_actions.acknowledge(ctx=ctx, actor=refused, case_id=case)
    clock.advance(minutes=31)
    view = war_room_actions.acknowledge(ctx=ctx, actor=VP, case_id=case)

    assert (view.executive_ack_by, view.executive_ack_late) == ("hughes", True)
    acked = entries(ctx, "executive_acknowledged")[0]
    assert acked.summary == ("executive acknowledgment given by hughes for lebedev "
                             "after its due time")
    assert acked.data["late"] is True


# Opening by hand, seats, roles


@pytest.mark.usefixtures("people")
def test_a_team_lead_opens_a_room_by_hand_once(ctx: Context) -> None:
    case = open_case(ctx)

    with pytest.raises(NotPermitted, match="opening a war room needs the role team lead"):
        war_room_actions.open_war_room(ctx=ctx, actor=ANA, case_id=case)
    view = war_room_actions.open_war_room(ctx=ctx, actor=LEAD, case_id=case, reason="press enquiry")

    assert (view.trigger, view.opened_by, view.executive) == ("manual", "lena", "dana")
    with pytest.raises(AlreadyExists, match="has a war room already, opened by lena"):
        war_room_actions.open_war_room(ctx=ctx, actor=LEAD, case_id=case)
    assert entries(ctx, "war_room_opened")[0].reason == "press enquiry"


@pytest.mark.usefixtures("people")
def test_a_closed_case_gets_no_room_by_hand(ctx: Context) -> None:
    case = open_case(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case)

    with pytest.raises(InvalidTransition, match="resolved"):
        war_room_actions.open_war_room(ctx=ctx, actor=LEAD, case_id=case)


@pytest.mark.usefixtures("people")
def test_a_team_lead_seats_people_in_the_rooms_roles(ctx: Context) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    with pytest.raises(NotPermitted, match="needs the role team lead or above"):
        war_room_actions.assign(ctx=ctx, actor=ANA, case_id=case, role="escalation_coordinator",
                         user="ana")
    war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role="escalation_coordinator",
                     user="lena")
    view = war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role="escalation_coordinator",
                            user="ana")

    assert view.attendees[0].user == "ana"
    assert entries(ctx, "war_room_assigned")[-1].summary == (
        "war room: Escalation Coordinator is ana (was lena)")
    with pytest.raises(InvalidInput, match="'chef' is not a seat"):
        war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role="chef", user="ana")
    with pytest.raises(InvalidInput, match="'nobody' is not an enabled user"):
        war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role="support_director",
                         user="nobody")
    with pytest.raises(InvalidTransition, match="already"):
        war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role="escalation_coordinator",
                         user="ana")


@pytest.mark.usefixtures("people")
def test_resolving_the_case_closes_its_war_room_and_stops_its_timers(
    ctx: Context, clock: FakeClock
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    assert room(ctx).closed_at is None
    clock.advance(minutes=5)

    cases.resolve(ctx=ctx, actor=LEAD, case_id=case, reason="gateway fixed")

    assert room(ctx).closed_at == clock.now
    [resolved] = entries(ctx, "resolved")
    assert "war room closed" in resolved.summary and resolved.data["war_room_closed"] is True
    assert not [key for key, _ in pending(ctx) if key.startswith("war_room:")]


@pytest.mark.usefixtures("people")
def test_a_closed_room_owes_no_update_and_nothing_in_it_is_overdue(
    ctx: Context, clock: FakeClock
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    clock.advance(hours=5)
    assert room(ctx).next_update_due_at is not None and room(ctx).executive_ack_overdue

    cases.resolve(ctx=ctx, actor=LEAD, case_id=case, reason="gateway fixed")

    closed = room(ctx)
    assert (closed.closed_at, closed.next_update_due_at) == (clock.now, None)
    assert not closed.executive_ack_overdue
    assert [item.key for item in closed.checklist if item.overdue] == []


@pytest.mark.usefixtures("people")
def test_an_engineer_resolves_a_case_under_an_open_war_room_only_as_the_room_s_lead(
    ctx: Context,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    with pytest.raises(NotPermitted, match=(
            "resolving CASE-1, which closes its war room needs the role team lead or above "
            "or to be the war room's executive lebedev; ana is engineer: ask a team lead or "
            "above or the war room's executive lebedev to do it")):
        cases.resolve(ctx=ctx, actor=ANA, case_id=case, reason="gateway fixed")
    assert room(ctx).closed_at is None and "resolved" not in kinds(ctx)

    war_room_actions.assign(ctx=ctx, actor=LEAD, case_id=case, role="escalation_coordinator",
                     user="ana")
    view = cases.resolve(ctx=ctx, actor=ANA, case_id=case, reason="gateway fixed")

    assert view.snapshot.status == "resolved" and room(ctx).closed_at is not None


def executive_interactions(ctx: Context) -> object:
    health = account_health(ctx=ctx, actor=VIEWER, account_id="meridian")
    return next(m.value for c in health.components for m in c.metrics
                if m.metric == "executive_interactions")


@pytest.mark.usefixtures("people")
def test_a_war_room_with_our_executive_counts_for_health_acknowledged_or_not(
    ctx: Context, clock: FakeClock,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    assert room(ctx).executive == "lebedev" and room(ctx).executive_ack_at is None
    clock.advance(minutes=10)

    assert executive_interactions(ctx) == 1  # seated when the room opened
    war_room_actions.acknowledge(ctx=ctx, actor=CEO, case_id=case, note="called their CEO")
    assert executive_interactions(ctx) == 1  # the same room, once
