"""Azure support tickets through azure-mgmt-support's `MicrosoftSupport` (ARM api
2024-04-01).

Settings (`from_environ`):

- `AZURE_SUBSCRIPTION_ID` (required): the subscription whose support tickets escalada opens;
- `ESCALADA_AZURE_ENDPOINT`: the ARM base URL (https), by default https://management.azure.com;
- `ESCALADA_AZURE_CONTACT_FIRST_NAME`, `_LAST_NAME`, `_EMAIL`: the ticket's contact (needed
  to open one; without them, the request's contact_name and contact_email), `_COUNTRY`
  (ISO 3166 alpha-3, USA), `_TIMEZONE` (a Windows time zone id, UTC), `_LANGUAGE` (en-US);
- `ESCALADA_VENDOR_MAX_ATTEMPTS` (default 4): attempts per call, the first included.

Credentials are `DefaultAzureCredential` (environment, workload and managed identity, Azure
CLI, ...), made when the first real call is; never for a dry run. azure-core retries 408,
429 and 5xx answers and dropped connections with backoff; no other 4xx is ever retried,
even with a Retry-After. Ticket and communication names are derived from their content,
and ARM's PUT is idempotent by name, so retrying a call never makes a second ticket.

The SDK is imported inside functions, so importing escalada stays fast.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.core.exceptions import AzureError, HttpResponseError
    from azure.core.pipeline.policies import RetryPolicy
    from azure.mgmt.support import MicrosoftSupport
    from azure.mgmt.support.models import (
        CommunicationDetails,
        ContactProfile,
        SupportTicketDetails,
    )

VENDOR = "azure"
API_VERSION = "2024-04-01"
DEFAULT_ENDPOINT = "https://management.azure.com"
SEVERITIES = ("minimal", "moderate", "critical", "highestcriticalimpact")
# Escalating raises the severity one step, but never to highestcriticalimpact, which only
# Premium plans may use: a person decides that.
RAISED = {"minimal": "moderate", "moderate": "critical"}
REASONS = {
    "RESOLUTION_TIME": "the resolution is taking too long",
    "TECHNICAL_EXPERTISE": "the ticket needs more technical expertise",
    "BUSINESS_IMPACT": "the business impact has grown",
}
_SERVICES = "/providers/Microsoft.Support/services/"
_CLASSIFICATION = re.compile(
    r"(?P<service>/providers/Microsoft\.Support/services/[^/]+)/problemClassifications/[^/]+",
    re.IGNORECASE,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AzureContact:
    """Who Microsoft contacts about a ticket; names and email may come per request."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    country: str = "USA"
    timezone: str = "UTC"
    language: str = "en-US"


def make_client(
    subscription_id: str,
    *,
    base_url: str = DEFAULT_ENDPOINT,
    credential: TokenCredential | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_backoff_factor: float = 0.8,
    **kwargs: Any,
) -> MicrosoftSupport:
    """The SDK client with escalada's retries; `credential` defaults to
    DefaultAzureCredential, `kwargs` go to MicrosoftSupport (e.g. a test's
    authentication_policy and polling_interval)."""
    from azure.mgmt.support import MicrosoftSupport

    if credential is None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    return MicrosoftSupport(
        credential, subscription_id, base_url=base_url, api_version=API_VERSION,
        retry_policy=retry_policy(max_attempts, retry_backoff_factor), **kwargs,
    )


def retry_policy(max_attempts: int, backoff_factor: float = 0.8) -> RetryPolicy[Any, Any]:
    """azure-core's RetryPolicy for 408, 429, 5xx and connection failures, `max_attempts`
    attempts in all; unlike the stock one, it never retries another 4xx, even one that
    carries a Retry-After header."""
    from azure.core.pipeline.policies import RetryPolicy

    class ThrottlingAndServerErrors(RetryPolicy[Any, Any]):
        def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
            status = int(response.http_response.status_code)
            if 400 <= status < 500 and status not in (408, 429):
                return False
            return bool(super().is_retry(settings, response))

    retries = max(max_attempts - 1, 0)
    return ThrottlingAndServerErrors(
        retry_total=retries, retry_connect=retries, retry_read=retries, retry_status=retries,
        retry_backoff_factor=backoff_factor,
    )


def ticket_name(reference: str, subject: str) -> str:
    """The ticket's ARM name, the same for the same case and subject (CASE-42 ->
    escalada-case-42-1a2b3c4d), so a retried create finds the ticket it made."""
    slug = re.sub(r"[^a-z0-9]+", "-", reference.lower()).strip("-")[:40] or "case"
    digest = hashlib.sha256(f"{reference}\n{subject}".encode()).hexdigest()[:8]
    return f"escalada-{slug}-{digest}"


