"""The CLI and the API name the same things the same way: a flag is its API field's name
with dashes (`support_plan` / `--support-plan`; a repeatable flag the singular of a list
field's), a renamed flag keeps its old spelling as a hidden alias, and each entry point's
refusals name its own spelling: the API's fields, the CLI's flags."""

from __future__ import annotations

from typing import Any

from cli_support import Cli
from fastapi.testclient import TestClient

API = "/api/v1"
ACCOUNT = ("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise")


def _problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {p["field"]: p["reason"] for p in response.json()["problems"]}


def test_an_unknown_support_plan_is_named_as_the_api_field_and_as_the_cli_flag(
    client: TestClient, cli: Cli,
) -> None:
    api = _problems(client.post(f"{API}/accounts", json={
        "id": "acme", "name": "Acme", "tier": "enterprise", "support_plan": "gold"}))
    said = cli.run(*ACCOUNT, "--support-plan", "gold", code=2)

    assert list(api) == ["support_plan"]
    assert said == f"error: --support-plan: {api['support_plan']}\n"


def test_the_old_plan_flag_still_works_but_help_shows_only_the_new_one(cli: Cli) -> None:
    shown = cli.json(*ACCOUNT, "--plan", "business", "--monthly-fee", "1000", "--format",
                     "json")
    helped = cli.run("account", "add", "--help")

    assert (shown["support_plan"], shown["monthly_fee_usd"]) == ("business", 1000)
    assert "--support-plan" in helped and "--monthly-fee-usd" in helped
    assert "--plan " not in helped and "--monthly-fee " not in helped


def test_an_account_without_a_plan_is_refused_naming_the_flag(cli: Cli) -> None:
    assert cli.run(*ACCOUNT, code=2) == "error: --support-plan: is required\n"


def test_a_bad_revenue_impact_names_revenue_impact_usd_on_both(
    client: TestClient, cli: Cli, account: dict[str, Any],
) -> None:
    api = _problems(client.post(f"{API}/cases", json={
        "account": "acme", "severity": "P1", "title": "Down", "revenue_impact_usd": "-5"}))
    cli.run(*ACCOUNT, "--support-plan", "enterprise")
    said = cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "Down",
                   "--revenue-impact-usd", "-5", code=2)
    old = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title", "Up",
                   "--revenue-impact", "12.50", "--format", "json")

    assert list(api) == ["revenue_impact_usd"]
    assert said == f"error: --revenue-impact-usd: {api['revenue_impact_usd']}\n"
    assert old["snapshot"]["revenue_impact_usd"] in ("12.50", 12.5)


def test_a_repeatable_flag_is_named_for_its_list_field(cli: Cli) -> None:
    cli.run(*ACCOUNT, "--support-plan", "enterprise")
    said = cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "Down",
                   "--flag", "Not A Flag!", code=2)
    assert said.startswith("error: --flag[0]: ")


def test_an_incomplete_handoff_says_how_to_supply_it_in_each_entry_points_names(
    client: TestClient, cli: Cli, open_case: Any,
) -> None:
    case = open_case()
    api = client.post(f"{API}/cases/{case['snapshot']['id']}/escalate", json={"to": "T2"})
    cli.run(*ACCOUNT, "--support-plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "Down",
            "--flag", "customer_requested_escalation")
    said = cli.run("case", "escalate", "CASE-1", "--to", "T2", code=3)

    assert api.json()["detail"].endswith(
        "(supply them in `handoff`, or give `override_reason`)")
    assert "--" not in api.json()["detail"]
    assert said.splitlines()[0].endswith(
        "(supply them with --handoff, or give --override-reason)")
