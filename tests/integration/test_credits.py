"""Service credits on real SQLite and PostgreSQL: authority at every boundary, refusals
that change nothing, credits computed from the breach, routing up the executive track,
decisions on the timeline, and two deciders at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from case_support import open_case as open_acme_case
from concurrency_support import run_at_once
from examples import ADMIN, ANA
from examples import LENA as LEAD
from examples import MARIA as MANAGER

from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from escalada.domain.policy import Policy
from escalada.services import cases
from escalada.services.context import Actor, Context
from escalada.services.credit_list import credit_page
from escalada.services.credits import (
    CreditView,
    approve_credit,
    propose_credit,
    reject_credit,
    route_credit,
    show_credit,
)
from escalada.testing import FakeClock

ANTON = Actor("anton", "engineer")
OTHER_MANAGER = Actor("oleg", "support_manager")
DIRECTOR = Actor("dmitry", "support_director")
VP = Actor("vera", "vp")
VIEWER = Actor("victor", "viewer")


def open_case(ctx: Context, *, fee: str | None = "5000.00", account: str = "acme",
              **fields: Any) -> str:
    """A P1 case of an enterprise account paying `fee` a month."""
    return open_acme_case(ctx, account=account, account_fields={"monthly_fee_usd": fee},
                          **fields).snapshot.id


def propose(ctx: Context, amount: str, case_id: str = "CASE-1") -> CreditView:
    return propose_credit(ctx=ctx, actor=ANA, case_id=case_id, amount_usd=amount,
                          reason="checkout down for four hours")


def approve(ctx: Context, actor: Actor, credit: CreditView) -> CreditView:
    return approve_credit(ctx=ctx, actor=actor, credit_id=credit.id, reason="within SLA terms")


def kinds(ctx: Context, case_id: str = "CASE-1") -> list[str]:
    return [e.kind for e in cases.case_timeline(ctx=ctx, case_id=case_id)]


def everything(ctx: Context, credit_id: int) -> tuple[Any, ...]:
    """What a refusal must leave as it was: the credit, the case's version and timeline."""
    credit = show_credit(ctx=ctx, credit_id=credit_id)
    case = cases.show_case(ctx=ctx, case_id=credit.case)
    return credit, case.version, case.snapshot, cases.case_timeline(ctx=ctx, case_id=credit.case)


# Authority at every boundary


@pytest.mark.parametrize(("actor", "amount"), [
    (LEAD, "499.99"),
    (LEAD, "0.01"),
    (MANAGER, "500.00"),
    (MANAGER, "5000.00"),
    (DIRECTOR, "5000.01"),
    (DIRECTOR, "1000000.00"),
    (VP, "1000000.00"),
    (VP, "9999999999999.99"),
])
def test_an_approver_approves_up_to_their_authority(
    ctx: Context, clock: FakeClock, actor: Actor, amount: str,
) -> None:
    open_case(ctx)
    proposed = propose(ctx, amount)
    clock.advance(minutes=5)

    approved = approve(ctx, actor, proposed)

    assert approved.amount_usd == Decimal(amount)
    assert (approved.state, approved.decided_by, approved.decided_at) == (
        "approved", actor.name, clock.now)
    assert (approved.decision_reason, approved.version) == ("within SLA terms", 2)
    assert show_credit(ctx=ctx, credit_id=proposed.id) == approved
    entry = cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1]
    assert (entry.kind, entry.actor, entry.reason) == ("credit_approved", actor.name,
                                                       "within SLA terms")
    assert f"${Decimal(amount):,.2f} approved by {actor.name}" in entry.summary
    assert (entry.data["credit"], entry.data["amount_usd"], entry.data["state"]) == (
        proposed.id, f"{Decimal(amount):.2f}", "approved")


