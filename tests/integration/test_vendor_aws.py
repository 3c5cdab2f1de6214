"""The AWS Support adapter, offline: moto for create_case, describe_cases and
resolve_case (all moto 5.2.5 implements); botocore's Stubber, which checks requests
and answers against the real service model, for the other calls and every error path;
a stdlib HTTP server on loopback where the retries must go through real HTTP.

The Stubber answers in botocore's before-call event, ahead of botocore's retry
handler, so it cannot show botocore retrying; the adapter retries itself (botocore is
set to one attempt per call) and these tests exercise that loop.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from escalada.adapters.vendors import (
    OPEN,
    RESOLVED,
    WAITING_ON_US,
    Sent,
    VendorCall,
    VendorCaseRequest,
    vendor_client,
)
from escalada.adapters.vendors.aws import AwsSupport
from escalada.domain.errors import InvalidInput, VendorFailed

CASE_ID = "case-123456789012-muen-2026-3b6a4a1f2c9d8e7f"
REQUEST = VendorCaseRequest(
    reference="CASE-42",
    subject="RDS failover stuck",
    body="Our primary instance has been failing over for 20 minutes.",
    severity="urgent",
    service="amazon-relational-database-service-mysql",
    category="instance-issue",
    cc=("oncall@example.com",),
)
CREATE_PARAMS = {
    "subject": "RDS failover stuck",
    "communicationBody": (
        "Our primary instance has been failing over for 20 minutes.\n\nReference: CASE-42"
    ),
    "serviceCode": "amazon-relational-database-service-mysql",
    "categoryCode": "instance-issue",
    "severityCode": "urgent",
    "ccEmailAddresses": ["oncall@example.com"],
    "language": "en",
    "issueType": "technical",
}
CASE = {
    "caseId": CASE_ID,
    "displayId": "172345678901",
    "subject": "RDS failover stuck",
    "status": "work-in-progress",
    "serviceCode": "amazon-relational-database-service-mysql",
    "categoryCode": "instance-issue",
    "severityCode": "urgent",
    "submittedBy": "ops@example.com",
    "timeCreated": "2026-11-26T10:00:00.123Z",
    "language": "en",
}
OURS = {
    "caseId": CASE_ID,
    "body": "Our primary instance has been failing over for 20 minutes.",
    "submittedBy": "arn:aws:iam::123456789012:user/ops",
    "timeCreated": "2026-11-26T10:00:00.123Z",
}
THEIRS = {
    "caseId": CASE_ID,
    "body": "We are looking into the failover now.",
    "submittedBy": "Amazon Web Services",
    "timeCreated": "2026-11-26T10:07:30.000Z",
}
ESCALATION_BODY = (
    "Please escalate this case to a manager. "
    "Reason: the case is taking too long to resolve. "
    "Business impact and urgency: checkout is down for all EU customers"
)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, no shared config, no instance metadata, nothing that would
    point boto3 at another endpoint or change its retries."""
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SUPPORT",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "ESCALADA_AWS_TAM_EMAIL",
        "ESCALADA_VENDOR_MAX_ATTEMPTS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def support_client() -> Any:
    return boto3.client(
        "support",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@dataclass
class Stubbed:
    support: AwsSupport
    stubber: Stubber
    sleeps: list[float]


@pytest.fixture
def aws() -> Iterator[Stubbed]:
    """The adapter on a stubbed client; every response a test queues must be used."""
    client = support_client()
    sleeps: list[float] = []
    # Jitter pinned to its maximum, so the waits show the backoff itself.
    support = AwsSupport(client, sleep=sleeps.append, jitter=lambda: 1.0)
    stubber = Stubber(client)
    with stubber:
        yield Stubbed(support, stubber, sleeps)
    stubber.assert_no_pending_responses()


# --- open, add, fetch, escalate, close: the requests sent -----------------------------


def test_open_case_sends_the_full_request_and_returns_the_case_id(aws: Stubbed) -> None:
    aws.stubber.add_response("create_case", {"caseId": CASE_ID}, CREATE_PARAMS)

    sent = aws.support.open_case(REQUEST)

    assert sent == Sent(VendorCall("aws", "create_case", CREATE_PARAMS), case_id=CASE_ID)


def test_open_case_leaves_out_the_optional_keys_not_given(aws: Stubbed) -> None:
    request = VendorCaseRequest(
        reference="CASE-7", subject="Quota question", body="How do we raise it?", severity="low"
    )
    expected = {
        "subject": "Quota question",
        "communicationBody": "How do we raise it?\n\nReference: CASE-7",
        "severityCode": "low",
        "language": "en",
        "issueType": "technical",
    }
    aws.stubber.add_response("create_case", {"caseId": CASE_ID}, expected)

    assert aws.support.open_case(request).call.params == expected


@pytest.mark.parametrize("severity", ["", "Urgent", "P1", "sev1", "highestcriticalimpact"])
def test_a_severity_aws_does_not_know_is_refused_before_any_call(
    aws: Stubbed, severity: str
) -> None:
    request = VendorCaseRequest(reference="CASE-1", subject="s", body="b", severity=severity)

    with pytest.raises(
        InvalidInput,
        match=r"^severity: AWS takes one of low, normal, high, urgent, critical$",
    ) as raised:
        aws.support.open_case(request)

    assert raised.value.problems[0][0] == "severity"
    assert "low, normal, high, urgent, critical" in raised.value.problems[0][1]


def test_add_communication(aws: Stubbed) -> None:
    params = {"caseId": CASE_ID, "communicationBody": "Logs attached below."}
    aws.stubber.add_response("add_communication_to_case", {"result": True}, params)

    sent = aws.support.add_communication(CASE_ID, "Logs attached below.")

    assert sent == Sent(VendorCall("aws", "add_communication_to_case", params), case_id=CASE_ID)


def test_close_resolves_the_case(aws: Stubbed) -> None:
    aws.stubber.add_response(
        "resolve_case",
        {"initialCaseStatus": "work-in-progress", "finalCaseStatus": "resolved"},
        {"caseId": CASE_ID},
    )

    sent = aws.support.close(CASE_ID)

    assert sent == Sent(VendorCall("aws", "resolve_case", {"caseId": CASE_ID}), case_id=CASE_ID)


def test_escalate_asks_for_a_manager_in_a_communication(aws: Stubbed) -> None:
    params = {"caseId": CASE_ID, "communicationBody": ESCALATION_BODY}
    aws.stubber.add_response("add_communication_to_case", {"result": True}, params)

    sent = aws.support.escalate(CASE_ID, "RESOLUTION_TIME", "checkout is down for all EU customers")

    assert sent == Sent(VendorCall("aws", "add_communication_to_case", params), case_id=CASE_ID)


def test_escalate_also_asks_for_the_tam_when_one_is_configured() -> None:
    support = AwsSupport.from_environ({"ESCALADA_AWS_TAM_EMAIL": "tam@example.com"})
    body = (
        ESCALATION_BODY + "\nPlease also involve our Technical Account Manager "
        "(tam@example.com) under our Enterprise Support plan."
    )
    with Stubber(support.client) as stubber:
        stubber.add_response(
            "add_communication_to_case",
            {"result": True},
            {"caseId": CASE_ID, "communicationBody": body},
        )
        sent = support.escalate(CASE_ID, "RESOLUTION_TIME", "checkout is down for all EU customers")
        stubber.assert_no_pending_responses()

    assert sent.call.params["communicationBody"] == body


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("TECHNICAL_EXPERTISE", "Reason: the case needs deeper technical expertise."),
        ("BUSINESS_IMPACT", "Reason: the business impact is high."),
    ],
)
def test_escalate_puts_the_reason_in_words(aws: Stubbed, reason: str, words: str) -> None:
    aws.stubber.add_response("add_communication_to_case", {"result": True})

    sent = aws.support.escalate(CASE_ID, reason, "payments fail")

    assert words in sent.call.params["communicationBody"]
    assert sent.call.params["communicationBody"].endswith(
        "Business impact and urgency: payments fail"
    )


