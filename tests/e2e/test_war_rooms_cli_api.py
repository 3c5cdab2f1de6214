"""War rooms through the REST API (both databases) and the real `escalada` command: a
strategic account's CEO escalates, the room opens with our CEO, legal joins when legal
action is threatened, items are ticked, seats assigned, the executive acknowledges."""

from __future__ import annotations

import json
from typing import Any

from cli_support import Cli
from conftest import API, Bearer
from fastapi.testclient import TestClient

MERIDIAN = {"id": "meridian", "name": "ООО «Меридиан Банк»", "tier": "strategic",
            "support_plan": "enterprise", "timezone": "Europe/Moscow", "country": "RU",
            "language": "ru"}


def open_case(client: TestClient, **overrides: Any) -> str:
    body = {"account": "meridian", "severity": "P1", "title": "Платежи СБП не проходят",
            **overrides}
    response = client.post(f"{API}/cases", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["snapshot"]["id"])


def test_a_ceos_escalation_opens_a_war_room_worked_through_the_api(
    client: TestClient, bearer: Bearer,
) -> None:
    assert client.post(f"{API}/accounts", json=MERIDIAN).status_code == 201
    ana, lena = bearer("ana", "engineer"), bearer("lena", "team_lead")
    ceo, vp = bearer("lebedev", "vp", "CEO"), bearer("hughes", "vp", "VP Customer Success")
    case = open_case(client, contact_level="c_level", contact_title="CEO")
    room = f"{API}/cases/{case}/war-room"
    assert client.get(room).status_code == 404

    assert client.post(f"{API}/cases/{case}/escalate", json={"to": "L3"},
                       headers=ana).status_code == 200
    shown = client.get(room, headers=ana).json()
    assert (shown["channel"], shown["executive"], shown["trigger"]) == (
        "#exec-escalation-ooo-meridian-bank", "lebedev", "L3")
    assert shown["attendees"][0] == {"role": "escalation_coordinator",
                                     "label": "Escalation Coordinator", "lead": True,
                                     "user": None}

    client.post(f"{API}/cases/{case}/flags", json={"flags": ["legal_action_threatened"]},
                headers=ana)
    assert "notify_legal" in [item["key"] for item in client.get(room).json()["checklist"]]

    ticked = client.post(f"{room}/tick", json={"item": "notify_legal", "note": "counsel on"},
                         headers=ana)
    assert ticked.status_code == 200, ticked.text
    legal = next(i for i in ticked.json()["checklist"] if i["key"] == "notify_legal")
    assert (legal["done_by"], legal["note"]) == ("ana", "counsel on")
    again = client.post(f"{room}/tick", json={"item": "notify_legal"}, headers=ana)
    assert (again.status_code, again.json()["error"]) == (409, "invalid_transition")
    assert client.post(f"{room}/tick", json={"item": "nope"}, headers=ana).status_code == 404
    assert client.post(f"{room}/tick", json={"item": "x", "by": "me"}).status_code == 422

    seat = {"role": "escalation_coordinator", "user": "lena"}
    assert client.post(f"{room}/assign", json=seat, headers=ana).status_code == 403
    seated = client.post(f"{room}/assign", json=seat, headers=lena)
    assert seated.json()["attendees"][0]["user"] == "lena"

    refused = client.post(f"{room}/ack", json={}, headers=ana)
    assert refused.status_code == 403
    assert "acknowledging for lebedev needs the role VP" in refused.json()["message"]
    acked = client.post(f"{room}/ack", json={"note": "called their CEO"}, headers=ceo)
    assert acked.json()["executive_ack_by"] == "lebedev"
    assert client.post(f"{room}/ack", json={}, headers=vp).status_code == 409
    kinds = [e["kind"] for e in client.get(f"{API}/cases/{case}/timeline").json()]
    assert kinds.count("war_room_opened") == 1
    assert {"war_room_item_done", "war_room_assigned", "executive_acknowledged"} <= set(kinds)


