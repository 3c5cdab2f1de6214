"""The two tracks: the next technical step, and the highest executive level that fires."""

from __future__ import annotations

import pytest

T1_HANDOFF = ["troubleshooting_summary", "steps_attempted", "customer_impact",
              "diagnostic_data", "customer_expectation_set"]
T2_HANDOFF = ["technical_analysis", "root_cause_hypothesis", "diagnostic_logs",
              "attempted_workarounds", "engineering_assessment_request"]
T3_HANDOFF = ["case_documentation", "vendor_case_number", "severity_justification",
              "business_impact_statement", "customer_communication_plan"]

# One criterion of every technical step, set together: only the current tier's may count.
EVERY_TECHNICAL_FLAG = ["beyond_tier_knowledge", "potential_product_bug", "vendor_platform_issue"]


@pytest.mark.parametrize(("tier", "to", "criterion", "minutes", "handoff"), [
    ("T1", "T2", "beyond_tier_knowledge", 15, T1_HANDOFF),
    ("T2", "T3", "potential_product_bug", 30, T2_HANDOFF),
    ("T3", "VENDOR", "vendor_platform_issue", 60, T3_HANDOFF),
])
def test_technical_track_recommends_only_the_next_step_from_the_current_tier(
    make_case, recommend, tier, to, criterion, minutes, handoff
):
    technical = recommend(make_case(tier=tier, flags=EVERY_TECHNICAL_FLAG))["technical"]

    assert technical == {
        "track": "technical", "from": tier, "to": to, "criteria": [criterion],
        "respond_within_minutes": minutes, "handoff_required": handoff,
    }


def test_technical_track_recommends_nothing_from_vendor(make_case, recommend):
    case = make_case(tier="VENDOR", flags=EVERY_TECHNICAL_FLAG, services=["a", "b"])

    assert "technical" not in recommend(case)


@pytest.mark.parametrize("tier", ["T2", "T3", "VENDOR"])
def test_criteria_of_a_lower_step_do_not_move_a_higher_tier(make_case, recommend, tier):
    case = make_case(tier=tier, flags=["beyond_tier_knowledge", "customer_requested_escalation"])

    assert "technical" not in recommend(case, make_case.after(minutes=10))


def test_technical_track_does_not_skip_a_tier(make_case, recommend):
    case = make_case(tier="T1", flags=["vendor_platform_issue"], services=["a", "b"])

    assert "technical" not in recommend(case)


@pytest.mark.parametrize(("flag", "level", "minutes"), [
    ("customer_requested_manager", "L1", 30),
    ("team_lead_unable_to_resolve", "L2", 60),
    ("legal_or_pr_implications", "L3", 120),
    ("legal_action_threatened", "L4", 0),
])
def test_executive_track_responds_within_the_level_s_minutes(make_case, recommend,
                                                             flag, level, minutes):
    executive = recommend(make_case(flags=[flag]))["executive"]

    assert executive == {
        "track": "executive", "from": None, "to": level, "criteria": [flag],
        "respond_within_minutes": minutes,
    }


def test_executive_recommendation_has_no_handoff_required_key(make_case, recommend):
    executive = recommend(make_case(flags=["churn_threat"]))["executive"]

    assert "handoff_required" not in executive


def test_executive_track_recommends_the_highest_level_whose_criteria_fire(make_case, recommend):
    case = make_case(
        flags=["customer_requested_manager", "team_lead_unable_to_resolve",
               "legal_or_pr_implications"],
        csat=1,
    )

    executive = recommend(case)["executive"]

    assert (executive["to"], executive["criteria"]) == ("L3", ["legal_or_pr_implications"])


def test_executive_track_names_every_criterion_that_fired_at_that_level(make_case, recommend):
    case = make_case(flags=["churn_threat", "public_relations_crisis"])

    assert recommend(case)["executive"]["criteria"] == ["churn_threat", "public_relations_crisis"]


@pytest.mark.parametrize(("current", "flag"), [
    ("L2", "customer_requested_manager"),
    ("L2", "team_lead_unable_to_resolve"),
    ("L3", "team_lead_unable_to_resolve"),
    ("L4", "churn_threat"),
])
def test_executive_track_recommends_nothing_at_or_below_the_current_level(
    make_case, recommend, current, flag
):
    assert "executive" not in recommend(make_case(exec_level=current, flags=[flag]))


def test_churn_threat_at_l2_recommends_l4_from_l2(make_case, recommend):
    executive = recommend(make_case(exec_level="L2", flags=["churn_threat"]))["executive"]

    assert (executive["from"], executive["to"]) == ("L2", "L4")
    assert executive["criteria"] == ["churn_threat"]
    assert executive["respond_within_minutes"] == 0


def test_a_case_can_get_one_recommendation_on_each_track(make_case, recommend):
    case = make_case(tier="T2", flags=["potential_product_bug", "churn_threat"])

    recommendations = recommend(case)

    assert (recommendations["technical"]["to"], recommendations["executive"]["to"]) == ("T3", "L4")


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_resolved_and_closed_cases_get_no_recommendations(make_case, evaluation_at, status):
    case = make_case(status=status, flags=["churn_threat", "beyond_tier_knowledge"])

    evaluation = evaluation_at(case, make_case.after(hours=10))

    assert evaluation.recommendations == ()
    assert evaluation.sla == ()


@pytest.mark.parametrize("status", ["new", "investigating", "waiting_on_customer",
                                    "mitigating", "monitoring"])
def test_every_open_status_is_evaluated(make_case, recommend, status):
    case = make_case(status=status, flags=["churn_threat"])

    assert recommend(case)["executive"]["to"] == "L4"