@pytest.mark.parametrize(("actor", "amount", "needed"), [
    (LEAD, "500.00", "support_manager"),
    (MANAGER, "5000.01", "support_director"),
    (MANAGER, "1000000.00", "support_director"),
    (ANTON, "0.01", "team_lead"),
    (ADMIN, "0.01", "team_lead"),
    (VIEWER, "0.01", "team_lead"),
])
def test_a_credit_above_the_approver_s_authority_is_refused_naming_the_role_and_changes_nothing(
    ctx: Context, actor: Actor, amount: str, needed: str,
) -> None:
    open_case(ctx)
    credit = propose(ctx, amount)
    before = everything(ctx, credit.id)

    needed, role = needed.replace("_", " "), actor.role.replace("_", " ")  # roles as words
    with pytest.raises(
        NotPermitted,
        match=rf"service credit needs the role {needed} or above; {actor.name} is {role}",
    ) as refused:
        approve(ctx, actor, credit)

    assert str(refused.value).startswith(
        f"approving a ${Decimal(amount):,.2f} service credit needs the role {needed} or above; "
        f"{actor.name} is {role}")
    assert f"ask a {needed} or above" in str(refused.value)
    assert everything(ctx, credit.id) == before
    assert before[0].state == "proposed" and before[0].version == 1


def test_the_view_names_the_level_and_role_that_may_approve_it(ctx: Context) -> None:
    open_case(ctx)

    views = [propose(ctx, amount) for amount in ("499.99", "500.00", "5000.00", "5000.01")]

    assert [(v.approver_level, v.approver_role) for v in views] == [
        ("L1", "team_lead"), ("L2", "support_manager"), ("L2", "support_manager"),
        ("L3", "support_director")]


def test_authority_is_the_policy_frozen_on_the_case_not_the_one_in_force(
    ctx: Context, clock: FakeClock,
) -> None:
    generous = _policy_with_team_lead_limit("1000")
    opened_under_it = wire(lambda: ctx.engine, lambda: generous, clock)
    open_case(opened_under_it)
    cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P1", title="Second outage")
    old_terms, new_terms = propose(ctx, "800.00", "CASE-1"), propose(ctx, "800.00", "CASE-2")

    assert approve(ctx, LEAD, old_terms).state == "approved"
    with pytest.raises(NotPermitted, match="needs the role support manager"):
        approve(ctx, LEAD, new_terms)


def _policy_with_team_lead_limit(limit: str) -> Policy:
    document = current_policy().model_dump(mode="json", by_alias=True)
    document["executive"]["levels"][0]["service_credits"] = {"limit_usd": limit,
                                                             "inclusive": False}
    return Policy.model_validate(document)


# A case's credits together, and four eyes


