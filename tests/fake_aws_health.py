"""A fake AWS Health API on loopback (the JSON 1.1 protocol boto3 speaks to it), so
that the real boto3 `health` client, pointed at it by AWS_ENDPOINT_URL_HEALTH, lists
events and their details end to end. `open_issue(...)` is AWS posting an issue on the
Health Dashboard; `fail_with(status, code)` makes every call answer that error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from loopback import AwsJsonHandler, LoopbackFake


class FakeAwsHealth(LoopbackFake):
    def __init__(self) -> None:
        super().__init__(AwsJsonHandler)
        self.events: dict[str, dict[str, Any]] = {}
        self.descriptions: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failure: tuple[int, str, str] | None = None
        self.page_size = 2  # small, so that the paginator is exercised

    def open_issue(self, service: str, region: str, type_code: str, started_at: datetime,
                   description: str = "") -> str:
        arn = (f"arn:aws:health:{region}::event/{service}/{type_code}/"
               f"{type_code}_{len(self.events) + 1:04d}")
        with self._lock:
            self.events[arn] = {
                "arn": arn, "service": service, "eventTypeCode": type_code,
                "eventTypeCategory": "issue", "region": region,
                "startTime": started_at.timestamp(), "lastUpdatedTime": started_at.timestamp(),
                "statusCode": "open", "eventScopeCode": "PUBLIC"}
            self.descriptions[arn] = description
        return arn

    def close_issue(self, arn: str, ended_at: datetime) -> None:
        with self._lock:
            self.events[arn].update(statusCode="closed", endTime=ended_at.timestamp())

    def fail_with(self, status: int, code: str, message: str = "refused") -> None:
        self.failure = (status, code, message)

    def handle(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((operation, body))
            if self.failure is not None:
                status, code, message = self.failure
                return status, {"__type": code, "message": message}
            if operation == "DescribeEvents":
                return 200, self._events(body)
            if operation == "DescribeEventDetails":
                return 200, {"successfulSet": [
                    {"event": self.events[arn],
                     "eventDescription": {"latestDescription": self.descriptions[arn]}}
                    for arn in body["eventArns"] if arn in self.events], "failedSet": []}
            return 400, {"__type": "ValidationException", "message": operation}

    def _events(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("filter") or {}
        found = [event for event in self.events.values()
                 if all(event[key] in wanted[name] for name, key in (
                     ("eventStatusCodes", "statusCode"), ("services", "service"),
                     ("regions", "region"), ("eventTypeCategories", "eventTypeCategory"))
                        if name in wanted)]
        start = int(str(body.get("nextToken") or "page0").removeprefix("page"))
        answer: dict[str, Any] = {"events": found[start:start + self.page_size]}
        if start + self.page_size < len(found):
            answer["nextToken"] = f"page{start + self.page_size}"
        return answer


@pytest.fixture
def fake_aws_health(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAwsHealth]:
    """The fake, with boto3 pointed at it, dummy credentials, and AWS watched."""
    fake = FakeAwsHealth().start()
    for name, value in {"AWS_ENDPOINT_URL_HEALTH": fake.url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1", "ESCALADA_VENDOR_HEALTH": "aws",
                        "ESCALADA_VENDOR_MAX_ATTEMPTS": "2"}.items():
        monkeypatch.setenv(name, value)
    yield fake
    fake.stop()
