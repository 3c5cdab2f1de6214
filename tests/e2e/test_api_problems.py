"""Every error of the API is one RFC 9457 problem document (`application/problem+json`):
domain refusals, invalid requests, unknown routes and methods, failed authentication and
unexpected failures alike, and the OpenAPI document says so for every operation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from escalada.entrypoints.api import create_app
from escalada.entrypoints.errors import PROBLEM_KINDS
from escalada.services import cases
from escalada.services.context import Context

API = "/api/v1"
MEMBERS = {"type", "title", "status", "detail", "instance", "error", "message"}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem document of a response, checked for the members every one has."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    assert document.keys() >= MEMBERS, document
    assert document["status"] == status
    assert document["detail"] == document["message"]
    return document


def test_an_incomplete_handoff_is_a_problem_of_its_own_type_naming_what_is_missing(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    url = f"{API}/cases/{case['snapshot']['id']}/escalate"
    document = problem(client.post(url, json={"to": "T2"}), 422)
    assert document["type"] == "/problems/handoff-incomplete"
    assert (document["title"], document["instance"]) == ("Handoff package incomplete", url)
    assert (document["error"], document["step"]) == ("handoff_incomplete", "T1 -> T2")
    assert "troubleshooting_summary" in document["missing"]


def test_an_invalid_body_is_a_problem_listing_each_field_and_why(client: TestClient) -> None:
    document = problem(client.post(f"{API}/accounts", json={"id": "x", "tier": "gold"}), 422)
    assert (document["type"], document["error"]) == ("/problems/invalid-input", "invalid_input")
    assert {p["field"] for p in document["problems"]} >= {"name", "support_plan"}


def test_an_unknown_record_and_an_unknown_route_are_both_not_found_problems(
    client: TestClient,
) -> None:
    record = problem(client.get(f"{API}/cases/CASE-99999"), 404)
    route = problem(client.get(f"{API}/no-such-thing"), 404)
    assert record["type"] == route["type"] == "/problems/not-found"
    assert route["detail"] == f"no route {API}/no-such-thing"
    russian = client.get(f"{API}/no-such-thing", headers={"Accept-Language": "ru"})
    assert problem(russian, 404)["detail"] == f"нет такого адреса: {API}/no-such-thing"
    assert russian.headers["content-language"] == "ru"


def test_a_method_a_route_does_not_take_is_405_saying_which_it_takes(
    client: TestClient,
) -> None:
    response = client.delete(f"{API}/accounts")
    document = problem(response, 405)
    assert document["type"] == "/problems/method-not-allowed"
    assert "GET" in response.headers["allow"]
    assert document["detail"] == f"DELETE is not allowed on {API}/accounts"
    russian = client.delete(f"{API}/accounts", headers={"Accept-Language": "ru"})
    assert problem(russian, 405)["detail"] == f"метод DELETE не разрешён для {API}/accounts"


def test_no_token_is_401_with_a_bearer_challenge_and_a_viewer_writing_is_403(
    client: TestClient, bearer: Any,
) -> None:
    response = client.get(f"{API}/accounts", headers={"Authorization": ""})
    assert problem(response, 401)["type"] == "/problems/unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    refused = client.post(f"{API}/users", headers=bearer("vera", "viewer"),
                          json={"name": "x", "role": "viewer"})
    assert problem(refused, 403)["type"] == "/problems/not-permitted"


def test_an_account_added_twice_is_an_already_exists_problem(
    client: TestClient, account: dict[str, Any],
) -> None:
    response = client.post(f"{API}/accounts", json={
        "id": account["id"], "name": "Again", "tier": "standard", "support_plan": "business"})
    assert problem(response, 409)["type"] == "/problems/already-exists"


def test_an_unexpected_failure_is_a_500_problem_and_is_logged(
    ctx: Context, bearer: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(cases, "show_case", broken)
    with TestClient(create_app(ctx), raise_server_exceptions=False,
                    headers=bearer("admin", "admin")) as client, capture_logs() as logs:
        document = problem(client.get(f"{API}/cases/CASE-1"), 500)
    assert document["type"] == "/problems/internal-error"
    assert "disk" not in document["detail"]  # the cause is logged, not told to the caller
    failed = [entry for entry in logs if entry["event"] == "request_failed"]
    assert failed and failed[0]["path"] == f"{API}/cases/CASE-1"


def test_every_problem_type_is_a_page_saying_what_it_means(client: TestClient) -> None:
    for kind in PROBLEM_KINDS:
        response = client.get(kind.type)
        assert response.status_code == 200, kind
        assert response.text.startswith(f"{kind.title} ({kind.status})")
    assert problem(client.get("/problems/on-fire"), 404)["type"] == "/problems/not-found"


def test_the_openapi_document_declares_problem_documents_for_every_operations_errors(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert {"type", "title", "status", "detail", "instance"} <= set(
        document["components"]["schemas"]["Problem"]["required"])
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert ("422" in responses and "default" in responses) or path == "/healthz", path
            for status, response in responses.items():
                if (status.startswith(("4", "5")) and path != "/healthz") or status == "default":
                    assert list(response["content"]) == ["application/problem+json"], (
                        method, path, status)