@pytest.mark.parametrize(
    ("reason", "justification", "field_name"),
    [("FASTER", "because", "reason"), ("BUSINESS_IMPACT", "  ", "justification")],
)
def test_escalate_refuses_a_bad_reason_or_no_justification_before_any_call(
    aws: Stubbed, reason: str, justification: str, field_name: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^{field_name}: ") as raised:
        aws.support.escalate(CASE_ID, reason, justification)

    assert raised.value.problems[0][0] == field_name


def test_fetch_case_reads_the_case_and_every_page_of_communications(aws: Stubbed) -> None:
    aws.stubber.add_response(
        "describe_cases",
        {"cases": [CASE]},
        {"caseIdList": [CASE_ID], "includeResolvedCases": True, "includeCommunications": False},
    )
    # AWS lists the newest first.
    aws.stubber.add_response(
        "describe_communications", {"communications": [THEIRS], "nextToken": "page-2"}
    )
    aws.stubber.add_response(
        "describe_communications",
        {"communications": [OURS]},
        {"caseId": CASE_ID, "nextToken": "page-2"},
    )

    case = aws.support.fetch_case(CASE_ID)

    assert (case.vendor, case.id, case.display_id) == ("aws", CASE_ID, "172345678901")
    assert (case.status, case.state) == ("work-in-progress", OPEN)
    assert (case.severity, case.subject) == ("urgent", "RDS failover stuck")
    assert case.opened_at == datetime(2026, 11, 26, 10, 0, 0, 123000, tzinfo=UTC)
    ours, theirs = case.messages
    assert (ours.author, ours.from_vendor) == ("arn:aws:iam::123456789012:user/ops", False)
    assert ours.body == OURS["body"]
    assert (theirs.author, theirs.from_vendor) == ("Amazon Web Services", True)
    assert theirs.at == datetime(2026, 11, 26, 10, 7, 30, tzinfo=UTC)
    assert theirs.at.utcoffset() is not None
    assert ours.id != theirs.id


def test_message_ids_are_stable_across_fetches(aws: Stubbed) -> None:
    for _ in range(2):
        aws.stubber.add_response("describe_cases", {"cases": [CASE]})
        aws.stubber.add_response("describe_communications", {"communications": [THEIRS, OURS]})

    first = aws.support.fetch_case(CASE_ID)
    second = aws.support.fetch_case(CASE_ID)

    assert [m.id for m in first.messages] == [m.id for m in second.messages]
    assert len({m.id for m in first.messages}) == 2


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("opened", OPEN),
        ("unassigned", OPEN),
        ("work-in-progress", OPEN),
        ("reopened", OPEN),
        ("customer-action-completed", OPEN),
        ("pending-customer-action", WAITING_ON_US),
        ("resolved", RESOLVED),
    ],
)
def test_statuses_map_to_states(aws: Stubbed, status: str, state: str) -> None:
    aws.stubber.add_response("describe_cases", {"cases": [{**CASE, "status": status}]})
    aws.stubber.add_response("describe_communications", {"communications": []})

    case = aws.support.fetch_case(CASE_ID)

    assert (case.status, case.state, case.messages) == (status, state, ())


