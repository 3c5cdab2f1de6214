"""A case's post-mortem over HTTP (SQLite and PostgreSQL) and through the `escalada`
command, refusals included."""

from __future__ import annotations

from cli_support import Cli

API = "/api/v1"


def test_a_post_mortem_over_http(client, open_case, bearer):
    case_id = open_case()["snapshot"]["id"]
    bearer("ana", "engineer")
    pm = f"{API}/cases/{case_id}/postmortem"

    early = client.post(pm, headers=bearer("ana"))
    client.post(f"{API}/cases/{case_id}/resolve", headers=bearer("ana"), json={"reason": "patched"})
    missing = client.get(pm)
    started = client.post(pm, headers=bearer("ana"))
    finding = client.post(f"{pm}/findings", headers=bearer("ana"),
                          json={"heading": "went_wrong", "text": "Failover took 40 minutes"})
    action = client.post(f"{pm}/actions", headers=bearer("ana"),
                         json={"what": "Alert on replica lag", "due_at": "2026-12-20"})
    attendees = client.post(f"{pm}/attendees", headers=bearer("ana"), json={"add": ["ana"]})
    done = client.post(f"{pm}/actions/{action.json()['actions'][0]['id']}/done",
                       headers=bearer("ana"))
    completed = client.post(f"{pm}/complete", headers=bearer("ana"),
                            json={"summary": "Slow failover"})
    shown = client.get(pm, headers=bearer("vera", "viewer"))
    listed = client.get(f"{API}/postmortems", headers=bearer("vera"))
    overdue = client.get(f"{API}/postmortems?overdue=true", headers=bearer("vera"))
    bad_limit = client.get(f"{API}/postmortems?limit=0", headers=bearer("vera"))

    assert early.status_code == 409 and "not resolved" in early.json()["message"]
    assert missing.status_code == 404 and "postmortem start" in missing.json()["message"]
    assert started.status_code == 201, started.text
    assert finding.status_code == 201 and finding.json()["agenda"]["went_wrong"][0]["text"] == (
        "Failover took 40 minutes")
    assert action.status_code == 201, action.text
    assert attendees.status_code == 200 and attendees.json()["attendees"] == [
        {"name": "ana", "why": "added"}]
    assert done.status_code == 200 and done.json()["actions"][0]["status"] == "done"
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    assert shown.status_code == 200 and shown.json()["summary"] == "Slow failover"
    assert [i["status"] for i in listed.json()] == ["completed"] and overdue.json() == []
    assert bad_limit.status_code == 422 and bad_limit.json()["problems"][0]["field"] == "limit"


def test_bad_post_mortem_requests_name_the_field_and_a_viewer_may_not_write(
    client, open_case, bearer,
):
    case_id = open_case()["snapshot"]["id"]
    client.post(f"{API}/cases/{case_id}/resolve", json={"reason": "patched"})
    pm = f"{API}/cases/{case_id}/postmortem"
    viewer = client.post(pm, headers=bearer("vera", "viewer"))
    client.post(pm)

    heading = client.post(f"{pm}/findings", json={"heading": "lessons", "text": "x"})
    extra = client.post(f"{pm}/findings", json={"heading": "went_well", "text": "x", "y": 1})
    past = client.post(f"{pm}/actions", json={"what": "x", "due_at": "2020-01-01"})
    nobody = client.post(f"{pm}/attendees", json={"add": ["nobody"]})
    unknown = client.post(f"{pm}/actions/77/done")
    huge = client.post(f"{pm}/actions/99999999999/done")
    empty = client.post(f"{pm}/complete")

    assert viewer.status_code == 403
    assert heading.status_code == 422 and heading.json()["problems"][0]["field"] == "heading"
    assert extra.status_code == 422 and extra.json()["problems"][0]["field"] == "y"
    assert past.status_code == 422 and past.json()["problems"][0]["field"] == "due_at"
    assert nobody.status_code == 422 and nobody.json()["problems"][0]["field"] == "add"
    assert unknown.status_code == 404 and huge.status_code == 404
    assert empty.status_code == 409 and "no findings" in empty.json()["message"]


def test_a_post_mortem_through_the_command_line(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU",
            "--language", "ru")
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "Volumes detach")["snapshot"]["id"]
    early = cli.run("postmortem", "start", case_id, code=6)
    cli.run("case", "resolve", case_id)

    started = cli.json("postmortem", "start", case_id)
    cli.json("postmortem", "finding", case_id, "--heading", "went_wrong", "--text",
             "Failover took 40 minutes")
    action = cli.json("postmortem", "action", case_id, "--what", "Alert on replica lag",
                      "--due", "2030-01-10")
    cli.run("case", "rca", case_id, "--technical", "Replica lag went unwatched")
    shown = cli.run("postmortem", "show", case_id)
    agenda = cli.json("postmortem", "show", case_id)
    done = cli.json("postmortem", "done", case_id, str(action["actions"][0]["id"]))
    completed = cli.json("postmortem", "complete", case_id, "--summary", "Slow failover")
    bad_heading = cli.run("postmortem", "finding", case_id, "--heading", "x", "--text", "y",
                          code=2)
    frozen = cli.run("postmortem", "finding", case_id, "--heading", "went_well", "--text",
                     "y", code=6)

    assert "not resolved" in early
    assert started["status"] == "open"
    assert "Failover took 40 minutes" in shown and "Alert on replica lag" in shown
    technical = shown.split("Root cause (technical)")[1].split("Root cause (process)")
    assert "the case's root cause: Replica lag went unwatched" in technical[0]
    assert "(nothing yet)" not in technical[0] and "(nothing yet)" in technical[1]
    assert agenda["case_rca"]["root_cause_technical"]["text"] == "Replica lag went unwatched"
    assert "root_cause_process" not in agenda["case_rca"]
    assert done["actions"][0]["status"] == "done"
    assert completed["status"] == "completed"
    assert "heading" in bad_heading and "frozen" in frozen
    assert [i["case"] for i in cli.json("postmortem", "list")] == [case_id]
    assert cli.json("postmortem", "list", "--overdue") == []
    assert "Volumes detach" in cli.run("postmortem", "list")
