"""The Google Cloud Support adapter against a fake Support API v2 on loopback (a real
gRPC server with the SDK's messages): what is sent, how answers map, retries, errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import grpc  # type: ignore[import-untyped]
import pytest
from fake_google_support import CLASSIFICATIONS, GOOGLE, US, FakeGoogleSupport, Served, serve
from google.cloud.support_v2 import types

from escalada.adapters.vendors import (
    CLOSED,
    OPEN,
    RESOLVED,
    WAITING_ON_US,
    VendorCaseRequest,
    vendor_client,
)
from escalada.adapters.vendors.gcp import Backoff, GoogleSupport
from escalada.domain.errors import InvalidInput, VendorFailed

PARENT = "projects/acme-prod"
CLASSIFICATION = next(iter(CLASSIFICATIONS))
FAST = Backoff(max_attempts=4, initial=0.001, maximum=0.002, multiplier=1.0, timeout=5.0,
               call_timeout=5.0)
REQUEST = VendorCaseRequest(
    reference="CASE-42",
    subject="Volumes detach under load",
    body="Since 09:40 UTC persistent disks detach from n2 instances in europe-west1.",
    severity="P1",
    service=CLASSIFICATION,
    contact_email="oncall@acme.example",
    cc=("sre@acme.example", "cto@acme.example"),
)


@pytest.fixture
def served() -> Iterator[Served]:
    with serve() as running:
        yield running


@pytest.fixture
def fake(served: Served) -> FakeGoogleSupport:
    return served.fake


@pytest.fixture
def gcp(served: Served) -> GoogleSupport:
    return GoogleSupport(
        PARENT, backoff=FAST, case_client=served.case_client,
        comment_client=served.comment_client,
    )


def test_open_case_sends_classification_priority_subject_and_reference(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    sent = gcp.open_case(REQUEST)

    (request,) = fake.calls("CreateCase")
    assert request.parent == PARENT
    case = request.case
    assert case.display_name == "Volumes detach under load"
    assert case.description == REQUEST.body + "\n\nReference: CASE-42"
    assert case.classification.id == CLASSIFICATION
    assert case.priority == types.Case.Priority.P1
    assert list(case.subscriber_email_addresses) == ["sre@acme.example", "cto@acme.example"]
    assert case.contact_email == "oncall@acme.example"
    assert case.language_code == "en-US"
    assert case.test_case is False
    assert sent.case_id is not None and sent.case_id.startswith(f"{PARENT}/cases/")
    assert sent.case_id in fake.cases
    assert sent.call.operation == "create_case" and not sent.dry_run
    assert sent.call.params["case"]["priority"] == "P1"


def test_test_cases_are_marked_as_such(served: Served) -> None:
    gcp = GoogleSupport(
        "organizations/1234567", test_cases=True, backoff=FAST,
        case_client=served.case_client, comment_client=served.comment_client,
    )
    sent = gcp.open_case(REQUEST)

    (request,) = served.fake.calls("CreateCase")
    assert request.case.test_case is True
    assert sent.case_id is not None and sent.case_id.startswith("organizations/1234567/cases/")


def test_escalation_sends_reason_and_justification(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    case = fake.add_case()

    sent = gcp.escalate(case.name, "BUSINESS_IMPACT", "Checkout is down for all EU customers.")

    (request,) = fake.calls("EscalateCase")
    assert request.name == case.name
    assert request.escalation.reason == types.Escalation.Reason.BUSINESS_IMPACT
    assert request.escalation.justification == "Checkout is down for all EU customers."
    assert fake.cases[case.name].escalated
    assert sent.call.params == {
        "name": case.name,
        "escalation": {
            "reason": "BUSINESS_IMPACT",
            "justification": "Checkout is down for all EU customers.",
        },
    }


def test_a_comment_is_added_to_the_case(gcp: GoogleSupport, fake: FakeGoogleSupport) -> None:
    case = fake.add_case()

    sent = gcp.add_communication(case.name, "Disks detached again at 11:02 UTC.")

    (request,) = fake.calls("CreateComment")
    assert request.parent == case.name
    assert request.comment.body == "Disks detached again at 11:02 UTC."
    assert [c.body for c in fake.comments[case.name]] == ["Disks detached again at 11:02 UTC."]
    assert sent.case_id == case.name and sent.call.operation == "create_comment"


def test_fetch_maps_the_case_and_all_pages_of_comments(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    case = fake.add_case(state="IN_PROGRESS_GOOGLE_SUPPORT", priority="P1")
    first = fake.add_comment(case.name, "We are looking into it.", actor=GOOGLE)
    fake.add_comment(case.name, "Thanks, logs attached.", actor=US)
    fake.add_comment(case.name, "Please run the diagnostics.", actor=GOOGLE)
    fake.add_comment(
        case.name, "Done.", actor=types.Actor(email="bot@acme.example", google_support=False)
    )
    fake.add_comment(case.name, "A fix is rolling out.", actor=types.Actor(google_support=True))

    fetched = gcp.fetch_case(case.name)

    assert len(fake.calls("ListComments")) == 3  # page size 2: all pages were read
    assert fetched.vendor == "gcp" and fetched.id == case.name
    assert fetched.display_id == case.name.rsplit("/", 1)[1]
    assert (fetched.status, fetched.state) == ("IN_PROGRESS_GOOGLE_SUPPORT", OPEN)
    assert fetched.severity == "P1" and fetched.subject == "Seeded case"
    assert fetched.opened_at == case.create_time and fetched.opened_at.tzinfo is not None
    assert [(m.author, m.from_vendor, m.body) for m in fetched.messages] == [
        ("Kim (Google Support)", True, "We are looking into it."),
        ("Ana Lima", False, "Thanks, logs attached."),
        ("Kim (Google Support)", True, "Please run the diagnostics."),
        ("bot@acme.example", False, "Done."),
        ("Google Cloud Support", True, "A fix is rolling out."),
    ]
    message = fetched.messages[0]
    assert message.id == first.name
    assert message.at == datetime(2026, 11, 26, 10, 2, tzinfo=UTC)
    assert message.at.utcoffset() is not None


@pytest.mark.parametrize(
    ("google", "ours"),
    [
        ("NEW", OPEN),
        ("IN_PROGRESS_GOOGLE_SUPPORT", OPEN),
        ("ACTION_REQUIRED", WAITING_ON_US),
        ("SOLUTION_PROVIDED", RESOLVED),
        ("CLOSED", CLOSED),
    ],
)
def test_states_map(gcp: GoogleSupport, fake: FakeGoogleSupport, google: str, ours: str) -> None:
    case = fake.add_case(state=google)

    fetched = gcp.fetch_case(case.name)

    assert (fetched.status, fetched.state) == (google, ours)


def test_close(gcp: GoogleSupport, fake: FakeGoogleSupport) -> None:
    case = fake.add_case()

    sent = gcp.close(case.name)

    assert [r.name for r in fake.calls("CloseCase")] == [case.name]
    assert gcp.fetch_case(case.name).state == CLOSED
    assert sent.call.params == {"name": case.name}


def test_an_unknown_case_is_a_clear_failure(gcp: GoogleSupport, fake: FakeGoogleSupport) -> None:
    unknown = f"{PARENT}/cases/99999999"

    with pytest.raises(
        VendorFailed,
        match=r"^gcp: no Google Cloud support case projects/acme-prod/cases/99999999$",
    ) as caught:
        gcp.fetch_case(unknown)

    assert str(caught.value) == f"gcp: no Google Cloud support case {unknown}"
    assert not caught.value.retryable
    assert len(fake.calls("GetCase")) == 1  # NOT_FOUND is not retried


def test_unavailable_twice_is_retried_then_succeeds(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    fake.fail_next(2, grpc.StatusCode.UNAVAILABLE, "backend unavailable", "CreateCase")

    sent = gcp.open_case(REQUEST)

    assert len(fake.calls("CreateCase")) == 3
    assert sent.case_id in fake.cases
    assert len(fake.cases) == 1


def test_throttling_past_the_attempt_limit_is_a_retryable_failure(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    case = fake.add_case()
    fake.fail_next(10, grpc.StatusCode.RESOURCE_EXHAUSTED, "Quota exceeded", "CreateComment")

    with pytest.raises(
        VendorFailed,
        match=r"^gcp: Google Cloud Support did not answer \(ResourceExhausted: .*\) after 4 ",
    ) as caught:
        gcp.add_communication(case.name, "Any news?")

    assert caught.value.retryable
    assert "ResourceExhausted" in str(caught.value) and "after 4 attempts" in str(caught.value)
    assert len(fake.calls("CreateComment")) == 4  # ESCALADA_VENDOR_MAX_ATTEMPTS' default


def test_each_page_of_comments_has_its_own_attempts(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    case = fake.add_case()
    for n in range(3):
        fake.add_comment(case.name, f"update {n}")
    fake.fail_next(3, grpc.StatusCode.UNAVAILABLE, "", "ListComments")

    fetched = gcp.fetch_case(case.name)

    assert len(fetched.messages) == 3
    assert len(fake.calls("ListComments")) == 3 + 2


def test_invalid_argument_is_not_retried(gcp: GoogleSupport, fake: FakeGoogleSupport) -> None:
    request = VendorCaseRequest(
        reference="CASE-7", subject="Slow", body="Slow queries", severity="P3",
        service="NOT-A-CLASSIFICATION",
    )

    with pytest.raises(
        VendorFailed,
        match=r"^gcp: Classification NOT-A-CLASSIFICATION is not a valid classification",
    ) as caught:
        gcp.open_case(request)

    assert len(fake.calls("CreateCase")) == 1
    assert not caught.value.retryable
    assert "NOT-A-CLASSIFICATION is not a valid classification" in str(caught.value)


def test_failed_precondition_gives_googles_message(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    case = fake.add_case(state="CLOSED")

    with pytest.raises(VendorFailed, match=r"^gcp: A closed case cannot be escalated\.$") as caught:
        gcp.escalate(case.name, "RESOLUTION_TIME", "No answer for two days.")

    assert str(caught.value) == "gcp: A closed case cannot be escalated."
    assert len(fake.calls("EscalateCase")) == 1


def test_permission_denied_says_which_role_and_plan(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    fake.fail_next(1, grpc.StatusCode.PERMISSION_DENIED, "The caller does not have permission")

    with pytest.raises(
        VendorFailed,
        match=rf"^gcp: the Google Cloud credentials may not use Cloud Support on {PARENT} ",
    ) as caught:
        gcp.open_case(REQUEST)

    message = str(caught.value)
    assert f"may not use Cloud Support on {PARENT}" in message
    assert "roles/cloudsupport.techSupportEditor" in message and "above Basic" in message
    assert len(fake.calls("CreateCase")) == 1


def test_dry_run_calls_nothing_and_returns_the_request(fake: FakeGoogleSupport) -> None:
    gcp = vendor_client("gcp", environ={"ESCALADA_GCP_PARENT": PARENT}, dry_run=True)
    case = f"{PARENT}/cases/123"

    opened = gcp.open_case(REQUEST)
    commented = gcp.add_communication(case, "Any news?")
    escalated = gcp.escalate(case, "TECHNICAL_EXPERTISE", "Needs a storage specialist.")
    closed = gcp.close(case)

    assert fake.requests == []
    assert isinstance(gcp, GoogleSupport)
    assert gcp._case_client is None and gcp._comment_client is None
    assert all(s.dry_run for s in (opened, commented, escalated, closed))
    assert opened.case_id is None
    assert opened.call.operation == "create_case"
    assert opened.call.params == {
        "parent": PARENT,
        "case": {
            "display_name": "Volumes detach under load",
            "description": REQUEST.body + "\n\nReference: CASE-42",
            "classification": {"id": CLASSIFICATION},
            "subscriber_email_addresses": ["sre@acme.example", "cto@acme.example"],
            "contact_email": "oncall@acme.example",
            "language_code": "en-US",
            "priority": "P1",
        },
    }
    assert (commented.call.operation, commented.call.params) == (
        "create_comment", {"parent": case, "comment": {"body": "Any news?"}}
    )
    assert escalated.call.operation == "escalate_case"
    assert escalated.call.params["escalation"]["reason"] == "TECHNICAL_EXPERTISE"
    assert (closed.call.operation, closed.call.params) == ("close_case", {"name": case})
    with pytest.raises(VendorFailed, match="dry run"):
        gcp.fetch_case(case)


@pytest.mark.parametrize(
    "parent", [None, "", "acme-prod", "folders/12", "projects/", "projects/a/b"]
)
def test_a_missing_or_malformed_parent_is_invalid_input(parent: str | None) -> None:
    environ = {} if parent is None else {"ESCALADA_GCP_PARENT": parent}

    with pytest.raises(InvalidInput, match=r"^ESCALADA_GCP_PARENT: ") as caught:
        vendor_client("gcp", environ=environ)

    assert [field for field, _ in caught.value.problems] == ["ESCALADA_GCP_PARENT"]


@pytest.mark.parametrize(
    ("environ", "field"),
    [
        ({"ESCALADA_GCP_TRANSPORT": "http"}, "ESCALADA_GCP_TRANSPORT"),
        ({"ESCALADA_VENDOR_MAX_ATTEMPTS": "0"}, "ESCALADA_VENDOR_MAX_ATTEMPTS"),
        ({"ESCALADA_VENDOR_MAX_ATTEMPTS": "many"}, "ESCALADA_VENDOR_MAX_ATTEMPTS"),
    ],
)
def test_bad_settings_are_invalid_input(environ: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^{field}: ") as caught:
        GoogleSupport.from_environ({"ESCALADA_GCP_PARENT": PARENT, **environ})

    assert caught.value.problems[0][0] == field


def test_settings_are_read() -> None:
    gcp = GoogleSupport.from_environ({
        "ESCALADA_GCP_PARENT": "projects/123456789",
        "ESCALADA_GCP_ENDPOINT": "eu-cloudsupport.example:443",
        "ESCALADA_GCP_TRANSPORT": "REST",
        "ESCALADA_VENDOR_MAX_ATTEMPTS": "2",
        "ESCALADA_GCP_TEST_CASES": "1",
    })
    default = GoogleSupport.from_environ({"ESCALADA_GCP_PARENT": "organizations/1234567"})

    assert (gcp.parent, gcp.endpoint, gcp.transport) == (
        "projects/123456789", "eu-cloudsupport.example:443", "rest"
    )
    assert gcp.backoff.max_attempts == 2 and gcp.test_cases
    assert (default.endpoint, default.transport, default.backoff.max_attempts) == (None, "grpc", 4)
    assert not default.test_cases


def test_a_bad_escalation_reason_calls_nothing(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    case = fake.add_case()

    with pytest.raises(
        InvalidInput,
        match=r"^reason: must be one of RESOLUTION_TIME, TECHNICAL_EXPERTISE, BUSINESS_IMPACT$",
    ) as caught:
        gcp.escalate(case.name, "IMPATIENCE", "Please hurry.")

    assert caught.value.problems[0][0] == "reason"
    assert fake.calls("EscalateCase") == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service": None}, "service"),
        ({"severity": "critical"}, "severity"),
        ({"severity": "P5"}, "severity"),
        ({"subject": " "}, "subject"),
    ],
)
def test_a_bad_case_request_calls_nothing(
    gcp: GoogleSupport, fake: FakeGoogleSupport, change: dict[str, str | None], field: str
) -> None:
    from dataclasses import replace

    with pytest.raises(InvalidInput, match=rf"^{field}: ") as caught:
        gcp.open_case(replace(REQUEST, **change))  # type: ignore[arg-type]

    assert caught.value.problems[0][0] == field
    assert fake.requests == []


def test_a_malformed_case_id_calls_nothing(gcp: GoogleSupport, fake: FakeGoogleSupport) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^case_id: '12345' is not a Google Cloud case name",
    ) as caught:
        gcp.close("12345")

    assert caught.value.problems[0][0] == "case_id"
    assert fake.requests == []


def test_without_credentials_the_failure_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # ADC reads this file first and stops there: no metadata server is asked.
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/escalada-adc.json")
    gcp = GoogleSupport.from_environ({"ESCALADA_GCP_PARENT": PARENT})

    with pytest.raises(
        VendorFailed,
        match=r"^gcp: no Google Cloud credentials found \(Application Default Credentials\)",
    ) as caught:
        gcp.close(f"{PARENT}/cases/1")

    assert "no Google Cloud credentials found (Application Default Credentials)" in str(
        caught.value
    )
    assert not caught.value.retryable


class _RestSupport(BaseHTTPRequestHandler):
    """Just enough of the REST surface: GET a case and its comments (enums as integers)."""

    paths: ClassVar[list[str]] = []
    case = f"{PARENT}/cases/31337"

    def do_GET(self) -> None:
        self.paths.append(self.path)
        path = self.path.split("?", 1)[0]
        if path == f"/v2/{self.case}":
            body = {"name": self.case, "displayName": "Over REST", "state": 3, "priority": 2,
                    "createTime": "2026-11-26T10:00:00Z"}
        elif path == f"/v2/{self.case}/comments":
            body = {"comments": [{
                "name": f"{self.case}/comments/1", "body": "Please send the logs.",
                "createTime": "2026-11-26T10:05:00.500Z",
                "creator": {"displayName": "Kim", "googleSupport": True},
            }]}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_rest_transport_made_from_the_settings() -> None:
    from google.auth.credentials import AnonymousCredentials

    server = ThreadingHTTPServer(("127.0.0.1", 0), _RestSupport)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        gcp = GoogleSupport(
            PARENT, endpoint=f"http://127.0.0.1:{server.server_port}", transport="rest",
            backoff=FAST, credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        )
        assert gcp._case_client is None  # made on first use

        fetched = gcp.fetch_case(_RestSupport.case)
    finally:
        server.shutdown()
        server.server_close()

    assert (fetched.status, fetched.state, fetched.severity) == (
        "ACTION_REQUIRED", WAITING_ON_US, "P1"
    )
    assert fetched.opened_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    (message,) = fetched.messages
    assert (message.author, message.from_vendor, message.body) == (
        "Kim", True, "Please send the logs."
    )
    assert message.at == datetime(2026, 11, 26, 10, 5, 0, 500000, tzinfo=UTC)
    assert [p.split("?")[0] for p in _RestSupport.paths] == [
        f"/v2/{_RestSupport.case}", f"/v2/{_RestSupport.case}/comments"
    ]


def test_a_create_that_may_have_happened_is_not_sent_again(
    gcp: GoogleSupport, fake: FakeGoogleSupport
) -> None:
    """INTERNAL or a timeout on a create may come after Google made the case or comment:
    no retry (a second one would be a duplicate); the failure says to sync first."""
    fake.fail_next(1, grpc.StatusCode.INTERNAL, "backend error", "CreateCase")
    with pytest.raises(
        VendorFailed,
        match=r"^gcp: backend error: Google may have done it anyway; sync the case before trying",
    ) as raised:
        gcp.open_case(REQUEST)
    assert raised.value.retryable is True
    assert "sync the case before trying again" in str(raised.value)
    assert len(fake.calls("CreateCase")) == 1

    name = gcp.open_case(REQUEST).case_id
    assert name is not None
    fake.fail_next(1, grpc.StatusCode.DEADLINE_EXCEEDED, "", "CreateComment")
    with pytest.raises(
        VendorFailed,
        match=r"^gcp: .*DEADLINE_EXCEEDED.*: Google may have done it anyway; sync the case before",
    ):
        gcp.add_communication(name, "More logs attached.")
    assert len(fake.calls("CreateComment")) == 1
