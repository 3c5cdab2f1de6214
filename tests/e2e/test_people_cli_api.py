"""People through the REST API (both databases) and the real `escalada` command: nobody
borrows authority (an admin mints no token for a director), the acknowledger is the
caller, roles change and people are enabled on the people log, the last admin stays,
and tokens show when they expire."""

from __future__ import annotations

from typing import Any

from cli_support import Cli
from conftest import API, Bearer, OpenCase
from fastapi.testclient import TestClient


def test_an_admin_cannot_mint_a_director_s_token_to_approve_a_credit_with_it(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    bearer("dina", "support_director")
    egor = bearer("egor", "engineer")  # proposes, so that four eyes is not what refuses
    case = open_case()
    credit = client.post(f"{API}/cases/{case['snapshot']['id']}/credits",
                         json={"amount_usd": "1000000.00", "reason": "a week down"},
                         headers=egor).json()

    approve = client.post(f"{API}/credits/{credit['id']}/approve", json={"reason": "owed"})
    minted = client.post(f"{API}/tokens", json={"user": "dina"})

    assert approve.status_code == 403
    assert "admin is a system role without executive authority" in approve.json()["message"]
    assert minted.status_code == 403
    assert {k: minted.json()[k] for k in ("error", "message")} == {
        "error": "not_permitted", "message": (
        "tokens are created by their owner only: admin cannot create one for dina; dina "
        "creates their own (`escalada token create`, or POST /api/v1/tokens with their "
        "token). An admin may revoke anyone's token.")}
    assert [t["user_name"] for t in client.get(f"{API}/tokens?user=all").json()] == [
        "admin", "dina", "egor"]  # the fixture's tokens, each made by its owner


def test_a_token_made_through_the_api_is_the_caller_s_expires_and_names_its_maker(
    client: TestClient, bearer: Bearer,
) -> None:
    olga = bearer("olga", "engineer")

    made = client.post(f"{API}/tokens", json={"label": "laptop"}, headers=olga)
    too_long = client.post(f"{API}/tokens", json={"expires_in_days": 366}, headers=olga)

    assert made.status_code == 201, made.text
    assert (made.json()["user_name"], made.json()["created_by"]) == ("olga", "olga")
    assert made.json()["expires_at"] is not None
    assert too_long.status_code == 422
    assert too_long.json()["problems"] == [
        {"field": "expires_in_days", "reason": "must be between 1 and 365"}]


def test_the_acknowledger_is_the_caller_and_a_ghost_cannot_be_named(
    client: TestClient, bearer: Bearer, open_case: OpenCase,
) -> None:
    bearer("maria", "support_manager")  # someone who may be named
    dina = bearer("dina", "support_director")
    case_id = open_case()["snapshot"]["id"]
    client.post(f"{API}/cases/{case_id}/escalate", json={"to": "L2"})
    ack = f"{API}/cases/{case_id}/ack"

    by = client.post(ack, json={"step": 1, "by": "ghost-user"}, headers=dina)
    ghost = client.post(ack, json={"step": 1, "on_behalf_of": "ghost-user"}, headers=dina)
    taken = client.post(ack, json={"step": 1, "on_behalf_of": "maria"}, headers=dina)

    assert (by.status_code, by.json()["problems"]) == (
        422, [{"field": "by", "reason": "is not a known field"}])
    assert (ghost.status_code, ghost.json()["problems"]) == (422, [
        {"field": "on_behalf_of", "reason": "no user 'ghost-user': name an escalada user"}])
    assert taken.status_code == 200, taken.text
    step = taken.json()["escalations"][0]
    assert (step["acknowledged_by"], step["acknowledged_on_behalf_of"]) == ("dina", "maria")


def test_admins_change_roles_enable_people_and_read_the_people_log(
    client: TestClient, bearer: Bearer,
) -> None:
    olga = bearer("olga", "engineer")

    promoted = client.post(f"{API}/users/olga/role", json={"role": "team_lead"})
    refused = client.post(f"{API}/users/olga/role", json={"role": "vp"}, headers=olga)
    disabled = client.post(f"{API}/users/olga/disable")
    enabled = client.post(f"{API}/users/olga/enable")
    last_admin = client.post(f"{API}/users/admin/disable")
    log = client.get(f"{API}/people/log", params={"user": "olga"})

    assert promoted.json()["role"] == "team_lead"
    assert refused.status_code == 403
    assert (disabled.json()["disabled_at"] is not None, enabled.json()["disabled_at"]) == (
        True, None)
    assert last_admin.status_code == 409
    assert "admin is the last enabled admin" in last_admin.json()["message"]
    assert [entry["kind"] for entry in log.json()] == [
        "user_added", "token_created", "role_changed", "user_disabled", "user_enabled"]
    assert client.get(f"{API}/people/log", headers=olga).status_code == 403


def test_the_cli_refuses_a_token_for_someone_else_and_shows_expiry_and_maker(
    cli: Cli,
) -> None:
    cli.run("user", "add", "dina", "--role", "support_director")

    refused = cli.run("token", "create", "--user", "dina", code=7)
    cli.run("--as", "dina", "token", "create", "--label", "ci")
    listed: list[dict[str, Any]] = cli.json("token", "list", "--everyone")
    table = cli.run("token", "list", "--everyone")

    assert "tokens are created by their owner only: irina cannot create one for dina" in (
        " ".join(refused.split()))
    assert [(t["user_name"], t["created_by"]) for t in listed] == [("dina", "dina")]
    assert listed[0]["expires_at"] is not None
    assert "created by" in table and "expires" in table


def test_the_cli_changes_roles_enables_people_keeps_the_last_admin_and_shows_the_log(
    cli: Cli,
) -> None:
    cli.run("user", "add", "olga", "--role", "engineer")

    assert cli.json("user", "role", "olga", "team_lead")["role"] == "team_lead"
    cli.run("user", "disable", "olga")
    assert cli.json("user", "enable", "olga")["disabled_at"] is None
    last = cli.run("user", "disable", "irina", code=6)
    log = [entry["kind"] for entry in cli.json("user", "log", "--user", "olga")]

    assert "irina is the last enabled admin" in " ".join(last.split())
    assert log == ["user_added", "role_changed", "user_disabled", "user_enabled"]
    assert "changed olga's role from engineer to team lead" in cli.run("user", "log")


def test_the_cli_acknowledges_as_its_user_and_refuses_a_ghost(cli: Cli) -> None:
    cli.run("user", "add", "ana", "--role", "engineer")
    cli.run("user", "add", "tom", "--role", "engineer")
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    case_id = cli.json("--as", "ana", "case", "open", "--account", "acme", "--severity",
                       "P1", "--title", "Down")["snapshot"]["id"]
    cli.run("--as", "ana", "case", "escalate", case_id, "--to", "L1", "--reason", "asked")

    ghost = cli.run("--as", "ana", "case", "ack", case_id, "--step", "1",
                    "--on-behalf-of", "ghost-user", code=2)
    cli.run("user", "role", "tom", "team_lead")
    view = cli.json("--as", "tom", "case", "ack", case_id, "--step", "1",
                    "--on-behalf-of", "ana")

    assert "--on-behalf-of: no user 'ghost-user'" in ghost  # the CLI names its flag
    step = view["escalations"][0]
    assert (step["acknowledged_by"], step["acknowledged_on_behalf_of"]) == ("tom", "ana")


def test_a_person_sets_the_language_escalada_writes_to_them_in(
    client: TestClient, bearer: Bearer, cli: Cli,
) -> None:
    olga = bearer("olga", "engineer")

    own = client.patch(f"{API}/users/olga", json={"language": "ru"}, headers=olga)
    bad = client.patch(f"{API}/users/olga", json={"language": "de"}, headers=olga)
    cleared = client.patch(f"{API}/users/olga", json={"language": None}, headers=olga)

    assert own.json()["language"] == "ru" and cleared.json()["language"] is None
    assert bad.status_code == 422 and "language" in bad.text
    cli.run("user", "add", "ivan", "--role", "engineer", "--language", "en")
    assert cli.json("user", "update", "ivan", "--language", "ru")["language"] == "ru"
    assert cli.json("user", "update", "ivan", "--language", "none")["language"] is None
    assert "language" in cli.run("user", "update", "ivan", "--language", "fr", code=2)
