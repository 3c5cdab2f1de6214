"""The REST API over HTTP: each route, its success and its failures, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from examples import ADMIN, DESIGN_SNAPSHOT
from fastapi.testclient import TestClient
from sqlalchemy import select

from escalada.adapters.db.tables import TokenRow
from escalada.services.context import Actor
from escalada.services.people import add_user, create_token

API = "/api/v1"
HANDOFF_T2 = [
    "troubleshooting_summary",
    "steps_attempted",
    "customer_impact",
    "diagnostic_data",
    "customer_expectation_set",
]
TEN_PAST_EIGHT = "2026-11-26T10:08:00+00:00"


def problem_fields(response: httpx.Response) -> set[str]:
    """The fields an `invalid_input` error document names."""
    assert response.status_code == 422, response.text
    document = response.json()
    assert document["error"] == "invalid_input", document
    return {problem["field"] for problem in document["problems"]}


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    document: dict[str, Any] = response.json()
    return document


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def case_url(case: dict[str, Any], action: str = "") -> str:
    return f"{API}/cases/{case['snapshot']['id']}" + (f"/{action}" if action else "")


def full_handoff() -> dict[str, str]:
    return {item: f"{item.replace('_', ' ')}: done" for item in HANDOFF_T2}


# --- health and schema ----------------------------------------------------------------


def test_healthz_reports_ok_and_the_policy_in_force(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["policy"]


def test_openapi_document_lists_the_v1_paths(client):
    paths = client.get("/openapi.json").json()["paths"]

    for path in ("/api/v1/accounts", "/api/v1/accounts/{account_id}", "/api/v1/evaluate",
                 "/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/timeline",
                 "/api/v1/cases/{case_id}/evaluation", "/api/v1/cases/{case_id}/escalate",
                 "/api/v1/cases/{case_id}/ack", "/api/v1/cases/{case_id}/deescalate",
                 "/api/v1/cases/{case_id}/pause", "/api/v1/cases/{case_id}/resume",
                 "/api/v1/cases/{case_id}/resolve", "/api/v1/cases/{case_id}/close"):
        assert path in paths
    assert "patch" in paths["/api/v1/cases/{case_id}"]


# --- accounts -------------------------------------------------------------------------


def test_creating_an_account_returns_it_with_201(client, account):
    assert account["id"] == "acme"
    assert account["tier"] == "enterprise"
    assert account["timezone"] == "Europe/Moscow"
    assert client.get(f"{API}/accounts/acme").json() == account
    assert [a["id"] for a in client.get(f"{API}/accounts").json()] == ["acme"]


def test_creating_an_account_twice_is_a_conflict(client, account):
    again = {key: account[key] for key in ("id", "name", "tier", "support_plan")}

    document = error_of(client.post(f"{API}/accounts", json=again), 409)

    assert document["error"] == "already_exists"
    assert "acme" in document["message"]


def test_an_unknown_account_tier_is_refused_naming_tier(client):
    body = {"id": "zeta", "name": "Zeta", "tier": "gold", "support_plan": "business"}

    response = client.post(f"{API}/accounts", json=body)

    assert problem_fields(response) == {"tier"}
    assert client.get(f"{API}/accounts/zeta").status_code == 404


def test_an_unknown_timezone_is_refused_naming_timezone(client):
    body = {"id": "zeta", "name": "Zeta", "tier": "standard", "support_plan": "business",
            "timezone": "Mars/Olympus_Mons"}

    response = client.post(f"{API}/accounts", json=body)

    assert problem_fields(response) == {"timezone"}
    assert "Mars/Olympus_Mons" in response.json()["problems"][0]["reason"]


def test_an_unknown_account_is_not_found(client):
    document = error_of(client.get(f"{API}/accounts/nobody"), 404)

    assert document["error"] == "not_found"
    assert "nobody" in document["message"]


# --- cases ----------------------------------------------------------------------------


def test_opening_a_case_returns_it_at_t1_with_a_case_number(open_case):
    case = open_case()

    assert case["snapshot"]["id"] == "CASE-1"
    assert case["snapshot"]["severity"] == "P1"
    assert case["snapshot"]["tier"] == "T1"
    assert case["snapshot"]["exec_level"] is None
    assert case["snapshot"]["status"] == "new"
    assert moment(case["snapshot"]["opened_at"]) == moment("2026-11-26T10:00:00+00:00")
    assert case["title"] == "Volumes unreachable"
    assert [entry["kind"] for entry in case["timeline"]] == ["case_opened"]
    assert open_case(severity="P3")["snapshot"]["id"] == "CASE-2"


def test_opening_a_case_without_severity_is_refused_naming_severity(client, account):
    body = {"account": account["id"], "title": "No severity"}

    response = client.post(f"{API}/cases", json=body)

    assert problem_fields(response) == {"severity"}
    assert client.get(f"{API}/cases").json() == []


def test_opening_a_case_with_a_bad_token_is_401_before_a_bad_body_is_422(client, account):
    # The route checks its token in its own call: a body FastAPI refuses first is still
    # answered as a token dependency would have answered it, and nothing is opened.
    for headers, message in (({"Authorization": ""}, "no bearer token"),
                             ({"Authorization": "Bearer esc_nobodys"}, "unknown token")):
        for body in ({"account": account["id"], "title": "No severity"},
                     {"account": account["id"], "severity": "P2", "title": "Fine"}):
            refused = client.post(f"{API}/cases", json=body, headers=headers)
            assert refused.status_code == 401, refused.text
            assert refused.json()["detail"].startswith(message)
    assert client.get(f"{API}/cases").json() == []


def test_opening_a_case_answers_in_the_tokens_owners_language_and_stamps_its_use(
        client, ctx, account):
    # The token's owner's language answers a refusal that comes after the token check, a
    # viewer is refused writing nothing, and the token's last use is stamped.
    add_user(ctx=ctx, actor=ADMIN, name="olga", role="engineer", language="ru")
    olga = create_token(ctx=ctx, actor=Actor("olga", "engineer")).token
    add_user(ctx=ctx, actor=ADMIN, name="vera", role="viewer")
    vera = create_token(ctx=ctx, actor=Actor("vera", "viewer")).token
    headers = {"Authorization": f"Bearer {olga}"}
    missing = client.post(f"{API}/cases", headers=headers,
                          json={"account": "nobody", "severity": "P2", "title": "Orphan"})
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-language"] == "ru"
    assert missing.json()["message"] == "клиент 'nobody' не найден"
    viewer = client.post(f"{API}/cases", headers={"Authorization": f"Bearer {vera}"},
                         json={"account": account["id"], "severity": "P2", "title": "No"})
    assert viewer.status_code == 403, viewer.text
    assert client.get(f"{API}/cases").json() == []

    opened = client.post(f"{API}/cases", headers=headers,
                         json={"account": account["id"], "severity": "P2", "title": "Da"})
    assert opened.status_code == 201, opened.text
    with ctx.engine.connect() as connection:
        used = connection.scalar(select(TokenRow.last_used_at)
                                 .where(TokenRow.user_name == "olga"))
    assert used is not None


def test_opening_a_case_for_an_unknown_account_is_not_found(client):
    body = {"account": "nobody", "severity": "P2", "title": "Orphan"}

    assert error_of(client.post(f"{API}/cases", json=body), 404)["error"] == "not_found"


def test_a_case_is_shown_by_its_id(client, open_case):
    opened = open_case()

    shown = client.get(case_url(opened))

    assert shown.status_code == 200
    assert shown.json()["snapshot"] == opened["snapshot"]
    assert shown.json()["version"] == opened["version"]


def test_an_unknown_case_is_not_found_and_a_malformed_id_is_invalid(client):
    assert error_of(client.get(f"{API}/cases/CASE-404"), 404)["error"] == "not_found"
    assert problem_fields(client.get(f"{API}/cases/not-a-case")) == {"case"}


def test_patching_a_case_changes_it_and_records_the_change(client, open_case):
    case = open_case()

    response = client.patch(case_url(case), json={
        "severity": "P2", "csat": 2, "reason": "customer found a workaround"})

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["snapshot"]["severity"] == "P2"
    assert changed["snapshot"]["csat"] == 2
    assert changed["version"] > case["version"]
    updated = changed["timeline"][-1]
    assert updated["kind"] == "updated"
    assert updated["reason"] == "customer found a workaround"
    assert "severity P1 -> P2" in updated["summary"]


def test_patching_csat_out_of_range_is_refused_naming_csat(client, open_case):
    case = open_case()

    response = client.patch(case_url(case), json={"csat": 9})

    assert problem_fields(response) == {"csat"}
    assert client.get(case_url(case)).json()["snapshot"]["csat"] is None


def test_patching_nothing_is_refused(client, open_case):
    case = open_case()

    assert problem_fields(client.patch(case_url(case), json={})) == {"changes"}


def test_listing_open_cases_leaves_resolved_ones_out(client, open_case):
    first, second = open_case(), open_case(title="Second")
    assert client.post(case_url(first, "resolve"), json={}).status_code == 200

    everything = client.get(f"{API}/cases").json()
    still_open = client.get(f"{API}/cases", params={"open": "true"}).json()

    assert [c["id"] for c in everything] == ["CASE-1", "CASE-2"]
    assert [c["id"] for c in still_open] == [second["snapshot"]["id"]]
    assert still_open[0]["title"] == "Second"


def test_listing_one_accounts_cases_leaves_the_others_out(client, open_case):
    open_case()
    other = {"id": "kestrel", "name": "Kestrel", "tier": "standard", "support_plan": "developer"}
    assert client.post(f"{API}/accounts", json=other).status_code == 201
    theirs = open_case(account="kestrel", severity="P3", title="Theirs")

    listed = client.get(f"{API}/cases", params={"account": "kestrel"})
    unknown = client.get(f"{API}/cases", params={"account": "nobody"})

    assert [c["id"] for c in listed.json()] == [theirs["snapshot"]["id"]]
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")


def test_the_timeline_lists_everything_that_happened_oldest_first(client, open_case, clock):
    case = open_case()
    clock.advance(minutes=3)
    client.post(case_url(case, "respond"), json={"note": "looking into it"})
    clock.advance(minutes=1)
    client.post(case_url(case, "flags"), json={"flags": ["potential_product_bug"]})

    timeline = client.get(case_url(case, "timeline")).json()

    assert [entry["kind"] for entry in timeline] == ["case_opened", "first_response", "flag_set"]
    assert [moment(entry["at"]).minute for entry in timeline] == [0, 3, 4]
    assert timeline[1]["reason"] == "looking into it"
    assert timeline[2]["data"] == {"flags": ["potential_product_bug"]}


def test_the_timeline_of_an_unknown_case_is_not_found(client):
    assert client.get(f"{API}/cases/CASE-9/timeline").status_code == 404


def test_a_case_is_evaluated_at_a_given_time(client, open_case):
    case = open_case()

    response = client.get(case_url(case, "evaluation"), params={"at": TEN_PAST_EIGHT})

    assert response.status_code == 200, response.text
    evaluation = response.json()
    assert evaluation["case"] == "CASE-1"
    assert moment(evaluation["at"]) == moment(TEN_PAST_EIGHT)
    first_response = evaluation["sla"][0]
    assert first_response["target"] == "first_response"
    assert first_response["consumed"] == pytest.approx(8 / 15, abs=0.01)
    technical = evaluation["recommendations"][0]
    assert (technical["from"], technical["to"]) == ("T1", "T2")
    assert technical["criteria"] == ["customer_requested_escalation", "sla_at_risk"]


# --- the engine over a snapshot -------------------------------------------------------


def test_the_design_example_snapshot_recommends_t2_and_l2_exactly(client):
    response = client.post(f"{API}/evaluate", json=DESIGN_SNAPSHOT,
                           params={"at": TEN_PAST_EIGHT})

    assert response.status_code == 200, response.text
    evaluation = response.json()
    assert evaluation["case"] == "CASE-1042"
    assert moment(evaluation["at"]) == moment(TEN_PAST_EIGHT)
    assert evaluation["recommendations"] == [
        {"track": "technical", "from": "T1", "to": "T2",
         "criteria": ["customer_requested_escalation", "sla_at_risk"],
         "respond_within_minutes": 15, "handoff_required": HANDOFF_T2},
        {"track": "executive", "from": None, "to": "L2",
         "criteria": ["enterprise_customer_escalation"], "respond_within_minutes": 60},
    ]
    first_response = evaluation["sla"][0]
    assert first_response["target"] == "first_response"
    assert moment(first_response["due_at"]) == moment("2026-11-26T10:15:00+00:00")
    assert first_response["consumed"] == pytest.approx(0.53, abs=0.005)
    assert first_response["breached"] is False


def test_a_snapshot_with_a_bad_field_is_refused_naming_it(client):
    snapshot = {**DESIGN_SNAPSHOT, "account": {**DESIGN_SNAPSHOT["account"], "tier": "gold"}}

    response = client.post(f"{API}/evaluate", json=snapshot, params={"at": TEN_PAST_EIGHT})

    assert problem_fields(response) == {"account.tier"}


def test_a_snapshot_with_a_naive_opening_time_is_refused_naming_opened_at(client):
    snapshot = {**DESIGN_SNAPSHOT, "opened_at": "2026-11-26T10:00:00"}

    response = client.post(f"{API}/evaluate", json=snapshot, params={"at": TEN_PAST_EIGHT})

    assert problem_fields(response) == {"opened_at"}
    assert "UTC offset" in response.json()["problems"][0]["reason"]


def test_evaluating_at_a_naive_time_is_refused_naming_at(client):
    response = client.post(f"{API}/evaluate", json=DESIGN_SNAPSHOT,
                           params={"at": "2026-11-26T10:08:00"})

    assert problem_fields(response) == {"at"}


# --- escalations ----------------------------------------------------------------------


def test_escalating_without_the_handoff_package_is_refused_with_what_is_missing(
        client, open_case):
    case = open_case()

    response = client.post(case_url(case, "escalate"), json={"to": "T2"})

    document = error_of(response, 422)
    assert document["error"] == "handoff_incomplete"
    assert document["step"] == "T1 -> T2"
    assert document["missing"] == HANDOFF_T2
    shown = client.get(case_url(case)).json()
    assert shown["snapshot"]["tier"] == "T1"
    assert shown["escalations"] == []
    assert shown["timeline"][-1]["kind"] == "escalation_refused"


def test_a_partial_handoff_package_names_only_the_missing_items(client, open_case):
    case = open_case()
    partial = {"troubleshooting_summary": "restarted the agent", "steps_attempted": "  "}

    response = client.post(case_url(case, "escalate"), json={"to": "T2", "handoff": partial})

    assert error_of(response, 422)["missing"] == HANDOFF_T2[1:]


@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_a_handoff_package_of_nulls_or_blanks_is_refused_like_an_empty_one(
        client, open_case, empty):
    case = open_case()
    nothing = dict.fromkeys(HANDOFF_T2, empty)

    response = client.post(case_url(case, "escalate"), json={"to": "T2", "handoff": nothing})

    document = error_of(response, 422)
    assert (document["error"], document["missing"]) == ("handoff_incomplete", HANDOFF_T2)
    shown = client.get(case_url(case)).json()
    assert (shown["snapshot"]["tier"], shown["escalations"]) == ("T1", [])
    assert shown["timeline"][-1]["data"]["missing_handoff"] == HANDOFF_T2


def test_a_handoff_value_that_is_not_text_is_422_naming_the_item(client, open_case):
    case = open_case()

    response = client.post(case_url(case, "escalate"), json={
        "to": "T2", "handoff": {**full_handoff(), "diagnostic_data": 42}})

    assert problem_fields(response) == {"handoff.diagnostic_data"}
    assert client.get(case_url(case)).json()["snapshot"]["tier"] == "T1"


def test_escalating_with_the_full_handoff_package_moves_the_case_up(client, open_case):
    case = open_case()

    response = client.post(case_url(case, "escalate"),
                           json={"to": "T2", "handoff": full_handoff()})

    assert response.status_code == 200, response.text
    escalated = response.json()
    assert escalated["snapshot"]["tier"] == "T2"
    step = escalated["escalations"][0]
    assert (step["step"], step["track"], step["from"], step["to"]) == (1, "technical", "T1", "T2")
    assert step["criteria"] == ["customer_requested_escalation"]
    assert step["overridden_items"] == []
    assert step["override_reason"] is None
    assert moment(step["response_due_at"]) == moment("2026-11-26T10:15:00+00:00")


def test_an_override_takes_the_step_and_records_what_was_skipped(client, open_case, bearer):
    case = open_case()

    response = client.post(case_url(case, "escalate"), json={
        "to": "T2", "override_reason": "outage in progress, package follows"},
        headers=bearer("lena", "team_lead"))

    assert response.status_code == 200, response.text
    step = response.json()["escalations"][0]
    assert step["overridden_items"] == HANDOFF_T2
    assert step["override_reason"] == "outage in progress, package follows"
    assert "overridden" in response.json()["timeline"][-1]["summary"]


def test_an_executive_step_needs_no_handoff(client, open_case):
    case = open_case()

    response = client.post(case_url(case, "escalate"), json={"to": "L2"})

    assert response.status_code == 200, response.text
    escalated = response.json()
    assert escalated["snapshot"]["exec_level"] == "L2"
    assert escalated["escalations"][0]["criteria"] == ["enterprise_customer_escalation"]
    assert escalated["escalations"][0]["respond_within_minutes"] == 60


def test_escalating_to_an_unknown_target_is_refused_naming_to(client, open_case):
    case = open_case()

    assert problem_fields(client.post(case_url(case, "escalate"), json={"to": "T9"})) == {"to"}


def test_skipping_a_tier_is_not_a_valid_transition(client, open_case):
    case = open_case()

    response = client.post(case_url(case, "escalate"),
                           json={"to": "T3", "override_reason": "skip it"})

    assert error_of(response, 409)["error"] == "invalid_transition"


def test_a_step_is_acknowledged_once(client, open_case, clock, bearer):
    case = open_case()
    client.post(case_url(case, "escalate"), json={"to": "T2", "handoff": full_handoff()})
    clock.advance(minutes=5)

    first = client.post(case_url(case, "ack"), json={"step": 1},
                        headers=bearer("t2-oncall"))
    second = client.post(case_url(case, "ack"), json={"step": 1})

    assert first.status_code == 200, first.text
    step = first.json()["escalations"][0]
    assert step["acknowledged_by"] == "t2-oncall"
    assert moment(step["acknowledged_at"]) == moment("2026-11-26T10:05:00+00:00")
    document = error_of(second, 409)
    assert document["error"] == "invalid_transition"
    assert "t2-oncall" in document["message"]


def test_acknowledging_a_step_that_does_not_exist_is_not_found(client, open_case):
    case = open_case()

    assert error_of(client.post(case_url(case, "ack"), json={"step": 4}), 404)["error"] == (
        "not_found")
    assert problem_fields(client.post(case_url(case, "ack"), json={"step": 0})) == {"step"}


def test_deescalating_steps_a_track_back_down(client, open_case, bearer):
    case = open_case()
    client.post(case_url(case, "escalate"), json={"to": "T2", "handoff": full_handoff()})
    client.post(case_url(case, "escalate"), json={"to": "L2"})

    technical = client.post(case_url(case, "deescalate"),
                            json={"track": "technical", "reason": "T1 can finish it"})
    executive = client.post(case_url(case, "deescalate"),
                            json={"track": "executive", "to": "none", "reason": "calm again"},
                            headers=bearer("maria", "support_manager"))

    assert technical.status_code == 200, technical.text
    assert technical.json()["snapshot"]["tier"] == "T1"
    assert executive.status_code == 200, executive.text
    assert executive.json()["snapshot"]["exec_level"] is None
    steps = executive.json()["escalations"]
    assert [(s["direction"], s["from"], s["to"]) for s in steps] == [
        ("up", "T1", "T2"), ("up", None, "L2"), ("down", "T2", "T1"), ("down", "L2", None)]


def test_deescalating_below_the_bottom_is_not_a_valid_transition(client, open_case):
    case = open_case()

    response = client.post(case_url(case, "deescalate"),
                           json={"track": "technical", "reason": "nothing to step down"})

    assert error_of(response, 409)["error"] == "invalid_transition"


def test_a_stale_expected_version_is_a_conflict(client, open_case):
    case = open_case()
    client.post(case_url(case, "respond"), json={})  # someone else moved the case on

    escalate = client.post(case_url(case, "escalate"), json={
        "to": "T2", "handoff": full_handoff(), "expected_version": case["version"]})
    patch = client.patch(case_url(case), json={
        "severity": "P2", "expected_version": case["version"]})

    assert error_of(escalate, 409)["error"] == "conflict"
    assert error_of(patch, 409)["error"] == "conflict"
    shown = client.get(case_url(case)).json()
    assert (shown["snapshot"]["tier"], shown["snapshot"]["severity"]) == ("T1", "P1")


def test_the_current_expected_version_is_accepted(client, open_case):
    case = open_case()

    response = client.post(case_url(case, "escalate"), json={
        "to": "T2", "handoff": full_handoff(), "expected_version": case["version"]})

    assert response.status_code == 200, response.text


# --- lifecycle ------------------------------------------------------------------------


def test_pausing_stops_the_sla_clocks_until_resumed(client, open_case, clock):
    case = open_case()
    clock.advance(minutes=2)

    paused = client.post(case_url(case, "pause"), json={"reason": "waiting for logs"})
    clock.advance(minutes=30)
    paused_twice = client.post(case_url(case, "pause"), json={})
    resumed = client.post(case_url(case, "resume"), json={})

    assert paused.status_code == 200, paused.text
    assert paused.json()["snapshot"]["status"] == "waiting_on_customer"
    assert error_of(paused_twice, 409)["error"] == "invalid_transition"
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["snapshot"]["status"] == "investigating"
    first_response = resumed.json()["evaluation"]["sla"][0]
    assert first_response["target"] == "first_response"
    assert moment(first_response["due_at"]) == moment("2026-11-26T10:45:00+00:00")


def test_resuming_a_case_that_is_not_paused_is_not_a_valid_transition(client, open_case):
    case = open_case()

    assert error_of(client.post(case_url(case, "resume"), json={}), 409)["error"] == (
        "invalid_transition")


def test_a_case_is_resolved_then_closed_and_then_cannot_be_escalated(client, open_case):
    case = open_case()

    resolved = client.post(case_url(case, "resolve"), json={"reason": "patched"})
    closed = client.post(case_url(case, "close"), json={})
    escalate = client.post(case_url(case, "escalate"),
                           json={"to": "T2", "handoff": full_handoff()})

    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["snapshot"]["status"] == "resolved"
    assert closed.status_code == 200, closed.text
    assert closed.json()["snapshot"]["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    document = error_of(escalate, 409)
    assert document["error"] == "invalid_transition"
    assert "closed" in document["message"]


def test_a_resolved_case_is_reopened_with_a_reason_and_a_closed_one_is_not(client, open_case):
    case, closed = open_case(), open_case()
    for resolved in (case, closed):
        client.post(case_url(resolved, "resolve"), json={"reason": "patched"})
    client.post(case_url(closed, "close"), json={})

    unexplained = client.post(case_url(case, "reopen"), json={})
    reopened = client.post(case_url(case, "reopen"), json={"reason": "the 502s are back"})
    refused = client.post(case_url(closed, "reopen"), json={"reason": "again"})

    assert unexplained.status_code == 422 and "reason" in unexplained.text
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["snapshot"]["status"] == "investigating"
    assert error_of(refused, 409)["error"] == "invalid_transition"
    timeline = client.get(case_url(case, "timeline")).json()
    assert [e["kind"] for e in timeline][-2:] == ["resolved", "reopened"]


def test_closing_an_unresolved_case_is_not_a_valid_transition(client, open_case):
    case = open_case()

    assert error_of(client.post(case_url(case, "close"), json={}), 409)["error"] == (
        "invalid_transition")


def test_a_closed_case_cannot_be_patched(client, open_case):
    case = open_case()
    client.post(case_url(case, "resolve"), json={})

    response = client.patch(case_url(case), json={"severity": "P2"})

    assert error_of(response, 409)["error"] == "invalid_transition"


# --- who acts -------------------------------------------------------------------------


def test_the_token_s_user_is_who_acted_on_the_timeline(client, account, bearer):
    body = {"account": account["id"], "severity": "P2", "title": "Slow API"}
    opened = client.post(f"{API}/cases", json=body, headers=bearer("dana"))
    url = case_url(opened.json())
    client.post(f"{url}/respond", json={})
    client.post(f"{url}/flags", json={"flags": ["beyond_tier_knowledge"]},
                headers={"X-Escalada-Actor": "mallory"})  # naming oneself counts for nothing

    timeline = client.get(f"{url}/timeline").json()

    assert [(e["kind"], e["actor"]) for e in timeline] == [
        ("case_opened", "dana"), ("first_response", "admin"), ("flag_set", "admin")]


def test_the_actor_of_a_step_is_who_requested_it(client, open_case, bearer):
    case = open_case()

    response = client.post(case_url(case, "escalate"), json={"to": "L2"},
                           headers=bearer("olga"))

    assert response.json()["escalations"][0]["requested_by"] == "olga"
    assert response.json()["timeline"][-1]["actor"] == "olga"



# --- inputs the schemathesis run (tests/e2e/test_api_schema.py) once turned into 500s ---


@pytest.fixture
def lenient(client):
    """The same app, answering 500 instead of raising, as a real server would."""
    with TestClient(client.app, raise_server_exceptions=False,
                    headers=client.headers) as test_client:
        yield test_client


def test_a_snapshot_with_an_unknown_timezone_is_refused_naming_it(lenient):
    snapshot = {**DESIGN_SNAPSHOT, "severity": "P3", "account": {
        **DESIGN_SNAPSHOT["account"], "support_plan": "business", "timezone": "Mars/Base"}}

    response = lenient.post(f"{API}/evaluate", json=snapshot, params={"at": TEN_PAST_EIGHT})

    assert problem_fields(response) == {"account.timezone"}


def test_a_case_number_beyond_any_stored_one_is_not_found(lenient):
    for case_id in ("CASE-2147483648", "CASE-9223372036854775808"):
        assert lenient.get(f"{API}/cases/{case_id}").status_code == 404, case_id


def test_text_with_a_nul_character_is_refused_not_a_server_error(lenient):
    body = {"id": "nul\u0000id", "name": "Nul", "tier": "standard", "support_plan": "business"}

    refused = lenient.post(f"{API}/accounts", json=body)
    assert (refused.status_code, problem_fields(refused)) == (422, {"id"})
    assert lenient.get(f"{API}/accounts/nul%00id").status_code == 404
    named = lenient.post(f"{API}/accounts", json={**body, "id": "nul", "name": "N\u0000"})
    assert (named.status_code, problem_fields(named)) == (422, {"name"})


def test_evaluating_a_snapshot_decades_after_it_opened_is_refused_naming_at(client):
    snapshot = {**DESIGN_SNAPSHOT, "severity": "P4", "account": {
        **DESIGN_SNAPSHOT["account"], "support_plan": "business"}}

    response = client.post(f"{API}/evaluate", json=snapshot,
                           params={"at": "9999-12-31T00:00:00+00:00"})

    assert (response.status_code, problem_fields(response)) == (422, {"at"})


def test_a_refused_request_is_logged_with_its_error_code(client):
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        client.get(f"{API}/cases/CASE-404")

    assert {"event": "request_refused", "method": "GET", "path": f"{API}/cases/CASE-404",
            "status": 404, "error": "not_found", "message": "no case CASE-404",
            "log_level": "info"} in logs
