"""Outage storms: many customers reporting the same service in the same region at once.

Pure rules over the cases' arrivals, the policy's `incidents.storm` and a time: no I/O,
no clock. The services open the platform incident a storm calls for and link its cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalada.domain.policy import StormRule


@dataclass(frozen=True, slots=True)
class Arrival:
    """A case as the storm rule sees it: whose, when it opened, what and where."""

    case: int
    account: str
    opened_at: datetime
    services: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Storm:
    """Cases of enough different accounts about one service in one region, within the
    window: `cases` and `accounts` sorted, `started_at` the earliest case counted."""

    service: str
    region: str
    cases: tuple[int, ...]
    accounts: tuple[str, ...]
    started_at: datetime


def place(name: str) -> str:
    """A service or region as the rule compares it: `RDS ` and `rds` are one service."""
    return " ".join(name.split()).casefold()


def reach(arrival: Arrival) -> set[tuple[str, str]]:
    """Every (service, region) the case is about; none when it names no region."""
    return {(place(service), place(region)) for service in arrival.services
            for region in arrival.regions if service.strip() and region.strip()}


def window_start(rule: StormRule, now: datetime) -> datetime:
    """The earliest opening that still counts at `now` (the window includes its edge)."""
    return now - timedelta(minutes=rule.within.minutes(0))


def storms(arrivals: Iterable[Arrival], rule: StormRule, now: datetime) -> list[Storm]:
    """The storms at `now`: for each service and region, the cases opened from
    `now - within` up to `now` (both included) by at least `accounts_at_least`
    different accounts. An account's second case counts its account once."""
    since = window_start(rule, now)
    by_place: dict[tuple[str, str], list[Arrival]] = defaultdict(list)
    for arrival in arrivals:
        if since <= arrival.opened_at <= now:
            for key in reach(arrival):
                by_place[key].append(arrival)
    found = []
    for (service, region), counted in sorted(by_place.items()):
        accounts = sorted({arrival.account for arrival in counted})
        if len(accounts) >= rule.accounts_at_least:
            found.append(Storm(service, region, tuple(sorted({a.case for a in counted})),
                               tuple(accounts), min(a.opened_at for a in counted)))
    return found


def belongs(arrival: Arrival, service: str, region: str) -> bool:
    """Whether the case is about the incident's service in its region."""
    return (place(service), place(region)) in reach(arrival)
