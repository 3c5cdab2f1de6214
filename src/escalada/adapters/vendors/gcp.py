"""Google Cloud Support (API v2) through google-cloud-support's `CaseServiceClient` and
`CommentServiceClient`.

Settings (`from_environ`):

- `ESCALADA_GCP_PARENT` (required): `projects/P` or `organizations/O`, where cases open;
- `ESCALADA_GCP_ENDPOINT`: the API endpoint, if not the SDK's (cloudsupport.googleapis.com);
- `ESCALADA_GCP_TRANSPORT`: `grpc` (default) or `rest`;
- `ESCALADA_GCP_TEST_CASES=1`: open cases marked `test_case`, which Google's support
  engineers do not act on;
- `ESCALADA_VENDOR_MAX_ATTEMPTS` (default 4): attempts per call, the first included.

Credentials are Application Default Credentials, looked up when the first real call is
made (never for a dry run). Throttling and server errors (RESOURCE_EXHAUSTED,
UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED) are retried with exponential backoff; client
errors (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION, ...) never.

The SDK is imported inside the methods, so importing escalada stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from escalada.adapters.vendors import (
    CLOSED,
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

VENDOR = "gcp"
PRIORITIES = ("P0", "P1", "P2", "P3", "P4")
REASONS = ("RESOLUTION_TIME", "TECHNICAL_EXPERTISE", "BUSINESS_IMPACT")
TRANSPORTS = ("grpc", "rest")
# Google's case states, in escalada's terms.
STATES = {
    "NEW": OPEN,
    "IN_PROGRESS_GOOGLE_SUPPORT": OPEN,
    "ACTION_REQUIRED": WAITING_ON_US,
    "SOLUTION_PROVIDED": RESOLVED,
    "CLOSED": CLOSED,
}
MAX_COMMENT = 12_800  # characters in a comment's body (API v2)

_PARENT = re.compile(r"(?:projects/[a-z0-9][a-z0-9.:-]*|organizations/[0-9]+)")
_CASE = re.compile(r"(?P<parent>(?:projects|organizations)/[^/\s]+)/cases/(?P<number>[^/\s]+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """How calls are retried: at most `max_attempts` attempts (the first included),
    waiting `initial` seconds, then `multiplier` times longer each time up to `maximum`
    (with jitter), and giving up on retrying once `timeout` seconds have passed. Each
    attempt may take `call_timeout` seconds."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    initial: float = 1.0
    maximum: float = 16.0
    multiplier: float = 2.0
    timeout: float = 120.0
    call_timeout: float = 60.0


class _Attempts:
    """A Retry predicate: a transient error, while attempts remain. `Retry` itself only
    bounds time; this bounds the number of attempts as well. One per call."""

    def __init__(self, limit: int, transient: tuple[type[Exception], ...]) -> None:
        self.limit, self.transient, self.made = limit, transient, 1

    def __call__(self, error: Exception) -> bool:
        if not isinstance(error, self.transient) or self.made >= self.limit:
            return False
        self.made += 1
        return True


def _parent(value: str | None, field: str = "ESCALADA_GCP_PARENT") -> str:
    if not value:
        raise InvalidInput.of(field, "required: projects/PROJECT or organizations/NUMBER")
    if not _PARENT.fullmatch(value):
        raise InvalidInput.of(field, "{value!r} is not projects/PROJECT or organizations/NUMBER",
                              value=value)
    return value


def _case_name(case_id: str) -> re.Match[str]:
    match = _CASE.fullmatch(case_id or "")
    if match is None:
        raise InvalidInput.of("case_id", "{case_id!r} is not a Google Cloud case name "
                              "(projects/P/cases/N or organizations/O/cases/N)",
                              case_id=case_id)
    return match


def _text(field: str, value: str, limit: int | None = None) -> str:
    if not value or not value.strip():
        raise InvalidInput.of(field, "required")
    if limit is not None and len(value) > limit:
        raise InvalidInput.of(field, "at most {limit} characters for Google Cloud Support",
                              limit=limit)
    return value


def _as_dict(message: Any) -> dict[str, Any]:
    """A request message as the dict of the fields it sets, enums by name."""
    result: dict[str, Any] = type(message).to_dict(
        message, use_integers_for_enums=False, always_print_fields_with_no_presence=False
    )
    return result


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return as_utc(value)


