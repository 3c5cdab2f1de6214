"""`escalada incident ...` and /api/v1/incidents: a storm of five accounts' cases opens
an incident shown on each case; an update fans out; resolving proposes resolving the
cases and people confirm; unknown incidents and resolving twice are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cli_support import Cli
from fake_aws_health import FakeAwsHealth, fake_aws_health  # noqa: F401
from fastapi.testclient import TestClient

from escalada.testing import CapturingChannels

API = "/api/v1"


def _storm_through_the_api(client: TestClient, accounts: int = 5) -> list[str]:
    opened = []
    for n in range(1, accounts + 1):
        body: dict[str, Any] = {"id": f"acct-{n}", "name": f"Customer {n}",
                                "tier": "enterprise", "support_plan": "enterprise",
                                "timezone": "UTC", "language": "ru" if n % 2 else "en"}
        assert client.post(f"{API}/accounts", json=body).status_code == 201
        contact = client.post(f"{API}/accounts/acct-{n}/contacts",
                              json={"name": f"Contact {n}", "email": f"ops@c{n}.example"})
        assert contact.status_code == 201, contact.text
        case = client.post(f"{API}/cases", json={
            "account": f"acct-{n}", "severity": "P1", "title": "RDS connections time out",
            "services": ["rds"], "regions": ["eu-central-1"]})
        assert case.status_code == 201, case.text
        opened.append(case.json()["snapshot"]["id"])
    return opened


def test_a_storm_through_the_api_opens_an_incident_that_updates_and_resolves(
    client: TestClient, ctx: Any, bearer: Any,
) -> None:
    ctx.channels = channels = CapturingChannels()
    opened = _storm_through_the_api(client)

    listed = client.get(f"{API}/incidents", params={"status": "open"},
                        headers=bearer("vera", "viewer"))
    assert listed.status_code == 200, listed.text
    [incident] = listed.json()
    assert (incident["id"], incident["accounts"], incident["cases"]) == ("INC-1", 5, 5)
    case = client.get(f"{API}/cases/{opened[0]}").json()
    assert [link["id"] for link in case["incidents"]] == ["INC-1"]
    assert "multi_service_outage" in case["snapshot"]["flags"]

    update = client.post(f"{API}/incidents/INC-1/updates", json={
        "status": "MITIGATING", "understanding": "A storage node failed",
        "doing_now": "Failing over", "next_steps": "Watch reconnects", "deliver_now": True})
    assert update.status_code == 201, update.text
    assert sorted(item["language"] for item in update.json()["fan_out"]) == [
        "en", "en", "ru", "ru", "ru"]
    assert len(channels["email"].delivered) == 5

    resolved = client.post(f"{API}/incidents/INC-1/resolve",
                           json={"resolution": "node replaced"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["proposed_resolutions"] == opened
    again = client.post(f"{API}/incidents/INC-1/resolve")
    assert again.status_code == 409
    assert "INC-1 is resolved already" in again.json()["message"]
    confirmed = client.post(f"{API}/incidents/INC-1/resolve-cases",
                            json={"cases": [opened[0]]})
    assert confirmed.json()["resolved"] == [opened[0]]
    assert client.get(f"{API}/cases/{opened[0]}").json()["snapshot"]["status"] == "resolved"


def test_the_api_refuses_unknown_incidents_bad_ids_and_a_viewer(
    client: TestClient, bearer: Any,
) -> None:
    missing = client.get(f"{API}/incidents/INC-404")
    bad = client.get(f"{API}/incidents/nope")
    status = client.get(f"{API}/incidents", params={"status": "closed"})
    viewer = client.post(f"{API}/incidents", json={"service": "rds", "region": "eu-west-1"},
                         headers=bearer("vera", "viewer"))
    empty = client.post(f"{API}/incidents", json={"service": "", "region": "eu-west-1"})

    assert missing.status_code == 404 and "no incident INC-404" in missing.json()["message"]
    assert bad.status_code == 422
    assert [p["field"] for p in bad.json()["problems"]] == ["incident"]
    assert status.status_code == 422
    assert viewer.status_code == 403
    assert empty.status_code == 422
    assert [p["field"] for p in empty.json()["problems"]] == ["service"]
    opened = client.post(f"{API}/incidents", json={"service": "rds", "region": "eu-west-1"})
    assert opened.status_code == 201, opened.text
    twice = client.post(f"{API}/incidents", json={"service": "RDS", "region": "eu-west-1"})
    assert twice.status_code == 409


def test_incidents_through_the_command_line(cli: Cli) -> None:
    for n in range(1, 6):
        cli.run("account", "add", "--id", f"acct-{n}", "--name", f"Customer {n}", "--tier",
                "enterprise", "--support-plan", "enterprise", "--timezone", "UTC",
                "--language", "ru" if n % 2 else "en")
        cli.run("case", "open", "--account", f"acct-{n}", "--severity", "P1", "--title",
                "RDS down", "--service", "rds", "--region", "eu-central-1")

    listed = cli.run("incident", "list")
    shown = cli.run("incident", "show", "INC-1")
    case = cli.run("case", "show", "CASE-1")
    update = cli.run("incident", "update", "INC-1", "--understanding", "A node failed",
                     "--doing-now", "Failing over", "--next-steps", "Watch")
    resolved = cli.json("incident", "resolve", "INC-1", "--resolution", "replaced")
    twice = cli.run("incident", "resolve", "INC-1", code=6)
    proposed = cli.run("case", "show", "CASE-2")
    confirmed = cli.run("incident", "resolve-cases", "INC-1", "--case", "CASE-2")
    unknown = cli.run("incident", "show", "INC-9", code=4)
    bad = cli.run("incident", "show", "nine", code=2)

    assert "INC-1" in listed and "eu-central-1" in listed
    assert "CASE-5" in shown and "multi_service_outage" in shown
    assert "platform incident INC-1" in case
    assert "not sent: no contact with an email address" in update
    assert resolved["proposed_resolutions"] == [f"CASE-{n}" for n in range(1, 6)]
    assert "INC-1 is resolved already" in twice
    assert "resolving this case is proposed" in proposed
    assert "resolved: CASE-2" in confirmed
    assert "no incident INC-9" in unknown
    assert "incident: 'nine' is not an incident id like INC-7" in bad


def test_the_command_line_speaks_russian(cli: Cli) -> None:
    cli.env["ESCALADA_LANG"] = "ru"
    cli.run("incident", "open", "--service", "rds", "--region", "eu-west-1")

    cli.run("account", "add", "--id", "acct-1", "--name", "Customer 1", "--tier", "enterprise",
            "--support-plan", "enterprise")
    cli.run("case", "open", "--account", "acct-1", "--severity", "P1", "--title", "RDS down",
            "--service", "rds", "--region", "eu-west-1")

    assert "инциденты платформы" in cli.run("incident", "list")
    linked = cli.run("incident", "show", "INC-1")
    assert "CASE-1" in linked and "новое" in linked and " new " not in linked  # its status
    assert "инцидент INC-2 не найден" in cli.run("incident", "show", "INC-2", code=4)


def test_an_incident_shows_the_vendors_open_events_of_its_service_and_region(
    client: TestClient, clock: Any, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    started = clock() - timedelta(hours=1)
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE", started)
    fake_aws_health.open_issue("RDS", "us-east-1", "AWS_RDS_OPERATIONAL_ISSUE", started)
    fake_aws_health.open_issue("EC2", "eu-central-1", "AWS_EC2_OPERATIONAL_ISSUE", started)
    assert client.post(f"{API}/vendor-health/poll", json={"vendor": "aws"}).status_code == 200
    here = client.post(f"{API}/incidents", json={"service": "rds", "region": "eu-central-1"})
    elsewhere = client.post(f"{API}/incidents", json={"service": "s3",
                                                      "region": "eu-central-1"})
    assert (here.status_code, elsewhere.status_code) == (201, 201), here.text

    shown = client.get(f"{API}/incidents/{here.json()['id']}").json()
    other = client.get(f"{API}/incidents/{elsewhere.json()['id']}").json()

    assert [(e["vendor"], e["service"], e["region"]) for e in shown["vendor_events"]] == [
        ("aws", "RDS", "eu-central-1")]
    assert shown["vendor_events"][0]["incidents"] == [here.json()["id"]]
    assert other["vendor_events"] == []


def test_the_cli_shows_an_incidents_vendor_events_in_english_and_russian(
    cli: Cli, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    cli.env.update({"AWS_ENDPOINT_URL_HEALTH": fake_aws_health.url, "AWS_ACCESS_KEY_ID": "t",
                    "AWS_SECRET_ACCESS_KEY": "t", "ESCALADA_VENDOR_HEALTH": "aws"})
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE",
                               datetime.now(UTC) - timedelta(hours=1))
    cli.run("vendor", "health", "poll")
    cli.run("incident", "open", "--service", "rds", "--region", "eu-central-1")

    shown = cli.run("incident", "show", "INC-1")
    events = cli.json("incident", "show", "INC-1")["vendor_events"]
    cli.env["ESCALADA_LANG"] = "ru"
    russian = cli.run("incident", "show", "INC-1")

    assert "Vendor service health" in shown
    assert "AWS reports: operational issue for RDS in eu-central-1" in shown
    assert [e["service"] for e in events] == ["RDS"]
    assert "AWS reports" not in russian
    assert "RDS" in russian and "eu-central-1" in russian