def test_ten_credits_just_under_a_team_lead_s_limit_need_the_authority_of_their_sum(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    split = [propose(ctx, "499.99") for _ in range(10)]
    assert approve(ctx, LEAD, split[0]).state == "approved"
    before = everything(ctx, split[1].id)

    with pytest.raises(
        NotPermitted,
        match=r"^approving a \$499\.99 service credit \(with the \$499\.99 approved on CASE-1 ",
    ) as refused:
        approve(ctx, LEAD, split[1])

    assert str(refused.value) == (
        "approving a $499.99 service credit (with the $499.99 approved on CASE-1 in the last "
        "30 days, $999.98 in all) needs the role support manager or above; lena is team lead: "
        "ask a support manager or above to do it")
    assert everything(ctx, split[1].id) == before
    assert show_credit(ctx=ctx, credit_id=split[1].id).approver_role == "support_manager"
    for credit in split[1:]:
        clock.advance(minutes=1)
        assert approve(ctx, MANAGER, credit).state == "approved"  # $4,999.90 in all
    eleventh = propose(ctx, "0.11")
    with pytest.raises(NotPermitted, match=r"\$5,000.01 in all\) needs the role "
                                           "support director"):
        approve(ctx, MANAGER, eleventh)
    assert approve(ctx, DIRECTOR, eleventh).state == "approved"


def test_credits_approved_before_the_window_no_longer_count(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    approve(ctx, LEAD, propose(ctx, "400.00"))
    clock.advance(days=29)
    later = propose(ctx, "400.00")
    with pytest.raises(NotPermitted, match=r"\$800.00 in all"):
        approve(ctx, LEAD, later)

    clock.advance(days=1)

    assert approve(ctx, LEAD, later).state == "approved"


def test_proposed_and_rejected_credits_do_not_count_and_other_cases_are_their_own(
    ctx: Context,
) -> None:
    open_case(ctx)
    cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P1", title="Second outage")
    approve(ctx, MANAGER, propose(ctx, "3000.00", "CASE-2"))
    propose(ctx, "4000.00")
    reject_credit(ctx=ctx, actor=MANAGER, credit_id=propose(ctx, "450.00").id, reason="no")

    assert approve(ctx, LEAD, propose(ctx, "499.99")).state == "approved"


def test_a_window_of_null_counts_every_approved_credit_of_the_case(
    ctx: Context, clock: FakeClock,
) -> None:
    whole_life = _policy_with(credits={"authority_window_days": None})
    opened_under_it = wire(lambda: ctx.engine, lambda: whole_life, clock)
    open_case(opened_under_it)
    approve(ctx, LEAD, propose(ctx, "400.00"))
    clock.advance(days=400)

    with pytest.raises(NotPermitted, match=r"approved on CASE-1 so far, \$800.00 in all"):
        approve(ctx, LEAD, propose(ctx, "400.00"))


@pytest.mark.parametrize(("decide", "action"), [(approve_credit, "approving"),
                                                (reject_credit, "rejecting")])
def test_nobody_decides_a_credit_they_proposed(ctx: Context, decide: Any, action: str) -> None:
    open_case(ctx)
    own = propose_credit(ctx=ctx, actor=LEAD, case_id="CASE-1", amount_usd="100.00")
    before = everything(ctx, own.id)

    with pytest.raises(
        NotPermitted,
        match=rf"^{action} service credit #\d+ of \$100\.00 needs a second person \(four eyes\)",
    ) as refused:
        decide(ctx=ctx, actor=LEAD, credit_id=own.id, reason="mine")

    assert str(refused.value) == (
        f"{action} service credit #1 of $100.00 needs a second person (four eyes): lena "
        "proposed it; another team lead or above may decide it")
    assert everything(ctx, own.id) == before
    other_lead = Actor("lev", "team_lead")
    assert decide(ctx=ctx, actor=other_lead, credit_id=own.id, reason="ok").decided_by == "lev"


def test_four_eyes_holds_for_a_director_and_names_the_role_the_case_s_credits_need(
    ctx: Context,
) -> None:
    open_case(ctx)
    approve(ctx, MANAGER, propose(ctx, "4900.00"))
    own = propose_credit(ctx=ctx, actor=DIRECTOR, case_id="CASE-1", amount_usd="200.00")

    with pytest.raises(NotPermitted, match="dmitry proposed it; another support director or "
                                           "above may decide it"):
        approve(ctx, DIRECTOR, own)

    assert approve(ctx, VP, own).decided_by == "vera"


def test_two_team_leads_approving_two_credits_at_once_stay_within_one_authority(
    ctx: Context,
) -> None:
    open_case(ctx)
    first, second = propose(ctx, "300.00"), propose(ctx, "300.00")

    outcomes = run_at_once([
        lambda: approve(ctx, LEAD, first),
        lambda: approve(ctx, Actor("lev", "team_lead"), second),
    ])

    won = [o for o in outcomes if isinstance(o, CreditView)]
    lost = [o for o in outcomes if not isinstance(o, CreditView)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], NotPermitted), outcomes
    assert "$600.00 in all" in str(lost[0])
    assert [c.amount_usd for c in credit_page(ctx=ctx, state="approved").items] == [Decimal(300)]


def _policy_with(**sections: dict[str, Any]) -> Policy:
    document = current_policy().model_dump(mode="json", by_alias=True)
    for name, fields in sections.items():
        document[name].update(fields)
    return Policy.model_validate(document)


# Rejecting


def test_a_manager_rejects_a_credit_with_a_reason_on_the_timeline(ctx: Context) -> None:
    open_case(ctx)
    credit = propose(ctx, "2000.00")

    rejected = reject_credit(ctx=ctx, actor=MANAGER, credit_id=credit.id,
                             reason="outage caused by the customer's own deploy")

    assert (rejected.state, rejected.decided_by, rejected.version) == ("rejected", "maria", 2)
    entry = cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1]
    assert (entry.kind, entry.reason) == ("credit_rejected",
                                          "outage caused by the customer's own deploy")
    assert entry.summary == (
        "service credit #1 of $2,000.00 rejected by maria (support manager)")