def _enum_name(enum: Any, value: Any) -> str:
    """An enum value's name; a value newer than this SDK stays a number."""
    try:
        return str(enum(value).name)
    except ValueError:
        return str(value)


def _author(actor: Any) -> str:
    name = actor.display_name or actor.email or actor.username
    if name:
        return str(name)
    return "Google Cloud Support" if actor.google_support else "unknown"


class GoogleSupport:
    """`VendorClient` for Google Cloud Support API v2."""

    vendor = VENDOR

    def __init__(
        self,
        parent: str,
        *,
        endpoint: str | None = None,
        transport: str = "grpc",
        test_cases: bool = False,
        backoff: Backoff | None = None,
        dry_run: bool = False,
        case_client: Any = None,
        comment_client: Any = None,
        credentials: Any = None,
    ) -> None:
        """`case_client` and `comment_client` are ready SDK clients (tests); without them,
        clients are made on first use with `credentials` (default: Application Default
        Credentials), `endpoint` and `transport`."""
        self.parent = _parent(parent, "parent")
        if transport not in TRANSPORTS:
            raise InvalidInput.of("ESCALADA_GCP_TRANSPORT",
                "must be one of {transports}", transports=', '.join(TRANSPORTS))
        self.endpoint, self.transport, self.test_cases = endpoint or None, transport, test_cases
        self.backoff = backoff or Backoff()
        if self.backoff.max_attempts < 1:
            raise InvalidInput.of("ESCALADA_VENDOR_MAX_ATTEMPTS", "must be at least 1")
        self.dry_run = dry_run
        self._case_client, self._comment_client = case_client, comment_client
        self._credentials = credentials

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, dry_run: bool = False) -> GoogleSupport:
        return cls.from_settings(Settings.of(environ), dry_run=dry_run)

    @classmethod
    def from_settings(cls, settings: Settings, *, dry_run: bool = False) -> GoogleSupport:
        parent = _parent(settings.text("gcp_parent") or "")
        transport = (settings.text("gcp_transport") or "grpc").lower()
        if transport not in TRANSPORTS:
            raise InvalidInput.of("ESCALADA_GCP_TRANSPORT",
                "must be one of {transports}", transports=', '.join(TRANSPORTS))
        return cls(
            parent,
            endpoint=settings.text("gcp_endpoint"),
            transport=transport,
            test_cases=settings.flag("gcp_test_cases"),
            backoff=Backoff(max_attempts=settings.vendor_attempts()),
            dry_run=dry_run,
        )

    # --- the VendorClient operations -------------------------------------------------

    def open_case(self, request: VendorCaseRequest) -> Sent:
        from google.cloud.support_v2 import types

        subject = _text("subject", request.subject)
        body = _text("body", request.body)
        if not request.service:
            raise InvalidInput.of(
                "service",
                "required for Google Cloud: a case classification id "
                "(from search_case_classifications)",
            )
        severity = (request.severity or "").strip().upper()
        if severity not in PRIORITIES:
            raise InvalidInput.of("severity", "must be one of {priorities} for Google Cloud",
                                  priorities=', '.join(PRIORITIES))
        language = request.language or "en"
        case = types.Case(
            display_name=subject,
            description=f"{body}\n\nReference: {request.reference}",
            classification=types.CaseClassification(id=request.service),
            priority=severity,  # proto-plus takes an enum member's name
            subscriber_email_addresses=list(request.cc),
            language_code="en-US" if language == "en" else language,
            test_case=self.test_cases,
        )
        if request.contact_email:
            case.contact_email = request.contact_email
        message = types.CreateCaseRequest(parent=self.parent, case=case)
        call = VendorCall(VENDOR, "create_case", _as_dict(message))
        if self.dry_run:
            return Sent(call, dry_run=True)
        created = self._call(
            lambda **kw: self._cases().create_case(request=message, **kw),
            self.parent,
            creating=True,
            repeatable=False,
        )
        return Sent(call, case_id=str(created.name))

    def add_communication(self, case_id: str, body: str) -> Sent:
        from google.cloud.support_v2 import types

        name = _case_name(case_id)
        message = types.CreateCommentRequest(
            parent=case_id, comment=types.Comment(body=_text("body", body, MAX_COMMENT))
        )
        call = VendorCall(VENDOR, "create_comment", _as_dict(message))
        if self.dry_run:
            return Sent(call, case_id=case_id, dry_run=True)
        self._call(
            lambda **kw: self._comments().create_comment(request=message, **kw),
            name["parent"],
            case=case_id,
            repeatable=False,
        )
        return Sent(call, case_id=case_id)

    def fetch_case(self, case_id: str) -> VendorCase:
        from google.cloud.support_v2 import types

        name = _case_name(case_id)
        if self.dry_run:
            raise VendorFailed(
                VENDOR,
                Words("dry run: fetching {case_id} would call get_case and list_comments; nothing "
                      "was called",
                      case_id=case_id),
            )
        get = types.GetCaseRequest(name=case_id)
        case = self._call(
            lambda **kw: self._cases().get_case(request=get, **kw), name["parent"], case=case_id
        )
        comments: list[Any] = []
        token = ""
        while True:  # page by page, each page its own call with its own attempts
            listing = types.ListCommentsRequest(parent=case_id, page_token=token)
            page = self._call(
                lambda listing=listing, **kw: self._comments().list_comments(
                    request=listing, **kw
                ),
                name["parent"],
                case=case_id,
            )
            comments.extend(page.comments)  # the pager shows its first response's fields
            token = str(page.next_page_token)
            if not token:
                break
        state = _enum_name(types.Case.State, case.state)
        messages = sorted(
            (
                VendorMessage(
                    id=str(comment.name),
                    at=_utc(comment.create_time) or _EPOCH,
                    author=_author(comment.creator),
                    body=str(comment.body or comment.plain_text_body),
                    from_vendor=bool(comment.creator.google_support),
                )
                for comment in comments
            ),
            key=lambda message: (message.at, message.id),
        )
        return VendorCase(
            vendor=VENDOR,
            id=str(case.name) or case_id,
            display_id=name["number"],
            status=state,
            state=STATES.get(state, OPEN),
            severity=_enum_name(types.Case.Priority, case.priority),
            subject=str(case.display_name),
            opened_at=_utc(case.create_time),
            messages=tuple(messages),
        )

    def escalate(self, case_id: str, reason: str, justification: str) -> Sent:
        from google.cloud.support_v2 import types

        name = _case_name(case_id)
        code = (reason or "").strip().upper()
        if code not in REASONS:
            raise InvalidInput.of("reason", "must be one of {reasons}", reasons=', '.join(REASONS))
        message = types.EscalateCaseRequest(
            name=case_id,
            escalation=types.Escalation(
                reason=code,
                justification=_text("justification", justification),
            ),
        )
        call = VendorCall(VENDOR, "escalate_case", _as_dict(message))
        if self.dry_run:
            return Sent(call, case_id=case_id, dry_run=True)
        self._call(
            lambda **kw: self._cases().escalate_case(request=message, **kw),
            name["parent"],
            case=case_id,
        )
        return Sent(call, case_id=case_id)

    def close(self, case_id: str) -> Sent:
        from google.cloud.support_v2 import types

        name = _case_name(case_id)
        message = types.CloseCaseRequest(name=case_id)
        call = VendorCall(VENDOR, "close_case", _as_dict(message))
        if self.dry_run:
            return Sent(call, case_id=case_id, dry_run=True)
        self._call(
            lambda **kw: self._cases().close_case(request=message, **kw),
            name["parent"],
            case=case_id,
        )
        return Sent(call, case_id=case_id)

    # --- clients, retries and errors -------------------------------------------------

    def _client_options(self) -> Any:
        from google.api_core.client_options import ClientOptions

        return ClientOptions(api_endpoint=self.endpoint) if self.endpoint else None

    def _cases(self) -> Any:
        if self._case_client is None:
            from google.cloud.support_v2 import CaseServiceClient

            self._case_client = CaseServiceClient(
                credentials=self._credentials,
                transport=self.transport,
                client_options=self._client_options(),
            )
        return self._case_client

    def _comments(self) -> Any:
        if self._comment_client is None:
            from google.cloud.support_v2 import CommentServiceClient

            self._comment_client = CommentServiceClient(
                credentials=self._credentials,
                transport=self.transport,
                client_options=self._client_options(),
            )
        return self._comment_client

    def _call(
        self,
        send: Callable[..., T],
        parent: str,
        *,
        case: str | None = None,
        creating: bool = False,
        repeatable: bool = True,
    ) -> T:
        """Send one request with retries; Google's errors become VendorFailed saying
        what to do about them. A request that creates something (`repeatable=False`) is
        sent again only after an answer saying Google did nothing (throttled,
        unavailable): after an internal error or a timeout it may exist already."""
        from google.api_core import exceptions
        from google.api_core.retry import Retry
        from google.auth import exceptions as auth_exceptions

        backoff = self.backoff
        attempts = _Attempts(backoff.max_attempts,
                             _transient() if repeatable else _not_acted_on())
        retry = Retry(
            predicate=attempts,
            initial=backoff.initial,
            maximum=backoff.maximum,
            multiplier=backoff.multiplier,
            timeout=backoff.timeout,
        )
        try:
            return send(retry=retry, timeout=backoff.call_timeout)
        except exceptions.RetryError as error:  # retrying ran out of time
            cause = error.cause if isinstance(error.cause, Exception) else error
            raise self._failure(cause, attempts.made, parent, case, creating) from error
        except (exceptions.InternalServerError, exceptions.DeadlineExceeded) as error:
            if repeatable:
                raise self._failure(error, attempts.made, parent, case, creating) from error
            raise VendorFailed(
                VENDOR,
                Words("{value}: Google may have done it anyway; sync the case before trying again",
                      value=getattr(error, 'message', None) or error),
                retryable=True,
            ) from error
        except (exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError, OSError) as error:
            raise self._failure(error, attempts.made, parent, case, creating) from error

    def _failure(
        self, error: Exception, attempts: int, parent: str, case: str | None, creating: bool
    ) -> VendorFailed:
        from google.api_core import exceptions
        from google.auth import exceptions as auth_exceptions

        detail = getattr(error, "message", None) or str(error)
        if isinstance(error, auth_exceptions.DefaultCredentialsError):
            return VendorFailed(
                VENDOR,
                "no Google Cloud credentials found (Application Default Credentials): "
                "set GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default "
                "login`, or attach a service account",
            )
        if isinstance(error, auth_exceptions.GoogleAuthError):
            return VendorFailed(
                VENDOR,
                Words("the Google Cloud credentials could not be used ({detail}); refresh "
                      "Application Default Credentials",
                      detail=detail),
                retryable=isinstance(error, auth_exceptions.TransportError),
            )
        if isinstance(error, exceptions.NotFound):
            if creating or case is None:
                return VendorFailed(VENDOR, Words(
                    "Google Cloud has no {parent} (check ESCALADA_GCP_PARENT): {detail}",
                    parent=parent, detail=detail))
            return VendorFailed(VENDOR, Words("no Google Cloud support case {case}",
                                              case=case))
        if isinstance(error, exceptions.PermissionDenied):
            return VendorFailed(
                VENDOR,
                Words("the Google Cloud credentials may not use Cloud Support on {parent} "
                      "(roles/cloudsupport.techSupportEditor); a support plan above Basic is "
                      "needed for technical cases",
                      parent=parent),
            )
        if isinstance(error, exceptions.Unauthenticated):
            return VendorFailed(
                VENDOR,
                Words("Google Cloud refused the credentials ({detail}); refresh Application "
                      "Default Credentials",
                      detail=detail),
            )
        if isinstance(error, exceptions.InvalidArgument | exceptions.FailedPrecondition):
            return VendorFailed(VENDOR, detail)
        if isinstance(error, _transient()):
            tries = Words.counted("{count} attempt", "{count} attempts", attempts)
            return VendorFailed(
                VENDOR,
                Words("Google Cloud Support did not answer ({name}: {detail}) after {tries}; try "
                      "again later",
                      name=type(error).__name__, detail=detail, tries=tries),
                retryable=True,
            )
        if isinstance(error, OSError):
            return VendorFailed(
                VENDOR,
                Words("could not reach Google Cloud Support ({detail}); try again later",
                      detail=detail),
                retryable=True,
            )
        return VendorFailed(VENDOR, detail)


def _not_acted_on() -> tuple[type[Exception], ...]:
    """The errors after which Google certainly did nothing: throttled, unavailable."""
    from google.api_core import exceptions

    return (exceptions.ResourceExhausted, exceptions.ServiceUnavailable)


def _transient() -> tuple[type[Exception], ...]:
    """The errors worth another attempt: throttling, 5xx and timeouts."""
    from google.api_core import exceptions

    return (
        exceptions.ResourceExhausted,
        exceptions.ServiceUnavailable,
        exceptions.InternalServerError,
        exceptions.DeadlineExceeded,
    )