def test_a_war_room_is_opened_by_hand_once_by_a_team_lead(
    client: TestClient, bearer: Bearer,
) -> None:
    client.post(f"{API}/accounts", json=MERIDIAN)
    case = open_case(client)
    room = f"{API}/cases/{case}/war-room"

    assert client.post(room, headers=bearer("ana", "engineer")).status_code == 403
    opened = client.post(room, json={"reason": "press enquiry"},
                         headers=bearer("lena", "team_lead"))
    assert opened.status_code == 201, opened.text
    assert (opened.json()["trigger"], opened.json()["opened_by"]) == ("manual", "lena")
    again = client.post(room, headers=bearer("lena"))
    assert (again.status_code, again.json()["error"]) == (409, "already_exists")


def test_the_cli_shows_ticks_assigns_and_acknowledges(cli: Cli) -> None:
    cli.run("account", "add", "--id", "meridian", "--name", "Meridian Bank", "--tier",
            "strategic", "--plan", "enterprise", "--timezone", "Europe/Moscow")
    for name, role, title in (("ana", "engineer", None), ("lena", "team_lead", None),
                              ("morozova", "vp", "CTO")):
        cli.run("user", "add", name, "--role", role, *(["--title", title] if title else []))
    case = json.loads(cli.run("case", "open", "--account", "meridian", "--severity", "P1",
                              "--title", "Payments time out", "--contact-level", "c_level",
                              "--contact-title", "Chief Technology Officer", "--format",
                              "json"))["snapshot"]["id"]
    assert "has no war room" in cli.run("war-room", "show", case, code=4)
    cli.run("--as", "ana", "case", "escalate", case, "--to", "L3")

    shown = cli.run("war-room", "show", case)
    assert "#exec-escalation-meridian-bank" in shown
    assert "morozova" in shown and "Escalation Coordinator (lead)" in shown
    assert "notify_support_director" in shown and "unassigned" in shown

    ticked = cli.json("--as", "ana", "war-room", "tick", case, "review_history",
                      "--note", "read it all")
    item = next(i for i in ticked["checklist"] if i["key"] == "review_history")
    assert (item["done_by"], item["note"]) == ("ana", "read it all")
    assert "ticked by ana" in cli.run("war-room", "tick", case, "review_history", code=6)
    assert "needs the role team lead" in cli.run(
        "--as", "ana", "war-room", "assign", case, "--role", "support_director",
        "--user", "lena", code=7)
    cli.run("--as", "lena", "war-room", "assign", case, "--role", "escalation_coordinator",
            "--user", "lena")
    assert "needs the role VP" in cli.run("--as", "lena", "war-room", "ack", case, code=7)
    acked = cli.json("--as", "morozova", "war-room", "ack", case)
    assert acked["executive_ack_by"] == "morozova"
    assert "acknowledged by morozova" in cli.run("war-room", "show", case)
    assert "already" in cli.run("--as", "lena", "war-room", "open", case, code=5)


def test_the_cli_shows_a_closed_room_without_a_next_update(cli: Cli) -> None:
    cli.run("account", "add", "--id", "meridian", "--name", "Meridian Bank", "--tier",
            "strategic", "--plan", "enterprise", "--timezone", "Europe/Moscow")
    cli.run("user", "add", "lena", "--role", "team_lead")
    case = json.loads(cli.run("case", "open", "--account", "meridian", "--severity", "P1",
                              "--title", "Payments time out", "--format", "json"))[
        "snapshot"]["id"]
    cli.run("--as", "lena", "war-room", "open", case)
    assert "next due" in cli.run("war-room", "show", case)

    cli.run("--as", "lena", "case", "resolve", case, "--reason", "gateway fixed")

    shown = cli.run("war-room", "show", case)
    assert "next due" not in shown and "OVERDUE" not in shown
    assert "no customer updates are due from the room" in shown
