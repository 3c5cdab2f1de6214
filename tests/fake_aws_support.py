"""A fake AWS Support API on loopback (the JSON 1.1 protocol boto3 speaks), so that the
real boto3 client, pointed at it by AWS_ENDPOINT_URL_SUPPORT, opens, reads, answers and
resolves cases end to end. `reply(case_id, body)` is AWS support answering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from loopback import AwsJsonHandler, LoopbackFake

AWS = "Amazon Web Services"


class FakeAwsSupport(LoopbackFake):
    def __init__(self) -> None:
        super().__init__(AwsJsonHandler)
        self.cases: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def reply(self, case_id: str, body: str, status: str = "pending-customer-action") -> None:
        with self._lock:
            case = self.cases[case_id]
            case["communications"].append(_communication(case_id, body, AWS))
            case["status"] = status

    def handle(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((operation, body))
            if operation == "CreateCase":
                number = len(self.cases) + 1
                case_id = f"case-123456789012-muen-2026-{number:016x}"
                self.cases[case_id] = {
                    "caseId": case_id, "displayId": f"17{number:08d}",
                    "subject": body["subject"], "status": "opened",
                    "severityCode": body.get("severityCode", "low"),
                    "serviceCode": body.get("serviceCode", "general-info"),
                    "categoryCode": body.get("categoryCode", "other"),
                    "submittedBy": "escalation@example.com", "timeCreated": _now(),
                    "language": body.get("language", "en"),
                    "communications": [_communication(case_id, body["communicationBody"],
                                                      "escalation@example.com")],
                }
                return 200, {"caseId": case_id}
            case = self.cases.get(body.get("caseId", "")) if "caseId" in body else None
            if operation == "DescribeCases":
                wanted = body.get("caseIdList") or list(self.cases)
                missing = [c for c in wanted if c not in self.cases]
                if missing:
                    return 400, {"__type": "CaseIdNotFound",
                                 "message": f"Case {missing[0]} not found"}
                return 200, {"cases": [
                    {k: v for k, v in self.cases[c].items() if k != "communications"}
                    for c in wanted]}
            if case is None:
                return 400, {"__type": "CaseIdNotFound", "message": "Case not found"}
            if operation == "DescribeCommunications":
                return 200, {"communications": list(reversed(case["communications"]))}
            if operation == "AddCommunicationToCase":
                case["communications"].append(_communication(
                    case["caseId"], body["communicationBody"], "escalation@example.com"))
                return 200, {"result": True}
            if operation == "ResolveCase":
                before, case["status"] = case["status"], "resolved"
                return 200, {"initialCaseStatus": before, "finalCaseStatus": "resolved"}
            return 400, {"__type": "InvalidParameterValueException", "message": operation}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _communication(case_id: str, body: str, by: str) -> dict[str, Any]:
    return {"caseId": case_id, "body": body, "submittedBy": by, "timeCreated": _now()}


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAwsSupport]:
    """The fake, with boto3 pointed at it and dummy credentials."""
    fake = FakeAwsSupport().start()
    for name, value in {"AWS_ENDPOINT_URL_SUPPORT": fake.url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    yield fake
    fake.stop()
