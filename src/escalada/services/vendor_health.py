"""The cloud vendors' service health, watched for us: workers poll the feeds of the
vendors in ESCALADA_VENDOR_HEALTH (each every ESCALADA_VENDOR_HEALTH_EVERY seconds, 300
by default) from a leased queue, as timers are taken, so that workers on any number of
machines poll each vendor once; a person polls now with `vendor health poll`.

Each poll keeps the vendor's open events (one that is no longer listed as open is
closed), and links each open event to the open cases it matches by service and region
(domain.vendor_health), with an entry on the case's timeline ("AWS reports: ..."). A
vendor's feed that fails is kept on its poll's row and tried again at the next; it
never stops another vendor's poll.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog
from pydantic import PrivateAttr
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalada.adapters.db.leased_queue import LeasedQueue
from escalada.adapters.db.plain import Reader
from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CaseVendorEventRow,
    VendorEventRow,
    VendorHealthPollRow,
)
from escalada.domain.errors import EscaladaError, InvalidInput, StoreUnavailable
from escalada.domain.model import ENDED_STATUSES, CaseStatus
from escalada.domain.vendor_health import (
    CLOSED,
    OPEN,
    VENDOR_HEALTH,
    VENDOR_LABELS,
    VendorEvent,
    matches,
    matching_cases,
    reported,
)
from escalada.domain.words import Translator, Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.records import read_chain_heads, record
from escalada.services.vendors import SYSTEM
from escalada.services.views import View
from escalada.settings import Settings

log = structlog.get_logger("escalada.vendors")
POLLS = LeasedQueue(VendorHealthPollRow, VendorHealthPollRow.id, VendorHealthPollRow.due_at,
                    holder=VendorHealthPollRow.holder, attempts=VendorHealthPollRow.attempts)
POLL_EVERY_SECONDS = 300.0
POLL_LEASE = timedelta(minutes=2)


def watched(settings: Settings) -> tuple[str, ...]:
    """The vendors ESCALADA_VENDOR_HEALTH names (none by default)."""
    named = tuple(dict.fromkeys(part.strip().lower() for part in
                                (settings.text("vendor_health") or "").split(",")
                                if part.strip()))
    unknown = [vendor for vendor in named if vendor not in VENDOR_HEALTH]
    if unknown:
        raise InvalidInput.of(Settings.variable("vendor_health"),
                              "names {unknown}; it takes {vendors}",
                              unknown=", ".join(unknown), vendors=", ".join(VENDOR_HEALTH))
    return named


def poll_every(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.seconds("vendor_health_every", POLL_EVERY_SECONDS))


class Polled(View):
    """What one vendor's poll did: events seen open, cases newly linked, or the error."""

    vendor: str
    events: int = 0
    linked: int = 0
    error: str | None = None  # in English
    _failure: EscaladaError | None = PrivateAttr(default=None)

    def error_read_by(self, reader: Translator) -> str | None:
        """The error in the reader's language."""
        return self.error if self._failure is None else self._failure.told(reader)


def poll_due(ctx: Context, *, owner: str) -> int:
    """Poll the watched vendors whose poll is due (workers call this); how many."""
    settings = ctx.settings()
    try:
        vendors = watched(settings)
    except InvalidInput as error:
        log.warning("vendor_health_misconfigured", error=str(error), worker=owner)
        return 0
    if not vendors:
        return 0
    now = ctx.clock()
    with ctx.reading() as uow:  # most calls find nothing due: no write lock for that
        known = dict(uow.session.execute(select(VendorHealthPollRow.vendor,
                                                VendorHealthPollRow.due_at)).all())
    missing = [vendor for vendor in vendors if vendor not in known]
    if not missing and not any((due := known[v]) is not None and due <= now for v in vendors):
        return 0
    with ctx.unit_of_work() as uow:
        _add_polls(uow.session, missing, now)
        held = []
        for row in POLLS.take(uow.session, now=now, holder=owner, lease=POLL_LEASE, limit=3):
            if row.vendor in vendors:
                held.append(row.vendor)
            else:  # no longer watched: left alone until it is again
                POLLS.due_again(row, None)
        uow.commit()
    for vendor in held:
        _poll(ctx, vendor, settings, owner)
    return len(held)


def poll_now(*, ctx: Context, actor: Actor, vendor: str | None = None) -> list[Polled]:
    """Poll `vendor` (or every watched vendor) now, whatever its schedule."""
    can_work_cases(actor, "polling vendor service health")
    settings = ctx.settings()
    if vendor is not None and vendor not in VENDOR_HEALTH:
        raise InvalidInput.of("vendor", "must be one of {vendors}",
                              vendors=", ".join(VENDOR_HEALTH))
    vendors = (vendor,) if vendor is not None else watched(settings)
    if not vendors:
        raise InvalidInput.of("vendor", "no vendor is watched: name one, or set {variable} "
                              "(e.g. aws,azure,gcp)", variable=Settings.variable("vendor_health"))
    return [_poll(ctx, name, settings, actor.name) for name in vendors]