def test_fetch_case_of_a_case_aws_does_not_list(aws: Stubbed) -> None:
    aws.stubber.add_response("describe_cases", {"cases": []})

    with pytest.raises(VendorFailed, match=f"no AWS support case {CASE_ID}") as raised:
        aws.support.fetch_case(CASE_ID)

    assert raised.value.retryable is False


# --- every call's error paths -----------------------------------------------------------


@dataclass(frozen=True)
class Action:
    act: Callable[[AwsSupport], object]
    steps: tuple[tuple[str, dict[str, Any]], ...]  # (operation, success answer), in order


ACTIONS = {
    "open_case": Action(
        lambda support: support.open_case(REQUEST), (("create_case", {"caseId": CASE_ID}),)
    ),
    "add_communication": Action(
        lambda support: support.add_communication(CASE_ID, "More logs."),
        (("add_communication_to_case", {"result": True}),),
    ),
    "fetch_case": Action(
        lambda support: support.fetch_case(CASE_ID),
        (
            ("describe_cases", {"cases": [CASE]}),
            ("describe_communications", {"communications": [OURS]}),
        ),
    ),
    "escalate": Action(
        lambda support: support.escalate(CASE_ID, "BUSINESS_IMPACT", "payments fail"),
        (("add_communication_to_case", {"result": True}),),
    ),
    "close": Action(
        lambda support: support.close(CASE_ID),
        (("resolve_case", {"initialCaseStatus": "opened", "finalCaseStatus": "resolved"}),),
    ),
}
# Each call of each action, as (action, index of the call that fails).
EVERY_CALL = [
    pytest.param(name, index, id=f"{name}-{operation}")
    for name, action in ACTIONS.items()
    for index, (operation, _) in enumerate(action.steps)
]
CALLS_ON_A_CASE = [param for param in EVERY_CALL if param.values[0] != "open_case"]


