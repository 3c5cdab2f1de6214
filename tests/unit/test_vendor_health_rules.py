"""Which vendor service-health events bear on which cases, and how the line reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalada.adapters.catalogs import translations
from escalada.adapters.vendors.aws_health import title_of
from escalada.domain.vendor_health import (
    CLOSED,
    VendorEvent,
    is_open,
    matches,
    matching_cases,
    reported,
    service_key,
)

NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
RDS = VendorEvent(vendor="aws", id="arn:1", service="RDS", region="eu-central-1",
                  title="increased error rates", started_at=datetime(2026, 11, 26, 13, 5,
                                                                     tzinfo=UTC))


@pytest.mark.parametrize(("name", "key"), [
    ("RDS", "rds"), ("Amazon RDS", "rds"), ("aws-rds", "rds"), ("Cloud SQL", "cloudsql"),
    ("Google Cloud SQL", "cloudsql"), ("Virtual Machines", "virtualmachines"),
    ("Azure", "azure"), ("block-storage", "blockstorage"),
])
def test_a_service_is_compared_by_its_key(name: str, key: str) -> None:
    assert service_key(name) == key


def test_an_event_matches_a_case_of_its_service_in_its_region() -> None:
    assert matches(RDS, services=["amazon-rds"], regions=["eu-central-1"], now=NOW)
    assert matches(RDS, services=["rds"], regions=[], now=NOW)  # the case names no region
    assert not matches(RDS, services=["rds"], regions=["us-east-1"], now=NOW)
    assert not matches(RDS, services=["ec2"], regions=["eu-central-1"], now=NOW)


def test_a_region_is_compared_by_its_key() -> None:
    azure = VendorEvent(**{**_fields(RDS), "vendor": "azure", "service": "Virtual Machines",
                           "region": "West Europe"})
    assert matches(azure, services=["virtual-machines"], regions=["westeurope"], now=NOW)
    assert not matches(azure, services=["virtual-machines"], regions=["northeurope"], now=NOW)


def test_a_global_event_matches_its_service_in_every_region() -> None:
    global_event = VendorEvent(**{**_fields(RDS), "region": None})
    assert matches(global_event, services=["RDS"], regions=["us-east-1"], now=NOW)


def test_only_an_event_going_on_now_matches() -> None:
    later = VendorEvent(**{**_fields(RDS), "started_at": NOW + timedelta(minutes=1)})
    ended = VendorEvent(**{**_fields(RDS), "ended_at": NOW})
    closed = VendorEvent(**{**_fields(RDS), "status": CLOSED})
    assert is_open(RDS, NOW)
    for event in (later, ended, closed):
        assert not matches(event, services=["rds"], regions=[], now=NOW)


def test_matching_cases_names_the_cases_matched() -> None:
    cases = [(1, ["rds"], ["eu-central-1"]), (2, ["rds"], ["us-east-1"]), (3, ["RDS"], [])]
    assert matching_cases(RDS, cases, NOW) == [1, 3]


def test_the_line_reads_in_the_accounts_zone_and_language() -> None:
    line = reported(RDS, timezone="Europe/Berlin", now=NOW)
    assert line.render() == ("AWS reports: increased error rates for RDS in eu-central-1 "
                             "since 14:05")
    assert line.render(translations("ru")) == (
        "AWS сообщает: increased error rates — RDS в eu-central-1 с 14:05")
    yesterday = reported(RDS, timezone="UTC", now=NOW + timedelta(days=1))
    assert yesterday.render().endswith("since 2026-11-26 13:05")


def test_an_aws_event_type_reads_as_its_title() -> None:
    assert title_of("AWS_RDS_INCREASED_ERROR_RATES", "RDS") == "increased error rates"
    assert title_of("AWS_ELASTICLOADBALANCING_OPERATIONAL_ISSUE",
                    "ELASTICLOADBALANCING") == "operational issue"
    assert title_of("AWS_CLOUDFRONT_API_ISSUE", "CLOUDFRONT") == "api issue"


def _fields(event: VendorEvent) -> dict[str, object]:
    return {name: getattr(event, name) for name in event.__slots__}
