"""What people read of the vendors' service health: the events (open ones by
default) with the cases each is linked to, and how each vendor's last poll went."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CaseVendorEventRow,
    IncidentRow,
    VendorEventRow,
    VendorHealthPollRow,
)
from escalada.domain.errors import InvalidInput
from escalada.domain.model import case_label
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.vendor_health import (
    OPEN,
    VENDOR_HEALTH,
    VendorEvent,
    matches,
    reported,
)
from escalada.domain.words import Words
from escalada.services.context import Context
from escalada.services.vendor_health import as_event, watched_quietly
from escalada.services.views import View


class VendorEventView(View):
    id: int
    vendor: str
    event_id: str
    service: str
    region: str | None
    title: str
    status: str
    started_at: AwareDatetime
    updated_at: AwareDatetime | None
    ended_at: AwareDatetime | None
    last_seen_at: AwareDatetime
    description: str
    reported: str = Field(description="one line, e.g. 'AWS reports: operational issue for "
                                      "RDS in eu-central-1 since 14:05' (UTC)")
    cases: list[str] = Field(default_factory=list, description="the cases it is linked to")
    incidents: list[str] = Field(default_factory=list, description=(
        "the open platform incidents of its service and region"))


class VendorPollView(View):
    vendor: str
    watched: bool
    polled_at: AwareDatetime | None
    next_poll_at: AwareDatetime | None
    error: str | None


class VendorHealthView(View):
    polls: list[VendorPollView]
    events: list[VendorEventView]


def vendor_health(
    *, ctx: Context, vendor: str | None = None, include_closed: bool = False,
) -> VendorHealthView:
    """The vendors' events (open ones unless `include_closed`) and their polls."""
    if vendor is not None and vendor not in VENDOR_HEALTH:
        raise InvalidInput.of("vendor", "must be one of {vendors}",
                              vendors=", ".join(VENDOR_HEALTH))
    now, watched = ctx.clock(), watched_quietly(ctx.settings())
    with ctx.reading() as uow:
        session = uow.session
        query = select(VendorEventRow).order_by(VendorEventRow.started_at.desc(),
                                                VendorEventRow.id)
        if vendor is not None:
            query = query.where(VendorEventRow.vendor == vendor)
        if not include_closed:
            query = query.where(VendorEventRow.status == OPEN)
        rows = session.scalars(query.limit(500)).all()
        events = event_views(session, rows, now)
        polls = {row.vendor: VendorPollView(vendor=row.vendor, watched=row.vendor in watched,
                                            polled_at=row.polled_at, next_poll_at=row.due_at,
                                            error=row.error)
                 for row in session.scalars(select(VendorHealthPollRow))}
    names = [v for v in VENDOR_HEALTH if (vendor is None or v == vendor)
             and (v in watched or v in polls)]
    return VendorHealthView(
        polls=[polls.get(v) or VendorPollView(vendor=v, watched=True, polled_at=None,
                                              next_poll_at=None, error=None) for v in names],
        events=events)


def event_views(
    session: Session, rows: Sequence[VendorEventRow], now: datetime,
    timezone: str = "UTC",
) -> list[VendorEventView]:
    """The views of these event rows, each with the cases linked to it."""
    if not rows:
        return []
    linked: dict[int, list[str]] = {}
    for event_id, number in session.execute(
            select(CaseVendorEventRow.vendor_event_id, CaseVendorEventRow.case_number)
            .where(CaseVendorEventRow.vendor_event_id.in_([row.id for row in rows]))
            .order_by(CaseVendorEventRow.case_number)):
        linked.setdefault(event_id, []).append(case_label(number))
    incidents = session.execute(select(IncidentRow.id, IncidentRow.service, IncidentRow.region)
                                .where(IncidentRow.status == "open")
                                .order_by(IncidentRow.id)).all()
    return [VendorEventView(
        id=row.id, vendor=row.vendor, event_id=row.event_id, service=row.service,
        region=row.region, title=row.title, status=row.status, started_at=row.started_at,
        updated_at=row.updated_at, ended_at=row.ended_at, last_seen_at=row.last_seen_at,
        description=row.description,
        reported=str(reported(as_event(row), timezone=timezone, now=now)),
        cases=linked.get(row.id, []),
        incidents=[f"INC-{number}" for number, service, region in incidents
                   if matches(as_event(row), services=[service], regions=[region], now=now)])
        for row in rows]


def linked_events(session: Session, case_number: int, now: datetime) -> list[VendorEventView]:
    """The vendors' events linked to the case, open ones first, newest first."""
    rows = session.scalars(
        select(VendorEventRow).join(CaseVendorEventRow,
                                    CaseVendorEventRow.vendor_event_id == VendorEventRow.id)
        .where(CaseVendorEventRow.case_number == case_number)
        .order_by(VendorEventRow.status.desc(), VendorEventRow.started_at.desc(),
                  VendorEventRow.id)).all()
    return event_views(session, rows, now)


def events_at(session: Session, service: str, region: str, now: datetime
              ) -> list[VendorEventView]:
    """The vendors' open events of this service and region (a global event too), newest
    first: what an incident of that place shows (the other way round from an event's
    `incidents`, by the same rule)."""
    rows = session.scalars(select(VendorEventRow).where(VendorEventRow.status == OPEN)
                           .order_by(VendorEventRow.started_at.desc(),
                                     VendorEventRow.id)).all()
    return event_views(session, [row for row in rows if matches(
        as_event(row), services=[service], regions=[region], now=now)], now)


def line(event: VendorEventView, *, timezone: str, now: datetime) -> Words:
    """'AWS reports: ... since 14:05', the time in `timezone` (the account's)."""
    return reported(VendorEvent(vendor=event.vendor, id=event.event_id, service=event.service,
                                region=event.region, title=event.title,
                                started_at=event.started_at, status=event.status,
                                ended_at=event.ended_at), timezone=timezone, now=now)


def open_reports(*, ctx: Context, cases: Sequence[str]) -> dict[str, list[Words]]:
    """For each of these cases (CASE-n) with open linked vendor events, one line per
    event ('AWS reports: ... since 14:05', in its account's zone): the board's."""
    numbers = [number for number in map(_number, cases) if number is not None]
    if not numbers:
        return {}
    now = ctx.clock()
    found: dict[str, list[Words]] = {}
    with ctx.reading() as uow:
        rows = uow.session.execute(
            select(CaseVendorEventRow.case_number, AccountRow.timezone, VendorEventRow)
            .join(VendorEventRow, VendorEventRow.id == CaseVendorEventRow.vendor_event_id)
            .join(CaseRow, CaseRow.number == CaseVendorEventRow.case_number)
            .join(AccountRow, AccountRow.id == CaseRow.account_id)
            .where(CaseVendorEventRow.case_number.in_(numbers),
                   VendorEventRow.status == OPEN)
            .order_by(CaseVendorEventRow.case_number, VendorEventRow.started_at)).all()
        for number, zone, row in rows:
            found.setdefault(case_label(number), []).append(
                reported(as_event(row), timezone=zone, now=now))
    return found


def _number(ref: str) -> int | None:
    digits = ref.removeprefix("CASE-")
    return int(digits) if digits.isdigit() else None
