"""The console's war-room page on SQLite and PostgreSQL: the room as `war-room show`
sees it, the case it is for, who may take a seat, and which actions the reader's role
allows, read in one read-only transaction."""

from __future__ import annotations

from typing import Any

import pytest
from case_support import open_case as open_acme_case
from examples import ADMIN, ANA
from examples import LENA as LEAD
from transaction_support import count_units

from escalada.domain.errors import NotFound, NotPermitted
from escalada.services import cases, war_room_actions
from escalada.services.context import Actor, Context
from escalada.services.escalations import escalate
from escalada.services.people import add_user, disable_user
from escalada.services.war_room_overview import war_room_overview

CEO = Actor("lebedev", "vp")
VP = Actor("hughes", "vp")
DIRECTOR = Actor("dana", "support_director")
VIEWER = Actor("vic", "viewer")
GONE = Actor("gone", "engineer")


@pytest.fixture
def people(ctx: Context) -> None:
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    for person, title in ((ANA, None), (LEAD, None), (CEO, "CEO"), (VP, "VP Customer Success"),
                          (DIRECTOR, "Support Director"), (VIEWER, None), (GONE, None)):
        add_user(ctx=ctx, actor=ADMIN, name=person.name, role=person.role or "", title=title)
    disable_user(ctx=ctx, actor=ADMIN, name=GONE.name)


def c_level_case(ctx: Context, **fields: Any) -> str:
    return open_acme_case(ctx, account="meridian", name="Meridian Bank", tier="strategic",
                          title="Payments time out", contact_level="c_level",
                          contact_title="CEO", **fields).snapshot.id


def may(ctx: Context, actor: Actor, case: str = "CASE-1") -> dict[str, bool]:
    return war_room_overview(ctx=ctx, actor=actor, case_id=case).may.model_dump()


NOTHING = {"open_room": False, "tick": False, "assign": False, "acknowledge": False,
           "slack": False}


@pytest.mark.usefixtures("people")
def test_a_case_without_a_room_shows_none_and_only_a_team_lead_up_may_open_one(
    ctx: Context,
) -> None:
    case = c_level_case(ctx)

    overview = war_room_overview(ctx=ctx, actor=ANA, case_id=case)

    assert overview.room is None
    assert (overview.case.id, overview.case.title, overview.case.account_name) == (
        case, "Payments time out", "Meridian Bank")
    assert overview.case.open and overview.case.severity == "P1"
    assert may(ctx, ANA) == NOTHING
    assert may(ctx, VIEWER) == NOTHING
    assert may(ctx, LEAD) == {**NOTHING, "open_room": True}


@pytest.mark.usefixtures("people")
def test_an_open_room_is_the_one_war_room_show_returns_with_the_enabled_people(
    ctx: Context,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    overview = war_room_overview(ctx=ctx, actor=VIEWER, case_id=case)

    assert overview.room == war_room_actions.show_war_room(ctx=ctx, case_id=case)
    assert overview.room is not None and overview.room.executive == CEO.name
    assert overview.case.exec_level == "L3"
    assert [p.name for p in overview.people] == [
        "admin", "ana", "dana", "hughes", "lebedev", "lena", "vic"]  # not the disabled one
    assert next(p for p in overview.people if p.name == "lebedev").title == "CEO"


@pytest.mark.usefixtures("people")
def test_each_role_may_do_in_the_room_what_the_war_room_functions_allow_it(
    ctx: Context,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")

    assert may(ctx, VIEWER) == NOTHING
    assert may(ctx, ANA) == {**NOTHING, "tick": True}
    # A team lead and up also creates the room's Slack channel (or invites its people again).
    worked = {**NOTHING, "tick": True, "assign": True, "slack": True}
    assert may(ctx, LEAD) == worked
    assert may(ctx, DIRECTOR) == worked  # not a stand-in
    assert may(ctx, CEO) == {**worked, "acknowledge": True}
    assert may(ctx, VP) == {**worked, "acknowledge": True}
    with pytest.raises(NotPermitted, match="acknowledging for lebedev needs the role VP"):
        war_room_actions.acknowledge(ctx=ctx, actor=DIRECTOR, case_id=case)


@pytest.mark.usefixtures("people")
def test_an_acknowledged_room_offers_no_second_acknowledgment(ctx: Context) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    war_room_actions.acknowledge(ctx=ctx, actor=CEO, case_id=case, note="called their CEO")

    overview = war_room_overview(ctx=ctx, actor=CEO, case_id=case)

    assert overview.room is not None and overview.room.executive_ack_by == CEO.name
    assert overview.may.acknowledge is False and overview.may.tick is True


@pytest.mark.usefixtures("people")
def test_a_resolved_cases_closed_room_offers_nothing(ctx: Context) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    cases.resolve(ctx=ctx, actor=LEAD, case_id=case, reason="fixed")

    overview = war_room_overview(ctx=ctx, actor=LEAD, case_id=case)

    assert overview.room is not None and overview.room.closed_at is not None
    assert not overview.case.open
    assert overview.may.model_dump() == NOTHING


@pytest.mark.usefixtures("people")
def test_an_unknown_case_is_not_found_and_someone_without_a_role_is_refused(
    ctx: Context,
) -> None:
    c_level_case(ctx)

    with pytest.raises(NotFound, match="no case CASE-99"):
        war_room_overview(ctx=ctx, actor=ANA, case_id="CASE-99")
    with pytest.raises(NotPermitted, match="reading needs the role viewer or above"):
        war_room_overview(ctx=ctx, actor=Actor("stranger"), case_id="CASE-1")


@pytest.mark.usefixtures("people")
def test_the_page_is_read_in_one_read_only_transaction(
    ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = c_level_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L3")
    units = count_units(ctx, monkeypatch)

    war_room_overview(ctx=ctx, actor=LEAD, case_id=case)

    assert units == {"reading": 1, "writing": 0}

