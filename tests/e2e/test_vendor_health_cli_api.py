"""Vendor service health over HTTP and through the real `escalada` command, with the
real boto3 `health` client against the fake AWS Health API on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cli_support import Cli
from fake_aws_health import FakeAwsHealth, fake_aws_health  # noqa: F401
from fastapi.testclient import TestClient

from escalada.testing import FakeClock

API = "/api/v1"
OpenCase = Callable[..., dict[str, Any]]


def test_a_poll_over_http_links_the_case_and_the_list_shows_it(
    client: TestClient, open_case: OpenCase, clock: FakeClock,
    fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    open_case(services=["EC2", "block-storage"])
    fake_aws_health.open_issue("EC2", "eu-central-1", "AWS_EC2_OPERATIONAL_ISSUE",
                               clock() - timedelta(minutes=10))

    polled = client.post(f"{API}/vendor-health/poll", json={"vendor": "aws"})

    assert polled.status_code == 200, polled.text
    assert polled.json() == [{"vendor": "aws", "events": 1, "linked": 1, "error": None}]
    health = client.get(f"{API}/vendor-health", params={"vendor": "aws"}).json()
    [event] = health["events"]
    assert (event["service"], event["region"], event["cases"]) == (
        "EC2", "eu-central-1", ["CASE-1"])
    assert event["reported"] == ("AWS reports: operational issue for EC2 in eu-central-1 "
                                 "since 09:50")
    assert health["polls"][0]["error"] is None


def test_bad_input_names_the_field(client: TestClient) -> None:
    listed = client.get(f"{API}/vendor-health", params={"vendor": "ibm"})
    polled = client.post(f"{API}/vendor-health/poll", json={"vendor": "ibm"})
    assert (listed.status_code, polled.status_code) == (422, 422)
    assert [p["field"] for p in polled.json()["problems"]] == ["vendor"]


def test_a_refused_poll_over_http_says_why_and_a_viewer_may_not_poll(
    client: TestClient, fake_aws_health: FakeAwsHealth,  # noqa: F811
    bearer: Callable[..., dict[str, str]],
) -> None:
    fake_aws_health.fail_with(403, "AccessDeniedException")

    [polled] = client.post(f"{API}/vendor-health/poll").json()

    assert polled["error"].startswith("aws: the AWS credentials may not read AWS Health")
    bearer("vera", "viewer")
    refused = client.post(f"{API}/vendor-health/poll", headers=bearer("vera"))
    assert refused.status_code == 403


def test_the_cli_polls_and_lists_in_english_and_russian(
    cli: Cli, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    cli.env.update({"AWS_ENDPOINT_URL_HEALTH": fake_aws_health.url, "AWS_ACCESS_KEY_ID": "t",
                    "AWS_SECRET_ACCESS_KEY": "t", "ESCALADA_VENDOR_HEALTH": "aws"})
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE",
                               datetime.now(UTC) - timedelta(hours=1))

    assert "aws: 1 open event, 0 newly linked to cases" in cli.run("vendor", "health", "poll")
    listed = cli.run("vendor", "health")
    assert "RDS" in listed and "operational issue" in listed
    assert [e["service"] for e in cli.json("vendor", "health", "--vendor", "aws")["events"]] == [
        "RDS"]
    cli.env["ESCALADA_LANG"] = "ru"
    assert "aws: 1 открытое событие" in cli.run("vendor", "health", "poll")
    russian = cli.run("vendor", "health")
    assert "сервис" in russian and "открыто" in russian and " open " not in russian

    fake_aws_health.fail_with(400, "UnrecognizedClientException")
    cli.env["ESCALADA_LANG"] = "en"
    failed = cli.call("vendor", "health", "poll")
    assert failed.code == 1
    assert "aws: AWS refused the credentials (UnrecognizedClientException)" in failed.stdout
    assert "aws: aws:" not in failed.stdout
    cli.env["ESCALADA_LANG"] = "ru"
    russian = cli.call("vendor", "health", "poll")
    assert russian.code == 1
    assert "AWS отклонил учётные данные (UnrecognizedClientException)" in russian.stdout