def test_rejecting_takes_the_same_authority_as_approving(ctx: Context) -> None:
    open_case(ctx)
    credit = propose(ctx, "2000.00")
    before = everything(ctx, credit.id)

    with pytest.raises(NotPermitted, match=r"^rejecting a \$2,000.00 service credit needs the "
                                           r"role support manager or above; lena is team lead"):
        reject_credit(ctx=ctx, actor=LEAD, credit_id=credit.id, reason="too generous")

    assert everything(ctx, credit.id) == before


@pytest.mark.parametrize("decide", [approve_credit, reject_credit])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_needs_a_reason(ctx: Context, decide: Any, reason: str) -> None:
    open_case(ctx)
    credit = propose(ctx, "100.00")
    before = everything(ctx, credit.id)

    with pytest.raises(InvalidInput, match=r"^reason: ") as refused:
        decide(ctx=ctx, actor=MANAGER, credit_id=credit.id, reason=reason)

    assert [field for field, _ in refused.value.problems] == ["reason"]
    assert everything(ctx, credit.id) == before


@pytest.mark.parametrize("decide", [approve_credit, reject_credit])
def test_a_decided_credit_cannot_be_decided_again(ctx: Context, decide: Any) -> None:
    open_case(ctx)
    credit = propose(ctx, "100.00")
    approve(ctx, MANAGER, credit)
    before = everything(ctx, credit.id)

    with pytest.raises(InvalidTransition, match="credit #1 was approved by maria already"):
        decide(ctx=ctx, actor=DIRECTOR, credit_id=credit.id, reason="second look")

    assert everything(ctx, credit.id) == before


# Proposing


def test_a_proposal_is_on_the_timeline_and_leaves_the_case_s_version(ctx: Context) -> None:
    open_case(ctx)
    version = cases.show_case(ctx=ctx, case_id="CASE-1").version

    credit = propose(ctx, "1500")

    assert (credit.id, credit.case, credit.account, credit.amount_usd) == (
        1, "CASE-1", "acme", Decimal("1500.00"))
    assert (credit.basis, credit.computation, credit.state, credit.version) == (
        "entered", {}, "proposed", 1)
    assert (credit.proposed_by, credit.reason) == ("ana", "checkout down for four hours")
    entry = cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1]
    assert (entry.kind, entry.summary) == (
        "credit_proposed", "service credit #1 of $1,500.00 proposed (entered)")
    assert entry.data["approver_role"] == "support_manager"
    assert cases.show_case(ctx=ctx, case_id="CASE-1").version == version


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount_usd": "0"}, "amount_usd"),
    ({"amount_usd": "-5"}, "amount_usd"),
    ({"amount_usd": "12.345"}, "amount_usd"),
    ({"amount_usd": "twelve"}, "amount_usd"),
    ({"amount_usd": "1e20"}, "amount_usd"),
    ({}, "amount_usd"),
    ({"amount_usd": "10", "from_breach": True}, "from_breach"),
    ({"amount_usd": "10", "reason": "nul\x00"}, "reason"),
])
def test_a_bad_amount_is_refused_naming_the_field_and_writes_nothing(
    ctx: Context, fields: dict[str, Any], field: str,
) -> None:
    open_case(ctx)

    with pytest.raises(InvalidInput, match=rf"^{field}: ") as refused:
        propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", **fields)

    assert [f for f, _ in refused.value.problems] == [field]
    assert credit_page(ctx=ctx).items == []
    assert kinds(ctx) == ["case_opened"]


