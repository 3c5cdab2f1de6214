"""Roles on the case workflow: each refusal names the role needed and writes nothing."""

from __future__ import annotations

import pytest
from case_support import open_case as open_acme_case
from examples import ADMIN, T2_HANDOFF

from escalada.domain.errors import NotPermitted
from escalada.domain.model import Role
from escalada.services import cases, escalations, sla
from escalada.services.accounts import add_account
from escalada.services.case_board import list_page
from escalada.services.context import Actor, Context


def person(role: Role) -> Actor:
    return Actor(f"a-{role.value}", role.value)


def open_case(ctx: Context) -> str:
    return open_acme_case(ctx, name="Acme", actor=person(Role.ENGINEER), title="Down",
                          flags=["customer_requested_escalation"]).snapshot.id


def versions(ctx: Context, case_id: str) -> tuple[int, int]:
    view = cases.show_case(ctx=ctx, case_id=case_id)
    return view.version, len(cases.case_timeline(ctx=ctx, case_id=case_id))


def test_a_viewer_changes_nothing(ctx: Context) -> None:
    case_id = open_case(ctx)
    before = versions(ctx, case_id)

    with pytest.raises(NotPermitted, match="needs the role engineer or above; a-viewer is viewer"):
        cases.respond(ctx=ctx, actor=person(Role.VIEWER), case_id=case_id)
    with pytest.raises(
        NotPermitted,
        match=r"^opening a case needs the role engineer or above; a-viewer is viewer",
    ):
        cases.open_case(ctx=ctx, actor=person(Role.VIEWER), account="acme", severity="P2",
                        title="x")

    assert versions(ctx, case_id) == before
    assert len(list_page(ctx=ctx).items) == 1


def test_overriding_a_handoff_gate_needs_a_team_lead(ctx: Context) -> None:
    case_id = open_case(ctx)
    before = versions(ctx, case_id)

    with pytest.raises(NotPermitted, match="overriding a handoff gate needs the role team lead"):
        escalations.escalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, to="T2",
                             override_reason="bridge call")
    assert versions(ctx, case_id) == before

    view = escalations.escalate(ctx=ctx, actor=person(Role.TEAM_LEAD), case_id=case_id,
                                to="T2", override_reason="bridge call")
    assert view.escalations[0].overridden_items


@pytest.mark.parametrize(("level", "too_weak", "enough"), [
    ("L1", Role.ENGINEER, Role.TEAM_LEAD),
    ("L2", Role.TEAM_LEAD, Role.SUPPORT_MANAGER),
    ("L3", Role.SUPPORT_MANAGER, Role.SUPPORT_DIRECTOR),
    ("L4", Role.SUPPORT_DIRECTOR, Role.VP),
])
def test_an_executive_step_is_acknowledged_by_its_level_s_role_or_above(
    ctx: Context, level: str, too_weak: Role, enough: Role
) -> None:
    case_id = open_case(ctx)
    escalations.escalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, to=level,
                         reason="customer asked")
    before = versions(ctx, case_id)

    needed = enough.value.replace("_", " ").replace("vp", "VP")  # the role read as words
    with pytest.raises(NotPermitted, match=f"needs the role {needed} or above"):
        escalations.acknowledge(ctx=ctx, actor=person(too_weak), case_id=case_id, step=1)
    assert versions(ctx, case_id) == before

    view = escalations.acknowledge(ctx=ctx, actor=person(enough), case_id=case_id, step=1)
    assert view.escalations[0].acknowledged_by == f"a-{enough.value}"


def test_a_technical_step_is_acknowledged_by_any_engineer(ctx: Context) -> None:
    case_id = open_case(ctx)
    escalations.escalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, to="T2",
                         handoff=T2_HANDOFF)

    view = escalations.acknowledge(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, step=1)

    assert view.escalations[0].acknowledged_at is not None


def test_configuration_needs_an_admin_or_a_manager(ctx: Context) -> None:
    open_case(ctx)

    with pytest.raises(NotPermitted, match="admin or support manager"):
        sla.recompute(ctx=ctx, actor=person(Role.TEAM_LEAD))
    with pytest.raises(
        NotPermitted,
        match=r"^adding accounts needs the role admin or support manager and above; a-engineer is",
    ):
        add_account(ctx=ctx, actor=person(Role.ENGINEER), id="globex", name="Globex",
                    tier="standard", support_plan="business")
    assert sla.recompute(ctx=ctx, actor=person(Role.SUPPORT_MANAGER)).cases == 1


def test_an_admin_holds_no_case_authority_and_the_refusal_says_what_to_do(
    ctx: Context,
) -> None:
    case_id = open_case(ctx)
    escalations.escalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, to="L1",
                         reason="customer asked")
    before = versions(ctx, case_id)
    advice = ("admin is admin, and admin is a system role without executive authority: ask "
              "a team lead or above, or act as your own executive user")

    with pytest.raises(NotPermitted, match=f"overriding a handoff gate needs the role "
                                           f"team lead or above; {advice}"):
        escalations.escalate(ctx=ctx, actor=ADMIN, case_id=case_id, to="T2",
                             override_reason="bridge call")
    with pytest.raises(NotPermitted, match=f"acknowledging an L1 escalation needs the role "
                                           f"team lead or above; {advice}"):
        escalations.acknowledge(ctx=ctx, actor=ADMIN, case_id=case_id, step=1)

    assert versions(ctx, case_id) == before


@pytest.mark.parametrize(("level", "too_weak", "enough"), [
    ("L1", Role.ENGINEER, Role.TEAM_LEAD),
    ("L2", Role.TEAM_LEAD, Role.SUPPORT_MANAGER),
    ("L3", Role.SUPPORT_MANAGER, Role.SUPPORT_DIRECTOR),
    ("L4", Role.SUPPORT_DIRECTOR, Role.VP),
])
def test_stepping_down_from_an_executive_level_needs_the_role_that_answers_for_it(
    ctx: Context, level: str, too_weak: Role, enough: Role
) -> None:
    case_id = open_case(ctx)
    escalations.escalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, to=level,
                         reason="customer asked")
    before = versions(ctx, case_id)

    needed = enough.value.replace("_", " ").replace("vp", "VP")  # roles read as words
    weak = too_weak.value.replace("_", " ")
    with pytest.raises(NotPermitted, match=(
            f"stepping {case_id} down from {level} needs the role {needed} or above; "
            f"a-{too_weak.value} is {weak}: ask a {needed} or above")):
        escalations.deescalate(ctx=ctx, actor=person(too_weak), case_id=case_id,
                               track="executive", to="none", reason="calm again")
    assert versions(ctx, case_id) == before

    view = escalations.deescalate(ctx=ctx, actor=person(enough), case_id=case_id,
                                  track="executive", to="none", reason="calm again")
    assert view.snapshot.exec_level is None


def test_a_technical_step_down_needs_only_an_engineer(ctx: Context) -> None:
    case_id = open_case(ctx)
    escalations.escalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id, to="T2",
                         handoff=T2_HANDOFF)

    view = escalations.deescalate(ctx=ctx, actor=person(Role.ENGINEER), case_id=case_id,
                                  track="technical", reason="T1 can finish it")

    assert view.snapshot.tier == "T1"
