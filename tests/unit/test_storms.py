"""The outage-storm rule: cases of enough different accounts about one service in one
region, opened within the policy's window, are one storm (a pure function of `now`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from escalada.adapters.policy_file import load_policy, packaged_document
from escalada.domain.errors import PolicyInvalid
from escalada.domain.policy import Policy, StormRule
from escalada.domain.storms import Arrival, belongs, storms

NOW = datetime(2026, 12, 4, 14, 10, tzinfo=UTC)
RULE = StormRule.model_validate({"accounts_at_least": 5, "within": "10m"})


def arrival(case: int, account: str, minutes_ago: float, service: str = "rds",
            region: str = "eu-central-1") -> Arrival:
    return Arrival(case, account, NOW - timedelta(minutes=minutes_ago), (service,), (region,))


def five_accounts(minutes_ago: float = 1) -> list[Arrival]:
    return [arrival(n, f"acct-{n}", minutes_ago) for n in range(1, 6)]


def test_five_accounts_about_one_service_and_region_within_ten_minutes_are_a_storm() -> None:
    [storm] = storms(five_accounts(), RULE, NOW)

    assert (storm.service, storm.region) == ("rds", "eu-central-1")
    assert storm.cases == (1, 2, 3, 4, 5)
    assert storm.accounts == ("acct-1", "acct-2", "acct-3", "acct-4", "acct-5")


def test_four_accounts_are_not_a_storm() -> None:
    assert storms(five_accounts()[:4], RULE, NOW) == []


def test_the_same_account_twice_counts_once() -> None:
    cases = [*five_accounts()[:4], arrival(6, "acct-1", 2)]

    assert storms(cases, RULE, NOW) == []


def test_an_accounts_second_case_is_linked_with_the_storm() -> None:
    [storm] = storms([*five_accounts(), arrival(6, "acct-1", 2)], RULE, NOW)

    assert storm.cases == (1, 2, 3, 4, 5, 6)
    assert len(storm.accounts) == 5


def test_a_case_opened_exactly_at_the_windows_edge_counts() -> None:
    cases = [*five_accounts()[:4], arrival(5, "acct-5", 10)]

    [storm] = storms(cases, RULE, NOW)

    assert storm.started_at == NOW - timedelta(minutes=10)


def test_a_case_opened_just_before_the_window_does_not_count() -> None:
    cases = [*five_accounts()[:4], arrival(5, "acct-5", 10 + 1 / 60_000)]

    assert storms(cases, RULE, NOW) == []


def test_a_case_opened_after_now_does_not_count() -> None:
    cases = [*five_accounts()[:4], arrival(5, "acct-5", -1)]

    assert storms(cases, RULE, NOW) == []


def test_another_region_is_another_place() -> None:
    cases = [*five_accounts()[:4], arrival(5, "acct-5", 1, region="us-east-1")]

    assert storms(cases, RULE, NOW) == []


def test_another_service_in_the_same_region_is_another_place() -> None:
    cases = [*five_accounts()[:4], arrival(5, "acct-5", 1, service="compute")]

    assert storms(cases, RULE, NOW) == []


def test_names_compare_without_case_or_spare_spaces() -> None:
    cases = [*five_accounts()[:4], arrival(5, "acct-5", 1, service=" RDS ",
                                            region="EU-Central-1")]

    [storm] = storms(cases, RULE, NOW)

    assert storm.cases == (1, 2, 3, 4, 5)


def test_a_case_without_a_region_is_in_no_storm() -> None:
    cases = [*five_accounts()[:4], Arrival(5, "acct-5", NOW, ("rds",), ())]

    assert storms(cases, RULE, NOW) == []


def test_a_case_about_two_services_counts_in_both_places() -> None:
    both = [Arrival(n, f"acct-{n}", NOW, ("rds", "compute"), ("eu-central-1",))
            for n in range(1, 6)]

    found = storms(both, RULE, NOW)

    assert [(s.service, s.region) for s in found] == [("compute", "eu-central-1"),
                                                      ("rds", "eu-central-1")]


def test_a_case_belongs_to_an_incident_of_its_service_and_region() -> None:
    case = arrival(1, "acct-1", 0, service="RDS")

    assert belongs(case, "rds", "eu-central-1")
    assert not belongs(case, "rds", "us-east-1")


def test_the_shipped_policy_sets_the_outage_flags_by_how_many_accounts(policy: Policy
                                                                      ) -> None:
    assert policy.incidents.storm == RULE
    assert policy.incidents.flags_for(4) == ()
    assert policy.incidents.flags_for(5) == ("multi_service_outage",)
    assert policy.incidents.flags_for(20) == ("multi_service_outage",
                                              "systemic_platform_failure")


@pytest.mark.parametrize(("storm", "reason"), [
    ({"accounts_at_least": 1, "within": "10m"}, "incidents.storm.accounts_at_least"),
    ({"accounts_at_least": 5, "within": "0m"}, "incidents.storm: .*within must be"),
    ({"accounts_at_least": 5, "within": "2d"}, "incidents.storm: .*within must be"),
    ({"accounts_at_least": 5, "within": "soon"}, "incidents.storm.within"),
    ({"accounts_at_least": 5, "within": "10m", "by": "x"}, "incidents.storm.by"),
])
def test_a_bad_storm_rule_is_refused_naming_where(tmp_path: Path, storm: dict[str, object],
                                                  reason: str) -> None:
    document = packaged_document()
    document["incidents"] = {"storm": storm}
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(PolicyInvalid, match=reason):
        load_policy(path)


def test_a_flag_listed_twice_is_refused(tmp_path: Path) -> None:
    document = packaged_document()
    document["incidents"]["flags"] = [{"flag": "churn_threat", "accounts_at_least": 3},
                                      {"flag": "churn_threat", "accounts_at_least": 9}]
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(PolicyInvalid, match="each flag is listed once"):
        load_policy(path)


def test_an_operator_may_change_the_window_alone(tmp_path: Path, policy: Policy) -> None:
    document = packaged_document()
    document["incidents"] = {"storm": {"within": "30m"}}
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    loaded = load_policy(path).incidents

    assert str(loaded.storm.within) == "30m"
    assert loaded.storm.accounts_at_least == 5
    assert loaded.flags == policy.incidents.flags