def queue_failure(
    stubber: Stubber,
    action: Action,
    failing: int,
    errors: list[tuple[str, int]],
    *,
    then_succeed: bool,
) -> None:
    """Queue the answers: the calls before `failing` succeed, that one fails with each
    of `errors` (code, HTTP status) in turn and then, if asked, it and the rest succeed.
    After a create_case failure that leaves it unknown whether AWS opened the case, the
    next attempt first looks for it (here: no such case)."""
    for operation, answer in action.steps[:failing]:
        stubber.add_response(operation, answer)
    operation = action.steps[failing][0]
    for number, (code, status) in enumerate(errors, start=1):
        stubber.add_client_error(
            operation, service_error_code=code, service_message="from AWS", http_status_code=status
        )
        another = then_succeed or number < len(errors)
        if operation == "create_case" and status in (500, 502, 504) and another:
            stubber.add_response("describe_cases", {"cases": []})
    if then_succeed:
        for operation, answer in action.steps[failing:]:
            stubber.add_response(operation, answer)


@pytest.mark.parametrize(("name", "failing"), EVERY_CALL)
@pytest.mark.parametrize(
    "error",
    [("ThrottlingException", 400), ("TooManyRequestsException", 429), ("InternalServerError", 500)],
    ids=["throttled", "too-many-requests", "internal-server-error"],
)
def test_throttling_and_5xx_are_retried_then_succeed(
    aws: Stubbed, name: str, failing: int, error: tuple[str, int]
) -> None:
    action = ACTIONS[name]
    queue_failure(aws.stubber, action, failing, [error], then_succeed=True)

    result = action.act(aws.support)

    assert result is not None
    aws.stubber.assert_no_pending_responses()
    assert len(aws.sleeps) == 1


@pytest.mark.parametrize(("name", "failing"), EVERY_CALL)
def test_throttling_throughout_gives_up_after_the_attempts_retryable(
    aws: Stubbed, name: str, failing: int
) -> None:
    action = ACTIONS[name]
    queue_failure(
        aws.stubber, action, failing, [("ThrottlingException", 400)] * 4, then_succeed=False
    )

    with pytest.raises(
        VendorFailed,
        match=r"^aws: AWS throttled the Support API; try again shortly$",
    ) as raised:
        action.act(aws.support)

    assert str(raised.value) == "aws: AWS throttled the Support API; try again shortly"
    assert raised.value.retryable is True
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    # Four attempts, so three waits, doubling (jitter pinned to its maximum).
    assert aws.sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(("name", "failing"), EVERY_CALL)
def test_5xx_throughout_gives_up_retryable(aws: Stubbed, name: str, failing: int) -> None:
    action = ACTIONS[name]
    queue_failure(
        aws.stubber, action, failing, [("ServiceUnavailable", 503)] * 4, then_succeed=False
    )

    with pytest.raises(VendorFailed, match=r"^aws: ServiceUnavailable: from AWS$") as raised:
        action.act(aws.support)

    assert str(raised.value) == "aws: ServiceUnavailable: from AWS"
    assert raised.value.retryable is True
    assert aws.sleeps == [0.05, 0.1, 0.2]


NOT_RETRIED = [
    (
        "SubscriptionRequiredException",
        "this AWS account's support plan has no Support API "
        "(AWS Business, Enterprise On-Ramp or Enterprise is needed)",
    ),
    (
        "AccessDeniedException",
        "the AWS credentials may not use the Support API (support:* permissions)",
    ),
    (
        "CaseCreationLimitExceeded",
        "AWS's limit on new support cases was reached; wait before opening another, "
        "or add to an open case",
    ),
    ("InvalidParameterValueException", "InvalidParameterValueException: from AWS"),
]


@pytest.mark.parametrize(("name", "failing"), EVERY_CALL)
@pytest.mark.parametrize(("code", "message"), NOT_RETRIED, ids=[c for c, _ in NOT_RETRIED])
def test_other_4xx_fail_at_once_with_a_clear_message(
    aws: Stubbed, name: str, failing: int, code: str, message: str
) -> None:
    action = ACTIONS[name]
    # One error queued and nothing after it: a retry would hit the Stubber's
    # "unexpected call" assertion instead of giving VendorFailed.
    queue_failure(aws.stubber, action, failing, [(code, 400)], then_succeed=False)

    with pytest.raises(VendorFailed, match=rf"^aws: {re.escape(message)}$") as raised:
        action.act(aws.support)

    assert str(raised.value) == f"aws: {message}"
    assert raised.value.retryable is False
    aws.stubber.assert_no_pending_responses()
    assert aws.sleeps == []


