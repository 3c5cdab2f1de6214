"""What a person may do on a case (services.authz.case_authority): the screens offer an
action only when the same checks the action makes would let it through."""

from __future__ import annotations

from decimal import Decimal

import pytest

from escalada.domain.policy import Policy
from escalada.services.authz import (
    CaseAuthority,
    PendingStep,
    ProposedCredit,
    case_authority,
)
from escalada.services.context import Actor

T2_STEP = PendingStep(step=1, track="technical", to="T2")
L2_STEP = PendingStep(step=2, track="executive", to="L2")
SMALL = ProposedCredit(id=7, amount_usd=Decimal("200"), proposed_by="ana")
LARGE = ProposedCredit(id=8, amount_usd=Decimal("4000"), proposed_by="ana")


def authority(policy: Policy, role: str, name: str = "someone") -> CaseAuthority:
    return case_authority(Actor(name, role), policy, pending=[T2_STEP, L2_STEP],
                          proposed=[SMALL, LARGE])


def test_a_viewer_may_do_nothing_on_a_case(policy: Policy) -> None:
    assert authority(policy, "viewer") == CaseAuthority(
        work=False, override_handoff=False, acknowledge=frozenset(),
        decide_credits=frozenset())


def test_an_engineer_works_the_case_and_acknowledges_only_technical_steps(
    policy: Policy,
) -> None:
    seen = authority(policy, "engineer")

    assert (seen.work, seen.override_handoff) == (True, False)
    assert seen.acknowledge == {1}
    assert seen.decide_credits == frozenset()


def test_a_team_lead_overrides_handoffs_and_decides_credits_below_500(policy: Policy) -> None:
    seen = authority(policy, "team_lead")

    assert seen.override_handoff
    assert seen.acknowledge == {1}  # L2 answers with a support manager
    assert seen.decide_credits == {7}


def test_a_support_manager_acknowledges_l2_and_decides_credits_up_to_5000(
    policy: Policy,
) -> None:
    seen = authority(policy, "support_manager")

    assert seen.acknowledge == {1, 2}
    assert seen.decide_credits == {7, 8}


def test_nobody_is_offered_a_decision_on_their_own_proposal(policy: Policy) -> None:
    assert authority(policy, "support_director", name="ana").decide_credits == frozenset()


def test_credits_approved_before_count_toward_the_authority_offered(policy: Policy) -> None:
    together = ProposedCredit(id=9, amount_usd=Decimal("200"), proposed_by="ana",
                              approved_before=Decimal("400"))

    lead = case_authority(Actor("lena", "team_lead"), policy, proposed=[together])
    manager = case_authority(Actor("maria", "support_manager"), policy, proposed=[together])

    assert (lead.decide_credits, manager.decide_credits) == (frozenset(), {9})


@pytest.mark.parametrize("role", ["admin", "system"])
def test_admin_and_escalada_itself_work_cases_without_executive_authority(
    policy: Policy, role: str,
) -> None:
    seen = authority(policy, role)

    assert (seen.work, seen.override_handoff, seen.acknowledge, seen.decide_credits) == (
        True, False, {1}, frozenset())
