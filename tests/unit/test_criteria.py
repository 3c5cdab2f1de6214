"""Every criterion of the default policy (DESIGN.md 1.1), firing and not at its boundary."""

from __future__ import annotations

import pytest

# An enterprise-plan P1 case answers first within 15 minutes (24x7): 7.5 minutes is 50%.
HALF_OF_FIRST_RESPONSE = 7.5
NINETY_PERCENT_OF_FIRST_RESPONSE = 13.5


def test_a_quiet_case_gets_no_recommendation(make_case, recommend):
    assert recommend(make_case()) == {}


# sla_at_risk: an active SLA target more than 50% consumed


def test_sla_at_risk_does_not_fire_at_exactly_half_consumed(make_case, recommend):
    at = make_case.after(minutes=HALF_OF_FIRST_RESPONSE)

    assert recommend(make_case(), at) == {}


def test_sla_at_risk_fires_above_half_consumed(make_case, recommend):
    at = make_case.after(minutes=15 * 0.501)

    technical = recommend(make_case(), at)["technical"]

    assert technical["criteria"] == ["sla_at_risk"]
    assert (technical["from"], technical["to"]) == ("T1", "T2")


def test_sla_at_risk_watches_the_next_update_once_first_response_is_given(make_case, fired):
    answered = make_case.after(minutes=1)
    case = make_case(first_response_at=answered)

    # next_update is 2 h from the first response: 60 min is exactly half.
    assert "sla_at_risk" not in fired(case, make_case.after(minutes=1 + 60))
    assert "sla_at_risk" in fired(case, make_case.after(minutes=1 + 60.1))


def test_sla_at_risk_ignores_the_first_response_target_once_it_is_given(make_case, fired):
    # 20 minutes after opening the first-response target would be 133% consumed.
    case = make_case(first_response_at=make_case.after(minutes=14))

    assert "sla_at_risk" not in fired(case, make_case.after(minutes=20))


def test_sla_at_risk_watches_the_resolution_target_too(make_case, fired):
    # Resolution is 4 h; with updates kept fresh only resolution can pass half.
    case = make_case(
        first_response_at=make_case.after(minutes=5),
        last_customer_update_at=make_case.after(minutes=120),
    )

    assert "sla_at_risk" not in fired(case, make_case.after(minutes=120))
    assert "sla_at_risk" in fired(case, make_case.after(minutes=121))


# sla_breach_imminent: an active SLA target at least 90% consumed, or breached


def test_sla_breach_imminent_does_not_fire_below_ninety_percent(make_case, recommend):
    at = make_case.after(minutes=15 * 0.899)

    assert "executive" not in recommend(make_case(), at)


def test_sla_breach_imminent_fires_at_ninety_percent(make_case, recommend):
    at = make_case.after(minutes=NINETY_PERCENT_OF_FIRST_RESPONSE)

    executive = recommend(make_case(), at)["executive"]

    assert (executive["to"], executive["criteria"]) == ("L1", ["sla_breach_imminent"])


def test_sla_breach_imminent_fires_once_breached(make_case, recommend):
    at = make_case.after(minutes=45)

    executive = recommend(make_case(), at)["executive"]

    assert (executive["to"], executive["criteria"]) == ("L1", ["sla_breach_imminent"])


# repeated_issues: 3 or more cases of the account in the last 30 days


@pytest.mark.parametrize(("cases", "fires"), [(1, False), (2, False), (3, True), (7, True)])
def test_repeated_issues_fires_from_three_cases_in_thirty_days(make_case, fired, cases, fires):
    case = make_case(account_cases_30d=cases)

    assert ("repeated_issues" in fired(case)) is fires


# low_csat: CSAT below 3


@pytest.mark.parametrize(("csat", "fires"), [(None, False), (5, False), (3, False),
                                             (2.9, True), (1, True)])
def test_low_csat_fires_only_below_three(make_case, fired, csat, fires):
    case = make_case(csat=csat)

    assert ("low_csat" in fired(case)) is fires


# revenue_impact_over_10k and business_impact_over_100k: strictly above


@pytest.mark.parametrize(("usd", "fires"), [("0", False), ("10000", False),
                                            ("10000.01", True), ("250000", True)])
def test_revenue_impact_over_10k_fires_strictly_above_ten_thousand(make_case, recommend,
                                                                   usd, fires):
    executive = recommend(make_case(revenue_impact_usd=usd)).get("executive")

    if fires:
        assert (executive["to"], executive["criteria"]) == ("L2", ["revenue_impact_over_10k"])
    else:
        assert executive is None


@pytest.mark.parametrize(("usd", "fires"), [("10000.01", False), ("100000", False),
                                            ("100000.01", True)])
def test_business_impact_over_100k_fires_strictly_above_a_hundred_thousand(
    make_case, recommend, usd, fires
):
    executive = recommend(make_case(business_impact_usd=usd)).get("executive")

    if fires:
        assert (executive["to"], executive["criteria"]) == ("L3", ["business_impact_over_100k"])
    else:
        assert executive is None


# multi_service_issue: two or more affected services, or the flag (T2 -> T3)


@pytest.mark.parametrize(("services", "flags", "fires"), [
    ((), (), False),
    (("compute",), (), False),
    (("compute", "block-storage"), (), True),
    (("compute", "block-storage", "dns"), (), True),
    (("compute",), ("multi_service_issue",), True),
])
def test_multi_service_issue_fires_from_two_services_or_the_flag(
    make_case, recommend, services, flags, fires
):
    case = make_case(tier="T2", services=services, flags=flags)

    technical = recommend(case).get("technical")

    if fires:
        assert (technical["to"], technical["criteria"]) == ("T3", ["multi_service_issue"])
    else:
        assert technical is None


