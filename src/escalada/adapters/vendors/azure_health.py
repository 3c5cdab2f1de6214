"""Azure Service Health (azure-mgmt-resourcehealth, `ResourceHealthMgmtClient`): the
active service issues on the subscription, as the Azure portal's Service Health shows
them.

One Azure event impacts several services in several regions; each (service, region) it
impacts is one event here (its id is the tracking id, the service and the region), so
that it matches the cases of that service in that region. Credentials are
DefaultAzureCredential's with AZURE_SUBSCRIPTION_ID, as for Azure support tickets;
`ESCALADA_AZURE_ENDPOINT` names another ARM endpoint (https). Throttling and 5xx
answers are retried by azure-core (escalada's policy: never another 4xx).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from escalada.adapters.vendors.azure import DEFAULT_ENDPOINT, retry_policy
from escalada.domain.errors import InvalidInput, VendorFailed
from escalada.domain.model import as_utc
from escalada.domain.vendor_health import CLOSED, OPEN, VendorEvent
from escalada.domain.words import Words
from escalada.settings import Settings

VENDOR = "azure"
API_VERSION = "2025-05-01"
# Active service issues only (not planned maintenance, advisories or security notes).
ISSUES = "Properties/EventType eq 'ServiceIssue' and Properties/Status eq 'Active'"


class AzureHealth:
    """The active Azure service issues. `client_factory` makes a ResourceHealthMgmtClient."""

    vendor = VENDOR

    def __init__(self, client_factory: Callable[[], Any], subscription_id: str) -> None:
        self._client_factory, self.subscription_id = client_factory, subscription_id

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureHealth:
        subscription = settings.text("azure_subscription_id")
        if not subscription:
            raise InvalidInput.of("AZURE_SUBSCRIPTION_ID", "is required: the subscription "
                                  "whose service health to read")
        endpoint = settings.text("azure_endpoint") or DEFAULT_ENDPOINT
        if not endpoint.startswith("https://"):
            raise InvalidInput.of(
                "ESCALADA_AZURE_ENDPOINT", "must be an https URL (ARM tokens never go over http)"
            )
        attempts = settings.vendor_attempts()
        return cls(lambda: make_client(subscription, base_url=endpoint.rstrip("/"),
                                       max_attempts=attempts), subscription)

    def open_events(self) -> list[VendorEvent]:
        """events.list_by_subscription_id for active service issues, one event here for
        each service and region an issue impacts."""
        with self._calling():
            found = list(self._client_factory().events.list_by_subscription_id(filter=ISSUES))
        return [event for issue in found for event in _events(issue)]

    @contextmanager
    def _calling(self) -> Iterator[None]:
        from azure.core.exceptions import AzureError

        try:
            yield
        except AzureError as error:
            raise _failure(error, self.subscription_id) from error


def make_client(subscription_id: str, *, base_url: str = DEFAULT_ENDPOINT,
                credential: Any = None, max_attempts: int = 4,
                retry_backoff_factor: float = 0.8, **kwargs: Any) -> Any:
    """The SDK client with escalada's retries; `credential` defaults to
    DefaultAzureCredential, `kwargs` go to the client (e.g. a test's
    authentication_policy)."""
    from azure.mgmt.resourcehealth import ResourceHealthMgmtClient

    if credential is None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    return ResourceHealthMgmtClient(
        credential, subscription_id, base_url=base_url, api_version=API_VERSION,
        retry_policy=retry_policy(max_attempts, retry_backoff_factor), **kwargs)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _word(value: Any) -> str:
    """An SDK enum's value (or a string), lower case."""
    return str(getattr(value, "value", value) or "").lower()


def _events(issue: Any) -> Iterator[VendorEvent]:
    """The (service, region) events of one Azure event."""
    found = issue.properties
    if found is None:
        return
    tracking = str(issue.name or "")
    started = _time(found.impact_start_time) or _time(found.last_update_time)
    if started is None:
        raise VendorFailed(VENDOR, Words("Azure sent event {event} without a start time",
                                         event=tracking))
    status = OPEN if _word(found.status) == "active" else CLOSED
    for impact in found.impact or []:
        service = str(impact.impacted_service or "")
        for region in impact.impacted_regions or [None]:
            name = None if region is None else str(region.impacted_region or "") or None
            region_open = region is None or _word(region.status or "active") == "active"
            yield VendorEvent(
                vendor=VENDOR, id=f"{tracking}/{service}/{name or 'global'}", service=service,
                region=None if name in (None, "Global") else name,
                title=str(found.title or found.header or tracking),
                started_at=started, status=status if region_open else CLOSED,
                ended_at=_time(found.impact_mitigation_time),
                updated_at=_time(found.last_update_time),
                description=str(found.summary or found.description or ""))


def _failure(error: Any, subscription_id: str) -> VendorFailed:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    from escalada.adapters.vendors.azure import _arm_error, _squeezed

    status = error.status_code if isinstance(error, HttpResponseError) else None
    if isinstance(error, ClientAuthenticationError) and status is None:
        tried = str(error).partition("Attempted credentials:")[2].partition("To mitigate")[0]
        detail = f" (tried: {_squeezed(tried, 400)})" if tried else ""
        return VendorFailed(VENDOR, Words(
            "no Azure credentials found (environment, managed identity, Azure CLI): "
            "run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
            "AZURE_CLIENT_SECRET{detail}", detail=detail))
    if status in (401, 403):
        return VendorFailed(VENDOR, Words(
            "the Azure credentials may not read Service Health on subscription "
            "{subscription_id} (give them the Reader role)", subscription_id=subscription_id))
    if isinstance(error, HttpResponseError) and status is not None:
        code, message = _arm_error(error)
        if status in (408, 429) or status >= 500:
            return VendorFailed(VENDOR, Words(
                "Azure Resource Manager answered {status} after retries ({message}); try "
                "again later", status=status, message=message), retryable=True)
        return VendorFailed(VENDOR, Words("Azure Service Health: {message} ({code})",
                                          message=message, code=code or status))
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return VendorFailed(VENDOR, Words(
            "could not reach Azure Resource Manager ({reason}); try again later",
            reason=_squeezed(str(error), 300)), retryable=True)
    return VendorFailed(VENDOR, _squeezed(str(error), 300))
