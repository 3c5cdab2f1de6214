"""Changing accounts, keeping contacts and naming a case's contact, over HTTP and through
the real `escalada` command: the same service answers both, authority is the server's
(403 / exit 7), a bad field is 422 / exit 2 naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cli_support import Cli
from fastapi.testclient import TestClient

API = "/api/v1"
Bearer = Callable[..., dict[str, str]]  # the e2e conftest's fixtures
OpenCase = Callable[..., dict[str, Any]]


# API


def test_patching_an_account_sets_its_fee_and_shows_on_its_history(
    client: TestClient, account: dict[str, Any], bearer: Bearer
) -> None:
    changed = client.patch(f"{API}/accounts/acme", json={"monthly_fee_usd": 12000,
                                                         "reason": "contract signed"},
                           headers=bearer("maria", "support_manager"))
    history = client.get(f"{API}/accounts/acme/history").json()

    assert changed.status_code == 200, changed.text
    assert changed.json()["monthly_fee_usd"] == 12000
    assert [(e["kind"], e["actor"]) for e in history] == [
        ("account_added", "admin"), ("account_updated", "maria")]


def test_patching_an_account_is_refused_below_support_manager_and_names_a_bad_field(
    client: TestClient, account: dict[str, Any], bearer: Bearer
) -> None:
    refused = client.patch(f"{API}/accounts/acme", json={"monthly_fee_usd": 1},
                           headers=bearer("lena", "team_lead"))
    bad = client.patch(f"{API}/accounts/acme", json={"support_plan": "platinum"})
    unknown = client.patch(f"{API}/accounts/nowhere", json={"name": "X"})

    assert refused.status_code == 403
    assert "support manager and above; lena is team lead" in refused.json()["message"]
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "support_plan"
    assert unknown.status_code == 404


def test_contacts_over_http_and_a_case_naming_one_by_email(
    client: TestClient, account: dict[str, Any], open_case: OpenCase
) -> None:
    added = client.post(f"{API}/accounts/acme/contacts", json={
        "name": "Иван Петрович Сидоров", "address_as": "Иван Петрович", "level": "vp",
        "email": "ivan@acme.example"})
    case = open_case(contact="ivan@acme.example")
    removed = client.post(f"{API}/accounts/acme/contacts/{added.json()['id']}/remove",
                          json={"reason": "left"})
    bad = client.post(f"{API}/accounts/acme/contacts", json={"name": "X", "level": "boss"})

    assert added.status_code == 201, added.text
    assert case["contact"]["name"] == "Иван Петрович Сидоров"
    assert case["snapshot"]["escalating_contact_level"] == "vp"
    assert removed.status_code == 200 and removed.json()["removed_at"]
    assert client.get(f"{API}/accounts/acme/contacts").json() == []
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "level"


def test_a_person_sets_their_own_display_name_over_http(
    client: TestClient, bearer: Bearer
) -> None:
    mine = client.patch(f"{API}/users/anna", json={"display_name": "Anna Smirnova"},
                        headers=bearer("anna"))
    title = client.patch(f"{API}/users/anna", json={"title": "CEO"}, headers=bearer("anna"))

    assert mine.status_code == 200 and mine.json()["display_name"] == "Anna Smirnova"
    assert title.status_code == 403


# CLI


def test_the_cli_updates_an_account_keeps_contacts_and_opens_a_case_with_one(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("user", "add", "eve", "--role", "engineer")

    updated = cli.json("account", "update", "acme", "--monthly-fee", "9000.50",
                       "--language", "ru", "--reason", "renewal")
    refused = cli.run("--as", "eve", "account", "update", "acme", "--monthly-fee", "1", code=7)
    bad = cli.run("account", "update", "acme", "--tier", "gold", code=2)
    contact = cli.json("--as", "eve", "account", "contact", "add", "acme", "--name",
                       "Olga Berg", "--level", "c_level", "--title", "CFO",
                       "--email", "olga@acme.example")
    listed = cli.run("account", "contact", "list", "acme")
    case = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title", "Down",
                    "--contact", "olga@acme.example")
    cli.run("user", "update", "eve", "--display-name", "Eve Adams")

    assert (updated["monthly_fee_usd"], updated["language"]) == (9000.5, "ru")
    assert "changing accounts needs the role admin or support manager" in refused
    assert "tier:" in bad
    assert contact["level"] == "c_level" and "Olga Berg" in listed
    assert (case["contact"]["id"], case["contact_title"]) == (contact["id"], "CFO")
    assert case["snapshot"]["escalating_contact_level"] == "c_level"
    assert "account changed: language en -> ru; monthly_fee_usd" in cli.run(
        "account", "history", "acme")
    assert cli.json("user", "list")[0]["display_name"] == "Eve Adams"
