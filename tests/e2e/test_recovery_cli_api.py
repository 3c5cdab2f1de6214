"""The recovery plan over HTTP (SQLite and PostgreSQL) and through the real `escalada`
command: an L2 case resolves, its plan and customer follow-up exist, people work it."""

from __future__ import annotations

from typing import Any

import httpx
from cli_support import Cli
from fastapi.testclient import TestClient

API = "/api/v1"


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    document: dict[str, Any] = response.json()
    return document


def resolved_l2_case(client: TestClient, open_case: Any) -> str:
    case_id: str = open_case()["snapshot"]["id"]
    escalated = client.post(f"{API}/cases/{case_id}/escalate", json={"to": "L2"})
    assert escalated.status_code == 200, escalated.text
    resolved = client.post(f"{API}/cases/{case_id}/resolve", json={"reason": "patched"})
    assert resolved.status_code == 200, resolved.text
    return case_id


def plan_task(plan: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for phase in plan["phases"] for t in phase["tasks"] if t["key"] == key)


# --- API ------------------------------------------------------------------------------


def test_the_case_resolves_and_its_recovery_plan_and_follow_up_exist(client, open_case):
    case_id = resolved_l2_case(client, open_case)

    response = client.get(f"{API}/cases/{case_id}/recovery")

    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["case"], plan["level"], plan["open_tasks"]) == (case_id, "L2", 14)
    assert [p["phase"] for p in plan["phases"]] == [
        "immediate", "short_term", "medium_term", "long_term"]
    follow_up = plan["customer_follow_up"]
    assert follow_up["key"] == "customer_follow_up"
    assert follow_up["due_at"] == "2026-12-03T10:00:00+00:00"  # a week after resolving
    assert plan["post_mortem"]["status"] == "open"
    # The account speaks Russian; its plan reads in the reader's language (English here).
    assert plan_task(plan, "executive_apology")["text"] == "Executive apology call or visit"


def test_each_reader_reads_the_plan_in_their_language_and_peoples_own_tasks_as_written(
    client, open_case,
) -> None:
    case_id = resolved_l2_case(client, open_case)  # a Russian-speaking account's
    added = client.post(f"{API}/cases/{case_id}/recovery/tasks", json={
        "phase": "short_term", "text": "Отправить RCA клиенту"}).json()

    russian = client.get(f"{API}/cases/{case_id}/recovery",
                         headers={"Accept-Language": "ru-RU,ru;q=0.9"}).json()
    english = client.get(f"{API}/cases/{case_id}/recovery",
                         headers={"Accept-Language": "en-GB,en;q=0.8"}).json()
    moved = client.patch(f"{API}/recovery/tasks/{plan_task(english, 'service_credits')['id']}",
                         json={"status": "in_progress"}, headers={"Accept-Language": "en"})

    assert plan_task(russian, "executive_apology")["text"] == (
        "Звонок или визит руководителя с извинениями")
    assert plan_task(english, "executive_apology")["text"] == "Executive apology call or visit"
    assert english["post_mortem"]["text"].startswith("Post-mortem with the war room team")
    assert russian["post_mortem"]["text"].startswith("Разбор")
    assert moved.status_code == 200, moved.text
    assert moved.json()["text"].startswith("Agree service credits")
    for plan in (russian, english):
        own = next(t for p in plan["phases"] for t in p["tasks"] if t["id"] == added["id"])
        assert own["text"] == "Отправить RCA клиенту" and own["key"] is None