def next_poll_at(ctx: Context) -> datetime | None:
    """When the next vendor's poll is due (a worker sleeps until then)."""
    if not watched_quietly(ctx.settings()):
        return None
    with ctx.reading() as uow:
        return POLLS.next_due_at(uow.session)


def watched_quietly(settings: Settings) -> tuple[str, ...]:
    try:
        return watched(settings)
    except InvalidInput:
        return ()


def _add_polls(session: Session, vendors: Iterable[str], now: datetime) -> None:
    """A poll row for each vendor newly watched, due now (another worker may add it too)."""
    for vendor in vendors:
        try:
            with session.begin_nested():
                session.add(VendorHealthPollRow(vendor=vendor, due_at=now, attempts=0))
        except IntegrityError:
            pass


def _poll(ctx: Context, vendor: str, settings: Settings, who: str) -> Polled:
    """Ask the vendor's feed (outside any transaction), then write what it said."""
    events: list[VendorEvent] | None = None
    error: str | None = None
    failure: EscaladaError | None = None
    try:
        events = ctx.health_feeds(vendor).open_events()
    except StoreUnavailable:
        raise
    except EscaladaError as refused:  # the vendor refused or failed, or a setting is wrong
        error, failure = str(refused), refused
        log.warning("vendor_health_failed", vendor=vendor, by=who, error=error)
    except Exception as crash:  # an SDK's own error, or a bug: the other vendors go on
        error = f"{type(crash).__name__}: {crash}"
        log.exception("vendor_health_failed", vendor=vendor, by=who)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        _add_polls(session, [vendor], now)
        row = session.scalars(select(VendorHealthPollRow).where(
            VendorHealthPollRow.vendor == vendor)).one()
        linked = 0 if events is None else _keep(session, vendor, events, now)
        row.polled_at, row.error, row.attempts = now, None if error is None else error[:2000], 0
        POLLS.due_again(row, now + poll_every(settings))
        uow.commit()
    polled = Polled(vendor=vendor, events=len(events or ()), linked=linked, error=error)
    polled._failure = failure
    return polled


def _keep(session: Session, vendor: str, events: list[VendorEvent], now: datetime) -> int:
    """Keep the vendor's events as seen now, link the open ones to the cases they match
    and let go of the ones that closed; how many links are new."""
    seen = {event.id: event for event in events}
    rows = {row.event_id: row for row in session.scalars(select(VendorEventRow).where(
        VendorEventRow.vendor == vendor,
        or_(VendorEventRow.status == OPEN, VendorEventRow.event_id.in_(list(seen)))))}
    was_open = {event_id for event_id, row in rows.items() if row.status == OPEN}
    for event in events:
        row = rows.get(event.id) or _new_event(session, vendor, event, now)
        rows[event.id] = row
        row.service, row.region, row.title = event.service, event.region, event.title[:500]
        row.description, row.status = event.description, event.status
        row.started_at, row.updated_at, row.ended_at = (event.started_at, event.updated_at,
                                                        event.ended_at)
        row.last_seen_at = now
    for event_id, row in rows.items():
        if event_id not in seen and row.status == OPEN:  # no longer listed as open
            row.status, row.ended_at = CLOSED, row.ended_at or now
    session.flush()
    closed = [row for event_id, row in rows.items()
              if event_id in was_open and row.status == CLOSED]
    return _link(session, [row for row in rows.values() if row.status == OPEN], closed, now)