@pytest.mark.parametrize(("name", "failing"), CALLS_ON_A_CASE)
def test_an_unknown_case_is_named(aws: Stubbed, name: str, failing: int) -> None:
    action = ACTIONS[name]
    queue_failure(aws.stubber, action, failing, [("CaseIdNotFound", 400)], then_succeed=False)

    with pytest.raises(VendorFailed, match=rf"^aws: no AWS support case {CASE_ID} ") as raised:
        action.act(aws.support)

    assert str(raised.value).startswith(f"aws: no AWS support case {CASE_ID} ")
    assert raised.value.retryable is False
    assert aws.sleeps == []


def test_a_create_with_an_unknown_outcome_takes_the_case_aws_did_open(aws: Stubbed) -> None:
    """A 500 on create_case may come after AWS opened the case: the retry finds it by its
    subject and does not open a second one."""
    aws.stubber.add_client_error("create_case", service_error_code="InternalServerError",
                                 service_message="from AWS", http_status_code=500)
    aws.stubber.add_response("describe_cases", {"cases": [
        {**CASE, "caseId": "case-other", "subject": "Another case"},
        {**CASE, "subject": CREATE_PARAMS["subject"]}]})

    sent = aws.support.open_case(REQUEST)

    assert sent.case_id == CASE["caseId"]
    aws.stubber.assert_no_pending_responses()  # no second create_case


def test_a_throttled_create_is_simply_sent_again(aws: Stubbed) -> None:
    """Throttling means AWS did nothing: no need to look before trying again."""
    aws.stubber.add_client_error("create_case", service_error_code="ThrottlingException",
                                 service_message="from AWS", http_status_code=400)
    aws.stubber.add_response("create_case", {"caseId": CASE_ID}, CREATE_PARAMS)

    assert aws.support.open_case(REQUEST).case_id == CASE_ID


# --- dry run ------------------------------------------------------------------------------


def test_dry_run_returns_the_exact_requests_and_calls_nothing() -> None:
    support = AwsSupport.from_environ({"ESCALADA_AWS_TAM_EMAIL": "tam@example.com"}, dry_run=True)
    # No answers queued: any call at all would fail the test.
    with Stubber(support.client) as stubber:
        opened = support.open_case(REQUEST)
        added = support.add_communication(CASE_ID, "Logs attached below.")
        escalated = support.escalate(CASE_ID, "RESOLUTION_TIME", "checkout is down")
        closed = support.close(CASE_ID)
        with pytest.raises(VendorFailed, match="dry run"):
            support.fetch_case(CASE_ID)
        stubber.assert_no_pending_responses()

    assert opened == Sent(VendorCall("aws", "create_case", CREATE_PARAMS), None, dry_run=True)
    assert added == Sent(
        VendorCall(
            "aws",
            "add_communication_to_case",
            {"caseId": CASE_ID, "communicationBody": "Logs attached below."},
        ),
        CASE_ID,
        dry_run=True,
    )
    assert escalated.dry_run and "tam@example.com" in escalated.call.params["communicationBody"]
    assert closed == Sent(
        VendorCall("aws", "resolve_case", {"caseId": CASE_ID}), CASE_ID, dry_run=True
    )


def test_vendor_client_builds_the_aws_adapter() -> None:
    client = vendor_client("aws", environ={}, dry_run=True)

    assert isinstance(client, AwsSupport)
    assert (client.vendor, client.dry_run) == ("aws", True)


# --- configuration ------------------------------------------------------------------------


def test_the_client_is_for_us_east_1_whatever_the_default_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    client = AwsSupport.from_environ(os.environ).client

    assert client.meta.region_name == "us-east-1"
    assert client.meta.endpoint_url == "https://support.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    "environ",
    [
        {"AWS_ENDPOINT_URL_SUPPORT": "http://127.0.0.1:1"},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
        {"AWS_ENDPOINT_URL_SUPPORT": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://x:2"},
    ],
    ids=["support", "generic", "support-first"],
)
def test_an_endpoint_in_the_environment_is_used(environ: dict[str, str]) -> None:
    client = AwsSupport.from_environ(environ).client

    assert client.meta.endpoint_url == "http://127.0.0.1:1"
    assert client.meta.region_name == "us-east-1"


