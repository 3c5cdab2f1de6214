"""The cloud vendors' own service-health events (AWS Health, Azure Service Health,
Google Cloud Service Health) and which of our open cases they bear on (pure).

An event matches a case when it is open at `now`, names a service the case lists (the
names compared as keys: lower case, letters and digits only, the vendor's own prefix
dropped, so "Amazon RDS", "aws-rds" and "RDS" are one service), and is in one of the
case's regions (compared the same way: "West Europe" is "westeurope"). An event with no
region (global) matches any case of its service, and a case that lists no regions
matches its service's events in every region.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from escalada.domain.words import Words

VENDOR_HEALTH = ("aws", "azure", "gcp")
VENDOR_LABELS = {"aws": "AWS", "azure": "Azure", "gcp": "Google Cloud"}
OPEN, CLOSED = "open", "closed"
# Words a service's name may start with that only name the vendor.
_VENDOR_WORDS = ("aws", "amazon", "azure", "microsoft", "google", "gcp")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class VendorEvent:
    """One event on a vendor's service-health feed, as the vendor reports it."""

    vendor: str  # aws | azure | gcp
    id: str  # the vendor's id: AWS event ARN, Azure tracking id, Google event name
    service: str  # as the vendor names it: RDS, Virtual Machines, Cloud SQL
    region: str | None  # None: global, or not tied to a region
    title: str  # e.g. "increased error rates"
    started_at: datetime  # UTC
    status: str = OPEN  # OPEN or CLOSED
    ended_at: datetime | None = None
    updated_at: datetime | None = None
    description: str = ""


def service_key(name: str) -> str:
    """A service's name as compared: 'Amazon RDS' -> 'rds', 'Cloud SQL' -> 'cloudsql'."""
    words = _WORD.findall(name.lower())
    while len(words) > 1 and words[0] in _VENDOR_WORDS:
        words = words[1:]
    return "".join(words)


def region_key(name: str) -> str:
    """A region's name as compared: 'West Europe' and 'westeurope' are one region."""
    return "".join(_WORD.findall(name.lower()))


def is_open(event: VendorEvent, now: datetime) -> bool:
    """Whether the vendor reports the event as going on at `now`."""
    return (event.status == OPEN and event.started_at <= now
            and (event.ended_at is None or event.ended_at > now))


def matches(
    event: VendorEvent, *, services: Iterable[str], regions: Iterable[str], now: datetime,
) -> bool:
    """Whether `event` bears on a case with these services and regions at `now`."""
    if not is_open(event, now):
        return False
    if service_key(event.service) not in {service_key(s) for s in services}:
        return False
    wanted = {region_key(region) for region in regions if region.strip()}
    return event.region is None or not wanted or region_key(event.region) in wanted


def matching_cases(
    event: VendorEvent, cases: Iterable[tuple[int, Iterable[str], Iterable[str]]],
    now: datetime,
) -> list[int]:
    """The numbers of the cases (number, services, regions) that `event` matches."""
    return [number for number, services, regions in cases
            if matches(event, services=services, regions=regions, now=now)]


def reported(event: VendorEvent, *, timezone: str, now: datetime) -> Words:
    """'AWS reports: increased error rates for RDS in eu-central-1 since 14:05', the
    time in `timezone` (the account's), with its date when that is not today there."""
    zone = ZoneInfo(timezone)
    began = event.started_at.astimezone(zone)
    since = began.strftime("%H:%M" if began.date() == now.astimezone(zone).date()
                           else "%Y-%m-%d %H:%M")
    vendor = VENDOR_LABELS.get(event.vendor, event.vendor)
    if event.region is None:
        return Words("{vendor} reports: {title} for {service} since {since}", vendor=vendor,
                     title=event.title, service=event.service, since=since)
    return Words("{vendor} reports: {title} for {service} in {region} since {since}",
                 vendor=vendor, title=event.title, service=event.service,
                 region=event.region, since=since)
