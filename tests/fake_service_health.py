"""Fake Azure Service Health (ARM's Microsoft.ResourceHealth/events) and Google Cloud
Service Health (its REST API, v1) on loopback, so that the real azure-mgmt-resourcehealth
and google-cloud-servicehealth clients list events end to end. `open_issue(...)` is the
vendor posting an incident; `fail_with(status, ...)` makes every call answer that
error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import JsonHandler, LoopbackFake

SUBSCRIPTION = "8f2c8d3e-2a47-4a39-9d62-3f4a1b6e7c10"
PROJECT = "projects/acme-prod"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _FakeFeed(LoopbackFake):
    """What both fakes share: a loopback HTTP server answering GETs from `answer`."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.incidents: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failure: tuple[int, dict[str, Any]] | None = None
        self.page_size = 1  # small, so that paging is exercised

    def serve(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append((path, query))
            if self.failure is not None:
                return self.failure
            return self.answer(path, query)

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def page(self, query: dict[str, str], key: str) -> tuple[list[dict[str, Any]], int | None]:
        start = int(query.get(key) or 0)
        end = start + self.page_size
        return self.incidents[start:end], end if end < len(self.incidents) else None


class FakeAzureHealth(_FakeFeed):
    def open_issue(self, title: str, service: str, regions: list[str], started_at: datetime,
                   summary: str = "", *, resolved_regions: tuple[str, ...] = ()) -> str:
        tracking = f"TRK-{len(self.incidents) + 1:03d}"
        with self._lock:
            self.incidents.append({
                "id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.ResourceHealth/"
                      f"events/{tracking}",
                "name": tracking, "type": "Microsoft.ResourceHealth/events",
                "properties": {
                    "eventType": "ServiceIssue", "status": "Active", "title": title,
                    "summary": summary, "impactStartTime": _iso(started_at),
                    "lastUpdateTime": _iso(started_at),
                    "impact": [{"impactedService": service, "impactedRegions": [
                        {"impactedRegion": region,
                         "status": "Resolved" if region in resolved_regions else "Active"}
                        for region in regions]}]}})
        return tracking

    def fail_with(self, status: int, code: str, message: str = "refused") -> None:
        self.failure = (status, {"error": {"code": code, "message": message}})

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path != f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.ResourceHealth/events":
            return 404, {"error": {"code": "NotFound", "message": path}}
        found, following = self.page(query, "skiptoken")
        answer: dict[str, Any] = {"value": found}
        if following is not None:
            answer["nextLink"] = f"{self.url}{path}?api-version=2025-05-01&skiptoken={following}"
        return 200, answer


class FakeGoogleHealth(_FakeFeed):
    def open_issue(self, title: str, product: str, locations: list[str],
                   started_at: datetime, description: str = "") -> str:
        name = f"{PROJECT}/locations/global/events/incident-{len(self.incidents) + 1}"
        with self._lock:
            self.incidents.append({
                "name": name, "title": title, "description": description,
                "category": "INCIDENT", "state": "ACTIVE",
                "eventImpacts": [{"product": {"productName": product, "id": product.lower()},
                                  "location": {"locationName": where}} for where in locations],
                "startTime": _iso(started_at), "updateTime": _iso(started_at)})
        return name

    def fail_with(self, status: int, grpc_status: str, message: str = "refused") -> None:
        self.failure = (status, {"error": {"code": status, "message": message,
                                           "status": grpc_status}})

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path != f"/v1/{PROJECT}/locations/global/events":
            return 404, {"error": {"code": 404, "message": path, "status": "NOT_FOUND"}}
        found, following = self.page(query, "pageToken")
        answer: dict[str, Any] = {"events": found}
        if following is not None:
            answer["nextPageToken"] = str(following)
        return 200, answer


class _Handler(JsonHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(split.query).items()}
        self.send_json(*self.fake.serve(split.path, query))


def azure_feed(fake: FakeAzureHealth, **kwargs: Any) -> Any:
    """The real ResourceHealthMgmtClient against `fake`, retrying without delay."""
    from fake_arm import FixedToken, bearer_policy

    from escalada.adapters.vendors.azure_health import AzureHealth, make_client

    kwargs.setdefault("max_attempts", 2)
    return AzureHealth(lambda: make_client(SUBSCRIPTION, base_url=fake.url,
                                           credential=FixedToken(),
                                           authentication_policy=bearer_policy(),
                                           retry_backoff_factor=0, **kwargs), SUBSCRIPTION)


def _fixed_credentials() -> Any:
    """Credentials with one fake token, refreshed (as after a 401) without a network call."""
    from google.auth.credentials import Credentials

    class Fixed(Credentials):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.token = "fake-token"

        def refresh(self, request: Any) -> None:
            self.token = "fake-token"

    return Fixed()


def google_feed(fake: FakeGoogleHealth, max_attempts: int = 2) -> Any:
    """The real ServiceHealthClient over REST against `fake`, retrying without delay."""

    from escalada.adapters.vendors.gcp import Backoff
    from escalada.adapters.vendors.gcp_health import GoogleHealth

    return GoogleHealth(PROJECT, endpoint=fake.url, transport="rest",
                        credentials=_fixed_credentials(),
                        backoff=Backoff(max_attempts=max_attempts, initial=0.01, maximum=0.01,
                                        timeout=10))


@pytest.fixture
def fake_azure_health() -> Iterator[FakeAzureHealth]:
    fake = FakeAzureHealth().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_google_health() -> Iterator[FakeGoogleHealth]:
    fake = FakeGoogleHealth().start()
    yield fake
    fake.stop()
