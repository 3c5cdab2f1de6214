"""AWS Support (boto3 client `support`, API 2013-04-15) behind `VendorClient`.

The Support API of the commercial partition answers in us-east-1 only, so the client
is always built for that region; `AWS_ENDPOINT_URL_SUPPORT` (or `AWS_ENDPOINT_URL`)
points it elsewhere, e.g. at a local fake. Credentials come from boto3's usual chain
(environment, shared config and SSO, container or instance role); this module never
reads keys itself.

Retries: botocore is set to make one attempt per call, and this adapter retries
throttling (ThrottlingException, TooManyRequestsException, HTTP 429), 5xx answers and
failed connections itself (with tenacity), up to `ESCALADA_VENDOR_MAX_ATTEMPTS`
attempts in all (4 by default) with full-jitter exponential backoff, and never any other
4xx. It does not leave that to botocore's retry handler because botocore's Stubber
answers before that handler runs, so tests could not show botocore retrying; one
policy here, tested, keeps the attempts from multiplying (botocore's N times ours).

AWS has no escalate call and no "closed" beyond "resolved": escalating is a
communication on the case asking for a manager (and the TAM, when
`ESCALADA_AWS_TAM_EMAIL` is set), and AWS communications have no id, so a message's id
is a digest of its time, author and body.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from escalada.adapters.vendors import (
    DEFAULT_MAX_ATTEMPTS,
    OPEN,
    RESOLVED,
    WAITING_ON_US,
    Sent,
    VendorCall,
    VendorCase,
    VendorCaseRequest,
    VendorMessage,
)
from escalada.domain.errors import InvalidInput, VendorFailed
from escalada.domain.model import as_utc
from escalada.domain.words import Words
from escalada.settings import Settings

T = TypeVar("T")

VENDOR = "aws"
# The Support API endpoint for every commercial region.
REGION = "us-east-1"
SEVERITIES = ("low", "normal", "high", "urgent", "critical")
TIMEOUT_SECONDS = 10
# Backoff before retry i (0-based): rand(0, 1) * min(base * 2**i, MAX_BACKOFF_SECONDS),
# base 1 s after throttling and 50 ms otherwise (botocore's standard mode's figures).
THROTTLED_BACKOFF_SECONDS = 1.0
TRANSIENT_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 20.0

# AWS's case statuses and the state escalada tracks each in.
STATES = {
    "opened": OPEN,
    "unassigned": OPEN,
    "work-in-progress": OPEN,
    "reopened": OPEN,
    "customer-action-completed": OPEN,
    "pending-customer-action": WAITING_ON_US,
    "resolved": RESOLVED,
}
# How the escalation reasons read in the communication that asks for a manager.
ESCALATION_REASONS = {
    "RESOLUTION_TIME": "the case is taking too long to resolve",
    "TECHNICAL_EXPERTISE": "the case needs deeper technical expertise",
    "BUSINESS_IMPACT": "the business impact is high",
}
# Answers after which AWS may or may not have done what was asked (503 means it did not).
_UNKNOWN_OUTCOME = frozenset({500, 502, 504})
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}
)
# AWS's name for its own staff as the author of a communication.
AWS_AUTHOR = "amazon web services"

FRIENDLY = {
    "SubscriptionRequiredException": (
        "this AWS account's support plan has no Support API "
        "(AWS Business, Enterprise On-Ramp or Enterprise is needed)"
    ),
    "AccessDeniedException": (
        "the AWS credentials may not use the Support API (support:* permissions)"
    ),
    "CaseCreationLimitExceeded": (
        "AWS's limit on new support cases was reached; wait before opening another, "
        "or add to an open case"
    ),
    "AttachmentLimitExceeded": (
        "AWS's limit on attachments was reached; attach fewer or smaller files"
    ),
    "AttachmentSetExpired": "the attachment set expired (AWS keeps one for an hour); upload again",
    "AttachmentSetIdNotFound": "no such AWS attachment set; upload the files again",
}


class AwsSupport:
    """`VendorClient` for AWS Support. `client` is a boto3 `support` client (any object
    with its methods, for tests); `sleep` waits between retries."""

    vendor = VENDOR

    def __init__(
        self,
        client: Any,
        dry_run: bool = False,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        tam_email: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.client = client
        self.dry_run = dry_run
        self.max_attempts = max_attempts
        self.tam_email = tam_email
        self._sleep = sleep
        self._jitter = jitter

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, dry_run: bool = False) -> AwsSupport:
        return cls.from_settings(Settings.of(environ), dry_run=dry_run)

    @classmethod
    def from_settings(cls, settings: Settings, *, dry_run: bool = False) -> AwsSupport:
        """A boto3 `support` client for us-east-1 (or the endpoint that
        `AWS_ENDPOINT_URL_SUPPORT` or `AWS_ENDPOINT_URL` names), on boto3's usual
        credential chain, with 10 s connect and read timeouts."""
        import boto3  # type: ignore[import-untyped, unused-ignore]
        from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            ProfileNotFound,
        )

        max_attempts = settings.vendor_attempts()
        endpoint_field = next((name for name in ("aws_endpoint_url_support", "aws_endpoint_url")
                               if settings.text(name)), None)
        endpoint = settings.text(endpoint_field) if endpoint_field else None
        config = Config(
            region_name=REGION,
            connect_timeout=TIMEOUT_SECONDS,
            read_timeout=TIMEOUT_SECONDS,
            # One attempt per call: the retries are this adapter's (see the module's doc).
            retries={"mode": "standard", "total_max_attempts": 1},
        )
        profile = settings.text("aws_profile")
        try:
            session = boto3.session.Session(profile_name=profile)
        except ProfileNotFound:
            raise InvalidInput.of("AWS_PROFILE", "no AWS profile {profile!r} in the shared config "
                                  "files", profile=profile) from None
        try:
            client = session.client(
                "support", region_name=REGION, endpoint_url=endpoint, config=config
            )
        except ValueError as error:  # botocore: "Invalid endpoint: ..."
            raise InvalidInput.of(Settings.variable(str(endpoint_field)), str(error)) from None
        return cls(
            client,
            dry_run=dry_run,
            max_attempts=max_attempts,
            tam_email=settings.text("aws_tam_email"),
        )

    # --- VendorClient ---------------------------------------------------------------

    def open_case(self, request: VendorCaseRequest) -> Sent:
        if request.severity not in SEVERITIES:
            raise InvalidInput.of("severity", "AWS takes one of {severities}",
                                  severities=', '.join(SEVERITIES))
        if not request.subject.strip():
            raise InvalidInput.of("subject", "must not be empty")
        if not request.body.strip():
            raise InvalidInput.of("body", "must not be empty")
        params: dict[str, Any] = {
            "subject": request.subject,
            "communicationBody": _with_reference(request.body, request.reference),
        }
        if request.service:
            params["serviceCode"] = request.service
        if request.category:
            params["categoryCode"] = request.category
        params["severityCode"] = request.severity
        if request.cc:
            params["ccEmailAddresses"] = list(request.cc)
        params["language"] = request.language or "en"
        params["issueType"] = "technical"
        call = VendorCall(VENDOR, "create_case", params)
        if self.dry_run:
            return Sent(call, case_id=None, dry_run=True)
        response = self._retrying(self._creating(params), case_id=None)
        return Sent(call, case_id=str(response["caseId"]))

    def _creating(self, params: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        """create_case, made safe to try again: after an answer that leaves it unknown
        whether AWS opened the case (a 500, 502 or 504, or no answer in time), the next
        attempt first looks for a case with this subject opened since, and takes it
        rather than opening a second one."""
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            ClientError,
            ReadTimeoutError,
        )

        since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        unknown = False

        def attempt() -> dict[str, Any]:
            nonlocal unknown
            if unknown:
                found = self._opened_since(since, params["subject"])
                if found is not None:
                    return {"caseId": found}
            try:
                created: dict[str, Any] = self.client.create_case(**params)
            except ClientError as error:
                unknown = _status(error) in _UNKNOWN_OUTCOME and not _throttled(error)
                raise
            except ReadTimeoutError:
                unknown = True
                raise
            return created

        return attempt

    def _opened_since(self, since: str, subject: str) -> str | None:
        pages = self.client.get_paginator("describe_cases").paginate(
            afterTime=since, includeResolvedCases=True, includeCommunications=False)
        for page in pages:
            for case in page.get("cases", []):
                if case.get("subject") == subject:
                    return str(case["caseId"])
        return None

    def add_communication(self, case_id: str, body: str) -> Sent:
        if not body.strip():
            raise InvalidInput.of("body", "must not be empty")
        return self._send(
            case_id, "add_communication_to_case", {"caseId": case_id, "communicationBody": body}
        )

    def fetch_case(self, case_id: str) -> VendorCase:
        if self.dry_run:
            raise VendorFailed(
                VENDOR,
                Words("dry run: fetching case {case_id} would call describe_cases and "
                      "describe_communications; nothing was called",
                      case_id=case_id),
            )
        described = self._call(
            VendorCall(
                VENDOR,
                "describe_cases",
                {
                    "caseIdList": [case_id],
                    "includeResolvedCases": True,
                    "includeCommunications": False,
                },
            ),
            case_id=case_id,
        )
        cases = described.get("cases") or []
        case = next((c for c in cases if c.get("caseId") == case_id), None)
        if case is None:
            raise VendorFailed(VENDOR, _no_case(case_id))

        def all_communications() -> list[dict[str, Any]]:
            paginator = self.client.get_paginator("describe_communications")
            return [
                communication
                for page in paginator.paginate(caseId=case_id)
                for communication in page.get("communications") or []
            ]

        communications = self._retrying(all_communications, case_id=case_id)
        messages = sorted(
            (_message(case_id, communication) for communication in communications),
            key=lambda message: (message.at, message.id),
        )
        status = str(case.get("status") or "")
        created = case.get("timeCreated")
        return VendorCase(
            vendor=VENDOR,
            id=str(case.get("caseId") or case_id),
            display_id=case.get("displayId"),
            status=status,
            # An unknown status is a case AWS still has open, not one it resolved.
            state=STATES.get(status, OPEN),
            severity=str(case.get("severityCode") or ""),
            subject=str(case.get("subject") or ""),
            opened_at=_parse_time(created) if created else None,
            messages=tuple(messages),
        )

    def escalate(self, case_id: str, reason: str, justification: str) -> Sent:
        if reason not in ESCALATION_REASONS:
            raise InvalidInput.of("reason", "must be one of {escalation_reasons}",
                                  escalation_reasons=', '.join(ESCALATION_REASONS))
        if not justification.strip():
            raise InvalidInput.of("justification", "must not be empty")
        lines = [
            "Please escalate this case to a manager. "
            f"Reason: {ESCALATION_REASONS[reason]}. "
            f"Business impact and urgency: {justification.strip()}"
        ]
        if self.tam_email:
            lines.append(
                f"Please also involve our Technical Account Manager ({self.tam_email}) "
                "under our Enterprise Support plan."
            )
        return self._send(
            case_id,
            "add_communication_to_case",
            {"caseId": case_id, "communicationBody": "\n".join(lines)},
        )

    def close(self, case_id: str) -> Sent:
        return self._send(case_id, "resolve_case", {"caseId": case_id})

    # --- calls, retries and errors ----------------------------------------------------

    def _send(self, case_id: str, operation: str, params: dict[str, Any]) -> Sent:
        call = VendorCall(VENDOR, operation, params)
        if self.dry_run:
            return Sent(call, case_id=case_id, dry_run=True)
        self._call(call, case_id=case_id)
        return Sent(call, case_id=case_id)

    def _call(self, call: VendorCall, *, case_id: str | None = None) -> dict[str, Any]:
        method = getattr(self.client, call.operation)
        response: dict[str, Any] = self._retrying(lambda: method(**call.params), case_id=case_id)
        return response

    def _retrying(self, attempt: Callable[[], T], *, case_id: str | None) -> T:
        """`attempt()`, tried again after throttling, a 5xx answer or a failed
        connection, up to `max_attempts` in all; every failure becomes VendorFailed."""
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            BotoCoreError,
            ClientError,
            HTTPClientError,
        )
        from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
            ConnectionError as BotoConnectionError,
        )

        for number in range(1, self.max_attempts + 1):
            last = number == self.max_attempts
            try:
                return attempt()
            except ClientError as error:
                throttled = _throttled(error)
                if last or not (throttled or _status(error) >= 500):
                    raise _client_failure(error, case_id) from None
                base = THROTTLED_BACKOFF_SECONDS if throttled else TRANSIENT_BACKOFF_SECONDS
            except (BotoConnectionError, HTTPClientError) as error:
                if last:
                    raise VendorFailed(
                        VENDOR,
                        Words("could not reach the AWS Support API ({error}); try again shortly",
                              error=error),
                        retryable=True,
                    ) from None
                base = TRANSIENT_BACKOFF_SECONDS
            except BotoCoreError as error:
                raise _botocore_failure(error) from None
            self._sleep(self._jitter() * min(base * 2 ** (number - 1), MAX_BACKOFF_SECONDS))
        raise AssertionError("unreachable: the last attempt returns or raises")


def _with_reference(body: str, reference: str) -> str:
    line = f"Reference: {reference}"
    text = body.rstrip()
    if text.splitlines()[-1].strip() == line:
        return text
    return f"{text}\n\n{line}"


def _no_case(case_id: str | None) -> str:
    return (
        f"no AWS support case {case_id} "
        "(check the id, and that these credentials are for the account that opened it)"
    )


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code") or "UnknownError")


def _status(error: Any) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _throttled(error: Any) -> bool:
    return _code(error) in THROTTLING_CODES or _status(error) == 429


def _client_failure(error: Any, case_id: str | None) -> VendorFailed:
    """The VendorFailed for a botocore ClientError, named by AWS's error code."""
    code = _code(error)
    if _throttled(error):
        return VendorFailed(
            VENDOR, "AWS throttled the Support API; try again shortly", retryable=True
        )
    if code == "CaseIdNotFound":
        return VendorFailed(VENDOR, _no_case(case_id))
    if code in FRIENDLY:
        return VendorFailed(VENDOR, FRIENDLY[code])
    message = str(error.response.get("Error", {}).get("Message") or "no message from AWS")
    return VendorFailed(VENDOR, Words("{code}: {message}",
                                      code=code, message=message), retryable=_status(error) >= 500)


