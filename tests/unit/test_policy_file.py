"""Loading the policy file: the default loads, a bad one is refused with where and why."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalada.adapters.catalogs import translations
from escalada.adapters.policy_file import (
    POLICY_ENV,
    current_policy,
    default_policy_path,
    load_policy,
)
from escalada.domain.errors import PolicyInvalid

DEFAULT_DOCUMENT: dict[str, Any] = yaml.safe_load(default_policy_path().read_text("utf-8"))

WritePolicy = Callable[[Callable[[dict[str, Any]], object]], Path]


@pytest.fixture
def operator_policy(tmp_path: Path) -> WritePolicy:
    """Writes the default policy, changed by `edit`, as tmp_path/operator.yaml."""

    def write(edit: Callable[[dict[str, Any]], object]) -> Path:
        document = copy.deepcopy(DEFAULT_DOCUMENT)
        edit(document)
        path = tmp_path / "operator.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        return path

    return write


def refusal(path: Path) -> str:
    with pytest.raises(PolicyInvalid, match=rf"^(.*/)?{re.escape(path.name)}: ") as refused:
        load_policy(path)
    return str(refused.value)


def test_the_default_policy_loads(policy):
    assert [(s.from_tier, s.to_tier) for s in policy.technical.steps] == [
        ("T1", "T2"), ("T2", "T3"), ("T3", "VENDOR")]
    assert [level.level for level in policy.executive.levels] == ["L1", "L2", "L3", "L4"]
    assert policy.version


def test_the_default_policy_ships_inside_the_package():
    assert default_policy_path().name == "default.yaml"
    assert default_policy_path().is_file()


def test_the_default_policy_loads_unchanged_from_a_copy(operator_policy):
    assert load_policy(operator_policy(lambda document: None)) == load_policy(
        default_policy_path())


def test_a_negative_response_time_is_refused_naming_file_path_and_reason(operator_policy):
    path = operator_policy(
        lambda d: d["executive"]["levels"][2].update(respond_within_minutes=-5))

    assert refusal(path) == (
        "operator.yaml: executive.levels[2].respond_within_minutes: must be >= 0")


@pytest.mark.parametrize("days", [0, -1, "a month"])
def test_a_credit_authority_window_that_is_not_a_number_of_days_is_refused(
        operator_policy, days):
    path = operator_policy(lambda d: d["credits"].update(authority_window_days=days))

    assert "credits.authority_window_days" in refusal(path)


def test_credit_authority_counts_a_case_s_approved_credits_over_30_days_by_default(policy):
    assert policy.credits.authority_window_days == 30
    window = policy.credits.authority_window()
    assert (str(window), window.render(translations("ru"))) == (
        "in the last 30 days", "за последние 30 дней")


def test_an_unknown_criterion_kind_is_refused(operator_policy):
    path = operator_policy(lambda d: d["criteria"]["low_csat"].update(kind="vibes"))

    message = refusal(path)

    assert message.startswith("operator.yaml: criteria.low_csat: ")
    assert "'vibes'" in message
    assert "csat_below" in message


def test_a_duration_in_words_is_refused(operator_policy):
    path = operator_policy(
        lambda d: d["sla"]["plans"]["enterprise"]["P1"].update(first_response="15 minutes"))

    assert refusal(path) == (
        "operator.yaml: sla.plans.enterprise.P1.first_response: "
        "'15 minutes' is not a duration like 15m, 2h or 3d")


def test_a_plan_missing_a_severity_is_refused(operator_policy):
    path = operator_policy(lambda d: d["sla"]["plans"]["business"].pop("P4"))

    assert refusal(path) == "operator.yaml: sla.plans: business: no targets for P4 (use null)"


def test_a_missing_plan_is_refused_listing_every_severity(operator_policy):
    path = operator_policy(lambda d: d["sla"]["plans"].pop("developer"))

    assert "developer: no targets for P1, P2, P3, P4" in refusal(path)


def test_a_step_that_is_not_one_step_up_is_refused(operator_policy):
    path = operator_policy(lambda d: d["technical"]["steps"][0].update(to="T3"))

    assert refusal(path) == "operator.yaml: technical.steps[0]: T1 -> T3 is not one step up"


def test_a_step_down_is_refused(operator_policy):
    path = operator_policy(lambda d: d["technical"]["steps"][1].update(to="T1"))

    assert "technical.steps[1]: T2 -> T1 is not one step up" in refusal(path)


def test_two_steps_from_one_tier_are_refused(operator_policy):
    path = operator_policy(lambda d: d["technical"]["steps"].append(
        copy.deepcopy(d["technical"]["steps"][0])))

    assert "technical.steps: " in refusal(path)
    assert "two steps start from the same tier" in refusal(path)


def test_executive_levels_out_of_order_are_refused(operator_policy):
    path = operator_policy(lambda d: d["executive"]["levels"].reverse())

    assert "executive.levels: levels must be listed once each, lowest first" in refusal(path)


def test_an_sla_criterion_with_two_thresholds_is_refused(operator_policy):
    path = operator_policy(lambda d: d["criteria"]["sla_at_risk"].update(at_least=0.5))

    message = refusal(path)

    assert "criteria.sla_at_risk" in message
    assert "give exactly one of `above` or `at_least`" in message


def test_an_unknown_field_is_refused(operator_policy):
    path = operator_policy(lambda d: d.update(escalate_everything=True))

    assert refusal(path) == "operator.yaml: escalate_everything: is not a known field"


def test_every_problem_gets_its_own_line(operator_policy):
    def break_twice(document: dict[str, Any]) -> None:
        document["executive"]["levels"][0]["respond_within_minutes"] = -1
        document["technical"]["steps"][2]["respond_within_minutes"] = -1

    lines = refusal(operator_policy(break_twice)).splitlines()

    assert sorted(lines) == [
        "operator.yaml: executive.levels[0].respond_within_minutes: must be >= 0",
        "operator.yaml: technical.steps[2].respond_within_minutes: must be >= 0",
    ]


def test_a_file_that_is_not_yaml_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("technical: [unclosed\n  : :\n", encoding="utf-8")

    message = refusal(path)

    assert message.startswith(f"{path}: not valid YAML")
    assert "line" in message


def test_a_yaml_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- technical\n- executive\n", encoding="utf-8")

    assert refusal(path) == f"{path}: must be a mapping with technical, executive and sla"


def test_a_missing_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "absent.yaml"

    assert refusal(path).startswith(f"{path}: cannot read")


def test_an_unknown_calendar_is_refused_when_the_policy_loads(operator_policy):
    path = operator_policy(
        lambda d: d["sla"]["plans"]["enterprise"]["P1"].update(calendar="lunar"))

    assert "sla.plans.enterprise.P1.calendar" in refusal(path)


# An operator's policy changes what the engine recommends.


def test_an_operator_revenue_threshold_changes_the_recommendation(
    operator_policy, make_case, recommend, policy
):
    lowered = load_policy(operator_policy(
        lambda d: d["criteria"]["revenue_impact_over_10k"].update(usd=5000)))
    case = make_case(revenue_impact_usd="5000.01")

    assert "executive" not in recommend(case, with_policy=policy)
    executive = recommend(case, with_policy=lowered)["executive"]
    assert (executive["to"], executive["criteria"]) == ("L2", ["revenue_impact_over_10k"])
    assert "executive" not in recommend(make_case(revenue_impact_usd="5000"),
                                        with_policy=lowered)


def test_an_operator_response_time_is_what_the_engine_promises(operator_policy, make_case,
                                                               recommend):
    slower = load_policy(operator_policy(
        lambda d: d["executive"]["levels"][3].update(respond_within_minutes=5)))

    executive = recommend(make_case(flags=["churn_threat"]), with_policy=slower)["executive"]

    assert executive["respond_within_minutes"] == 5


def test_an_operator_sla_target_moves_the_due_time(operator_policy, make_case, evaluation_at):
    relaxed = load_policy(operator_policy(
        lambda d: d["sla"]["plans"]["enterprise"]["P1"].update(first_response="30m")))

    first_response = evaluation_at(make_case(), with_policy=relaxed).sla[0]

    assert first_response.due_at == make_case.after(minutes=30)


def test_the_operator_policy_named_by_the_environment_is_in_force(operator_policy, monkeypatch):
    path = operator_policy(lambda d: d.update(version="operator-1"))
    monkeypatch.setenv(POLICY_ENV, str(path))

    assert current_policy().version == "operator-1"


def test_without_an_operator_policy_the_default_is_in_force(monkeypatch, policy):
    monkeypatch.delenv(POLICY_ENV, raising=False)

    assert current_policy() == policy