def test_a_task_is_assigned_and_done_over_http_and_the_timeline_shows_it(
    client, open_case, bearer,
):
    case_id = resolved_l2_case(client, open_case)
    bearer("maria", "support_manager")
    plan = client.get(f"{API}/cases/{case_id}/recovery").json()
    apology = plan_task(plan, "executive_apology")

    assigned = client.patch(f"{API}/recovery/tasks/{apology['id']}",
                            json={"owner": "maria", "status": "in_progress"})
    done = client.patch(f"{API}/recovery/tasks/{apology['id']}",
                        json={"status": "done", "reason": "called their CTO"},
                        headers=bearer("maria"))
    undated = client.patch(f"{API}/recovery/tasks/{apology['id']}", json={"due_at": None})

    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["owner"], assigned.json()["status"]) == ("maria", "in_progress")
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["updated_by"]) == ("done", "maria")
    assert undated.json()["due_at"] is None and undated.json()["owner"] == "maria"
    timeline = client.get(f"{API}/cases/{case_id}/timeline").json()
    assert [e["kind"] for e in timeline[-3:]] == ["recovery_task_updated"] * 3
    assert timeline[-2]["reason"] == "called their CTO"


def test_people_add_tasks_and_a_second_plan_is_a_conflict(client, open_case, bearer):
    case_id = resolved_l2_case(client, open_case)

    added = client.post(f"{API}/cases/{case_id}/recovery/tasks", json={
        "phase": "short_term", "text": "Send the RCA", "due_at": "2026-11-30"})
    again = client.post(f"{API}/cases/{case_id}/recovery", json={},
                        headers=bearer("lena", "team_lead"))

    assert added.status_code == 201, added.text
    assert added.json()["due_at"] == "2026-11-30T20:59:00+00:00"  # 23:59 in Moscow
    assert added.json()["key"] is None
    assert error_of(again, 409)["error"] == "already_exists"


def test_a_team_lead_makes_a_plan_by_hand_and_an_engineer_may_not(client, open_case, bearer):
    case_id = open_case()["snapshot"]["id"]
    client.post(f"{API}/cases/{case_id}/resolve", json={})

    missing = client.get(f"{API}/cases/{case_id}/recovery")
    refused = client.post(f"{API}/cases/{case_id}/recovery",
                          headers=bearer("ana", "engineer"))
    made = client.post(f"{API}/cases/{case_id}/recovery", json={"reason": "CSAT 1"},
                       headers=bearer("lena", "team_lead"))

    assert "has no recovery plan" in error_of(missing, 404)["message"]
    assert "needs the role team lead" in error_of(refused, 403)["message"]
    assert made.status_code == 201, made.text
    assert made.json()["level"] is None and made.json()["open_tasks"] == 14


def test_bad_changes_are_refused_naming_the_field(client, open_case, bearer):
    case_id = resolved_l2_case(client, open_case)
    task_id = client.get(f"{API}/cases/{case_id}/recovery").json()["post_mortem"]["id"]
    url = f"{API}/recovery/tasks/{task_id}"

    bad_status = error_of(client.patch(url, json={"status": "finished"}), 422)
    bad_owner = error_of(client.patch(url, json={"owner": "ghost"}), 422)
    extra = error_of(client.patch(url, json={"priority": 1}), 422)
    unknown = error_of(client.patch(f"{API}/recovery/tasks/9999", json={"status": "done"}), 404)
    viewer = error_of(client.patch(url, json={"status": "done"},
                                   headers=bearer("viktor", "viewer")), 403)

    assert [p["field"] for p in bad_status["problems"]] == ["status"]
    assert [p["field"] for p in bad_owner["problems"]] == ["owner"]
    assert [p["field"] for p in extra["problems"]] == ["priority"]
    assert unknown["message"] == "no recovery task 9999"
    assert "needs the role engineer" in viewer["message"]
    assert client.get(f"{API}/cases/{case_id}/recovery").json()["post_mortem"]["status"] == (
        "open")


# --- CLI ------------------------------------------------------------------------------


