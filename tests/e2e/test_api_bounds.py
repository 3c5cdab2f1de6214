"""What comes from outside is bounded at the edge, the same on SQLite and PostgreSQL:
an id no row can have is 404, a date beyond the years 1900-9000 and text too long or
with control characters are 422 naming the field and the limit, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import API, OpenCase
from fastapi.testclient import TestClient

HUGE = "99999999999999999999"  # beyond any integer column
BEYOND_INTEGER = str(2**31)  # fits SQLite's INTEGER, not PostgreSQL's


def _problem(response: Any) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    problem = response.json()["problems"][0]
    return problem["field"], problem["reason"]


@pytest.mark.parametrize("number", [HUGE, BEYOND_INTEGER, "0"])
@pytest.mark.parametrize(("method", "path", "noun"), [
    ("post", "/tokens/{}/revoke", "token"),
    ("get", "/drafts/{}", "draft"),
    ("get", "/credits/{}", "service credit"),
    ("post", "/outbox/{}/retry", "delivery"),
    ("patch", "/recovery/tasks/{}", "recovery task"),
])
def test_an_id_no_row_can_have_is_not_found(
    client: TestClient, method: str, path: str, noun: str, number: str
) -> None:
    response = client.request(method, API + path.format(number), json={})

    assert response.status_code == 404, response.text
    document = response.json()
    assert (document["error"], document["message"]) == ("not_found", f"no {noun} {number}")
    assert document["type"] == "/problems/not-found"


def test_a_calendar_shown_from_beyond_the_year_9000_is_refused_naming_from(
    client: TestClient,
) -> None:
    client.post(f"{API}/calendars/office", json={"timezone": "UTC", "hours": ["09:00-18:00"],
                                                 "days": "mon-fri"})
    response = client.get(f"{API}/calendars/office", params={"from": "9999-12-25", "days": 30})

    assert _problem(response) == ("from", "must be between the years 1900 and 9000")


@pytest.mark.parametrize(("path", "body", "field", "reason"), [
    ("/respond", {"note": "x" * 4001}, "note", "must be at most 4000 characters"),
    ("/respond", {"note": "a\x00b"}, "note",
     "must not contain control characters other than newline and tab (U+0000 at character 2)"),
    ("/resolve", {"reason": "x" * 5_000_000}, "reason", "must be at most 4000 characters"),
    ("/flags", {"flags": ["low_csat"], "reason": "\x1b[31m"}, "reason",
     "must not contain control characters other than newline and tab (U+001B at character 1)"),
    ("/escalate", {"to": "T2", "override_reason": "x" * 4001}, "override_reason",
     "must be at most 4000 characters"),
    ("/ack", {"step": 1, "note": "\x00"}, "note",
     "must not contain control characters other than newline and tab (U+0000 at character 1)"),
    ("/ack", {"step": int(HUGE)}, "step", "must be <= 2147483647"),
    ("/flags", {"flags": ["low_csat"], "expected_version": int(HUGE)}, "expected_version",
     "must be <= 2147483647"),
    ("/reminders", {"at": "2026-11-27T10:00:00+00:00", "note": "y" * 4001}, "note",
     "must be at most 4000 characters"),
    ("/messages", {"text": "z" * 100_001}, "text", "must be at most 100000 characters"),
    ("/drafts", {"kind": "progress_update", "status": "INVESTIGATING",
                 "fields": {"next_steps": "a\x00"}}, "fields.next_steps",
     "must not contain control characters other than newline and tab (U+0000 at character 2)"),
    ("/credits", {"amount_usd": "10", "reason": "r" * 4001}, "reason",
     "must be at most 4000 characters"),
    ("/deescalate", {"track": "technical", "reason": "r\x00"}, "reason",
     "must not contain control characters other than newline and tab (U+0000 at character 2)"),
])
def test_free_text_beyond_its_kind_is_refused_naming_the_field_and_the_limit(
    client: TestClient, open_case: OpenCase, path: str, body: dict[str, Any], field: str,
    reason: str,
) -> None:
    case = open_case()["snapshot"]["id"]
    response = client.post(f"{API}/cases/{case}{path}", json=body)

    assert _problem(response) == (field, reason)
    assert len(client.get(f"{API}/cases/{case}/timeline").json()) == 1  # nothing written


def test_a_title_and_a_token_label_are_one_line_of_at_most_200_characters(
    client: TestClient, account: dict[str, Any],
) -> None:
    title = client.post(f"{API}/cases", json={"account": account["id"], "severity": "P3",
                                              "title": "two\nlines"})
    label = client.post(f"{API}/tokens", json={"label": "L" * 201})

    assert _problem(title) == (
        "title", "must not contain control characters (U+000A at character 4)")
    assert _problem(label) == ("label", "must be at most 200 characters")


def test_windows_line_ends_in_a_note_are_kept_as_newlines(
    client: TestClient, open_case: OpenCase
) -> None:
    case = open_case()["snapshot"]["id"]
    response = client.post(f"{API}/cases/{case}/respond", json={"note": "one\r\ntwo"})

    assert response.status_code == 200, response.text
    assert client.get(f"{API}/cases/{case}/timeline").json()[-1]["reason"] == "one\ntwo"
