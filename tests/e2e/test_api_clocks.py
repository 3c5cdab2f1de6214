"""Calendars, SLA arithmetic, recompute, timers and reminders over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import API, Bearer, OpenCase
from fastapi.testclient import TestClient

from escalada.testing import FakeClock

MOSCOW_OFFICE: dict[str, Any] = {"timezone": "Europe/Moscow", "country": "RU",
                                 "hours": ["09:00-18:00"], "days": "mon-fri"}


def test_a_calendar_is_stored_shown_and_replaced(client: TestClient) -> None:
    created = client.post(f"{API}/calendars/moscow-office", json=MOSCOW_OFFICE)
    again = client.post(f"{API}/calendars/moscow-office", json=MOSCOW_OFFICE)
    shown = client.get(f"{API}/calendars/moscow-office",
                       params={"from": "2024-11-02", "days": 3})
    replaced = client.put(f"{API}/calendars/moscow-office", json={
        "timezone": "Europe/Moscow", "week": {"mon": ["09:00-13:00", "14:00-18:00"]}})

    assert created.status_code == 201, created.text
    assert again.status_code == 409
    assert [(d["date"], d["why"]) for d in shown.json()["days"]] == [
        ("2024-11-02", "moved working day"), ("2024-11-03", "weekly day off"),
        ("2024-11-04", "holiday: Unity Day")]
    assert replaced.json()["spec"]["week"] == {"mon": ["09:00-13:00", "14:00-18:00"]}
    assert [c["spec"]["name"] for c in client.get(f"{API}/calendars").json()] == ["moscow-office"]


def test_calendar_errors_name_the_field(client: TestClient) -> None:
    bad = client.post(f"{API}/calendars/x", json={**MOSCOW_OFFICE, "hours": ["18:00-09:00"]})
    bad_name = client.post(f"{API}/calendars/Not%20A%20Name", json=MOSCOW_OFFICE)
    missing = client.get(f"{API}/calendars/nowhere")

    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "hours"
    assert bad_name.status_code == 422 and bad_name.json()["problems"][0]["field"] == "name"
    assert missing.status_code == 404


def test_sla_deadline_and_elapsed(client: TestClient) -> None:
    client.post(f"{API}/calendars/moscow-office", json=MOSCOW_OFFICE)

    due = client.post(f"{API}/sla/deadline", json={
        "start": "2024-11-01T17:00:00+03:00", "minutes": 120, "calendar": "moscow-office"})
    business = client.post(f"{API}/sla/deadline", json={
        "start": "2024-11-01T17:00:00+03:00", "minutes": 120, "calendar": "business",
        "business": MOSCOW_OFFICE})
    spent = client.post(f"{API}/sla/elapsed", json={
        "start": "2026-11-26T10:00:00+00:00", "end": "2026-11-26T12:00:00+00:00",
        "pauses": [["2026-11-26T10:30:00+00:00", "2026-11-26T11:00:00+00:00"]]})
    backwards = client.post(f"{API}/sla/elapsed", json={
        "start": "2026-11-26T12:00:00+00:00", "end": "2026-11-26T10:00:00+00:00"})

    assert due.json()["due_at"] == business.json()["due_at"] == "2024-11-02T07:00:00+00:00"
    assert spent.json()["minutes"] == 90
    assert backwards.status_code == 422 and backwards.json()["problems"][0]["field"] == "end"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/sla/deadline", {"start": "0001-01-01T00:00:00+00:01", "minutes": 0}, "start"),
    ("/sla/deadline", {"start": "9999-12-31T23:00:00+00:00", "minutes": 120}, "start"),
    ("/sla/elapsed", {"start": "2026-11-26T10:00:00+00:00",
                      "end": "9999-12-31T23:59:00-01:00"}, "end"),
    ("/sla/deadline", {"start": "2026-11-26T10:00:00+00:00", "minutes": 60, "pauses": [
        ["0001-01-01T00:00:00+05:00", "2026-11-26T11:00:00+00:00"]]}, "pauses[0]"),
])
def test_times_at_the_ends_of_the_calendar_are_refused_not_500(
    client: TestClient, path: str, body: dict[str, object], field: str,
) -> None:
    """Found by schemathesis: year 1 with a positive offset overflowed moving to UTC."""
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["problems"]] == [field]


def test_an_account_moves_to_a_calendar_and_recompute_moves_its_clocks(
    client: TestClient, open_case: OpenCase
) -> None:
    client.post(f"{API}/accounts", json={
        "id": "vlad", "name": "Vlad Shipping", "tier": "standard", "support_plan": "business",
        "timezone": "Asia/Vladivostok"})
    case = client.post(f"{API}/cases", json={"account": "vlad", "severity": "P3",
                                             "title": "Slow dashboard"}).json()
    client.post(f"{API}/calendars/moscow-office", json=MOSCOW_OFFICE)

    moved = client.put(f"{API}/accounts/vlad/calendar", json={"calendar": "moscow-office"})
    before = client.get(f"{API}/cases/{case['snapshot']['id']}").json()
    recomputed = client.post(f"{API}/sla/recompute", json={"account": "vlad"})
    after = client.get(f"{API}/cases/{case['snapshot']['id']}").json()

    assert moved.json()["calendar"]["name"] == "moscow-office"
    assert recomputed.json() == {"cases": 1, "moved": [case["snapshot"]["id"]], "conflicts": []}
    assert after["timeline"][-1]["kind"] == "sla_recomputed"
    # Live clocks use the account's calendar at once; the timers follow on recompute.
    assert before["evaluation"]["sla"] == after["evaluation"]["sla"]
    assert client.put(f"{API}/accounts/vlad/calendar",
                      json={"calendar": "nowhere"}).status_code == 404


def test_reminders_and_timer_status(client: TestClient, open_case: OpenCase,
                                    clock: FakeClock, bearer: Bearer) -> None:
    case = open_case(severity="P2")
    ref = case["snapshot"]["id"]

    reminder = client.post(f"{API}/cases/{ref}/reminders", json={
        "at": "2026-11-26T12:00:00+03:00", "note": "call the CTO"}, headers=bearer("olga"))
    naive = client.post(f"{API}/cases/{ref}/reminders", json={
        "at": "2026-11-26T12:00:00", "note": "x"})
    clock.advance(minutes=2)
    status = client.get(f"{API}/timers/status").json()
    timers = client.get(f"{API}/timers", params={"case": ref}).json()

    assert reminder.status_code == 201, reminder.text
    assert reminder.json()["due_at"] == "2026-11-26T09:00:00+00:00"
    assert naive.status_code == 422
    assert status["overdue"] == 1  # the reminder was due an hour before it was set
    assert {t["kind"] for t in timers} == {"reminder", "sla_threshold"}
    assert client.get(f"{API}/timers", params={"state": "late"}).status_code == 422


def test_metrics_are_served(client: TestClient) -> None:
    client.get(f"{API}/timers/status")

    metrics = client.get("/metrics/")

    assert metrics.status_code == 200
    assert "escalada_timers_overdue" in metrics.text