def test_multi_service_issue_does_not_count_one_service_listed_twice(make_case, fired):
    case = make_case(tier="T2", services=["compute", "compute"])

    assert "multi_service_issue" not in fired(case)


# enterprise_customer_escalation: an enterprise or strategic account asked


@pytest.mark.parametrize("request_flag", ["customer_requested_escalation",
                                          "customer_requested_manager"])
@pytest.mark.parametrize(("tier", "fires"), [("standard", False), ("enterprise", True),
                                             ("strategic", True)])
def test_enterprise_customer_escalation_fires_for_enterprise_and_strategic_requests(
    make_case, recommend, request_flag, tier, fires
):
    case = make_case(account={"tier": tier}, flags=[request_flag])

    executive = recommend(case).get("executive")

    if fires:
        assert (executive["to"], executive["criteria"]) == (
            "L2", ["enterprise_customer_escalation"])
    else:  # at most a manager request's own L1 criterion, never this one
        found = None if executive is None else (executive["to"], executive["criteria"])
        assert found == (None if request_flag == "customer_requested_escalation"
                         else ("L1", ["customer_requested_manager"]))


@pytest.mark.parametrize("tier", ["enterprise", "strategic"])
def test_enterprise_customer_escalation_needs_a_request(make_case, recommend, tier):
    assert recommend(make_case(account={"tier": tier})) == {}


# c_level_escalation: the escalating contact is C-level


@pytest.mark.parametrize(("contact", "fires"), [("staff", False), ("manager", False),
                                                ("vp", False), ("c_level", True)])
def test_c_level_escalation_fires_only_for_a_c_level_contact(make_case, recommend,
                                                             contact, fires):
    executive = recommend(make_case(escalating_contact_level=contact)).get("executive")

    if fires:
        assert (executive["to"], executive["criteria"]) == ("L3", ["c_level_escalation"])
    else:
        assert executive is None


# strategic_account_at_risk: a strategic account with health below 50, or the flag


@pytest.mark.parametrize(("tier", "health", "fires"), [
    ("strategic", 50, False),
    ("strategic", 49.9, True),
    ("strategic", 0, True),
    ("strategic", None, False),
    ("enterprise", 49.9, False),
    ("standard", 10, False),
])
def test_strategic_account_at_risk_fires_for_strategic_health_below_fifty(
    make_case, fired, tier, health, fires
):
    case = make_case(account={"tier": tier, "health_score": health})

    assert ("strategic_account_at_risk" in fired(case)) is fires


def test_strategic_account_at_risk_fires_on_its_flag_whatever_the_account(make_case, recommend):
    case = make_case(account={"tier": "standard", "health_score": 95},
                     flags=["strategic_account_at_risk"])

    executive = recommend(case)["executive"]

    assert (executive["to"], executive["criteria"]) == ("L3", ["strategic_account_at_risk"])


# Pure flags: each fires its own step and nothing else.

FLAG_STEPS = [
    ("beyond_tier_knowledge", "T1", "technical", "T2"),
    ("advanced_diagnostics_required", "T1", "technical", "T2"),
    ("customer_requested_escalation", "T1", "technical", "T2"),
    ("product_engineering_required", "T2", "technical", "T3"),
    ("potential_product_bug", "T2", "technical", "T3"),
    ("architecture_consultation", "T2", "technical", "T3"),
    ("vendor_platform_issue", "T3", "technical", "VENDOR"),
    ("vendor_engineering_required", "T3", "technical", "VENDOR"),
    ("platform_bug_confirmation", "T3", "technical", "VENDOR"),
    ("vendor_feature_limitation", "T3", "technical", "VENDOR"),
    ("customer_requested_manager", "T1", "executive", "L1"),
    ("multi_service_outage", "T1", "executive", "L2"),
    ("team_lead_unable_to_resolve", "T1", "executive", "L2"),
    ("legal_or_pr_implications", "T1", "executive", "L3"),
    ("churn_threat", "T1", "executive", "L4"),
    ("public_relations_crisis", "T1", "executive", "L4"),
    ("systemic_platform_failure", "T1", "executive", "L4"),
    ("legal_action_threatened", "T1", "executive", "L4"),
]


@pytest.mark.parametrize(("flag", "tier", "track", "to"), FLAG_STEPS)
def test_each_flag_criterion_recommends_its_own_step_and_nothing_else(
    make_case, recommend, flag, tier, track, to
):
    recommendations = recommend(make_case(tier=tier, flags=[flag]))

    assert list(recommendations) == [track]
    assert (recommendations[track]["to"], recommendations[track]["criteria"]) == (to, [flag])


@pytest.mark.parametrize("criterion", [
    "sla_at_risk", "sla_breach_imminent", "repeated_issues", "low_csat",
    "enterprise_customer_escalation", "revenue_impact_over_10k", "c_level_escalation",
    "business_impact_over_100k",
])
def test_computed_criteria_cannot_be_set_by_a_flag_of_their_name(make_case, recommend,
                                                                 criterion):
    assert recommend(make_case(flags=[criterion])) == {}


def test_unknown_flags_fire_nothing(make_case, recommend):
    assert recommend(make_case(flags=["customer_is_grumpy"])) == {}


def test_criteria_are_listed_in_policy_order(make_case, recommend):
    case = make_case(flags=["customer_requested_escalation", "beyond_tier_knowledge"])

    technical = recommend(case, make_case.after(minutes=10))["technical"]

    assert technical["criteria"] == [
        "beyond_tier_knowledge", "customer_requested_escalation", "sla_at_risk"]
