"""The war-room plan (the founding document's executive playbook), pure: when a room
opens, its seats, checklists and due times, the executive who answers the customer's
contact, the channel's slug, the cadence, and what a step to L4 or a new flag adds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from escalada.adapters.policy_file import (
    complete,
    default_policy_path,
    load_policy,
    packaged_section,
)
from escalada.domain.executive_match import Person, title_rank
from escalada.domain.model import ExecLevel
from escalada.domain.policy import Policy
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.timers import WAR_ROOM_ACK_DUE, WAR_ROOM_ITEM_DUE, plan_timers
from escalada.domain.war_room import (
    OpenChecklistItem,
    PendingExecutiveAck,
    RoomState,
    WarRoomPlan,
    channel_name,
    overdue,
    plan_war_room,
    revise,
    slugify,
    war_room_trigger,
)

CHANNEL = re.compile(r"^#exec-escalation-[a-z0-9]+(-[a-z0-9]+)*$")
ALWAYS = ["notify_support_director", "notify_vp_customer_success", "notify_account_team",
          "assemble_war_room"]
ASSESSMENT = ["review_history", "identify_root_issue", "assess_sentiment", "desired_outcome",
              "legal_implications"]
PEOPLE = (
    Person("ana", "engineer"),
    Person("dana", "support_director", "Support Director"),
    Person("lebedev", "vp", "CEO"),
    Person("morozova", "vp", "CTO"),
    Person("hughes", "vp", "VP Customer Success"),
    Person("irina", "admin"),
)


def room(make_case: Any, policy: Policy, *, level: str = "L3", contact: str | None = None,
         contact_level: str = "staff", people: tuple[Person, ...] = PEOPLE,
         flags: tuple[str, ...] = (), **account: Any) -> WarRoomPlan:
    case = make_case(exec_level=level, flags=list(flags), escalating_contact_level=contact_level,
                     account={"tier": "strategic", **account})
    return plan_war_room(case, contact_title=contact, trigger=level, people=people,
                         policy=policy, now=make_case.opened_at)


def keys(plan: WarRoomPlan) -> list[str]:
    return [item.key for item in plan.items]


# The playbook as data


def test_the_default_policy_file_holds_the_founding_documents_playbook(policy: Policy) -> None:
    assert policy.war_room == packaged_section("war_room")
    assert policy.war_room.attendees[0].key == "escalation_coordinator"
    assert load_policy(default_policy_path()).war_room.executive_ack_within_minutes == 30


def test_a_policy_without_a_war_room_section_gets_the_playbook(policy: Policy) -> None:
    document = policy.model_dump(mode="json", by_alias=True)
    del document["war_room"]

    assert Policy.model_validate(complete(document)).war_room == policy.war_room


@pytest.mark.parametrize(("change", "problem"), [
    ({"channel": "#exec-escalation"}, "must contain {slug}"),
    ({"channel": "#exec-{customer}"}, "may use only {slug}"),
    ({"initial_assessment": [{"key": "notify_pr", "text": "again", "within_minutes": 15}]},
     "notify_pr listed twice"),
    ({"attendees": [{"key": "a", "label": "A", "lead": True},
                    {"key": "b", "label": "B", "lead": True}]}, "at most one seat leads"),
    ({"executives": [{"key": "ceo", "label": "CEO", "titles": ["CEO"],
                      "answered_by": ["chairman"]}]}, "unknown ranks chairman"),
    ({"update_every_minutes": {"L3": 0}}, "at least 1 minute"),
])
def test_an_inconsistent_playbook_is_refused_saying_why(change: dict[str, Any], problem: str
                                                        ) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        packaged_section("war_room", change)


# When a room opens


@pytest.mark.parametrize(("level", "contact_level", "trigger"), [
    ("L3", "staff", "L3"),
    ("L4", "staff", "L4"),
    ("L2", "c_level", "c_level_escalation"),
    ("L1", "c_level", "c_level_escalation"),
    ("L2", "vp", None),
    ("L2", "staff", None),
])
def test_a_room_opens_at_l3_l4_or_for_a_c_level_contact(
    make_case: Any, policy: Policy, level: str, contact_level: str, trigger: str | None,
) -> None:
    case = make_case(exec_level=level, escalating_contact_level=contact_level)

    assert war_room_trigger(case, [], policy, make_case.opened_at) == trigger


def test_a_step_whose_criteria_name_c_level_escalation_opens_a_room(
    make_case: Any, policy: Policy
) -> None:
    case = make_case(exec_level="L2")

    assert war_room_trigger(case, ["c_level_escalation"], policy,
                            make_case.opened_at) == "c_level_escalation"


# Seats and checklists


def test_the_room_seats_five_roles_led_by_the_escalation_coordinator(
    make_case: Any, policy: Policy
) -> None:
    plan = room(make_case, policy)

    assert [(seat.key, seat.lead) for seat in plan.attendees] == [
        ("escalation_coordinator", True), ("senior_technical_engineer", False),
        ("account_executive", False), ("support_director", False),
        ("customer_success_manager", False)]


def test_immediate_actions_are_due_in_30_minutes_and_the_assessment_in_15(
    make_case: Any, policy: Policy
) -> None:
    plan = room(make_case, policy)

    due = {item.key: item.due_at - make_case.opened_at for item in plan.items}
    assert keys(plan) == ALWAYS + ASSESSMENT
    assert {due[key] for key in ALWAYS} == {timedelta(minutes=30)}
    assert {due[key] for key in ASSESSMENT} == {timedelta(minutes=15)}
    assert plan.executive_ack_due_at - make_case.opened_at == timedelta(minutes=30)


@pytest.mark.parametrize(("flags", "added"), [
    ((), []),
    (("legal_action_threatened",), ["notify_legal"]),
    (("legal_or_pr_implications",), ["notify_legal"]),
    (("public_relations_crisis",), ["notify_pr"]),
    (("legal_action_threatened", "public_relations_crisis"), ["notify_legal", "notify_pr"]),
    (("churn_threat",), []),
])
def test_legal_and_pr_join_the_immediate_actions_only_when_their_flags_say(
    make_case: Any, policy: Policy, flags: tuple[str, ...], added: list[str],
) -> None:
    plan = room(make_case, policy, level="L4", flags=flags)

    conditional = [key for key in keys(plan) if key in ("notify_legal", "notify_pr")]
    assert conditional == added


# The executive who answers


@pytest.mark.parametrize(("contact", "executive"), [
    ("CEO", "lebedev"),
    ("Chief Executive Officer", "lebedev"),
    ("President & CEO", "lebedev"),
    ("Генеральный директор", "lebedev"),
    ("CTO", "morozova"),
    ("Chief Technology Officer", "morozova"),
    ("VP Engineering", "hughes"),
    ("Vice President, Infrastructure", "hughes"),
])
def test_the_customers_executive_is_answered_by_ours_of_the_same_rank(
    make_case: Any, policy: Policy, contact: str, executive: str,
) -> None:
    plan = room(make_case, policy, contact=contact, contact_level="c_level")

    assert (plan.executive.name, plan.executive.how) == (executive, "title")


def test_a_customer_ceo_is_answered_by_our_president_when_we_have_no_ceo(
    make_case: Any, policy: Policy
) -> None:
    people = (Person("dana", "support_director"), Person("moss", "vp", "President"),
              Person("morozova", "vp", "CTO"))

    plan = room(make_case, policy, contact="CEO", contact_level="c_level", people=people)

    assert plan.executive.name == "moss"
    assert plan.executive.contact_rank == "ceo"


def test_a_vice_president_is_a_vp_not_a_president(policy: Policy) -> None:
    rules = policy.war_room

    assert title_rank("Vice President", rules).key == "vp"  # type: ignore[union-attr]
    assert title_rank("Вице-президент по ИТ", rules).key == "vp"  # type: ignore[union-attr]
    assert title_rank("President", rules).key == "ceo"  # type: ignore[union-attr]
    assert title_rank("Support Director", rules) is None


def test_of_two_vps_the_one_whose_title_is_closest_to_the_contacts_answers(
    make_case: Any, policy: Policy
) -> None:
    people = (Person("adams", "vp", "VP Sales"), Person("zhou", "vp", "VP Engineering"))

    plan = room(make_case, policy, contact="VP Engineering", contact_level="vp", people=people)

    assert plan.executive.name == "zhou"


def test_a_cto_is_not_answered_by_our_ceo_by_title_but_falls_back_to_a_vp(
    make_case: Any, policy: Policy
) -> None:
    people = (Person("dana", "support_director"), Person("lebedev", "vp", "CEO"),
              Person("hughes", "vp", "VP Customer Success"))

    plan = room(make_case, policy, contact="CTO", contact_level="c_level", people=people)

    assert (plan.executive.name, plan.executive.how) == ("hughes", "fallback")
    assert "no CTO of ours" in plan.executive.why


def test_without_an_executive_title_the_least_senior_role_answering_the_level_answers(
    make_case: Any, policy: Policy
) -> None:
    at_l3 = room(make_case, policy, contact="Head of IT", contact_level="manager")
    at_l4 = room(make_case, policy, level="L4", contact="Head of IT", contact_level="manager")

    assert (at_l3.executive.name, at_l3.executive.how) == ("dana", "fallback")
    assert at_l4.executive.name == "hughes"  # the first vp by name without a matching title


@pytest.mark.parametrize("contact", [None, "Head of Payments"])
def test_a_vp_contact_without_an_executive_title_is_answered_by_our_vp_not_our_cto(
    make_case: Any, policy: Policy, contact: str | None
) -> None:
    # The demo's people: our CTO's login sorts before our VP's.
    people = (Person("k.morozova", "vp", "CTO"), Person("n.lebedev", "vp", "CEO"),
              Person("r.hughes", "vp", "VP Customer Success"))

    plan = room(make_case, policy, level="L2", contact=contact, contact_level="vp",
                people=people)

    assert (plan.executive.name, plan.executive.how) == ("r.hughes", "level")
    assert plan.executive.contact_rank == "vp"


def test_with_no_vp_titled_executive_a_vp_contact_gets_the_least_senior_vp_role(
    make_case: Any, policy: Policy
) -> None:
    people = (Person("a.ceo", "vp", "CEO"), Person("b.cto", "vp", "CTO"),
              Person("c.plain", "vp"))

    plan = room(make_case, policy, contact=None, contact_level="vp", people=people)

    assert (plan.executive.name, plan.executive.how) == ("c.plain", "fallback")
    assert "no VP of ours" in plan.executive.why


def test_a_policy_matching_contacts_by_level_to_an_unknown_rank_is_refused(
    policy: Policy
) -> None:
    document = policy.war_room.model_dump(mode="json")
    document["rank_for_contact"] = {"vp": "svp"}

    with pytest.raises(ValidationError, match="rank_for_contact: names unknown ranks svp"):
        packaged_section("war_room", document)


def test_a_c_level_contact_without_a_known_title_gets_at_least_a_vp(
    make_case: Any, policy: Policy
) -> None:
    plan = room(make_case, policy, contact="Chairman", contact_level="c_level")

    assert plan.executive.name == "hughes"


def test_with_nobody_senior_enough_no_executive_is_matched(make_case: Any, policy: Policy
                                                            ) -> None:
    plan = room(make_case, policy, contact="CEO", contact_level="c_level",
                people=(Person("ana", "engineer"), Person("dana", "support_director")))

    assert (plan.executive.name, plan.executive.how) == (None, "none")
    assert "role vp or above" in plan.executive.why


# The channel


@pytest.mark.parametrize(("name", "slug"), [
    ("Acme Corp", "acme-corp"),
    ("ООО «Меридиан Банк»", "ooo-meridian-bank"),
    ("Сибирская Розница", "sibirskaya-roznitsa"),
    ("Société Générale", "societe-generale"),
    ("  R&D -- Labs!! ", "r-d-labs"),
])
def test_the_channel_is_named_after_the_account_in_lowercase_ascii(
    name: str, slug: str
) -> None:
    channel = channel_name(name, "acme", packaged_section("war_room"))

    assert channel == f"#exec-escalation-{slug}"
    assert CHANNEL.match(channel)


def test_a_name_with_no_latin_or_cyrillic_letters_falls_back_to_the_account_id() -> None:
    assert channel_name("株式会社", "Tokyo_Rail.1", packaged_section("war_room")) == (
        "#exec-escalation-tokyo-rail-1")


def test_a_long_name_gives_a_slug_of_at_most_60_characters() -> None:
    slug = slugify("Объединённая " * 20)

    assert len(slug) <= 60
    assert not slug.endswith("-")
    assert slug.startswith("obedinennaya-obedinennaya")


def test_a_russian_accounts_room_gets_a_valid_channel(make_case: Any, policy: Policy) -> None:
    plan = room(make_case, policy, name="АО «Сибирский Ритейл»", id="sibretail")

    assert plan.channel == "#exec-escalation-ao-sibirskiy-riteyl"
    assert CHANNEL.match(plan.channel)


# The update cadence


@pytest.mark.parametrize(("level", "minutes", "runs_as"), [
    ("L4", 120, ExecLevel.L4), ("L3", 240, ExecLevel.L3), ("L2", 240, ExecLevel.L3),
])
def test_updates_come_every_2_hours_at_l4_and_every_4_at_l3(
    make_case: Any, policy: Policy, level: str, minutes: int, runs_as: ExecLevel,
) -> None:
    plan = room(make_case, policy, level=level, contact_level="c_level")

    assert (plan.update_every_minutes, plan.level) == (minutes, runs_as)
    assert 120 <= plan.update_every_minutes <= 240  # the playbook: every 2 to 4 hours


# A room planned again


def state_of(plan: WarRoomPlan, *, acknowledged: bool = False) -> RoomState:
    return RoomState(frozenset(keys(plan)), plan.update_every_minutes, plan.executive.name,
                     acknowledged)


def test_a_step_to_l4_tightens_the_cadence_adds_new_items_and_a_vp_takes_over(
    make_case: Any, policy: Policy
) -> None:
    at_l3 = room(make_case, policy, contact="Head of IT", contact_level="manager")
    at_l4 = room(make_case, policy, level="L4", contact="Head of IT", contact_level="manager",
                 flags=("legal_action_threatened",))

    revision = revise(state_of(at_l3), at_l4)

    assert [item.key for item in revision.items] == ["notify_legal"]
    assert revision.update_every_minutes == 120
    assert revision.executive is not None and revision.executive.name == "hughes"


def test_an_acknowledged_executive_stays_and_the_cadence_never_loosens(
    make_case: Any, policy: Policy
) -> None:
    at_l4 = room(make_case, policy, level="L4", contact="Head of IT")
    at_l3 = room(make_case, policy, contact="Head of IT")

    assert not revise(state_of(at_l4), at_l4)
    assert not revise(state_of(at_l4, acknowledged=True), at_l3)


# Clocks


def test_an_item_is_overdue_only_while_undone_and_past_its_due_time(make_case: Any) -> None:
    due = make_case.after(minutes=30)

    assert not overdue(due, None, due)
    assert overdue(due, None, due + timedelta(seconds=1))
    assert not overdue(due, make_case.after(minutes=45), make_case.after(minutes=50))


def test_each_unticked_item_and_the_pending_acknowledgment_get_a_timer(
    make_case: Any, policy: Policy
) -> None:
    case: CaseSnapshot = make_case(exec_level="L3", status="resolved")
    live = make_case(exec_level="L3")
    items = [OpenChecklistItem(7, 1, "review_history", "Review", make_case.after(minutes=15)),
             OpenChecklistItem(8, 1, "notify_legal", "Legal", make_case.after(minutes=30))]
    ack = PendingExecutiveAck(1, "lebedev", make_case.after(minutes=30))

    planned = plan_timers(live, [], policy, make_case.opened_at, war_room_items=items,
                          executive_ack=ack, fired=["war_room:item:8"])
    room_timers = [(t.kind, t.key, t.due_at) for t in planned if t.kind.startswith("war_room")]

    assert room_timers == [
        (WAR_ROOM_ITEM_DUE, "war_room:item:7", make_case.after(minutes=15)),
        (WAR_ROOM_ACK_DUE, "war_room:ack:1", make_case.after(minutes=30))]
    assert plan_timers(case, [], policy, make_case.opened_at, war_room_items=items,
                       executive_ack=ack) == []