def _botocore_failure(error: Exception) -> VendorFailed:
    """The VendorFailed for a botocore error raised before AWS answered."""
    from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
        NoCredentialsError,
        ParamValidationError,
        TokenRetrievalError,
    )

    if isinstance(error, NoCredentialsError):
        return VendorFailed(
            VENDOR,
            "no AWS credentials found (environment, shared config, SSO or instance role)",
        )
    if isinstance(error, TokenRetrievalError):
        return VendorFailed(
            VENDOR, Words("the AWS SSO session could not be used ({error}); sign in again",
                          error=error)
        )
    if isinstance(error, ParamValidationError):
        return VendorFailed(VENDOR, Words("AWS would refuse the request: {error}",
                                          error=error))
    return VendorFailed(VENDOR, str(error))


def _parse_time(text: str) -> datetime:
    """AWS's "2026-11-26T10:00:00.123Z" as an aware UTC datetime (a time without an
    offset is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise VendorFailed(VENDOR, Words("AWS sent a time escalada cannot read: {text!r}",
                                         text=text)) from None
    return as_utc(moment)


def _message(case_id: str, communication: Mapping[str, Any]) -> VendorMessage:
    created = str(communication.get("timeCreated") or "")
    author = str(communication.get("submittedBy") or "")
    body = str(communication.get("body") or "")
    if not created:
        raise VendorFailed(VENDOR, Words("a communication on case {case_id} has no time",
                                         case_id=case_id))
    # AWS gives communications no id: this digest is stable across fetches.
    digest = hashlib.sha256("\x1f".join((created, author, body)).encode("utf-8")).hexdigest()
    return VendorMessage(
        id=f"aws-{digest[:32]}",
        at=_parse_time(created),
        author=author,
        body=body,
        from_vendor=AWS_AUTHOR in author.lower(),
    )