def test_timeouts_and_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "9")  # boto3's own setting must not win

    default = AwsSupport.from_environ({})
    configured = AwsSupport.from_environ({"ESCALADA_VENDOR_MAX_ATTEMPTS": "2"})

    config = default.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (10, 10)
    # botocore makes one attempt per call; the adapter makes the retries.
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (default.max_attempts, configured.max_attempts) == (4, 2)


@pytest.mark.parametrize("value", ["0", "-1", "four", "2.5"])
def test_a_bad_attempt_count_is_refused(value: str) -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^ESCALADA_VENDOR_MAX_ATTEMPTS: must be a whole number of at least 1$",
    ) as raised:
        AwsSupport.from_environ({"ESCALADA_VENDOR_MAX_ATTEMPTS": value})

    assert raised.value.problems[0][0] == "ESCALADA_VENDOR_MAX_ATTEMPTS"


def test_a_bad_endpoint_is_refused_naming_the_variable() -> None:
    with pytest.raises(
        InvalidInput,
        match=r"^AWS_ENDPOINT_URL_SUPPORT: Invalid endpoint: not a url$",
    ) as raised:
        AwsSupport.from_environ({"AWS_ENDPOINT_URL_SUPPORT": "not a url"})

    assert raised.value.problems[0][0] == "AWS_ENDPOINT_URL_SUPPORT"


def test_no_credentials_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    support = AwsSupport.from_environ({"AWS_ENDPOINT_URL_SUPPORT": "http://127.0.0.1:1"})

    with pytest.raises(VendorFailed, match=r"^aws: no AWS credentials found ") as raised:
        support.close(CASE_ID)

    assert str(raised.value) == (
        "aws: no AWS credentials found (environment, shared config, SSO or instance role)"
    )
    assert raised.value.retryable is False


# --- moto: create, describe, resolve ------------------------------------------------------


@pytest.fixture
def case_status_cycle() -> Iterator[Callable[[int], None]]:
    """Sets how many describe_cases calls moto's fake status cycle waits between
    steps; undone after the test."""

    def every(times: int) -> None:
        state_manager.set_transition(
            model_name="support::case", transition={"progression": "manual", "times": times}
        )

    try:
        yield every
    finally:
        state_manager.unset_transition("support::case")


def answer_describe_communications(client: Any, communications: list[dict[str, Any]]) -> None:
    """moto 5.2.5 has no describe_communications: answer it before it is sent, the way
    the Stubber does, and leave the other calls to moto."""

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, {}, None), {"communications": communications}

    client.meta.events.register("before-call.support.DescribeCommunications", answer)


def test_create_fetch_and_resolve_against_moto(
    case_status_cycle: Callable[[int], None],
) -> None:
    case_status_cycle(1000)  # the status stays put
    with mock_aws():
        support = AwsSupport.from_environ(os.environ)
        answer_describe_communications(support.client, [THEIRS, OURS])

        sent = support.open_case(REQUEST)
        assert sent.case_id is not None and sent.call.params == CREATE_PARAMS
        case = support.fetch_case(sent.case_id)
        again = support.fetch_case(sent.case_id)
        closed = support.close(sent.case_id)
        stored = support.client.describe_cases(
            caseIdList=[sent.case_id], includeCommunications=True
        )["cases"][0]

    assert (case.id, case.subject, case.status, case.state) == (
        sent.case_id,
        "RDS failover stuck",
        "opened",
        OPEN,
    )
    assert (again.status, again.state) == ("opened", OPEN)
    assert case.opened_at is not None and case.opened_at.tzinfo is not None
    assert [m.from_vendor for m in case.messages] == [False, True]
    assert closed.call == VendorCall("aws", "resolve_case", {"caseId": sent.case_id})
    first = stored["recentCommunications"]["communications"][0]["body"]
    assert first.endswith("\n\nReference: CASE-42")


def test_moto_status_cycle_maps_to_states(case_status_cycle: Callable[[int], None]) -> None:
    case_status_cycle(1)  # one step per describe_cases
    with mock_aws():
        support = AwsSupport.from_environ(os.environ)
        answer_describe_communications(support.client, [])
        case_id = support.open_case(REQUEST).case_id
        assert case_id is not None
        seen = [support.fetch_case(case_id) for _ in range(6)]

    assert [(c.status, c.state) for c in seen] == [
        ("pending-customer-action", WAITING_ON_US),
        ("reopened", OPEN),
        ("resolved", RESOLVED),  # found: the adapter asks for resolved cases too
        ("unassigned", OPEN),
        ("work-in-progress", OPEN),
        ("opened", OPEN),
    ]


