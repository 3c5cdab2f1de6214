"""Vendor plans: the shipped data, the severity we file at, when the vendor must answer,
and a bad operator file refused with where and why."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalada.adapters.vendor_plans_file import (
    VENDOR_PLANS_ENV,
    current_vendor_plans,
    default_vendor_plans_path,
    load_vendor_plans,
)
from escalada.domain.business_calendar import CalendarSpec, business_calendar
from escalada.domain.errors import PolicyInvalid
from escalada.domain.vendor_plans import (
    ResponseTarget,
    VendorPlans,
    describe,
    plan_names,
    response_due,
    response_target,
    vendor_calendar,
    vendor_severity,
)
from escalada.domain.working_time import TWENTY_FOUR_SEVEN

DEFAULT_DOCUMENT: dict[str, Any] = yaml.safe_load(
    default_vendor_plans_path().read_text("utf-8"))
# Mon-Fri 09:00-18:00 UTC, no holidays: the vendor's business hours in the examples.
WEEKDAY_HOURS = business_calendar(CalendarSpec.weekly(timezone="UTC"))

WritePlans = Callable[[Callable[[dict[str, Any]], object]], Path]


@pytest.fixture(scope="module")
def plans() -> VendorPlans:
    return load_vendor_plans(default_vendor_plans_path())


@pytest.fixture
def operator_plans(tmp_path: Path) -> WritePlans:
    """Writes the shipped plans, changed by `edit`, as tmp_path/vendors.yaml."""

    def write(edit: Callable[[dict[str, Any]], object]) -> Path:
        document = copy.deepcopy(DEFAULT_DOCUMENT)
        edit(document)
        path = tmp_path / "vendors.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        return path

    return write


def target(plans: VendorPlans, vendor: str, plan: str, severity: str) -> ResponseTarget:
    found = response_target(plans, vendor, plan, severity)
    assert found is not None, f"{vendor} {plan} has no {severity} target"
    return found


def refusal(path: Path) -> str:
    with pytest.raises(PolicyInvalid, match=rf"^(.*/)?{re.escape(path.name)}: ") as refused:
        load_vendor_plans(path)
    return str(refused.value)


# The shipped data


def test_the_shipped_vendor_plans_load_with_the_three_vendors(plans):
    assert list(plans.vendors) == ["aws", "azure", "gcp"]
    assert plans.vendors["aws"].severities == ("low", "normal", "high", "urgent", "critical")
    assert plans.vendors["azure"].severities == (
        "minimal", "moderate", "critical", "highestcriticalimpact")


def test_every_row_says_where_its_figure_comes_from_and_unverified_ones_say_why(plans):
    rows = [(v, p, s, t) for v, info in plans.vendors.items()
            for p, plan in info.plans.items() for s, t in plan.targets.items()]
    assert len(rows) > 50
    for vendor, plan, severity, row in rows:
        where = f"{vendor}.{plan}.{severity}"
        assert row.source.strip(), where
        assert isinstance(row.as_of, date), where
        assert row.calendar in ("24x7", "business"), where
        assert row.verified or row.note.strip(), where


def test_the_founding_documents_rows_are_kept_and_marked_unverified(plans):
    founding = {(v, p) for v, info in plans.vendors.items()
                for p, plan in info.plans.items() if plan.origin == "founding_document"}

    assert {("aws", "founding_enterprise"), ("azure", "founding_premier"),
            ("gcp", "founding_development"), ("gcp", "founding_production"),
            ("gcp", "founding_enterprise")} <= founding
    assert target(plans, "aws", "founding_enterprise", "normal").within == target(
        plans, "aws", "enterprise", "normal").within  # "<12 hrs" in column P4
    assert str(target(plans, "azure", "founding_standard", "moderate").within) == "2h"
    for vendor, plan in founding:
        assert all(not row.verified for row in plans.vendors[vendor].plans[plan].targets.values())


def test_google_role_based_plans_of_the_founding_document_are_retired(plans):
    gcp = plans.vendors["gcp"].plans
    assert all(gcp[name].retired for name in
               ("founding_development", "founding_production", "founding_enterprise"))
    assert "founding_production" not in plan_names(plans, "gcp", current_only=True)


def test_aws_plans_ending_in_2027_say_so(plans):
    aws = plans.vendors["aws"].plans
    assert {name for name, plan in aws.items() if plan.ends_on == date(2027, 1, 1)} == {
        "developer", "business", "enterprise_on_ramp"}


def test_third_party_figures_for_the_new_aws_plans_are_unverified(plans):
    for plan in ("business_support_plus", "unified_operations"):
        assert not any(row.verified for row in plans.vendors["aws"].plans[plan].targets.values())


def test_plans_with_a_technical_account_manager(plans):
    assert plans.vendors["aws"].plans["enterprise"].tam
    assert plans.vendors["aws"].plans["unified_operations"].tam
    assert plans.vendors["azure"].plans["unified"].tam
    assert not plans.vendors["aws"].plans["business"].tam


@pytest.mark.parametrize(("vendor", "plan", "severity", "within", "calendar"), [
    ("aws", "enterprise", "critical", "15m", "24x7"),
    ("aws", "business", "urgent", "1h", "24x7"),
    ("aws", "developer", "normal", "12h", "business"),
    ("azure", "standard", "critical", "1h", "24x7"),
    ("azure", "developer", "minimal", "8h", "business"),
    ("gcp", "premium", "P1", "15m", "24x7"),
    ("gcp", "enhanced", "P1", "1h", "24x7"),
    ("gcp", "standard", "P2", "4h", "business"),
])
def test_verified_vendor_figures(plans, vendor, plan, severity, within, calendar):
    row = target(plans, vendor, plan, severity)
    assert (str(row.within), row.calendar, row.verified) == (within, calendar, True)


def test_a_plan_without_the_severity_has_no_target(plans):
    assert response_target(plans, "aws", "business", "critical") is None


def test_a_severity_the_vendor_does_not_have_is_refused(plans):
    with pytest.raises(ValueError, match="'Sev A' is not a severity of azure"):
        response_target(plans, "azure", "standard", "Sev A")


def test_an_unknown_plan_is_refused_listing_the_known_ones(plans):
    with pytest.raises(ValueError, match="aws has no plan 'gold' \\(known: basic, developer"):
        vendor_severity(plans, "aws", "gold", "P1")


def test_describe_lists_a_plan_for_people_most_urgent_first(plans):
    rows = describe(plans, "aws", "enterprise")
    assert [(severity, within) for severity, within, *_ in rows] == [
        ("critical", "15m"), ("urgent", "1h"), ("high", "4h"), ("normal", "12h"),
        ("low", "24h")]


# The severity we file at


@pytest.mark.parametrize(("vendor", "plan", "ours", "expected"), [
    ("aws", "enterprise", "P1", "critical"),
    ("aws", "business", "P1", "urgent"),
    ("aws", "business", "P2", "high"),
    ("aws", "business", "P4", "low"),
    ("azure", "unified", "P1", "critical"),
    ("azure", "unified_rapid_response", "P1", "highestcriticalimpact"),
    ("azure", "standard", "P2", "moderate"),
    ("gcp", "enhanced", "P2", "P2"),
    ("gcp", "premium", "P1", "P1"),
])
def test_our_severity_maps_to_the_first_preference_the_plan_offers(
        plans, vendor, plan, ours, expected):
    assert vendor_severity(plans, vendor, plan, ours) == expected


def test_azure_unified_gets_the_highest_level_only_where_it_is_offered(plans):
    for plan in ("unified", "unified_rapid_response"):
        offered = "highestcriticalimpact" in plans.vendors["azure"].plans[plan].targets
        assert vendor_severity(plans, "azure", plan, "P1") == (
            "highestcriticalimpact" if offered else "critical")


def test_without_a_preference_the_plan_files_at_its_most_urgent_below_them(plans):
    # AWS Developer has neither critical nor urgent: system impaired is its most urgent.
    assert vendor_severity(plans, "aws", "developer", "P1") == "normal"
    # Google Standard has no P1.
    assert vendor_severity(plans, "gcp", "standard", "P1") == "P2"
    # Azure Developer has Severity C only.
    assert vendor_severity(plans, "azure", "developer", "P1") == "minimal"


def test_a_plan_never_files_above_the_map(plans):
    # The founding Developer row has only `normal`; a P4 must not go in above `low`.
    with pytest.raises(ValueError, match="'founding_developer'"):
        vendor_severity(plans, "aws", "founding_developer", "P4")


def test_a_plan_with_no_technical_rows_is_refused_naming_the_plan(plans):
    with pytest.raises(ValueError, match=r"gcp plan 'basic' \(Basic\) has no severity"):
        vendor_severity(plans, "gcp", "basic", "P2")


# When the vendor must answer


def test_a_24x7_target_runs_through_the_weekend(plans):
    saturday_night = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    one_hour = target(plans, "aws", "business", "urgent")

    assert response_due(one_hour, saturday_night, WEEKDAY_HOURS) == datetime(
        2026, 11, 29, 0, 30, tzinfo=UTC)


def test_a_business_hours_target_waits_for_the_vendors_working_hours(plans):
    friday_five_pm = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    twelve_business_hours = target(plans, "aws", "developer", "normal")

    # Friday 17-18 (1 h), Monday 9-18 (9 h), Tuesday 9-11 (2 h).
    assert response_due(twelve_business_hours, friday_five_pm, WEEKDAY_HOURS) == datetime(
        2026, 12, 1, 11, 0, tzinfo=UTC)


def test_the_vendor_calendar_is_round_the_clock_only_for_24x7_targets(plans):
    assert vendor_calendar(target(plans, "aws", "business", "urgent"),
                           WEEKDAY_HOURS) is TWENTY_FOUR_SEVEN
    assert vendor_calendar(target(plans, "aws", "developer", "low"),
                           WEEKDAY_HOURS) is WEEKDAY_HOURS


def test_a_naive_opening_time_is_refused(plans):
    with pytest.raises(ValueError, match="timezone-aware"):
        response_due(target(plans, "aws", "business", "urgent"), datetime(2026, 11, 28),
                     WEEKDAY_HOURS)


# An operator's file


def test_the_shipped_file_loads_unchanged_from_a_copy(operator_plans, plans):
    assert load_vendor_plans(operator_plans(lambda document: None)) == plans


def test_a_duration_that_does_not_parse_is_refused_naming_the_path(operator_plans):
    path = operator_plans(lambda d: d["vendors"]["aws"]["plans"]["enterprise"]["targets"][
        "critical"].update(within="quarter of an hour"))

    assert refusal(path) == (
        "vendors.yaml: vendors.aws.plans.enterprise.targets.critical.within: "
        "'quarter of an hour' is not a duration like 15m, 2h or 3d")


def test_a_target_for_a_severity_the_vendor_lacks_is_refused(operator_plans):
    def edit(d: dict[str, Any]) -> None:
        targets = d["vendors"]["azure"]["plans"]["standard"]["targets"]
        targets["sev_a"] = targets.pop("critical")

    assert refusal(operator_plans(edit)) == (
        "vendors.yaml: vendors.azure.plans.standard.targets.sev_a: not a severity of azure "
        "(known: minimal, moderate, critical, highestcriticalimpact)")


def test_a_map_entry_naming_an_unknown_vendor_severity_is_refused(operator_plans):
    path = operator_plans(lambda d: d["severity_map"]["aws"].update(P1=["blocker", "urgent"]))

    assert refusal(path) == (
        "vendors.yaml: severity_map.aws.P1[0]: 'blocker' is not a severity of aws "
        "(known: low, normal, high, urgent, critical)")


def test_a_map_entry_for_an_unknown_vendor_is_refused(operator_plans):
    path = operator_plans(lambda d: d["severity_map"].update(oracle={"P1": ["sev1"]}))

    assert refusal(path) == (
        "vendors.yaml: severity_map.oracle: not a vendor (known: aws, azure, gcp)")


def test_a_map_missing_one_of_our_severities_is_refused(operator_plans):
    path = operator_plans(lambda d: d["severity_map"]["gcp"].pop("P3"))

    assert refusal(path) == "vendors.yaml: severity_map.gcp: no preference for P3"


def test_an_unverified_figure_without_a_note_is_refused(operator_plans):
    path = operator_plans(lambda d: d["vendors"]["gcp"]["plans"]["premium"]["targets"][
        "P2"].pop("note"))

    assert refusal(path) == (
        "vendors.yaml: vendors.gcp.plans.premium.targets.P2: "
        "an unverified figure needs a note saying where it comes from")


def test_the_operators_file_replaces_the_shipped_one(operator_plans, monkeypatch):
    path = operator_plans(lambda d: d["vendors"]["aws"]["plans"]["enterprise"]["targets"][
        "critical"].update(within="10m"))
    monkeypatch.setenv(VENDOR_PLANS_ENV, str(path))

    critical = current_vendor_plans().vendors["aws"].plans["enterprise"].targets["critical"]
    assert str(critical.within) == "10m"


def test_a_missing_operator_file_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(VENDOR_PLANS_ENV, str(tmp_path / "absent.yaml"))

    with pytest.raises(PolicyInvalid, match=r"absent\.yaml: cannot read"):
        current_vendor_plans()