def test_a_viewer_proposes_nothing_and_an_unknown_case_is_not_found(ctx: Context) -> None:
    open_case(ctx)

    with pytest.raises(NotPermitted, match="proposing a service credit needs the role engineer"):
        propose_credit(ctx=ctx, actor=VIEWER, case_id="CASE-1", amount_usd="10")
    with pytest.raises(NotFound, match="no case CASE-9"):
        propose(ctx, "10", "CASE-9")
    assert credit_page(ctx=ctx).items == []


def test_a_resolved_case_takes_credits_and_a_closed_one_does_not(ctx: Context) -> None:
    open_case(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert propose(ctx, "10").state == "proposed"
    cases.close(ctx=ctx, actor=ANA, case_id="CASE-1")
    with pytest.raises(InvalidTransition, match="CASE-1 is closed"):
        propose(ctx, "10")
    # A credit proposed before closing can still be decided.
    assert approve(ctx, LEAD, show_credit(ctx=ctx, credit_id=1)).state == "approved"


# Computed from the breach


def test_a_credit_from_the_breach_follows_the_schedule(ctx: Context, clock: FakeClock) -> None:
    open_case(ctx)
    clock.advance(hours=5)  # no first response: 15 min target, 285 min over

    credit = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)

    assert (credit.basis, credit.amount_usd) == ("breach", Decimal("2500.00"))
    assert credit.computation["target"] == "first_response"
    assert (credit.computation["breached_minutes"], credit.computation["percent"]) == (285, "50")
    assert credit.computation["measured_at"] == clock.now.isoformat()
    assert cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1].summary == (
        "service credit #1 of $2,500.00 proposed (from the breach: first_response overrun by "
        "285 min: 50% of the $5,000.00 monthly fee)")


def test_a_resolved_case_s_breach_is_measured_at_its_resolution(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=10)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(minutes=90)  # next update due 2 h after the response: not breached
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")
    with pytest.raises(InvalidTransition, match="no SLA target is breached at 2026-11-26T11:40"):
        propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)

    clock.advance(days=3)
    with pytest.raises(InvalidTransition, match="no SLA target is breached"):
        propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)


def test_a_late_resolution_earns_its_credit_after_the_case_is_resolved(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=10)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")
    for _ in range(3):  # updates every 100 minutes keep the cadence
        clock.advance(minutes=100)
        cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(minutes=20)  # resolution: 4 h target, resolved at 5 h 30 min
    resolved_at = clock.now
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(days=2)

    credit = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)

    assert credit.computation["measured_at"] == resolved_at.isoformat()
    assert (credit.computation["target"], credit.computation["breached_minutes"]) == (
        "resolution", 90)
    assert credit.amount_usd == Decimal("1250.00")


def test_an_account_without_a_monthly_fee_cannot_have_a_credit_from_the_breach(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx, fee=None)
    clock.advance(hours=5)

    with pytest.raises(
        InvalidInput,
        match=r"^from_breach: account acme has no monthly fee to compute a credit from",
    ) as refused:
        propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)

    [(field, reason)] = refused.value.problems
    assert field == "from_breach" and "no monthly fee" in reason
    assert credit_page(ctx=ctx).items == []
    assert propose(ctx, "300").state == "proposed"  # an entered amount still works