def test_the_recovery_plan_through_the_command_line(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow")
    for name, role in (("maria", "support_manager"), ("lena", "team_lead"),
                       ("viktor", "viewer")):
        cli.run("user", "add", name, "--role", role)
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "API returns 500", "--flag", "customer_requested_escalation",
                       )["snapshot"]["id"]
    cli.run("case", "escalate", case_id, "--to", "L2")
    cli.run("--as", "maria", "case", "ack", case_id, "--step", "1")
    cli.run("case", "resolve", case_id)

    plan = cli.json("recovery", "show", case_id)
    shown = cli.run("recovery", "show", case_id)
    follow_up = plan["customer_follow_up"]
    changed = cli.json("recovery", "task", str(follow_up["id"]), "--status", "in_progress",
                       "--due", "2026-12-01", "--reason", "call booked")
    added = cli.json("recovery", "add", case_id, "--phase", "medium_term", "--text",
                     "Named engineer for Q1", "--owner", "maria")
    unassigned = cli.json("recovery", "task", str(added["id"]), "--unassign")

    assert plan["level"] == "L2" and plan["open_tasks"] == 14
    assert follow_up["owner"] == "maria"  # she took the L2 step
    assert "customer follow-up: task" in shown and "post-mortem: task" in shown
    assert "Executive apology call or visit" in shown
    assert (changed["status"], changed["due_at"]) == ("in_progress", "2026-12-01T20:59:00+00:00")
    assert added["phase"] == "medium_term" and unassigned["owner"] is None
    timeline = cli.json("case", "timeline", case_id)
    assert timeline[-1]["kind"] == "recovery_task_updated"
    assert timeline[-3]["reason"] == "call booked"
    assert "already" in cli.run("--as", "lena", "recovery", "create", case_id, code=5)


def test_the_command_line_shows_a_russian_accounts_plan_in_the_readers_language(
    cli: Cli,
) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--language", "ru")
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "API returns 500", "--flag", "customer_requested_escalation",
                       )["snapshot"]["id"]
    cli.run("case", "escalate", case_id, "--to", "L2")
    cli.run("case", "resolve", case_id)
    cli.run("recovery", "add", case_id, "--phase", "short_term", "--text", "Отправить RCA")
    cli.env.update(ESCALADA_LANG="en", COLUMNS="400")  # whole cells on one line

    english = cli.run("recovery", "show", case_id)
    as_json = cli.json("recovery", "show", case_id)
    cli.env["ESCALADA_LANG"] = "ru"
    russian = cli.run("recovery", "show", case_id)

    assert "Executive apology call or visit" in english and "Звонок" not in english
    assert "Отправить RCA" in english
    assert plan_task(as_json, "executive_apology")["text"] == "Executive apology call or visit"
    assert "Звонок или визит руководителя с извинениями" in russian
    assert "Executive apology" not in russian and "Отправить RCA" in russian
    # An unowned task names the role it falls to in the reader's words, not by its id.
    assert "(account executive)" in english and "(менеджер клиента)" in russian
    assert "account_executive" not in english + russian


def test_command_line_refusals_exit_with_their_codes(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("user", "add", "viktor", "--role", "viewer")
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "API returns 500")["snapshot"]["id"]
    cli.run("case", "resolve", case_id)

    assert "has no recovery plan" in cli.run("recovery", "show", case_id, code=4)
    assert "needs the role team lead" in cli.run("recovery", "create", case_id, code=7)
    assert "no recovery task 42" in cli.run("recovery", "task", "42", "--status", "done",
                                            code=4)
    assert "status" in cli.run("recovery", "task", "42", "--status", "finished", code=2)
    assert "--unassign" in cli.run("recovery", "task", "42", "--owner", "x", "--unassign",
                                   code=2)
    assert "has no recovery plan" in cli.run("recovery", "add", case_id, "--phase",
                                             "immediate", "--text", "call", code=6)
    assert "needs the role engineer" in cli.run(
        "--as", "viktor", "recovery", "add", case_id, "--phase", "immediate", "--text", "x",
        code=7)
    usage = cli.run("recovery", "--help")
    assert all(command in usage for command in ("show", "create", "add", "task"))
