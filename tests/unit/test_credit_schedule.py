"""Service credits as pure rules: the schedule's tiers and cap, cents, the worst breach,
clear refusals, and the authority table's boundaries (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from escalada.adapters.policy_file import complete, packaged_section
from escalada.domain.credits import (
    ApprovedCredit,
    approved_within,
    credit_from_breach,
    explain,
    worst_breach,
)
from escalada.domain.errors import InvalidInput, InvalidTransition, NotPermitted
from escalada.domain.model import ExecLevel, SupportPlan
from escalada.domain.policy import CreditPolicy, CreditSchedule, Policy
from escalada.domain.sla import SlaClock, sla_clocks
from escalada.domain.snapshot import AccountSnapshot
from escalada.services.authz import approver_needed, can_approve_credit
from escalada.services.context import Actor

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
ENTERPRISE = AccountSnapshot(id="acme", name="Acme Corp", tier="enterprise",
                             support_plan="enterprise", monthly_fee_usd=Decimal("5000.00"))


SHIPPED: CreditPolicy = packaged_section("credits")


def with_schedules(schedules: dict[SupportPlan, CreditSchedule]) -> CreditPolicy:
    return CreditPolicy(schedules=schedules,
                        authority_window_days=SHIPPED.authority_window_days)


def clock(target: str, target_minutes: float, elapsed_minutes: float) -> SlaClock:
    start = NOW - timedelta(minutes=elapsed_minutes)
    return SlaClock(target, start, start + timedelta(minutes=target_minutes), target_minutes,
                    elapsed_minutes, False)


def overrun(minutes: float) -> list[SlaClock]:
    """A resolution target of 4 h overrun by `minutes`."""
    return [clock("resolution", 240, 240 + minutes)]


def credit(account: AccountSnapshot = ENTERPRISE, clocks: list[SlaClock] | None = None,
           policy: CreditPolicy | None = None, **kwargs: Any) -> tuple[Decimal, dict[str, Any]]:
    return credit_from_breach(account, overrun(1) if clocks is None else clocks,
                              policy or SHIPPED, measured_at=NOW, **kwargs)


def fee(amount: str, plan: str = "enterprise") -> AccountSnapshot:
    return ENTERPRISE.model_copy(update={"monthly_fee_usd": Decimal(amount),
                                         "support_plan": SupportPlan(plan)})


# The schedule


@pytest.mark.parametrize(("minutes", "percent", "amount"), [
    (0.01, "10", "500.00"),
    (59.99, "10", "500.00"),
    (60, "25", "1250.00"),
    (239.99, "25", "1250.00"),
    (240, "50", "2500.00"),
    (10_000, "50", "2500.00"),
])
def test_the_enterprise_schedule_grants_a_percent_of_the_fee_by_breached_minutes(
    minutes: float, percent: str, amount: str,
) -> None:
    granted, computation = credit(clocks=overrun(minutes))

    assert granted == Decimal(amount)
    assert computation["percent"] == percent
    assert computation["breached_minutes"] == minutes


@pytest.mark.parametrize(("plan", "minutes", "amount"), [
    ("business", 30, "250.00"), ("business", 60, "500.00"), ("business", 300, "1250.00"),
    ("developer", 30, "100.00"), ("developer", 239, "100.00"), ("developer", 240, "500.00"),
])
def test_business_and_developer_plans_grant_less(plan: str, minutes: int, amount: str) -> None:
    granted, _ = credit(fee("5000", plan), overrun(minutes))

    assert granted == Decimal(amount)


def test_amounts_are_rounded_to_cents_half_up() -> None:
    assert credit(fee("10.10", "business"))[0] == Decimal("0.51")  # 5% of 10.10 is 0.505
    assert credit(fee("333.33"), overrun(60))[0] == Decimal("83.33")  # 83.3325
    assert str(credit(fee("1000"))[0]) == "100.00"


def test_the_computation_explains_target_minutes_percent_and_fee() -> None:
    _, computation = credit(clocks=[clock("first_response", 15, 20), clock("resolution", 240, 315)])

    assert computation == {
        "plan": "enterprise", "measured_at": NOW.isoformat(), "target": "resolution",
        "target_minutes": 240, "breached_minutes": 75, "tier_breached_minutes": 60,
        "percent": "25", "monthly_fee_usd": "5000.00", "cap_percent": "100",
        "already_credited_usd": "0.00", "capped": False, "amount_usd": "1250.00",
    }
    assert explain(computation) == (
        "resolution overrun by 75 min: 25% of the $5,000.00 monthly fee")


def test_the_worst_overrun_counts_not_the_most_consumed_target() -> None:
    # first response: 15 min target, 45 min elapsed (3x consumed, 30 min over);
    # resolution: 240 min target, 300 elapsed (1.25x consumed, 60 min over).
    breach = worst_breach([clock("first_response", 15, 45), clock("resolution", 240, 300)])

    assert breach is not None
    assert (breach.target, breach.breached_minutes) == ("resolution", 60)


def test_a_target_at_exactly_its_due_time_is_not_breached() -> None:
    assert worst_breach([clock("resolution", 240, 240)]) is None
    with pytest.raises(InvalidTransition, match="no SLA target is breached"):
        credit(clocks=[clock("resolution", 240, 240), clock("next_update", 120, 30)])


def test_the_cap_bounds_what_the_case_credits_total() -> None:
    granted, computation = credit(clocks=overrun(240), already_credited=Decimal("4500.00"))

    assert granted == Decimal("500.00")
    assert (computation["capped"], computation["already_credited_usd"]) == (True, "4500.00")
    assert explain(computation).endswith("capped at 100% for the case")


def test_a_case_credited_up_to_its_cap_gets_nothing_more() -> None:
    with pytest.raises(InvalidTransition, match=r"already total \$5,000.00, the cap of 100%"):
        credit(already_credited=Decimal("5000.00"))


def test_a_schedule_without_a_cap_grants_the_full_percent() -> None:
    uncapped = with_schedules({
        SupportPlan.ENTERPRISE: CreditSchedule(tiers=SHIPPED.schedules[
            SupportPlan.ENTERPRISE].tiers)})

    granted, computation = credit(policy=uncapped, already_credited=Decimal("1000000"))

    assert granted == Decimal("500.00")
    assert computation["cap_percent"] is None


# Clear refusals


@pytest.mark.parametrize("monthly_fee", [None, Decimal(0)])
def test_an_account_without_a_monthly_fee_is_refused_naming_from_breach(
    monthly_fee: Decimal | None,
) -> None:
    account = ENTERPRISE.model_copy(update={"monthly_fee_usd": monthly_fee})

    with pytest.raises(
        InvalidInput,
        match=r"^from_breach: account acme has no monthly fee to compute a credit from",
    ) as refused:
        credit(account)

    [(field, reason)] = refused.value.problems
    assert field == "from_breach"
    assert "account acme has no monthly fee" in reason


def test_a_plan_without_a_schedule_is_refused() -> None:
    enterprise_only = with_schedules({
        SupportPlan.ENTERPRISE: SHIPPED.schedules[SupportPlan.ENTERPRISE]})

    with pytest.raises(InvalidInput, match="no credit schedule for the business plan"):
        credit(fee("100", "business"), policy=enterprise_only)


def test_a_breach_below_the_first_tier_is_refused_saying_so() -> None:
    late_start = with_schedules({SupportPlan.ENTERPRISE: CreditSchedule.model_validate(
        {"tiers": [{"breached_minutes": 30, "percent": 10}]})})

    with pytest.raises(InvalidTransition, match="overrun by 10 min, less than the 30 min"):
        credit(clocks=overrun(10), policy=late_start)


# The schedule in the policy


def test_the_default_policy_file_carries_the_default_schedules(policy: Policy) -> None:
    enterprise = policy.credits.schedules[SupportPlan.ENTERPRISE]
    assert [(t.breached_minutes, t.percent) for t in enterprise.tiers] == [
        (0, 10), (60, 25), (240, 50)]
    assert enterprise.cap_percent == 100
    assert set(policy.credits.schedules) == set(SupportPlan)
    assert policy.credits.authority_window_days == 30


def test_a_policy_without_a_credits_section_uses_the_shipped_one(policy: Policy) -> None:
    document = policy.model_dump(mode="json", by_alias=True)
    del document["credits"]

    assert Policy.model_validate(complete(document)).credits == policy.credits


def test_a_credits_section_without_schedules_uses_the_shipped_ones(policy: Policy) -> None:
    document = policy.model_dump(mode="json", by_alias=True)
    document["credits"] = {"authority_window_days": None}

    credits = Policy.model_validate(complete(document)).credits
    assert credits.schedules == policy.credits.schedules
    assert credits.authority_window_days is None


def test_a_policy_section_is_required_unless_completed(policy: Policy) -> None:
    document = policy.model_dump(mode="json", by_alias=True)
    del document["credits"]

    with pytest.raises(ValidationError, match="credits"):
        Policy.model_validate(document)


def test_the_schedule_survives_the_json_a_case_freezes_it_in(policy: Policy) -> None:
    frozen = Policy.model_validate(policy.model_dump(mode="json", by_alias=True))

    assert frozen.credits == policy.credits


@pytest.mark.parametrize(("tiers", "problem"), [
    ([{"breached_minutes": 60, "percent": 25}, {"breached_minutes": 0, "percent": 10}],
     "lowest breached_minutes first"),
    ([{"breached_minutes": 0, "percent": 10}, {"breached_minutes": 0, "percent": 20}],
     "each once"),
    ([{"breached_minutes": 0, "percent": 0}], "greater than 0"),
    ([{"breached_minutes": 0, "percent": 101}], "less than or equal to 100"),
    ([{"breached_minutes": -1, "percent": 10}], "greater than or equal to 0"),
    ([], "at least 1"),
])
def test_a_bad_schedule_is_refused(tiers: list[dict[str, Any]], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        CreditSchedule.model_validate({"tiers": tiers})


def test_an_unknown_plan_or_field_in_the_schedule_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"schedules\.gold"):
        packaged_section("credits", {"schedules": {"gold": {"tiers": [
            {"breached_minutes": 0, "percent": 10}]}}})
    with pytest.raises(ValidationError, match="Extra inputs"):
        packaged_section("credits", {"tables": {}})


# From a case snapshot


def test_a_p1_case_without_a_first_response_for_five_hours_earns_half_its_fee(
    make_case: Any, policy: Policy,  # the unit conftest's CaseBuilder
) -> None:
    case = make_case(account={"monthly_fee_usd": "8000"})
    at = make_case.after(hours=5)

    granted, computation = credit_from_breach(case.account, sla_clocks(case, policy, at),
                                              policy.credits, measured_at=at)

    # first response: 15 min target, 300 elapsed: 285 min over (resolution is 60 over)
    assert (computation["target"], computation["breached_minutes"]) == ("first_response", 285)
    assert granted == Decimal("4000.00")


# The authority table (the policy's executive levels)


@pytest.mark.parametrize(("role", "amount", "allowed"), [
    ("team_lead", "499.99", True), ("team_lead", "500.00", False),
    ("support_manager", "500.00", True), ("support_manager", "5000.00", True),
    ("support_manager", "5000.01", False),
    ("support_director", "1000000.00", True), ("vp", "99999999.99", True),
    ("engineer", "0.01", False), ("admin", "0.01", False), ("viewer", "0.01", False),
])
def test_credit_authority_boundaries(policy: Policy, role: str, amount: str,
                                     allowed: bool) -> None:
    actor = Actor("someone", role)
    if allowed:
        can_approve_credit(actor, policy, Decimal(amount))
    else:
        with pytest.raises(NotPermitted, match="needs the role"):
            can_approve_credit(actor, policy, Decimal(amount))


@pytest.mark.parametrize(("amount", "level"), [
    ("0.01", ExecLevel.L1), ("499.99", ExecLevel.L1), ("500.00", ExecLevel.L2),
    ("5000.00", ExecLevel.L2), ("5000.01", ExecLevel.L3), ("1000000", ExecLevel.L3),
])
def test_the_lowest_level_whose_authority_covers_an_amount(
    policy: Policy, amount: str, level: ExecLevel,
) -> None:
    assert approver_needed(policy, Decimal(amount)) is level


@pytest.mark.parametrize(("role", "approved_before", "amount", "needed"), [
    ("team_lead", "0.00", "499.99", None),
    ("team_lead", "0.01", "499.99", "support_manager"),
    ("team_lead", "499.98", "0.01", None),
    ("support_manager", "4500.00", "500.00", None),
    ("support_manager", "4500.00", "500.01", "support_director"),
    ("support_director", "1000000.00", "1000000.00", None),
])
def test_authority_covers_the_credit_together_with_what_the_case_has_approved(
    policy: Policy, role: str, approved_before: str, amount: str, needed: str | None,
) -> None:
    actor = Actor("someone", role)

    if needed is None:
        can_approve_credit(actor, policy, Decimal(amount), Decimal(approved_before))
        return
    total = Decimal(amount) + Decimal(approved_before)
    needed, role = needed.replace("_", " "), role.replace("_", " ")  # roles read as words
    with pytest.raises(
        NotPermitted,
        match=rf"needs the role {needed} or above; someone is {role}: ",
    ) as refused:
        can_approve_credit(actor, policy, Decimal(amount), Decimal(approved_before),
                           case="CASE-7")
    assert str(refused.value) == (
        f"approving a ${Decimal(amount):,.2f} service credit (with the "
        f"${Decimal(approved_before):,.2f} approved on CASE-7 in the last 30 days, "
        f"${total:,.2f} in all) needs the role {needed} or above; someone is {role}: "
        f"ask a {needed} or above to do it")


# What a case's approved credits total within the authority window


def approved(days_ago: float, amount: str, credit_id: int = 0) -> ApprovedCredit:
    return ApprovedCredit(credit_id, Decimal(amount), NOW - timedelta(days=days_ago))


def test_credits_approved_within_the_window_count_and_older_ones_do_not() -> None:
    history = [approved(40, "1000.00"), approved(30, "200.00"), approved(29.9, "30.00"),
               approved(1, "4.00"), approved(0, "0.50")]

    assert approved_within(history, SHIPPED, at=NOW) == Decimal("34.50")


def test_without_a_window_every_approved_credit_of_the_case_counts() -> None:
    history = [approved(400, "1000.00"), approved(1, "4.00")]

    assert approved_within(history, packaged_section("credits", {"authority_window_days": None}),
                           at=NOW) == Decimal("1004.00")


def test_the_credit_being_judged_and_later_approvals_do_not_count() -> None:
    history = [approved(2, "10.00", credit_id=1), approved(1, "20.00", credit_id=2),
               approved(-1, "40.00", credit_id=3)]

    assert approved_within(history, SHIPPED, at=NOW, excluding=2) == Decimal("10.00")
    assert approved_within([], SHIPPED, at=NOW) == Decimal(0)


@pytest.mark.parametrize("days", [0, -3])
def test_a_window_of_no_days_is_refused(days: int) -> None:
    with pytest.raises(ValidationError, match="authority_window_days"):
        packaged_section("credits", {"authority_window_days": days})