def communication_name(body: str) -> str:
    """A communication's ARM name from a digest of its body: posting the same body twice
    on a ticket is one communication."""
    return f"escalada-{hashlib.sha256(body.encode()).hexdigest()[:16]}"


class AzureSupport:
    """Opens and follows Azure support tickets; `case_id` is the ticket's ARM name."""

    vendor = VENDOR

    def __init__(
        self,
        client: MicrosoftSupport | None = None,
        *,
        contact: AzureContact | None = None,
        subscription_id: str | None = None,
        dry_run: bool = False,
        client_factory: Callable[[], MicrosoftSupport] | None = None,
    ) -> None:
        """`client` is a ready SDK client (tests); without it, `client_factory` makes one
        on the first real call."""
        if subscription_id is None and client is not None:
            subscription_id = str(client._config.subscription_id)
        if not subscription_id:
            raise InvalidInput.of("AZURE_SUBSCRIPTION_ID", "is required")
        self.subscription_id = subscription_id
        self.contact = contact or AzureContact()
        self.dry_run = dry_run
        self._client, self._client_factory = client, client_factory

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, dry_run: bool = False) -> AzureSupport:
        return cls.from_settings(Settings.of(environ), dry_run=dry_run)

    @classmethod
    def from_settings(cls, settings: Settings, *, dry_run: bool = False) -> AzureSupport:
        subscription = settings.text("azure_subscription_id")
        if not subscription:
            raise InvalidInput.of(
                "AZURE_SUBSCRIPTION_ID", "is required: the subscription whose tickets to open"
            )
        if not _is_guid(subscription):
            raise InvalidInput.of("AZURE_SUBSCRIPTION_ID", "must be a subscription id (a GUID)")
        endpoint = settings.text("azure_endpoint") or DEFAULT_ENDPOINT
        if not endpoint.startswith("https://"):
            raise InvalidInput.of(
                "ESCALADA_AZURE_ENDPOINT", "must be an https URL (ARM tokens never go over http)"
            )
        attempts = settings.vendor_attempts()
        return cls(
            contact=_contact(settings), subscription_id=subscription, dry_run=dry_run,
            client_factory=lambda: make_client(
                subscription, base_url=endpoint.rstrip("/"), max_attempts=attempts
            ),
        )

    # the five calls

    def open_case(self, request: VendorCaseRequest) -> Sent:
        """Creates the ticket (PUT by name: a retry finds the ticket, never makes two)."""
        from azure.core.exceptions import ResourceExistsError

        name = ticket_name(request.reference, request.subject)
        details = self._ticket_details(request)
        call = self._call("begin_create", "PUT", self._path(name), details.serialize())
        if self.dry_run:
            return Sent(call, case_id=name, dry_run=True)
        with self._calling():
            try:
                self._sdk().support_tickets.begin_create(name, details).result()
            except ResourceExistsError:  # made by an earlier attempt
                self._sdk().support_tickets.get(name)
        return Sent(call, case_id=name)

    def add_communication(self, case_id: str, body: str) -> Sent:
        ticket = _ticket(case_id)
        if not body.strip():
            raise InvalidInput.of("body", "is required")
        return self._post(ticket, _first_line(body), body)

    def fetch_case(self, case_id: str) -> VendorCase:
        ticket = _ticket(case_id)
        if self.dry_run:
            raise VendorFailed(VENDOR, Words(
                "dry run: fetching {ticket} would call support_tickets.get and "
                "communications.list; nothing was called", ticket=ticket))
        with self._calling(ticket):
            details = self._sdk().support_tickets.get(ticket)
            communications = list(self._sdk().communications.list(ticket))
        return _vendor_case(ticket, details, communications)

    def escalate(self, case_id: str, reason: str, justification: str) -> Sent:
        """Asks for escalation in a communication, after raising the ticket's severity one
        step (minimal -> moderate -> critical) when ARM allows it; the Sent is the
        communication's, with both calls under params["calls"]. A repeated escalation
        (same reason and justification) finds its communication and changes nothing."""
        ticket, reason = _ticket(case_id), reason.strip().upper()
        if reason not in REASONS:
            raise InvalidInput.of("reason", "must be one of {reasons}", reasons=', '.join(REASONS))
        if not justification.strip():
            raise InvalidInput.of("justification", "is required")
        name = communication_name(f"{reason}\n{justification}")
        if self.dry_run:
            raise_it = self._call("update", "PATCH", self._path(ticket),
                                  {"severity": "one step above the ticket's, at most critical"})
            outcome = "will be raised one step (at most to critical)"
            return self._post(ticket, _escalation_subject(reason),
                              _escalation_body(reason, justification, outcome), name, [raise_it])
        with self._calling(ticket):
            severity = str(self._sdk().support_tickets.get(ticket).severity or "").lower()
            posted = self._existing_communication(ticket, name)
            if posted is not None:  # an earlier attempt got through: change nothing
                body = posted.serialize()
                call = self._call("begin_create", "PUT", self._path(ticket, name), body)
                return Sent(_with_calls(call, []), case_id=ticket)
            severity_call, outcome = self._raise_severity(ticket, severity)
        calls = [severity_call] if severity_call else []
        return self._post(ticket, _escalation_subject(reason),
                          _escalation_body(reason, justification, outcome), name, calls)

    def close(self, case_id: str) -> Sent:
        from azure.mgmt.support.models import UpdateSupportTicket

        ticket = _ticket(case_id)
        change = UpdateSupportTicket(status="closed")
        call = self._call("update", "PATCH", self._path(ticket), change.serialize())
        if self.dry_run:
            return Sent(call, case_id=ticket, dry_run=True)
        with self._calling(ticket):
            self._sdk().support_tickets.update(ticket, change)
        return Sent(call, case_id=ticket)

    # helpers

    def _post(self, ticket: str, subject: str, body: str, name: str | None = None,
              calls: list[VendorCall] | None = None) -> Sent:
        from azure.core.exceptions import ResourceExistsError
        from azure.mgmt.support.models import CommunicationDetails

        name = name or communication_name(body)
        details = CommunicationDetails(subject=subject, body=body, sender=self.contact.email)
        call = self._call("begin_create", "PUT", self._path(ticket, name), details.serialize())
        call = _with_calls(call, calls) if calls is not None else call
        if self.dry_run:
            return Sent(call, case_id=ticket, dry_run=True)
        # ResourceExistsError: posted by an earlier attempt
        with self._calling(ticket), suppress(ResourceExistsError):
            self._sdk().communications.begin_create(ticket, name, details).result()
        return Sent(call, case_id=ticket)

    def _existing_communication(self, ticket: str, name: str) -> CommunicationDetails | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._sdk().communications.get(ticket, name)
        except ResourceNotFoundError:
            return None

    def _raise_severity(self, ticket: str, current: str) -> tuple[VendorCall | None, str]:
        """Raises the severity one step when ARM lets it; (the PATCH, what happened)."""
        from azure.core.exceptions import HttpResponseError
        from azure.mgmt.support.models import UpdateSupportTicket

        target = RAISED.get(current)
        if target is None:
            return None, f"stays {current or 'unknown'} (escalada raises it to critical at most)"
        change = UpdateSupportTicket(severity=target)
        call = self._call("update", "PATCH", self._path(ticket), change.serialize())
        try:
            self._sdk().support_tickets.update(ticket, change)
        except HttpResponseError as error:
            if error.status_code not in (400, 409, 422):
                raise
            _, message = _arm_error(error)
            return None, (f"could not be raised from {current} to {target} through the API "
                          f"({message}); please raise it to {target}")
        return call, f"raised from {current} to {target}"

    def _ticket_details(self, request: VendorCaseRequest) -> SupportTicketDetails:
        from azure.mgmt.support.models import SupportTicketDetails

        problems: list[tuple[str, str | Words]] = []
        if not request.subject.strip():
            problems.append(("subject", "is required"))
        if not request.body.strip():
            problems.append(("body", "is required"))
        severity = _severity(request.severity, problems)
        service = _service_id(request.service, problems)
        classification = _classification_id(request.category, service, problems)
        contact = self._contact_profile(request, problems)
        if problems or contact is None:
            raise InvalidInput(problems)
        return SupportTicketDetails(
            title=request.subject, description=f"{request.body}\n\nReference: {request.reference}",
            service_id=service, problem_classification_id=classification, severity=severity,
            require24_x7_response=severity in ("critical", "highestcriticalimpact"),
            advanced_diagnostic_consent="Yes", contact_details=contact,
        )

    def _contact_profile(self, request: VendorCaseRequest,
                         problems: list[tuple[str, str | Words]]) -> ContactProfile | None:
        from azure.mgmt.support.models import ContactProfile

        first, last = self.contact.first_name, self.contact.last_name
        if not (first and last) and request.contact_name:
            given, _, family = request.contact_name.strip().partition(" ")
            first, last = first or given, last or family.strip()
        email = self.contact.email or request.contact_email
        if not (first and last):
            problems.append(("ESCALADA_AZURE_CONTACT_FIRST_NAME", "and _LAST_NAME are required "
                             "(or the request's contact_name, first and last name)"))
        if not email:
            problems.append(("ESCALADA_AZURE_CONTACT_EMAIL",
                             "is required (or the request's contact_email)"))
        if not (first and last and email):
            return None
        copied = [address for address in (request.contact_email, *request.cc)
                  if address and address != email]
        return ContactProfile(
            first_name=first, last_name=last, preferred_contact_method="email",
            primary_email_address=email, additional_email_addresses=copied or None,
            preferred_time_zone=self.contact.timezone, country=self.contact.country,
            preferred_support_language=self.contact.language,
        )

    def _path(self, ticket: str, communication: str | None = None) -> str:
        path = (f"/subscriptions/{self.subscription_id}/providers/Microsoft.Support"
                f"/supportTickets/{ticket}")
        return f"{path}/communications/{communication}" if communication else path

    def _call(self, operation: str, method: str, path: str, body: Any) -> VendorCall:
        return VendorCall(VENDOR, operation, {"method": method, "path": path,
                                              "api_version": API_VERSION, "body": body})

    def _sdk(self) -> MicrosoftSupport:
        if self._client is None:
            if self._client_factory is None:
                raise VendorFailed(VENDOR, "no Azure client: build AzureSupport.from_environ")
            self._client = self._client_factory()
        return self._client

    @contextmanager
    def _calling(self, ticket: str | None = None) -> Iterator[None]:
        """Turns the SDK's errors into VendorFailed with what to do about them."""
        from azure.core.exceptions import AzureError

        try:
            yield
        except AzureError as error:
            raise self._failure(error, ticket) from error

    def _failure(self, error: AzureError, ticket: str | None) -> VendorFailed:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )
        from azure.identity import CredentialUnavailableError

        status = error.status_code if isinstance(error, HttpResponseError) else None
        if isinstance(error, ClientAuthenticationError) and status is None:
            # DefaultAzureCredential says it found none with a plain ClientAuthenticationError
            tried = str(error).partition("Attempted credentials:")[2].partition("To mitigate")[0]
            if isinstance(error, CredentialUnavailableError) or tried:
                detail = f" (tried: {_squeezed(tried, 400)})" if tried else ""
                return VendorFailed(VENDOR, Words(
                    "no Azure credentials found (environment, managed identity, Azure CLI): "
                    "run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                    "AZURE_CLIENT_SECRET{detail}", detail=detail))
            return VendorFailed(VENDOR, Words("Azure sign-in failed: {reason}",
                                              reason=_squeezed(str(error), 300)))
        if status == 404 and ticket is not None:
            return VendorFailed(VENDOR, Words(
                "no Azure support ticket {ticket} in subscription {subscription_id}",
                ticket=ticket, subscription_id=self.subscription_id))
        if status in (401, 403):
            return VendorFailed(VENDOR, Words(
                "the Azure credentials may not manage support tickets on subscription "
                "{subscription_id} (give them the Support Request Contributor role)",
                subscription_id=self.subscription_id))
        if isinstance(error, HttpResponseError) and status is not None:
            code, message = _arm_error(error)
            if status in (408, 429) or status >= 500:
                return VendorFailed(VENDOR, Words(
                    "Azure Resource Manager answered {status} after retries ({message}); try "
                    "again later", status=status, message=message), retryable=True)
            return VendorFailed(VENDOR, f"{message} ({code})" if code else message)
        if isinstance(error, ServiceRequestError | ServiceResponseError):
            return VendorFailed(VENDOR, Words(
                "could not reach Azure Resource Manager ({reason}); try again later",
                reason=_squeezed(str(error), 300)), retryable=True)
        return VendorFailed(VENDOR, _squeezed(str(error), 300))


def _vendor_case(ticket: str, details: SupportTicketDetails,
                 communications: list[CommunicationDetails]) -> VendorCase:
    status = str(details.status or "Open")
    messages = sorted(
        (
            VendorMessage(
                id=str(item.name), at=_utc(item.created_date) or _EPOCH,
                author=item.sender or ("Microsoft" if _from_microsoft(item) else "us"),
                body=item.body or "", from_vendor=_from_microsoft(item),
            )
            for item in communications
        ),
        key=lambda message: (message.at, message.id),
    )
    return VendorCase(
        vendor=VENDOR, id=ticket, display_id=details.support_ticket_id, status=status,
        state=_state(status), severity=str(details.severity or "").lower(),
        subject=details.title or "", opened_at=_utc(details.created_date),
        messages=tuple(messages),
    )


def _from_microsoft(item: CommunicationDetails) -> bool:
    """ARM's direction is Microsoft's: "inbound" came from the customer (what escalada
    posts reads back inbound), "outbound" went from Microsoft's engineers to us."""
    return str(item.communication_direction or "").lower() == "outbound"


def _state(status: str) -> str:
    """ARM documents Open, Updating and Closed; other words are read for their meaning."""
    word = re.sub(r"[^a-z]", "", status.lower())
    if word == "closed":
        return CLOSED
    if "waiting" in word and any(who in word for who in ("customer", "you", "response")):
        return WAITING_ON_US
    if word in ("resolved", "solved", "solutionprovided"):
        return RESOLVED
    return OPEN


def _severity(value: str, problems: list[tuple[str, str | Words]]) -> str:
    severity = value.strip().lower()
    if severity not in SEVERITIES:
        problems.append(("severity", Words("must be one of {severities}",
                                           severities=", ".join(SEVERITIES))))
    return severity


def _service_id(value: str | None, problems: list[tuple[str, str | Words]]) -> str:
    """The service's ARM id, from the id or its bare GUID."""
    text = (value or "").strip()
    if _is_guid(text):
        return f"{_SERVICES}{text}"
    if text.lower().startswith(_SERVICES.lower()) and "/" not in text[len(_SERVICES):]:
        return text
    problems.append(("service", "Azure needs the service: its id "
                     "(/providers/Microsoft.Support/services/GUID) or GUID"))
    return ""


def _classification_id(value: str | None, service: str,
                       problems: list[tuple[str, str | Words]]) -> str:
    """The problem classification's ARM id, from the id or its GUID under `service`."""
    text = (value or "").strip()
    if _is_guid(text):
        return f"{service}/problemClassifications/{text}" if service else ""
    match = _CLASSIFICATION.fullmatch(text)
    if match is None:
        problems.append(("category", "Azure needs the problem classification: its id "
                         "(.../problemClassifications/GUID) or GUID"))
        return ""
    if service and match["service"].lower() != service.lower():
        problems.append(("category", Words("belongs to {owner}, not to {service}",
                                           owner=match["service"], service=service)))
    return text


def _contact(settings: Settings) -> AzureContact:
    def setting(suffix: str, default: str | None = None) -> str | None:
        return settings.text(f"azure_contact_{suffix.lower()}") or default

    country = str(setting("COUNTRY", "USA")).upper()
    if not re.fullmatch(r"[A-Z]{3}", country):
        raise InvalidInput.of("ESCALADA_AZURE_CONTACT_COUNTRY", "must be an ISO 3166 alpha-3 "
                              "code, e.g. USA, DEU, ESP")
    return AzureContact(
        first_name=setting("FIRST_NAME"), last_name=setting("LAST_NAME"), email=setting("EMAIL"),
        country=country, timezone=str(setting("TIMEZONE", "UTC")),
        language=str(setting("LANGUAGE", "en-US")),
    )


def _arm_error(error: HttpResponseError) -> tuple[str | None, str]:
    """(code, message) of an ARM error body; the Support RP writes {"Error": {"Code":
    ..., "Message": ...}} as well as ARM's lower-case {"error": {"code": ...}}."""
    try:
        body: Any = json.loads(error.response.text()) if error.response is not None else None
    except Exception:  # an unreadable body just has no details
        body = None
    if isinstance(body, dict):
        inner = _key(body, "error")
        found = inner if isinstance(inner, dict) else body
        code, message = _key(found, "code"), _key(found, "message")
        if message:
            return (str(code) if code else None), str(message)
    return None, f"{error.status_code} {error.reason or 'error'}"


def _key(mapping: Mapping[str, Any], name: str) -> Any:
    return next((value for key, value in mapping.items() if key.lower() == name), None)


def _with_calls(call: VendorCall, calls: list[VendorCall]) -> VendorCall:
    steps = [{"operation": step.operation, **step.params} for step in [*calls, call]]
    return VendorCall(call.vendor, call.operation, {**call.params, "calls": steps})


def _escalation_subject(reason: str) -> str:
    return f"Escalation request: {REASONS[reason]}"


def _escalation_body(reason: str, justification: str, severity_outcome: str) -> str:
    return (f"We ask you to escalate this ticket: {REASONS[reason]} ({reason}).\n\n"
            f"{justification.strip()}\n\nSeverity: {severity_outcome}.")


def _ticket(case_id: str) -> str:
    ticket = case_id.strip()
    if not ticket or "/" in ticket:
        raise InvalidInput.of("case_id", "must be an Azure support ticket name")
    return ticket


def _first_line(text: str, limit: int = 100) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _squeezed(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return as_utc(moment)
