"""A case's root cause and its commitments over HTTP (SQLite and PostgreSQL) and through
the `escalada` command."""

from __future__ import annotations

from cli_support import Cli

API = "/api/v1"


def test_the_root_cause_and_a_commitment_over_http(client, open_case, bearer):
    case_id = open_case()["snapshot"]["id"]
    bearer("ana", "engineer")

    missing = client.get(f"{API}/cases/{case_id}/rca")
    entered = client.put(f"{API}/cases/{case_id}/rca", headers=bearer("ana"),
                         json={"technical": "Firmware leak", "process": "No alert"})
    made = client.post(f"{API}/cases/{case_id}/commitments", headers=bearer("ana"),
                       json={"what": "Written RCA", "due_at": "2026-11-30"})
    closed = client.post(f"{API}/cases/{case_id}/commitments/{made.json()['id']}/close",
                         json={"note": "sent"}, headers=bearer("ana"))
    listed = client.get(f"{API}/cases/{case_id}/commitments", headers=bearer("vera", "viewer"))

    assert missing.status_code == 404 and "escalada case rca" in missing.json()["message"]
    assert entered.status_code == 200, entered.text
    assert client.get(f"{API}/cases/{case_id}/rca").json()["process"] == "No alert"
    assert made.status_code == 201, made.text
    assert made.json()["due_at"] == "2026-11-30T20:59:00+00:00"  # the day's end in Moscow
    assert closed.status_code == 200 and closed.json()["state"] == "met"
    assert listed.status_code == 200 and [c["state"] for c in listed.json()] == ["met"]


def test_bad_requests_name_the_field_and_a_viewer_may_not_write(client, open_case, bearer):
    case_id = open_case()["snapshot"]["id"]

    empty = client.put(f"{API}/cases/{case_id}/rca", json={})
    extra = client.put(f"{API}/cases/{case_id}/rca", json={"technical": "x", "cause": "y"})
    past = client.post(f"{API}/cases/{case_id}/commitments",
                       json={"what": "x", "due_at": "2020-01-01"})
    viewer = client.put(f"{API}/cases/{case_id}/rca", json={"technical": "x"},
                        headers=bearer("vera", "viewer"))
    unknown = client.post(f"{API}/cases/{case_id}/commitments/77/close")
    huge = client.post(f"{API}/cases/{case_id}/commitments/99999999999/close")

    assert empty.status_code == 422 and empty.json()["problems"][0]["field"] == "technical"
    assert extra.status_code == 422 and extra.json()["problems"][0]["field"] == "cause"
    assert past.status_code == 422 and past.json()["problems"][0]["field"] == "due_at"
    assert viewer.status_code == 403
    assert unknown.status_code == 404 and huge.status_code == 404


def test_root_cause_and_commitments_through_the_command_line(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU",
            "--language", "ru")
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "Volumes detach")["snapshot"]["id"]

    entered = cli.json("case", "rca", case_id, "--technical", "Firmware leak")
    shown = cli.run("case", "rca", case_id)
    made = cli.json("case", "commit", case_id, "--what", "Written RCA", "--due", "2030-01-10")
    listed = cli.run("case", "commitments", case_id)
    closed = cli.json("case", "commit-close", case_id, str(made["id"]), "--note", "sent")
    bad_due = cli.run("case", "commit", case_id, "--what", "x", "--due", "soon", code=2)
    no_rca = cli.run("case", "rca", case_id, "--technical", "", code=2)

    assert entered["technical"] == "Firmware leak" and "technical: Firmware leak" in shown
    assert made["state"] == "open" and "Written RCA" in listed
    assert closed["state"] == "met"
    assert "due_at" in bad_due and "technical" in no_rca
