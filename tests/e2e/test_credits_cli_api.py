"""Service credits over HTTP and through the real `escalada` command: authority is the
server's (403 / exit 7 naming the role), bad amounts are 422 / exit 2, unknown credits
404 / exit 4."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_support import Cli
from fastapi.testclient import TestClient

from escalada.testing import FakeClock

API = "/api/v1"
Bearer = Callable[..., dict[str, str]]  # the e2e conftest's fixtures
OpenCase = Callable[..., dict[str, Any]]


def propose(client: TestClient, amount: Any, case_id: str = "CASE-1") -> dict[str, Any]:
    response = client.post(f"{API}/cases/{case_id}/credits",
                           json={"amount_usd": amount, "reason": "four hours of downtime"})
    assert response.status_code == 201, response.text
    return response.json()


def decide(client: TestClient, credit: dict[str, Any], headers: dict[str, str],
           action: str = "approve", **body: Any) -> Any:
    return client.post(f"{API}/credits/{credit['id']}/{action}",
                       json={"reason": "owed under the SLA", **body}, headers=headers)


# API


def test_a_team_lead_approves_499_99_and_is_refused_500_with_the_role_named(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    open_case()
    lead = bearer("lena", "team_lead")
    small, large = propose(client, 499.99), propose(client, "500.00")

    refused = decide(client, large, lead)
    approved = decide(client, small, lead)

    assert approved.status_code == 200, approved.text
    assert (approved.json()["state"], approved.json()["decided_by"]) == ("approved", "lena")
    assert refused.status_code == 403
    assert {k: refused.json()[k] for k in ("error", "message")} == {
        "error": "not_permitted",
        "message": "approving a $500.00 service credit needs the role support manager or "
                   "above; lena is team lead: ask a support manager or above to do it"}
    unchanged = client.get(f"{API}/credits/{large['id']}").json()
    assert (unchanged["state"], unchanged["version"], unchanged["decided_by"]) == (
        "proposed", 1, None)


def test_splitting_a_credit_in_two_under_a_team_lead_s_limit_is_403_naming_the_sum(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    open_case()
    lead = bearer("lena", "team_lead")
    first, second = propose(client, "499.99"), propose(client, "499.99")
    assert decide(client, first, lead).status_code == 200

    refused = decide(client, second, lead)

    assert refused.status_code == 403
    assert {k: refused.json()[k] for k in ("error", "message")} == {
        "error": "not_permitted",
        "message": "approving a $499.99 service credit (with the $499.99 approved on CASE-1 in "
                   "the last 30 days, $999.98 in all) needs the role support manager or above; "
                   "lena is team lead: ask a support manager or above to do it"}
    shown = client.get(f"{API}/credits/{second['id']}").json()
    assert (shown["state"], shown["approver_role"]) == ("proposed", "support_manager")
    routed = client.post(f"{API}/credits/{second['id']}/route", json={})
    assert routed.json()["case"]["snapshot"]["exec_level"] == "L2"
    assert decide(client, second, bearer("maria", "support_manager")).status_code == 200


def test_a_team_lead_who_proposed_a_credit_may_not_approve_it_over_http(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    open_case()
    lead = bearer("lena", "team_lead")
    own = client.post(f"{API}/cases/CASE-1/credits", headers=lead,
                      json={"amount_usd": "100.00", "reason": "late answer"}).json()

    refused = decide(client, own, lead)
    rejected = decide(client, own, lead, "reject")

    for response in (refused, rejected):
        assert response.status_code == 403, response.text
        assert "needs a second person (four eyes): lena proposed it; another team lead or " \
               "above may decide it" in response.json()["message"]
    assert client.get(f"{API}/credits/{own['id']}").json()["state"] == "proposed"
    assert decide(client, own, bearer("lev", "team_lead")).json()["decided_by"] == "lev"


@pytest.mark.parametrize(("role", "amount", "status", "needed"), [
    ("support_manager", "5000.00", 200, None),
    ("support_manager", "5000.01", 403, "support_director"),
    ("support_director", "1000000", 200, None),
    ("engineer", "0.01", 403, "team_lead"),
    ("viewer", "0.01", 403, "team_lead"),
])
def test_authority_is_enforced_on_the_server_at_each_boundary(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
    role: str, amount: str, status: int, needed: str | None,
) -> None:
    open_case()
    credit = propose(client, amount)

    response = decide(client, credit, bearer("someone", role))

    assert response.status_code == status, response.text
    if needed is not None:
        assert f"needs the role {needed.replace('_', ' ')} or above" in response.json()["message"]
        assert client.get(f"{API}/credits/{credit['id']}").json() == credit


def test_a_rejection_by_a_team_lead_of_a_manager_s_credit_is_403(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    open_case()
    credit = propose(client, 2000)

    refused = decide(client, credit, bearer("lena", "team_lead"), "reject")
    rejected = decide(client, credit, bearer("maria", "support_manager"), "reject")

    assert refused.status_code == 403
    assert refused.json()["message"].startswith("rejecting a $2,000.00 service credit needs "
                                                "the role support manager")
    assert (rejected.status_code, rejected.json()["state"]) == (200, "rejected")


@pytest.mark.parametrize(("body", "field"), [
    ({"amount_usd": 12.345}, "amount_usd"),
    ({"amount_usd": -1}, "amount_usd"),
    ({"amount_usd": 0}, "amount_usd"),
    ({"amount_usd": "lots"}, "amount_usd"),
    ({}, "amount_usd"),
    ({"amount_usd": 10, "from_breach": True}, "from_breach"),
    ({"amount_usd": 10, "currency": "EUR"}, "currency"),
])
def test_a_bad_proposal_is_422_naming_the_field(
    client: TestClient, open_case: OpenCase, body: dict[str, Any], field: str,
) -> None:
    open_case()

    response = client.post(f"{API}/cases/CASE-1/credits", json=body)

    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == [field]
    assert client.get(f"{API}/cases/CASE-1/credits").json() == []


def test_a_decision_without_a_reason_is_422(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    open_case()
    credit = propose(client, 10)
    manager = bearer("maria", "support_manager")

    missing = client.post(f"{API}/credits/{credit['id']}/approve", json={}, headers=manager)
    blank = decide(client, credit, manager, reason=" ")

    for response in (missing, blank):
        assert response.status_code == 422, response.text
        assert [p["field"] for p in response.json()["problems"]] == ["reason"]


def test_unknown_credits_and_cases_are_404(client: TestClient, open_case: OpenCase) -> None:
    open_case()

    assert client.get(f"{API}/credits/7").status_code == 404
    assert client.post(f"{API}/credits/7/approve", json={"reason": "x"}).status_code == 404
    assert client.post(f"{API}/credits/7/route", json={}).status_code == 404
    assert client.post(f"{API}/cases/CASE-9/credits", json={"amount_usd": 1}).status_code == 404
    assert client.get(f"{API}/cases/CASE-9/credits").status_code == 404
    assert client.get(f"{API}/credits/{2**40}").status_code == 404


def test_routing_takes_the_case_to_l2_and_the_manager_then_approves(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    open_case()
    credit = propose(client, "2000.00")

    routed = client.post(f"{API}/credits/{credit['id']}/route", json={})
    again = client.post(f"{API}/credits/{credit['id']}/route")
    approved = decide(client, credit, bearer("maria", "support_manager"))

    assert routed.status_code == 200, routed.text
    assert routed.json()["case"]["snapshot"]["exec_level"] == "L2"
    assert routed.json()["credit"]["approver_role"] == "support_manager"
    assert again.status_code == 409
    assert "already at L2" in again.json()["message"]
    assert approved.status_code == 200
    timeline = client.get(f"{API}/cases/CASE-1/timeline").json()
    assert [e["kind"] for e in timeline][-4:] == [
        "credit_proposed", "escalated", "credit_routed", "credit_approved"]


def test_a_stale_version_is_409(client: TestClient, bearer: Bearer, open_case: OpenCase) -> None:
    open_case()
    credit = propose(client, 100)
    manager = bearer("maria", "support_manager")
    assert decide(client, credit, manager, "reject", expected_version=1).status_code == 200

    response = decide(client, credit, bearer("oleg", "support_manager"), expected_version=1)

    assert response.status_code == 409
    assert response.json()["message"].startswith("credit #1 is at version 2, not 1")


def test_a_credit_from_the_breach_and_the_lists(
    client: TestClient, clock: FakeClock, account: dict[str, Any],
) -> None:
    client.post(f"{API}/accounts", json={
        "id": "globex", "name": "Globex", "tier": "enterprise", "support_plan": "business",
        "monthly_fee_usd": "12000.00"})
    client.post(f"{API}/cases", json={"account": "globex", "severity": "P1", "title": "DB down"})
    client.post(f"{API}/cases", json={"account": "acme", "severity": "P2", "title": "Slow"})
    clock.advance(hours=2)  # business P1: first response 1 h, 60 min over: 10% of the fee

    computed = client.post(f"{API}/cases/CASE-1/credits", json={"from_breach": True})
    no_fee = client.post(f"{API}/cases/CASE-2/credits", json={"from_breach": True})
    propose(client, 25, "CASE-2")

    assert computed.status_code == 201, computed.text
    assert (computed.json()["amount_usd"], computed.json()["basis"]) == (1200, "breach")
    assert computed.json()["computation"]["breached_minutes"] == 60
    assert no_fee.status_code == 422
    assert no_fee.json()["problems"][0]["field"] == "from_breach"
    assert [c["case"] for c in client.get(f"{API}/credits").json()] == ["CASE-1", "CASE-2"]
    assert [c["amount_usd"] for c in client.get(f"{API}/cases/CASE-2/credits").json()] == [25]
    assert client.get(f"{API}/credits", params={"state": "approved"}).json() == []
    assert client.get(f"{API}/credits", params={"state": "maybe"}).status_code == 422


def test_a_case_with_no_breach_gets_no_computed_credit(client: TestClient) -> None:
    client.post(f"{API}/accounts", json={
        "id": "globex", "name": "Globex", "tier": "enterprise", "support_plan": "enterprise",
        "monthly_fee_usd": 900})
    client.post(f"{API}/cases", json={"account": "globex", "severity": "P1", "title": "DB down"})

    response = client.post(f"{API}/cases/CASE-1/credits", json={"from_breach": True})

    assert response.status_code == 409
    assert "no SLA target is breached" in response.json()["message"]


# CLI


def test_credits_through_the_cli(cli: Cli) -> None:
    for name, role in (("lena", "team_lead"), ("maria", "support_manager"),
                       ("eve", "engineer")):
        cli.run("user", "add", name, "--role", role)
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--monthly-fee", "5000")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "API down")

    small = cli.json("--as", "eve", "credit", "propose", "CASE-1", "--amount", "499.99",
                     "--reason", "checkout down")
    large = cli.json("--as", "eve", "credit", "propose", "CASE-1", "--amount", "2000")
    assert (small["id"], small["amount_usd"], small["approver_role"]) == (1, 499.99, "team_lead")

    assert "needs a second person (four eyes): eve proposed it" in cli.run(
        "--as", "eve", "credit", "approve", "1", "--reason", "mine", code=7)
    assert "needs the role team lead or above; irina is admin" in cli.run(
        "credit", "approve", "1", "--reason", "owed", code=7)
    assert "needs the role support manager or above; lena is team lead" in cli.run(
        "--as", "lena", "credit", "approve", str(large["id"]), "--reason", "ok", code=7)
    approved = cli.json("--as", "lena", "credit", "approve", "1", "--reason", "owed")
    assert (approved["state"], approved["decided_by"]) == ("approved", "lena")

    assert "escalated to L2" in cli.run("credit", "route", "2")
    assert cli.json("--as", "maria", "credit", "reject", "2", "--reason", "duplicate")[
        "state"] == "rejected"

    listing = cli.run("credit", "list", "--case", "CASE-1")
    assert "$499.99" in listing and "$2,000.00" in listing
    assert [c["id"] for c in cli.json("credit", "list", "--state", "rejected")] == [2]
    assert "approved" in cli.run("credit", "show", "1")
    kinds = [e["kind"] for e in cli.json("case", "timeline", "CASE-1")]
    assert kinds[-5:] == ["credit_proposed", "credit_approved", "escalated", "credit_routed",
                          "credit_rejected"]


def test_cli_errors_exit_with_their_codes(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "API down")

    assert "--amount-usd: must have at most 2 decimal places" in cli.run(
        "credit", "propose", "CASE-1", "--amount", "12.345", code=2)
    assert "--amount-usd: give an amount in USD" in cli.run(
        "credit", "propose", "CASE-1", code=2)
    assert "--from-breach: account acme has no monthly fee" in cli.run(
        "credit", "propose", "CASE-1", "--from-breach", code=2)
    assert "no service credit #9" in cli.run("credit", "show", "9", code=4)
    assert "no case CASE-9" in cli.run("credit", "propose", "CASE-9", "--amount", "1", code=4)
    cli.run("credit", "propose", "CASE-1", "--amount", "10")
    assert "reason" in cli.run("credit", "approve", "1", code=2)  # --reason is required
    assert "state: must be one of" in cli.run("credit", "list", "--state", "open", code=2)