def test_breach_credits_stop_at_the_cap_and_rejected_ones_do_not_count(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(hours=5)
    propose(ctx, "4000.00")

    capped = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)
    assert (capped.amount_usd, capped.computation["capped"]) == (Decimal("1000.00"), True)
    with pytest.raises(InvalidTransition, match=r"already total \$5,000.00, the cap of 100%"):
        propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)

    reject_credit(ctx=ctx, actor=MANAGER, credit_id=1, reason="entered by mistake")
    again = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", from_breach=True)
    assert again.amount_usd == Decimal("2500.00")


# Routing up to the level that may approve


def test_routing_a_2000_credit_escalates_the_case_to_l2_and_the_manager_approves_it(
    ctx: Context,
) -> None:
    open_case(ctx)
    credit = propose(ctx, "2000.00")
    with pytest.raises(NotPermitted, match="needs the role support manager"):
        approve(ctx, LEAD, credit)

    routed = route_credit(ctx=ctx, actor=ANA, credit_id=credit.id)

    assert routed.case.snapshot.exec_level == "L2"
    [step] = routed.case.escalations
    assert (step.track, step.from_, step.to, step.requested_by) == ("executive", None, "L2", "ana")
    assert step.reason == "service credit #1 of $2,000.00 needs support manager"
    assert (routed.credit.state, routed.credit.version) == ("proposed", 1)
    assert kinds(ctx)[-2:] == ["escalated", "credit_routed"]
    routed_entry = cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1]
    assert routed_entry.summary == "service credit #1 of $2,000.00 routed to L2 (support manager)"
    assert routed_entry.data["to"] == "L2"

    assert approve(ctx, MANAGER, credit).state == "approved"
    assert kinds(ctx)[-1] == "credit_approved"


def test_a_credit_routes_by_what_the_case_s_credits_total_with_it(ctx: Context) -> None:
    open_case(ctx)
    approve(ctx, LEAD, propose(ctx, "499.99"))

    routed = route_credit(ctx=ctx, actor=ANA, credit_id=propose(ctx, "100.00").id)

    assert routed.case.snapshot.exec_level == "L2"
    assert routed.case.escalations[-1].reason == (
        "service credit #2 of $100.00 ($599.99 with the credits approved on CASE-1 in the last "
        "30 days) needs support manager")
    assert (routed.credit.approver_level, routed.credit.approver_role) == (
        "L2", "support_manager")


@pytest.mark.parametrize(("amount", "level"), [("499.99", "L1"), ("5000.00", "L2"),
                                                ("5000.01", "L3")])
def test_a_credit_routes_to_the_lowest_level_whose_authority_covers_it(
    ctx: Context, amount: str, level: str,
) -> None:
    open_case(ctx)

    routed = route_credit(ctx=ctx, actor=ANA, credit_id=propose(ctx, amount).id)

    assert routed.case.snapshot.exec_level == level


def test_a_case_already_at_the_level_needed_is_not_routed_again(ctx: Context) -> None:
    open_case(ctx)
    first, second = propose(ctx, "2000.00"), propose(ctx, "600.00")
    route_credit(ctx=ctx, actor=ANA, credit_id=first.id)
    before = everything(ctx, second.id)

    with pytest.raises(InvalidTransition, match="CASE-1 is already at L2: a support manager"):
        route_credit(ctx=ctx, actor=ANA, credit_id=second.id)

    assert everything(ctx, second.id) == before


def test_routing_from_a_lower_level_steps_up_from_it(ctx: Context) -> None:
    open_case(ctx)
    route_credit(ctx=ctx, actor=ANA, credit_id=propose(ctx, "100.00").id)

    routed = route_credit(ctx=ctx, actor=ANA, credit_id=propose(ctx, "20000.00").id)

    assert [(s.from_, s.to) for s in routed.case.escalations] == [(None, "L1"), ("L1", "L3")]


