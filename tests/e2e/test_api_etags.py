"""A case's ETag and `If-Match` on its writes: a write naming an ETag the case no longer
has is refused with 412 and writes nothing; without If-Match a write goes through as
before (no 428), and a body's `expected_version` still answers 409."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

API = "/api/v1"


def _url(case: dict[str, Any], action: str = "") -> str:
    return f"{API}/cases/{case['snapshot']['id']}" + (f"/{action}" if action else "")


def _refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 412, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    assert document["type"] == "/problems/precondition-failed"
    return document


def test_a_case_is_shown_with_an_etag_naming_its_version(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    shown = client.get(_url(case))
    assert shown.headers["etag"] == f'"CASE-1.v{shown.json()["version"]}"'


def test_a_write_with_the_current_etag_goes_through_and_answers_the_next_one(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    tag = client.get(_url(case)).headers["etag"]
    flagged = client.post(_url(case, "flags"), json={"flags": ["potential_product_bug"]},
                          headers={"If-Match": tag})
    assert flagged.status_code == 200, flagged.text
    assert flagged.headers["etag"] == f'"CASE-1.v{flagged.json()["version"]}"' != tag
    assert client.get(_url(case)).headers["etag"] == flagged.headers["etag"]


def test_a_write_with_a_stale_etag_is_412_and_writes_nothing(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    stale = client.get(_url(case)).headers["etag"]
    client.patch(_url(case), json={"csat": 4})
    before = client.get(_url(case)).json()

    document = _refused(client.post(_url(case, "escalate"), json={"to": "L2"},
                                    headers={"If-Match": stale}))
    assert "CASE-1 is at version" in document["detail"]
    after = client.get(_url(case)).json()
    assert (after["version"], after["snapshot"]["exec_level"]) == (before["version"], None)
    assert len(after["timeline"]) == len(before["timeline"])


def test_a_stale_etag_on_a_reminder_is_412_and_sets_no_reminder(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    stale = client.get(_url(case)).headers["etag"]
    client.patch(_url(case), json={"csat": 4})
    _refused(client.post(_url(case, "reminders"), headers={"If-Match": stale},
                         json={"at": "2030-01-01T00:00:00+00:00", "note": "call"}))
    kinds = [timer["kind"] for timer in client.get(f"{API}/timers?case=CASE-1").json()]
    assert "reminder" not in kinds


def test_an_etag_that_cannot_match_is_412_weak_or_of_another_case(
    client: TestClient, open_case: Any,
) -> None:
    first, second = open_case(), open_case()
    version = client.get(_url(first)).json()["version"]
    for tag in (f'W/"CASE-1.v{version}"', f'"CASE-2.v{version}"', '"anything"'):
        document = _refused(client.post(_url(first, "pause"), json={},
                                        headers={"If-Match": tag}))
        assert document["detail"].startswith("If-Match names no current ETag of CASE-1")
    assert client.get(_url(second)).json()["snapshot"]["status"] != "waiting_on_customer"


def test_if_match_star_or_none_writes_as_before(client: TestClient, open_case: Any) -> None:
    case = open_case()
    assert client.patch(_url(case), json={"csat": 3}, headers={"If-Match": "*"}).status_code \
        == 200
    assert client.patch(_url(case), json={"csat": 2}).status_code == 200


def test_a_malformed_if_match_is_422_naming_it(client: TestClient, open_case: Any) -> None:
    case = open_case()
    response = client.patch(_url(case), json={"csat": 3}, headers={"If-Match": "CASE-1.v1"})
    assert response.status_code == 422, response.text
    assert response.json()["problems"] == [
        {"field": "If-Match", "reason": 'must be "*" or ETags such as "CASE-1.v3"'}]


def test_a_stale_expected_version_in_the_body_is_still_a_409_conflict(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    response = client.patch(_url(case), json={"csat": 3, "expected_version": 99})
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/conflict"


def test_if_match_and_expected_version_that_disagree_are_412(
    client: TestClient, open_case: Any,
) -> None:
    case = open_case()
    shown = client.get(_url(case))
    document = _refused(client.patch(
        _url(case), json={"csat": 3, "expected_version": shown.json()["version"] + 1},
        headers={"If-Match": shown.headers["etag"]}))
    assert "at most one of them is current" in document["detail"]


def test_the_openapi_document_names_if_match_etag_and_412_on_case_writes(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    shown = paths["/api/v1/cases/{case_id}"]["get"]["responses"]["200"]
    assert "ETag" in shown["headers"]
    for path, method in (("/api/v1/cases/{case_id}", "patch"),
                         ("/api/v1/cases/{case_id}/escalate", "post"),
                         ("/api/v1/cases/{case_id}/resolve", "post"),
                         ("/api/v1/cases/{case_id}/reminders", "post")):
        operation = paths[path][method]
        assert "If-Match" in [p["name"] for p in operation["parameters"]], path
        assert list(operation["responses"]["412"]["content"]) == ["application/problem+json"]
