"""Google Cloud Service Health (google-cloud-servicehealth, `servicehealth_v1`): the
active incidents on Google Cloud's products relevant to our project (or, for an
organization, to its projects), as the Personalized Service Health dashboard shows
them.

`ESCALADA_GCP_PARENT` names the project (`projects/P`: `list_events`) or the
organization (`organizations/O`: `list_organization_events`), as for support cases;
`ESCALADA_GCP_ENDPOINT` and `ESCALADA_GCP_TRANSPORT` (grpc or rest) are honoured.
Credentials are Application Default Credentials. One incident impacts several products
in several locations; each (product, location) is one event here. Throttling, 5xx and
timeouts are retried (`ESCALADA_VENDOR_MAX_ATTEMPTS` attempts in all), never another
4xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from escalada.adapters.vendors.gcp import TRANSPORTS, Backoff, _Attempts, _parent, _transient
from escalada.domain.errors import InvalidInput, VendorFailed
from escalada.domain.model import as_utc
from escalada.domain.vendor_health import CLOSED, OPEN, VendorEvent
from escalada.domain.words import Words
from escalada.settings import Settings

VENDOR = "gcp"
# Incidents going on now (not closed ones; Service Health has no maintenance category).
ACTIVE_INCIDENTS = "state=ACTIVE AND category=INCIDENT"


class GoogleHealth:
    """The active Google Cloud incidents. `client` is a ready ServiceHealthClient (tests);
    without it one is made on first use with `credentials`, `endpoint` and `transport`."""

    vendor = VENDOR

    def __init__(self, parent: str, *, endpoint: str | None = None, transport: str = "grpc",
                 backoff: Backoff | None = None, client: Any = None,
                 credentials: Any = None) -> None:
        self.parent = _parent(parent, "parent")
        if transport not in TRANSPORTS:
            raise InvalidInput.of("ESCALADA_GCP_TRANSPORT",
                                  "must be one of {transports}", transports=", ".join(TRANSPORTS))
        self.endpoint, self.transport = endpoint or None, transport
        self.backoff = backoff or Backoff()
        self._client, self._credentials = client, credentials

    @classmethod
    def from_settings(cls, settings: Settings) -> GoogleHealth:
        return cls(_parent(settings.text("gcp_parent") or ""),
                   endpoint=settings.text("gcp_endpoint"),
                   transport=(settings.text("gcp_transport") or "grpc").lower(),
                   backoff=Backoff(max_attempts=settings.vendor_attempts()))

    def open_events(self) -> list[VendorEvent]:
        """list_events (list_organization_events for an organization) for the active
        incidents, one event here for each product and location an incident impacts."""
        from google.api_core import exceptions
        from google.api_core.retry import Retry
        from google.auth import exceptions as auth_exceptions

        attempts = _Attempts(self.backoff.max_attempts, _transient())
        retry = Retry(predicate=attempts, initial=self.backoff.initial,
                      maximum=self.backoff.maximum, multiplier=self.backoff.multiplier,
                      timeout=self.backoff.timeout)
        location = f"{self.parent}/locations/global"
        client = self._sdk()
        listing = (client.list_organization_events if self.parent.startswith("organizations/")
                   else client.list_events)
        try:
            found = list(listing(request={"parent": location, "filter": ACTIVE_INCIDENTS},
                                 retry=retry, timeout=self.backoff.call_timeout))
        except exceptions.RetryError as error:
            cause = error.cause if isinstance(error.cause, Exception) else error
            raise _failure(cause, self.parent) from error
        except (exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError, OSError) as error:
            raise _failure(error, self.parent) from error
        return [event for incident in found for event in _events(incident)]

    def _sdk(self) -> Any:
        if self._client is None:
            from google.api_core.client_options import ClientOptions
            from google.cloud.servicehealth_v1 import ServiceHealthClient

            self._client = ServiceHealthClient(
                credentials=self._credentials, transport=self.transport,
                client_options=ClientOptions(api_endpoint=self.endpoint) if self.endpoint
                else None)
        return self._client


def _time(value: Any) -> datetime | None:
    if value is None or (isinstance(value, datetime) and value.timestamp() == 0):
        return None
    return as_utc(value)


def _events(incident: Any) -> Iterator[VendorEvent]:
    """The (product, location) events of one Google Cloud incident."""
    name = str(incident.name)
    started = _time(incident.start_time) or _time(incident.update_time)
    if started is None:
        raise VendorFailed(VENDOR, Words("Google Cloud sent event {event} without a start time",
                                         event=name))
    # A project's Event and an organization's OrganizationEvent each have their own State.
    status = OPEN if getattr(incident.state, "name", str(incident.state)) == "ACTIVE" else CLOSED
    for impact in incident.event_impacts or [None]:
        product = "" if impact is None else str(impact.product.product_name or "")
        where = "" if impact is None else str(impact.location.location_name or "")
        yield VendorEvent(
            vendor=VENDOR, id=f"{name}/{product}/{where or 'global'}", service=product,
            region=None if where in ("", "global") else where,
            title=str(incident.title or name), started_at=started, status=status,
            ended_at=_time(incident.end_time), updated_at=_time(incident.update_time),
            description=str(incident.description or ""))


def _failure(error: Exception, parent: str) -> VendorFailed:
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
    if isinstance(error, exceptions.Unauthorized | auth_exceptions.GoogleAuthError):
        return VendorFailed(VENDOR, Words(
            "Google Cloud refused the credentials ({detail}); refresh Application "
            "Default Credentials", detail=detail))
    if isinstance(error, exceptions.Forbidden):  # PermissionDenied over gRPC too
        return VendorFailed(VENDOR, Words(
            "the Google Cloud credentials may not read Service Health on {parent} "
            "(roles/servicehealth.viewer, and the Service Health API enabled)", parent=parent))
    if isinstance(error, _transient()):
        return VendorFailed(VENDOR, Words(
            "Google Cloud Service Health did not answer ({name}: {detail}); try again later",
            name=type(error).__name__, detail=detail), retryable=True)
    if isinstance(error, OSError):
        return VendorFailed(VENDOR, Words(
            "could not reach Google Cloud Service Health ({detail}); try again later",
            detail=detail), retryable=True)
    return VendorFailed(VENDOR, Words("Google Cloud Service Health: {detail}", detail=detail))