def test_what_cannot_be_routed(ctx: Context) -> None:
    open_case(ctx)
    decided, pending = propose(ctx, "100.00"), propose(ctx, "2000.00")
    approve(ctx, LEAD, decided)

    with pytest.raises(InvalidTransition, match="credit #1 was approved"):
        route_credit(ctx=ctx, actor=ANA, credit_id=decided.id)
    with pytest.raises(NotPermitted, match="routing a service credit needs the role engineer"):
        route_credit(ctx=ctx, actor=VIEWER, credit_id=pending.id)
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")
    with pytest.raises(InvalidTransition, match="CASE-1 is resolved: ask a support manager"):
        route_credit(ctx=ctx, actor=ANA, credit_id=pending.id)
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.exec_level is None


# Reading


def test_credits_are_listed_by_case_and_state(ctx: Context) -> None:
    open_case(ctx)
    cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P2", title="Slow API")
    one, two, three = propose(ctx, "10"), propose(ctx, "20", "CASE-2"), propose(ctx, "30")
    approve(ctx, LEAD, one)

    assert [c.id for c in credit_page(ctx=ctx).items] == [one.id, two.id, three.id]
    assert [c.id for c in credit_page(ctx=ctx, case="CASE-1").items] == [one.id, three.id]
    assert [c.id for c in credit_page(ctx=ctx, state="proposed").items] == [two.id, three.id]
    assert [c.id for c in credit_page(ctx=ctx, case="case-1", state="approved").items] == [one.id]
    with pytest.raises(InvalidInput,
                       match="state: must be one of 'proposed', 'approved' or 'rejected'"):
        credit_page(ctx=ctx, state="pending")
    with pytest.raises(NotFound, match=r"^no case CASE-7$"):
        credit_page(ctx=ctx, case="CASE-7")


@pytest.mark.parametrize("credit_id", [2, 0, -1, 2**31, 2**63])
def test_an_unknown_credit_is_not_found(ctx: Context, credit_id: int) -> None:
    open_case(ctx)
    propose(ctx, "10")

    with pytest.raises(NotFound, match=f"no service credit #{credit_id}"):
        show_credit(ctx=ctx, credit_id=credit_id)
    with pytest.raises(NotFound, match=rf"^no service credit #{credit_id}$"):
        approve_credit(ctx=ctx, actor=VP, credit_id=credit_id, reason="ok")


# Two deciders at once




def test_a_decision_on_a_stale_version_is_a_conflict_and_writes_nothing(ctx: Context) -> None:
    open_case(ctx)
    credit = propose(ctx, "2000.00")
    reject_credit(ctx=ctx, actor=MANAGER, credit_id=credit.id, reason="duplicate",
                  expected_version=credit.version)
    before = everything(ctx, credit.id)

    with pytest.raises(Conflict, match="credit #1 is at version 2, not 1"):
        approve_credit(ctx=ctx, actor=OTHER_MANAGER, credit_id=credit.id, reason="owed",
                       expected_version=credit.version)

    assert everything(ctx, credit.id) == before


@pytest.mark.parametrize("second", [approve_credit, reject_credit])
def test_two_managers_deciding_one_credit_at_once_leave_exactly_one_decision(
    ctx: Context, second: Any,
) -> None:
    open_case(ctx)
    credit = propose(ctx, "2000.00")

    outcomes = run_at_once([
        lambda: approve_credit(ctx=ctx, actor=MANAGER, credit_id=credit.id, reason="owed"),
        lambda: second(ctx=ctx, actor=OTHER_MANAGER, credit_id=credit.id, reason="also owed"),
    ])

    won = [o for o in outcomes if isinstance(o, CreditView)]
    lost = [o for o in outcomes if not isinstance(o, CreditView)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], Conflict | InvalidTransition), outcomes
    stored = show_credit(ctx=ctx, credit_id=credit.id)
    assert (stored.state, stored.decided_by, stored.version) == (
        won[0].state, won[0].decided_by, 2)
    decisions = [k for k in kinds(ctx) if k in ("credit_approved", "credit_rejected")]
    assert decisions == [f"credit_{won[0].state}"]
