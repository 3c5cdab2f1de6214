"""The cloud vendors' support APIs behind one interface: open a case, add a
communication, fetch the case with its status and communications, escalate, close.

Each vendor's adapter (aws.py, azure.py, gcp.py) uses the vendor's official SDK with
its usual credential chain, retries throttling and 5xx answers with backoff (never a
4xx), and maps the vendor's errors to `VendorFailed` with a message a support engineer
can act on. Built with `dry_run=True`, an adapter calls nothing and returns the exact
request it would have sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from escalada.settings import VENDOR_ATTEMPTS_DEFAULT, Settings

VENDORS = ("aws", "azure", "gcp")
# Attempts per vendor call, the first included, unless ESCALADA_VENDOR_MAX_ATTEMPTS says.
DEFAULT_MAX_ATTEMPTS = VENDOR_ATTEMPTS_DEFAULT
# The SDK each adapter needs (module, distribution), installed by the extra of the
# vendor's name: pip install 'escalada[aws]' (or [vendors] for all three).
SDKS = {
    "aws": (("boto3", "boto3"),),
    "azure": (("azure.mgmt.support", "azure-mgmt-support"), ("azure.identity", "azure-identity")),
    "gcp": (("google.cloud.support_v2", "google-cloud-support"),),
}
# The states escalada tracks a vendor case in, whatever the vendor calls them.
OPEN, WAITING_ON_US, RESOLVED, CLOSED = "open", "waiting_on_us", "resolved", "closed"


@dataclass(frozen=True, slots=True)
class VendorCaseRequest:
    """What opening a vendor case needs."""

    reference: str  # our case, e.g. CASE-42 (Azure's ticket name is derived from it)
    subject: str
    body: str
    severity: str  # the vendor's own code: aws low..critical, azure minimal..
    # highestcriticalimpact, gcp P0..P4
    service: str | None = None  # aws serviceCode, azure service id, gcp classification id
    category: str | None = None  # aws categoryCode, azure problem classification id
    contact_name: str | None = None
    contact_email: str | None = None
    cc: tuple[str, ...] = ()
    language: str = "en"


@dataclass(frozen=True, slots=True)
class VendorCall:
    """One request to a vendor, as sent (or, dry, as it would be sent)."""

    vendor: str
    operation: str  # the SDK's name for it, e.g. create_case, begin_create
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sent:
    """What a change at the vendor did: the call, and the case's id once opened."""

    call: VendorCall
    case_id: str | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class VendorMessage:
    """One communication on the vendor's case."""

    id: str  # stable across fetches (the vendor's id, or a digest of time+author+body)
    at: datetime  # UTC
    author: str
    body: str
    from_vendor: bool  # False: written by us (through escalada or the vendor's console)


@dataclass(frozen=True, slots=True)
class VendorCase:
    vendor: str
    id: str  # the id the API takes (AWS caseId, Azure ticket name, GCP case name)
    display_id: str | None  # what people quote (AWS displayId, Azure supportTicketId)
    status: str  # the vendor's own word
    state: str  # OPEN, WAITING_ON_US, RESOLVED or CLOSED
    severity: str
    subject: str
    opened_at: datetime | None
    messages: tuple[VendorMessage, ...] = field(default_factory=tuple)


class VendorClient(Protocol):
    vendor: str

    def open_case(self, request: VendorCaseRequest) -> Sent: ...

    def add_communication(self, case_id: str, body: str) -> Sent: ...

    def fetch_case(self, case_id: str) -> VendorCase: ...

    def escalate(self, case_id: str, reason: str, justification: str) -> Sent:
        """Ask for more attention. `reason` is one of RESOLUTION_TIME,
        TECHNICAL_EXPERTISE, BUSINESS_IMPACT (Google's escalation reasons; AWS and
        Azure, which have no escalate call, put it in a communication)."""
        ...

    def close(self, case_id: str) -> Sent: ...


def require_sdk(vendor: str, sdks: Mapping[str, Any] = SDKS) -> None:
    """InvalidInput naming the extra to install when the vendor's SDK is missing (the
    SDKs are optional: a deployment that talks to no vendor does without them). `sdks`
    is the table to look in: the support cases' by default, or the service-health
    feeds' (adapters.vendors.health)."""
    from importlib.util import find_spec

    from escalada.domain.errors import InvalidInput

    for module, distribution in sdks[vendor]:
        try:
            found = find_spec(module) is not None
        except ImportError:  # a parent package (azure, google.cloud) is missing
            found = False
        if not found:
            raise InvalidInput.of("vendor", "{vendor} needs {distribution}, which is not "
                                  "installed: pip install 'escalada[{vendor}]' (or "
                                  "'escalada[vendors]' for all three)", vendor=vendor,
                                  distribution=distribution)


class Vendors(Protocol):
    """What a use case asks for a vendor's client by: its name, and whether to call it
    for real or only say what would be sent."""

    def __call__(self, vendor: str, *, dry_run: bool = False) -> VendorClient: ...


def vendor_client(
    vendor: str, *, environ: Mapping[str, str] | None = None, dry_run: bool = False,
    settings: Settings | None = None,
) -> VendorClient:
    """The adapter for `vendor`, configured from `settings` (or `environ`, or the process
    environment); an unknown vendor or a missing setting is InvalidInput naming it."""
    from escalada.domain.errors import InvalidInput

    if vendor in SDKS:
        require_sdk(vendor)
    configured = settings or (Settings.current() if environ is None else Settings.of(environ))
    if vendor == "aws":
        from escalada.adapters.vendors.aws import AwsSupport

        client: VendorClient = AwsSupport.from_settings(configured, dry_run=dry_run)
        return client
    if vendor == "azure":
        from escalada.adapters.vendors.azure import AzureSupport

        return AzureSupport.from_settings(configured, dry_run=dry_run)
    if vendor == "gcp":
        from escalada.adapters.vendors.gcp import GoogleSupport

        return GoogleSupport.from_settings(configured, dry_run=dry_run)
    raise InvalidInput.of("vendor", "must be one of {vendors}", vendors=', '.join(VENDORS))