def _new_event(session: Session, vendor: str, event: VendorEvent, now: datetime
               ) -> VendorEventRow:
    """The row of an event first seen now: inserted in a savepoint, so that when another
    poll of the vendor (a person's, beside a worker's) kept it first, this poll takes
    that row rather than failing."""
    row = VendorEventRow(vendor=vendor, event_id=event.id, service=event.service,
                         region=event.region, title=event.title[:500],
                         description=event.description, status=event.status,
                         started_at=event.started_at, first_seen_at=now, last_seen_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return session.scalars(select(VendorEventRow).where(
            VendorEventRow.vendor == vendor, VendorEventRow.event_id == event.id)).one()
    return row


def as_event(row: VendorEventRow) -> VendorEvent:
    return VendorEvent(vendor=row.vendor, id=row.event_id, service=row.service,
                       region=row.region, title=row.title, started_at=row.started_at,
                       status=row.status, ended_at=row.ended_at, updated_at=row.updated_at,
                       description=row.description)


def event_key(row: VendorEventRow) -> str:
    """How a case keeps a linked event among its vendor_events."""
    return f"{row.vendor}:{row.event_id}"


def _link(
    session: Session, rows: list[VendorEventRow], closed: list[VendorEventRow], now: datetime,
) -> int:
    """Link each open event to the open cases it matches and is not linked to yet, and
    take the closed ones off their cases' vendor events, with an entry on each case's
    timeline (the cases locked in number order); how many links are new."""
    open_cases = session.execute(
        select(CaseRow.number, CaseRow.services, CaseRow.regions, AccountRow.timezone)
        .join(AccountRow, AccountRow.id == CaseRow.account_id)
        .where(CaseRow.status.not_in(ENDED_STATUSES))).all() if rows else []
    zones = {number: zone for number, _, _, zone in open_cases}
    candidates = [(number, services, regions) for number, services, regions, _ in open_cases]
    linked = {(number, event_id) for number, event_id in session.execute(
        select(CaseVendorEventRow.case_number, CaseVendorEventRow.vendor_event_id).where(
            CaseVendorEventRow.vendor_event_id.in_([row.id for row in rows + closed])))}
    wanted = [(number, row) for row in rows
              for number in matching_cases(as_event(row), candidates, now)
              if (number, row.id) not in linked]
    closing = {row.id: row for row in closed}
    ended = [(number, closing[event_id]) for number, event_id in linked if event_id in closing]
    if not wanted and not ended:
        return 0
    cases = {case.number: case for case in session.scalars(
        select(CaseRow).where(CaseRow.number.in_({number for number, _ in wanted + ended}))
        .order_by(CaseRow.number).with_for_update())}
    read_chain_heads(session, cases)
    for number, row in sorted(wanted, key=lambda pair: (pair[0], pair[1].id)):
        session.add(CaseVendorEventRow(case_number=number, vendor_event_id=row.id,
                                       linked_at=now))
        case = cases[number]
        case.vendor_events = sorted({*case.vendor_events, event_key(row)})
        record(session, case, actor=SYSTEM, at=now, kind="vendor_health_event",
               summary=reported(as_event(row), timezone=zones[number], now=now),
               data=_entry(row))
    for number, row in sorted(ended, key=lambda pair: (pair[0], pair[1].id)):
        case = cases[number]
        if event_key(row) not in case.vendor_events:
            continue
        case.vendor_events = [key for key in case.vendor_events if key != event_key(row)]
        record(session, case, actor=SYSTEM, at=now, kind="vendor_health_event_closed",
               summary=Words("{vendor} no longer reports: {title} for {service}",
                             vendor=VENDOR_LABELS[row.vendor], title=row.title,
                             service=row.service),
               data=_entry(row))
    return len(wanted)


def _any_open(session: Session) -> bool:
    """Whether any vendor event is open, in one plain statement on the session's
    connection (its index on status): the ORM's query of the events, built and loaded,
    only when there are some."""
    return Reader.of_session(session).row(
        "SELECT 1 FROM vendor_events WHERE status = :open LIMIT 1", open=OPEN) is not None


def _entry(row: VendorEventRow) -> dict[str, object]:
    return {"vendor_event": row.id, "vendor": row.vendor, "event": row.event_id,
            "service": row.service, "region": row.region, "title": row.title,
            "started_at": row.started_at.isoformat()}


def link_arrival(session: Session, case: CaseRow, now: datetime) -> None:
    """Link a case that opens, or whose services or regions change, to the open vendor
    events it matches now, in the case's own transaction (the polls link the rest)."""
    if not case.services or not CaseStatus(case.status).is_open:
        return
    if not _any_open(session):  # what a case opens to on most days: no vendor reports
        return
    with session.no_autoflush:  # the case's pending changes do not touch vendor events
        open_events = session.scalars(select(VendorEventRow).where(
            VendorEventRow.status == OPEN).order_by(VendorEventRow.id)).all()
    rows = [row for row in open_events
            if matches(as_event(row), services=case.services, regions=case.regions or (), now=now)]
    if not rows:
        return
    linked = set(session.scalars(select(CaseVendorEventRow.vendor_event_id).where(
        CaseVendorEventRow.case_number == case.number)))
    zone = session.get_one(AccountRow, case.account_id).timezone
    for row in rows:
        if row.id in linked:
            continue
        session.add(CaseVendorEventRow(case_number=case.number, vendor_event_id=row.id,
                                       linked_at=now))
        case.vendor_events = sorted({*(case.vendor_events or ()), event_key(row)})
        record(session, case, actor=SYSTEM, at=now, kind="vendor_health_event",
               summary=reported(as_event(row), timezone=zone, now=now), data=_entry(row))
