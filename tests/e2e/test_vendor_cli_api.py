"""Vendor cases over HTTP and through the real `escalada` command, with the real boto3
client against the fake AWS Support API on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cli_support import Cli
from examples import T2_HANDOFF, T3_HANDOFF, VENDOR_HANDOFF
from fake_aws_support import FakeAwsSupport, fake_aws  # noqa: F401
from fastapi.testclient import TestClient

API = "/api/v1"
OpenCase = Callable[..., dict[str, Any]]
PACKAGE = {k: v for k, v in VENDOR_HANDOFF.items() if k != "vendor_case_number"}
BODY = {"vendor": "aws", "plan": "business", "service": "amazon-elastic-compute-cloud-linux",
        "category": "instance-issue", "region": "eu-central-1",
        "request": "Confirm whether the host of i-0abc has a hardware fault."}


def _to_t3(client: TestClient) -> None:
    for to, handoff in (("T2", T2_HANDOFF), ("T3", T3_HANDOFF)):
        response = client.post(f"{API}/cases/CASE-1/escalate",
                               json={"to": to, "handoff": handoff, "reason": "needs it"})
        assert response.status_code == 200, response.text


def test_a_vendor_case_is_opened_synced_and_closed_over_http(
    client: TestClient, open_case: OpenCase, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    open_case()
    _to_t3(client)

    opened = client.post(f"{API}/cases/CASE-1/vendor-cases",
                         json={**BODY, "handoff": PACKAGE})

    assert opened.status_code == 201, opened.text
    view = opened.json()
    assert (view["vendor"], view["plan"], view["severity"]) == ("aws", "business", "urgent")
    fake_aws.reply(view["vendor_case_id"], "An engineer is looking at the host.")
    [synced] = client.post(f"{API}/cases/CASE-1/vendor-cases/sync").json()
    assert [m["from_vendor"] for m in synced["messages"]] == [False, True]
    closed = client.post(f"{API}/cases/CASE-1/vendor-cases/close", json={})
    assert (closed.status_code, closed.json()["state"]) == (200, "closed")
    kinds = [e["kind"] for e in client.get(f"{API}/cases/CASE-1/timeline").json()]
    assert {"vendor_case_opened", "vendor_message", "vendor_case_closed"} <= set(kinds)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({**BODY, "vendor": "oracle"}, 422, "vendor"),
    ({**BODY, "plan": "gold"}, 422, "plan"),
    ({**BODY, "severity": "blocker"}, 422, "severity"),
    ({**BODY, "request": None}, 422, "request"),
])
def test_a_bad_opening_names_the_field_and_sends_nothing(
    client: TestClient, open_case: OpenCase, fake_aws: FakeAwsSupport,  # noqa: F811
    body: dict[str, Any], status: int, field: str,
) -> None:
    open_case()
    _to_t3(client)
    response = client.post(f"{API}/cases/CASE-1/vendor-cases", json={**body, "handoff": PACKAGE})
    assert response.status_code == status, response.text
    assert [p["field"] for p in response.json()["problems"]] == [field]
    assert fake_aws.calls == []


def test_opening_without_the_handoff_is_422_listing_it_and_from_t1_is_409(
    client: TestClient, open_case: OpenCase, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    open_case()
    early = client.post(f"{API}/cases/CASE-1/vendor-cases", json=BODY)
    _to_t3(client)
    bare = client.post(f"{API}/cases/CASE-1/vendor-cases", json=BODY)

    assert early.status_code == 409
    assert bare.status_code == 422 and bare.json()["error"] == "handoff_incomplete"
    assert "severity_justification" in bare.json()["missing"]
    assert fake_aws.calls == []


def test_aws_refusing_is_502_with_what_to_do(
    client: TestClient, open_case: OpenCase, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    open_case()
    _to_t3(client)
    opened = client.post(f"{API}/cases/CASE-1/vendor-cases",
                         json={**BODY, "handoff": PACKAGE}).json()
    fake_aws.cases.pop(opened["vendor_case_id"])  # AWS no longer knows it

    response = client.post(f"{API}/cases/CASE-1/vendor-cases/sync")

    assert response.status_code == 502
    assert response.json()["error"] == "vendor_failed"
    assert "no AWS support case" in response.json()["message"]


def test_the_cli_prints_a_dry_run_and_opens_for_real(
    cli: Cli, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    cli.env.update({"AWS_ENDPOINT_URL_SUPPORT": fake_aws.url, "AWS_ACCESS_KEY_ID": "t",
                    "AWS_SECRET_ACCESS_KEY": "t", "ESCALADA_AWS_PLAN": "enterprise"})
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "Hosts down")
    for to, handoff in (("T2", T2_HANDOFF), ("T3", T3_HANDOFF)):
        cli.run("case", "escalate", "CASE-1", "--to", to, "--reason", "needed",
                "--handoff", cli.file(f"{to}.json", handoff))
    options = ["--vendor", "aws", "--service", "amazon-ec2", "--region", "eu-west-1",
               "--request", "Check the host", "--handoff", cli.file("v.json", PACKAGE)]

    dry = json.loads(cli.run("vendor", "open", "CASE-1", *options, "--dry-run"))
    assert (dry["operation"], dry["params"]["severityCode"]) == ("create_case", "critical")
    assert fake_aws.calls == []

    opened = cli.json("vendor", "open", "CASE-1", *options)
    assert opened[0]["state"] == "open" and opened[0]["plan"] == "enterprise"
    assert "no open vendor case" not in cli.run("vendor", "list", "CASE-1")
    assert "must be one of" in cli.run("vendor", "escalate", "CASE-1", "--reason", "ASAP",
                                       "--justification", "x", code=2)


def test_the_plans_are_shown_with_their_sources_and_our_severities(
    client: TestClient, cli: Cli,
) -> None:
    plans = client.get(f"{API}/vendor-plans", params={"vendor": "aws"}).json()
    enterprise = next(p for p in plans if p["plan"] == "enterprise")
    first = enterprise["targets"][0]

    assert (first["severity"], first["within"], first["calendar"]) == ("critical", "15m", "24x7")
    assert first["verified"] is True and first["source"]
    assert enterprise["tam"] is True
    assert enterprise["our_severities"] == {"P1": "critical", "P2": "high", "P3": "normal",
                                            "P4": "low"}
    assert {p["vendor"] for p in client.get(f"{API}/vendor-plans").json()} == {
        "aws", "azure", "gcp"}
    assert client.get(f"{API}/vendor-plans", params={"vendor": "ibm"}).status_code == 422
    basic = next(p for p in cli.json("vendor", "plans", "--vendor", "gcp")
                 if p["plan"] == "basic")
    assert basic["targets"] == [] and basic["our_severities"]["P1"] is None
    assert "vendor" in cli.run("vendor", "plans", "--vendor", "ibm", code=2)


def test_a_handoff_of_nulls_opens_nothing_over_http(
    client: TestClient, open_case: OpenCase, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    open_case()
    _to_t3(client)

    response = client.post(f"{API}/cases/CASE-1/vendor-cases",
                           json={**BODY, "handoff": dict.fromkeys(PACKAGE)})

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "handoff_incomplete"
    assert response.json()["missing"] == list(PACKAGE)
    assert fake_aws.calls == []
    assert client.get(f"{API}/cases/CASE-1").json()["snapshot"]["tier"] == "T3"


def _cli_at_t3(cli: Cli, fake_aws: FakeAwsSupport) -> list[str]:  # noqa: F811
    """A case at T3 on the CLI's database, the people to act on it, and the options of
    an AWS opening (without its handoff)."""
    cli.env.update({"AWS_ENDPOINT_URL_SUPPORT": fake_aws.url, "AWS_ACCESS_KEY_ID": "t",
                    "AWS_SECRET_ACCESS_KEY": "t", "ESCALADA_AWS_PLAN": "enterprise"})
    for name, role in (("eve", "engineer"), ("lena", "team_lead")):
        cli.run("user", "add", name, "--role", role)
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "Hosts down")
    for to, handoff in (("T2", T2_HANDOFF), ("T3", T3_HANDOFF)):
        cli.run("case", "escalate", "CASE-1", "--to", to, "--reason", "needed",
                "--handoff", cli.file(f"{to}.json", handoff))
    return ["--vendor", "aws", "--service", "amazon-ec2", "--region", "eu-west-1",
            "--request", "Check the host"]


def test_the_cli_refuses_a_handoff_of_nulls_with_exit_3_and_opens_nothing(
    cli: Cli, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    options = _cli_at_t3(cli, fake_aws)

    refused = cli.run("--as", "eve", "vendor", "open", "CASE-1", *options,
                      "--handoff", cli.file("nulls.json", dict.fromkeys(PACKAGE)), code=3)

    assert "missing case_documentation, severity_justification" in refused
    assert "--override-reason" in refused
    assert fake_aws.calls == []
    assert cli.json("case", "show", "CASE-1")["snapshot"]["tier"] == "T3"


def test_vendor_open_takes_the_override_reason_it_suggests_from_a_team_lead(
    cli: Cli, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    options = _cli_at_t3(cli, fake_aws)
    partial = cli.file("partial.json", {"case_documentation": "CASE-1 summary attached"})
    override = ["--handoff", partial, "--override-reason", "hosts down; package follows"]

    weak = cli.run("--as", "eve", "vendor", "open", "CASE-1", *options, *override, code=7)
    assert "overriding a handoff gate needs the role team lead or above; eve is engineer" in weak
    assert fake_aws.calls == []

    opened = cli.json("--as", "lena", "vendor", "open", "CASE-1", *options, *override)

    assert opened[0]["state"] == "open"
    case = cli.json("case", "show", "CASE-1")
    step = case["escalations"][-1]
    assert (case["snapshot"]["tier"], step["to"]) == ("VENDOR", "VENDOR")
    assert step["overridden_items"] == ["severity_justification", "business_impact_statement",
                                        "customer_communication_plan"]
    assert step["override_reason"] == "hosts down; package follows"
    assert step["handoff"]["vendor_case_number"].startswith("AWS ")
