"""A fake Azure Resource Manager for Microsoft.Support, on loopback, for offline tests.

`FakeArm` is a stdlib `ThreadingHTTPServer` on 127.0.0.1 that keeps support tickets and
their communications in memory and answers like ARM (api-version 2024-04-01):

- PUT/GET/PATCH `/subscriptions/{sub}/providers/Microsoft.Support/supportTickets/{name}`
  and GET `.../supportTickets` (`$filter=status eq 'Open'`, `$top`);
- PUT/GET `.../supportTickets/{name}/communications/{comm}` and GET `.../communications`
  (paged: `page_size` items a page, with `nextLink`);
- a PUT fills what the server fills (`status` "Open", `supportTicketId`, `createdDate`,
  `serviceLevelAgreement`, ...; a communication gets `communicationType` "web",
  `communicationDirection` "inbound", i.e. from the customer, as real ARM answers);
  a second PUT of the same name answers the stored resource (or 409 with
  `conflict_on_duplicate`); `lro=True` answers PUTs 202 with an `Azure-AsyncOperation`
  to poll, as ARM does, instead of 200 with the body;
- unknown names are 404 `{"error": {"code": "ResourceNotFound", ...}}`; a request
  without `Authorization: Bearer` is 401, a missing api-version 400;
- every request is recorded (`requests`: method, path, query, api-version, JSON body,
  headers); `fail_next(n, status)` answers the next n requests with an ARM error (e.g.
  503, or 429 with `Retry-After: 0`); `refuse_severity_change` answers PATCHes of the
  severity 400, as ARM does while an engineer works the ticket;
- `add_vendor_message(ticket, body)` posts what Microsoft would (`outbound`), and
  `set_status(ticket, "Waiting for customer")` moves a ticket as Microsoft would.

`support_client(fake)` builds the real SDK client (`MicrosoftSupport`) against it, with
a fixed bearer token (the SDK's bearer policy refuses plain http) and no LRO delay.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

HOST = "127.0.0.1"
API_VERSION = "2024-04-01"
SUBSCRIPTION = "00000000-0000-4000-8000-000000000042"
TOKEN = "fake-arm-token"
_BASE = "/subscriptions/{sub}/providers/Microsoft.Support"
_REQUIRED = ("title", "description", "serviceId", "problemClassificationId", "severity",
             "advancedDiagnosticConsent", "contactDetails")
_REQUIRED_CONTACT = ("firstName", "lastName", "preferredContactMethod", "primaryEmailAddress",
                     "preferredTimeZone", "country", "preferredSupportLanguage")
_SLA_MINUTES = {"minimal": 480, "moderate": 240, "critical": 60, "highestcriticalimpact": 15}


@dataclass(frozen=True)
class ArmRequest:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any  # the parsed JSON, or None
    headers: dict[str, str]  # lower-case names

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")


@dataclass
class _Failure:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeArm:
    """In-memory Microsoft.Support on loopback; use as a context manager or `arm` fixture."""

    def __init__(self, *, subscription_id: str = SUBSCRIPTION) -> None:
        self.subscription_id = subscription_id
        self.lro = False
        self.conflict_on_duplicate = False
        self.refuse_severity_change = False
        self.page_size = 100
        self.requests: list[ArmRequest] = []
        self.tickets: dict[str, dict[str, Any]] = {}
        self.communications: dict[str, dict[str, dict[str, Any]]] = {}
        self._failures: list[_Failure] = []
        self._operations: set[str] = set()
        self._lock = threading.Lock()
        self._clock = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
        self._ticket_numbers = iter(range(2611260010000001, 2611260019999999))
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    # lifecycle

    def start(self) -> FakeArm:
        server = ThreadingHTTPServer((HOST, 0), _handler_for(self))
        server.daemon_threads = True
        self._server, self.port = server, int(server.server_address[1])
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                         name="fake-arm", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeArm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # steering

    def fail_next(self, count: int, status: int, *, code: str | None = None,
                  message: str | None = None, headers: Mapping[str, str] | None = None,
                  body: Any = None) -> None:
        """Answer the next `count` requests with `status` and an ARM error body (or `body`)."""
        if body is None:
            body = _error(code or f"Http{status}", message or f"fake failure {status}")
        with self._lock:
            self._failures.extend(_Failure(status, body, dict(headers or {})) for _ in range(count))

    def add_vendor_message(self, ticket: str, body: str, *, subject: str = "RE: your ticket",
                           sender: str = "engineer@support.microsoft.test") -> str:
        """Post a communication as Microsoft's engineer would (direction outbound)."""
        with self._lock:
            name = f"vendor-{len(self.communications.get(ticket, {})) + 1}"
            self._store_communication(ticket, name, {"subject": subject, "body": body,
                                                     "sender": sender}, "outbound")
        return name

    def set_status(self, ticket: str, status: str) -> None:
        with self._lock:
            self.tickets[ticket]["properties"]["status"] = status

    def requests_to(self, method: str, fragment: str = "") -> list[ArmRequest]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    # the ARM side

    def answer(self, request: ArmRequest) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(request)
            if self._failures:
                failure = self._failures.pop(0)
                return failure.status, failure.body, failure.headers
            if not request.headers.get("authorization", "").startswith("Bearer "):
                return 401, _error("AuthenticationFailed", "no bearer token"), {}
            if not request.api_version:
                return 400, _error("MissingApiVersionParameter", "api-version is required"), {}
            return self._route(request)

    def _route(self, request: ArmRequest) -> tuple[int, Any, dict[str, str]]:
        base = _BASE.format(sub=self.subscription_id)
        if not request.path.startswith(base + "/"):
            return 404, _error("SubscriptionNotFound", "unknown subscription"), {}
        parts = request.path[len(base) + 1:].split("/")
        method = request.method
        if parts[0] == "operationsStatus" and len(parts) == 2 and method == "GET":
            if parts[1] not in self._operations:
                return 404, _error("ResourceNotFound", "no such operation"), {}
            return 200, {"id": request.path, "status": "Succeeded"}, {}
        if parts[0] != "supportTickets":
            return 404, _error("InvalidResourceType", f"unknown resource {parts[0]}"), {}
        if len(parts) == 1 and method == "GET":
            return 200, self._ticket_list(request.query), {}
        if len(parts) == 2 and method in ("PUT", "GET", "PATCH"):
            return getattr(self, f"_{method.lower()}_ticket")(request, parts[1])
        if len(parts) >= 3 and parts[2] == "communications":
            if parts[1] not in self.tickets:
                return 404, _not_found("support ticket", parts[1]), {}
            if len(parts) == 3 and method == "GET":
                return 200, self._communication_list(request, parts[1]), {}
            if len(parts) == 4 and method in ("PUT", "GET"):
                return getattr(self, f"_{method.lower()}_communication")(request, *parts[1:4:2])
        return 405, _error("MethodNotAllowed", f"{method} {request.path}"), {}

    def _put_ticket(self, request: ArmRequest, name: str) -> tuple[int, Any, dict[str, str]]:
        if name in self.tickets:
            if self.conflict_on_duplicate:
                return 409, _error("Conflict", f"support ticket {name} exists"), {}
            return 200, self.tickets[name], {}
        properties = dict((request.body or {}).get("properties") or {})
        missing = [key for key in _REQUIRED if not properties.get(key)]
        contact = properties.get("contactDetails") or {}
        missing += [f"contactDetails.{key}" for key in _REQUIRED_CONTACT if not contact.get(key)]
        if missing:
            return 400, _error("InvalidData", f"missing {', '.join(missing)}"), {}
        created = self._now()
        severity = str(properties["severity"]).lower()
        properties.update(
            supportTicketId=str(next(self._ticket_numbers)), status="Open",
            createdDate=_iso(created), modifiedDate=_iso(created), supportPlanType="Premier",
            serviceDisplayName="Virtual Machine running Linux",
            serviceLevelAgreement={"startTime": _iso(created), "slaMinutes": _SLA_MINUTES.get(
                severity, 480), "expirationTime": _iso(created + timedelta(
                    minutes=_SLA_MINUTES.get(severity, 480)))},
            supportEngineer={"emailAddress": None},
        )
        self.tickets[name] = {"id": request.path, "name": name,
                              "type": "Microsoft.Support/supportTickets",
                              "properties": properties}
        self.communications[name] = {}
        return self._created(request, self.tickets[name])

    def _get_ticket(self, request: ArmRequest, name: str) -> tuple[int, Any, dict[str, str]]:
        if name not in self.tickets:
            return 404, _not_found("support ticket", name), {}
        return 200, self.tickets[name], {}

    def _patch_ticket(self, request: ArmRequest, name: str) -> tuple[int, Any, dict[str, str]]:
        if name not in self.tickets:
            return 404, _not_found("support ticket", name), {}
        change = request.body or {}
        properties = self.tickets[name]["properties"]
        if "severity" in change:
            if self.refuse_severity_change:
                return 400, _error("SeverityUpdateNotAllowed", "The severity cannot be changed "
                                   "while a support engineer works on the ticket."), {}
            properties["severity"] = str(change["severity"]).lower()
        if "status" in change:
            properties["status"] = str(change["status"]).capitalize()
        if "contactDetails" in change:
            properties["contactDetails"] = {**properties["contactDetails"],
                                            **change["contactDetails"]}
        if "advancedDiagnosticConsent" in change:
            properties["advancedDiagnosticConsent"] = change["advancedDiagnosticConsent"]
        properties["modifiedDate"] = _iso(self._now())
        return 200, self.tickets[name], {}

    def _ticket_list(self, query: Mapping[str, str]) -> dict[str, Any]:
        tickets = list(self.tickets.values())
        wanted = query.get("$filter", "")
        if wanted.lower().startswith("status eq "):
            status = wanted[len("status eq "):].strip("'\" ").lower()
            tickets = [t for t in tickets if t["properties"]["status"].lower() == status]
        return {"value": tickets[: int(query.get("$top", "25"))]}

    def _put_communication(self, request: ArmRequest, ticket: str,
                           name: str) -> tuple[int, Any, dict[str, str]]:
        existing = self.communications[ticket].get(name)
        if existing is not None:
            if self.conflict_on_duplicate:
                return 409, _error("Conflict", f"communication {name} exists"), {}
            return 200, existing, {}
        properties = (request.body or {}).get("properties") or {}
        if not properties.get("subject") or not properties.get("body"):
            return 400, _error("InvalidData", "subject and body are required"), {}
        return self._created(request, self._store_communication(ticket, name, properties,
                                                                "inbound"))

    def _get_communication(self, request: ArmRequest, ticket: str,
                           name: str) -> tuple[int, Any, dict[str, str]]:
        if name not in self.communications[ticket]:
            return 404, _not_found("communication", name), {}
        return 200, self.communications[ticket][name], {}

    def _communication_list(self, request: ArmRequest, ticket: str) -> dict[str, Any]:
        items = list(self.communications[ticket].values())
        skip = int(request.query.get("$skiptoken", "0"))
        page: dict[str, Any] = {"value": items[skip: skip + self.page_size]}
        if skip + self.page_size < len(items):
            page["nextLink"] = (f"{self.url}{request.path}?api-version={request.api_version}"
                                f"&$skiptoken={skip + self.page_size}")
        return page

    def _store_communication(self, ticket: str, name: str, properties: Mapping[str, Any],
                             direction: str) -> dict[str, Any]:
        base = _BASE.format(sub=self.subscription_id)
        communication = {
            "id": f"{base}/supportTickets/{ticket}/communications/{name}", "name": name,
            "type": "Microsoft.Support/communications",
            "properties": {"subject": properties.get("subject"), "body": properties.get("body"),
                           "sender": properties.get("sender"), "communicationType": "web",
                           "communicationDirection": direction,
                           "createdDate": _iso(self._now())},
        }
        self.communications.setdefault(ticket, {})[name] = communication
        return communication

    def _created(self, request: ArmRequest,
                 resource: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if not self.lro:
            return 200, resource, {}
        operation = f"op-{len(self._operations) + 1}"
        self._operations.add(operation)
        base = f"{self.url}{_BASE.format(sub=self.subscription_id)}"
        query = f"?api-version={request.api_version}"
        return 202, None, {
            "Azure-AsyncOperation": f"{base}/operationsStatus/{operation}{query}",
            "Location": f"{base}/operationResults/{operation}{query}",
            "Retry-After": "0",
        }

    def _now(self) -> datetime:
        self._clock += timedelta(seconds=1)
        return self._clock


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _not_found(kind: str, name: str) -> dict[str, Any]:
    return _error("ResourceNotFound", f"The {kind} '{name}' could not be found.")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _handler_for(arm: FakeArm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            query = {key: values[-1] for key, values in parse_qs(split.query).items()}
            request = ArmRequest(
                method=self.command, path=split.path, query=query,
                body=json.loads(raw) if raw else None,
                headers={key.lower(): value for key, value in self.headers.items()},
            )
            status, body, headers = arm.answer(request)
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-ms-request-id", f"fake-{len(arm.requests)}")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


# --- the SDK client -----------------------------------------------------------------


class FixedToken:
    """A TokenCredential that hands out one fake token (never asked: see bearer_policy)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(TOKEN, 4_102_444_800)


def bearer_policy() -> Any:
    """Sets `Authorization: Bearer <TOKEN>` on every request, over plain http too."""
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class _Bearer(SansIOHTTPPolicy):  # type: ignore[type-arg]
        def on_request(self, request: Any) -> None:
            request.http_request.headers["Authorization"] = f"Bearer {TOKEN}"

    return _Bearer()


def support_client(arm: FakeArm, **kwargs: Any) -> Any:
    """The real `MicrosoftSupport` against `arm`, retrying without delay."""
    from escalada.adapters.vendors.azure import make_client

    kwargs.setdefault("retry_backoff_factor", 0)
    return make_client(
        arm.subscription_id, base_url=arm.url, credential=FixedToken(),
        authentication_policy=bearer_policy(), polling_interval=0, **kwargs,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def arm() -> Iterator[FakeArm]:
    """A running fake ARM for one test."""
    with FakeArm() as fake:
        yield fake