# --- real HTTP on loopback: the attempts are not multiplied ---------------------------------


@dataclass
class FakeAws:
    url: str
    script: list[tuple[int, dict[str, Any]]]
    hits: list[str]
    delay: float = 0.0


@pytest.fixture
def fake_aws() -> Iterator[FakeAws]:
    """An HTTP server on 127.0.0.1 answering the Support API's JSON protocol from a
    script of (status, body), recording the operations it was asked for."""
    fake = FakeAws(url="", script=[], hits=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            fake.hits.append(self.headers["X-Amz-Target"].rsplit(".", 1)[-1])
            if fake.delay:
                time.sleep(fake.delay)
            status, body = (
                fake.script.pop(0)
                if fake.script
                else (418, {"__type": "Unscripted", "message": "no answer scripted"})
            )
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


RESOLVED_ANSWER = (200, {"initialCaseStatus": "opened", "finalCaseStatus": "resolved"})
THROTTLED = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})


def over_http(fake: FakeAws, sleeps: list[float], max_attempts: int = 3) -> AwsSupport:
    client = AwsSupport.from_environ({"AWS_ENDPOINT_URL_SUPPORT": fake.url}).client
    return AwsSupport(client, max_attempts=max_attempts, sleep=sleeps.append)


def test_over_http_throttling_is_retried_once_per_attempt(fake_aws: FakeAws) -> None:
    fake_aws.script[:] = [THROTTLED, THROTTLED, RESOLVED_ANSWER]
    sleeps: list[float] = []

    sent = over_http(fake_aws, sleeps).close(CASE_ID)

    assert sent.case_id == CASE_ID
    assert fake_aws.hits == ["ResolveCase"] * 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("answer", "hits", "retryable", "says"),
    [
        (THROTTLED, 3, True, "^aws: AWS throttled the Support API"),
        ((503, {"__type": "ServiceUnavailable", "message": "try later"}), 3, True,
         "^aws: ServiceUnavailable"),
        ((400, {"__type": "AccessDeniedException", "message": "no"}), 1, False,
         "^aws: the AWS credentials may not use the Support API"),
        ((400, {"__type": "SubscriptionRequiredException", "message": "no"}), 1, False,
         "^aws: this AWS account's support plan has no Support API"),
    ],
    ids=["throttled", "503", "access-denied", "subscription-required"],
)
def test_over_http_max_attempts_is_the_total(
    fake_aws: FakeAws, answer: tuple[int, dict[str, Any]], hits: int, retryable: bool,
    says: str,
) -> None:
    fake_aws.script[:] = [answer] * 10

    with pytest.raises(VendorFailed, match=says) as raised:
        over_http(fake_aws, [], max_attempts=3).close(CASE_ID)

    assert len(fake_aws.hits) == hits  # not botocore's retries times ours
    assert raised.value.retryable is retryable


def test_an_endpoint_that_refuses_connections_is_retryable() -> None:
    sleeps: list[float] = []
    client = AwsSupport.from_environ({"AWS_ENDPOINT_URL_SUPPORT": "http://127.0.0.1:1"}).client
    support = AwsSupport(client, max_attempts=2, sleep=sleeps.append)

    with pytest.raises(VendorFailed, match=r"^aws: could not reach the AWS Support API") as raised:
        support.close(CASE_ID)

    assert str(raised.value).startswith("aws: could not reach the AWS Support API")
    assert raised.value.retryable is True
    assert len(sleeps) == 1


def test_a_read_timeout_is_retried_then_retryable(fake_aws: FakeAws) -> None:
    fake_aws.delay = 1.0
    fake_aws.script[:] = [RESOLVED_ANSWER] * 2
    client = boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=fake_aws.url,
        config=Config(read_timeout=0.2, retries={"mode": "standard", "total_max_attempts": 1}),
    )
    support = AwsSupport(client, max_attempts=2, sleep=lambda _: None)

    with pytest.raises(
        VendorFailed, match=r"^aws: could not reach the AWS Support API \(Read timeout"
    ) as raised:
        support.close(CASE_ID)

    assert raised.value.retryable is True
    assert "Read timeout" in str(raised.value)
    assert len(fake_aws.hits) == 2
