"""A bad snapshot is refused with the field path and the reason, for people to act on."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from escalada.domain.errors import InvalidInput
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.validation import field_path, invalid_input, problems

OFFSET_REASON = "must carry a UTC offset, e.g. 2026-11-26T10:00:00+00:00"


def problems_of(make_case, **overrides: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError, match=r"validation errors? for CaseSnapshot\n") as refused:
        make_case(**overrides)
    return problems(refused.value)


def test_an_unknown_account_tier_is_named_with_the_tiers_allowed(make_case):
    assert problems_of(make_case, account={"tier": "gold"}) == [
        ("account.tier", "must be one of 'standard', 'enterprise' or 'strategic'")]


def test_an_unknown_severity_is_named_with_the_severities_allowed(make_case):
    assert problems_of(make_case, severity="P9") == [
        ("severity", "must be one of 'P1', 'P2', 'P3' or 'P4'")]


def test_a_time_without_offset_is_refused(make_case):
    assert problems_of(make_case, opened_at="2026-11-26T10:00:00") == [
        ("opened_at", OFFSET_REASON)]


def test_a_pause_without_offset_is_named_by_its_position(make_case):
    paused = [{"from": "2026-11-26T11:00:00+00:00", "to": "2026-11-26T11:30:00+00:00"},
              {"from": "2026-11-26T12:00:00"}]

    assert problems_of(make_case, paused=paused) == [("paused[1].from", OFFSET_REASON)]


def test_a_pause_ending_before_it_starts_is_refused(make_case):
    paused = [{"from": "2026-11-26T11:30:00+00:00", "to": "2026-11-26T11:00:00+00:00"}]

    assert problems_of(make_case, paused=paused) == [("paused[0]", "`to` is before `from`")]


def test_an_unknown_plan_is_named(make_case):
    field, reason = problems_of(make_case, account={"support_plan": "platinum"})[0]

    assert field == "account.support_plan"
    assert reason.startswith("must be one of")


@pytest.mark.parametrize(("override", "expected"), [
    ({"csat": 7}, ("csat", "must be <= 5.0")),
    ({"csat": 0}, ("csat", "must be >= 1.0")),
    ({"account_cases_30d": -1}, ("account_cases_30d", "must be >= 0")),
    ({"revenue_impact_usd": "-1"}, ("revenue_impact_usd", "must be >= 0")),
    ({"revenue_impact_usd": "10000.001"},
     ("revenue_impact_usd", "must have at most 2 decimal places")),
    ({"business_impact_usd": "0.005"},
     ("business_impact_usd", "must have at most 2 decimal places")),
    ({"id": ""}, ("id", "must not be empty")),
    ({"severity": None}, ("severity", "must be one of 'P1', 'P2', 'P3' or 'P4'")),
    ({"surprise": True}, ("surprise", "is not a known field")),
])
def test_each_bad_field_is_named_with_its_reason(make_case, override, expected):
    assert problems_of(make_case, **override) == [expected]


@pytest.mark.parametrize(("account", "field"), [
    ({"health_score": 101}, "account.health_score"),
    ({"country": "russia"}, "account.country"),
    ({"name": ""}, "account.name"),
    ({"language": "fr"}, "account.language"),
])
def test_bad_account_fields_are_named_under_account(make_case, account, field):
    assert [name for name, _ in problems_of(make_case, account=account)] == [field]


def test_every_bad_field_is_reported_at_once(make_case):
    found = problems_of(make_case, severity="P0", tier="T9", account={"tier": "gold"})

    assert sorted(field for field, _ in found) == ["account.tier", "severity", "tier"]


def test_a_missing_field_is_reported_as_required():
    with pytest.raises(
        ValidationError,
        match=r"\naccount\n  Field required \[type=missing",
    ) as refused:
        CaseSnapshot.model_validate({"id": "CASE-1"})

    assert ("severity", "is required") in problems(refused.value)
    assert ("account", "is required") in problems(refused.value)


def test_a_first_response_before_opening_is_named_by_its_field(make_case):
    found = problems_of(make_case, first_response_at="2026-11-26T09:00:00+00:00")

    assert [field for field, _ in found] == ["first_response_at"]


def test_a_first_response_before_opening_is_refused_with_a_reason(make_case):
    found = problems_of(make_case, first_response_at="2026-11-26T09:00:00+00:00")

    assert found == [("first_response_at", "is before opened_at")]


def test_invalid_input_carries_the_problems_under_a_prefix(make_case):
    with pytest.raises(
        ValidationError,
        match=r"\nseverity\n  Input should be 'P1', 'P2', 'P3' or 'P4'",
    ) as refused:
        make_case(severity="P9")

    error = invalid_input(refused.value, prefix="snapshot.")

    assert isinstance(error, InvalidInput)
    assert error.problems == [("snapshot.severity", "must be one of 'P1', 'P2', 'P3' or 'P4'")]
    assert str(error) == "snapshot.severity: must be one of 'P1', 'P2', 'P3' or 'P4'"


@pytest.mark.parametrize(("location", "path"), [
    (("executive", "levels", 2, "respond_within_minutes"),
     "executive.levels[2].respond_within_minutes"),
    (("paused", 0, "from"), "paused[0].from"),
    (("severity",), "severity"),
    ((), "(document)"),
])
def test_field_path_reads_like_the_document(location, path):
    assert field_path(location) == path


@pytest.mark.parametrize(("overrides", "field"), [
    ({"opened_at": "0001-01-01T00:00:00+00:01"}, "opened_at"),  # overflowed moving to UTC
    ({"opened_at": "9999-12-31T23:59:00-01:00"}, "opened_at"),
    ({"opened_at": "1899-12-31T23:59:00+00:00"}, "opened_at"),
    ({"resolved_at": "9001-01-01T00:00:00+00:00"}, "resolved_at"),
    ({"paused": [{"from": "0001-01-01T00:00:00+03:00"}]}, "paused[0].from"),
])
def test_times_beyond_the_years_a_case_can_have_are_refused(
    make_case, overrides: dict[str, Any], field: str,
):
    assert problems_of(make_case, **overrides) == [
        (field, "must be between the years 1900 and 9000")]
