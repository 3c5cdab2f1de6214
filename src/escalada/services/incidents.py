"""Platform incidents: an outage across customers, one record over many cases. Opened by
the storm watch (services.storm_watch) or by people; its cases are linked, it is shown
on each of them, and resolving it proposes resolving them (people confirm)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalada.adapters.db.plain import Reader
from escalada.adapters.db.tables import (
    CaseRow,
    IncidentCaseRow,
    IncidentRow,
    IncidentUpdateRow,
)
from escalada.domain.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from escalada.domain.model import CaseStatus, case_label
from escalada.domain.snapshot import AwareDatetime, Text
from escalada.domain.storms import place
from escalada.domain.validation import Note, invalid_input
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.case_reads import incidents_in
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import record
from escalada.services.repositories import load_case
from escalada.services.storm_watch import link, open_incident_row, open_key
from escalada.services.vendor_health_views import VendorEventView, events_at
from escalada.services.views import IncidentLink, View

_INCIDENT = re.compile(r"^(?:INC-)?(\d{1,9})$", re.IGNORECASE)
OPEN, RESOLVED = "open", "resolved"


class IncidentCaseView(View):
    case: str
    account: str
    title: str
    severity: str
    status: str
    linked_by: str
    linked_at: AwareDatetime
    resolution_proposed_at: AwareDatetime | None


class FanOutView(View):
    """One customer's copy of an incident update."""

    case: str
    account: str
    language: str | None = None
    draft: int | None = None
    delivery: int | None = None
    to: str | None = None
    next_update_due_at: AwareDatetime | None = None
    skipped: str | None = None  # why this customer got no copy


class IncidentUpdateView(View):
    id: int
    incident: str
    status: str
    fields: dict[str, str]
    posted_by: str
    posted_at: AwareDatetime
    fan_out: list[FanOutView]


class IncidentSummary(View):
    id: str
    title: str
    service: str
    region: str
    status: str
    accounts: int
    cases: int
    opened_at: AwareDatetime
    resolved_at: AwareDatetime | None


class IncidentView(IncidentSummary):
    flags: list[str]
    opened_by: str
    resolved_by: str | None
    resolution: str | None
    linked: list[IncidentCaseView]
    updates: list[IncidentUpdateView]
    # Open cases whose resolution the incident's resolution proposes (confirm them).
    proposed_resolutions: list[str]
    vendor_events: list[VendorEventView] = Field(default_factory=list, description=(
        "the vendors' open service-health events of its service and region (shown by "
        "GET /incidents/{id}; empty in the answers to changes)"))


class NewIncident(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Text = Field(min_length=1)
    region: Text = Field(min_length=1)
    title: Text | None = None
    cases: list[str] = []


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: Note | None = None


def incident_number(incident_id: str) -> int:
    """'INC-7' (or '7') -> 7."""
    match = _INCIDENT.match(incident_id.strip())
    if match is None:
        raise InvalidInput.of("incident", "{incident_id!r} is not an incident id like INC-7",
                              incident_id=incident_id)
    return int(match.group(1))


def load_incident(session: Session, incident_id: str) -> IncidentRow:
    number = incident_number(incident_id)
    row = session.get(IncidentRow, number) if 0 < number <= 2**31 - 1 else None
    if row is None:
        raise NotFound.of("no incident {incident_id}", incident_id=incident_id)
    return row


class IncidentsQuery(PageQuery):
    status: Literal["open", "resolved"] | None = None
    service: str | None = Field(default=None, min_length=1, max_length=200,
                                description="only incidents of this service")
    region: str | None = Field(default=None, min_length=1, max_length=200,
                               description="only incidents in this region")


_NEWEST = Order("incidents", (IncidentRow.id,), ("int",), descending=True)


def incident_page(*, ctx: Context, **query: Any) -> Page[IncidentSummary]:
    """A page of incidents, newest first, filtered by `status`, `service` and `region`."""
    wanted = validated(IncidentsQuery, query)
    rows = select(IncidentRow)
    if wanted.status is not None:
        rows = rows.where(IncidentRow.status == wanted.status)
    if wanted.service is not None:
        rows = rows.where(IncidentRow.service == place(wanted.service))
    if wanted.region is not None:
        rows = rows.where(IncidentRow.region == place(wanted.region))
    with ctx.reading() as uow:
        page = sql_page(uow.session, rows, _NEWEST, wanted, lambda row: row,
                        lambda row: [row.id])
        counts = _case_counts(uow.session, [row.id for row in page.items])
        return Page([_summary(row, counts.get(row.id, 0)) for row in page.items],
                    page.next_cursor)


def show_incident(*, ctx: Context, incident_id: str) -> IncidentView:
    """The incident, with the vendors' open service-health events of its service and
    region."""
    now = ctx.clock()
    with ctx.reading() as uow:
        row = load_incident(uow.session, incident_id)
        return incident_view(uow.session, row).model_copy(update={
            "vendor_events": events_at(uow.session, row.service, row.region, now)})


def open_incident(*, ctx: Context, actor: Actor, **fields: Any) -> IncidentView:
    """Open an incident by hand for a service and region (and link cases to it)."""
    can_work_cases(actor, "opening a platform incident")
    new: NewIncident = _validated(NewIncident, fields)
    service, region = place(new.service), place(new.region)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        taken = session.scalar(select(IncidentRow).where(
            IncidentRow.open_key == open_key(service, region)))
        if taken is not None:
            raise AlreadyExists.of("{incident} is open for {service} in {region} already",
                                   incident=taken.ref, service=service, region=region)
        incident = open_incident_row(session, service, region, now, actor, new.title)
        numbers = [load_case(session, case).number for case in new.cases]
        link(session, incident, numbers, ctx.policy(), now, actor)
        return _committed(uow, incident)


def link_cases(*, ctx: Context, actor: Actor, incident_id: str, cases: list[str]
               ) -> IncidentView:
    """Link cases to an open incident by hand (each gets the incident's flags)."""
    can_work_cases(actor, "linking cases to a platform incident")
    if not cases:
        raise InvalidInput.of("cases", "name at least one case")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        incident = _open_one(session, incident_id)
        loaded = [load_case(session, case) for case in cases]
        for case in loaded:
            if not CaseStatus(case.status).is_open:
                raise InvalidTransition.of("{case} is {status}: only an open case is linked",
                                           case=case.ref, status=case.status)
        if not link(session, incident, [case.number for case in loaded], ctx.policy(), now,
                    actor):
            raise InvalidTransition.of("{cases} linked to {incident} already",
                                       cases=", ".join(case.ref for case in loaded),
                                       incident=incident.ref)
        return _committed(uow, incident)


def resolve_incident(*, ctx: Context, actor: Actor, incident_id: str,
                     resolution: str | None = None) -> IncidentView:
    """The outage is over: the incident is resolved and resolving each open linked case
    is proposed on its timeline (people confirm: `confirm_resolutions`)."""
    can_work_cases(actor, "resolving a platform incident")
    checked: Resolution = _validated(Resolution, {"resolution": resolution})
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        incident = _open_one(session, incident_id)
        incident.status, incident.open_key = RESOLVED, None
        incident.resolved_by, incident.resolved_at = actor.name, now
        incident.resolution = checked.resolution
        for link_row, case in _linked_cases(session, incident.id):
            if CaseStatus(case.status).is_open:
                link_row.resolution_proposed_at = now
                record(session, case, actor=actor, at=now, kind="incident_resolved",
                       summary=Words("platform incident {incident} resolved: resolving "
                                     "this case is proposed", incident=incident.ref),
                       reason=checked.resolution,
                       data={"incident": incident.ref, "resolution_proposed": True},
                       changed=False)
        return _committed(uow, incident)


def incidents_of(session: Session, case: CaseRow) -> list[IncidentLink]:
    """The incidents a case is linked to, newest first (as `case show` reads them)."""
    return incidents_in(Reader.of_session(session), case)


def open_incidents_on(*, ctx: Context, cases: list[str]) -> dict[str, list[str]]:
    """For each of these cases (CASE-n) linked to an open incident, its incidents' ids
    (INC-n), in one read: the board's marker."""
    numbers = [number for number in (_case_number(ref) for ref in cases) if number is not None]
    if not numbers:
        return {}
    found: dict[str, list[str]] = {}
    with ctx.reading() as uow:
        rows = uow.session.execute(
            select(IncidentCaseRow.case_number, IncidentRow.id)
            .join(IncidentRow, IncidentRow.id == IncidentCaseRow.incident_id)
            .where(IncidentCaseRow.case_number.in_(numbers), IncidentRow.status == OPEN)
            .order_by(IncidentCaseRow.case_number, IncidentRow.id))
        for number, incident in rows:
            found.setdefault(case_label(number), []).append(f"INC-{incident}")
    return found


def _case_number(ref: str) -> int | None:
    digits = ref.removeprefix("CASE-")
    return int(digits) if digits.isdigit() and 0 < int(digits) <= 2**31 - 1 else None


def incident_view(session: Session, incident: IncidentRow) -> IncidentView:
    linked = _linked_cases(session, incident.id)
    updates = session.scalars(select(IncidentUpdateRow).where(
        IncidentUpdateRow.incident_id == incident.id).order_by(IncidentUpdateRow.id))
    return IncidentView(
        **_summary(incident, len(linked)).model_dump(), flags=incident.flags,
        opened_by=incident.opened_by, resolved_by=incident.resolved_by,
        resolution=incident.resolution,
        linked=[IncidentCaseView(
            case=case.ref, account=case.account_id, title=case.title, severity=case.severity,
            status=case.status, linked_by=row.linked_by, linked_at=row.linked_at,
            resolution_proposed_at=row.resolution_proposed_at) for row, case in linked],
        updates=[update_view(incident, row) for row in updates],
        proposed_resolutions=proposed_cases(session, incident.id))


def update_view(incident: IncidentRow, row: IncidentUpdateRow) -> IncidentUpdateView:
    return IncidentUpdateView(
        id=row.id, incident=incident.ref, status=row.status, fields=row.fields,
        posted_by=row.posted_by, posted_at=row.posted_at,
        fan_out=[FanOutView.model_validate(item) for item in row.fan_out])


def open_incident_for_update(session: Session, incident_id: str) -> IncidentRow:
    return _open_one(session, incident_id)


def linked_cases(session: Session, incident_id: int) -> list[tuple[IncidentCaseRow, CaseRow]]:
    return _linked_cases(session, incident_id)


# Helpers


def _validated(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error


def _open_one(session: Session, incident_id: str) -> IncidentRow:
    incident = load_incident(session, incident_id)
    if incident.status != OPEN:
        raise InvalidTransition.of("{incident} is resolved already ({at})",
                                   incident=incident.ref, at=_when(incident.resolved_at))
    return incident


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="minutes")


def _linked_cases(session: Session, incident_id: int) -> list[tuple[IncidentCaseRow, CaseRow]]:
    rows = session.execute(
        select(IncidentCaseRow, CaseRow)
        .join(CaseRow, CaseRow.number == IncidentCaseRow.case_number)
        .where(IncidentCaseRow.incident_id == incident_id).order_by(CaseRow.number))
    return [(link_row, case) for link_row, case in rows]


def proposed_cases(session: Session, incident_id: int) -> list[str]:
    return [case.ref for row, case in _linked_cases(session, incident_id)
            if row.resolution_proposed_at is not None and CaseStatus(case.status).is_open]


def _case_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(IncidentCaseRow.incident_id, func.count())
        .where(IncidentCaseRow.incident_id.in_(ids)).group_by(IncidentCaseRow.incident_id))
    return {incident: count for incident, count in rows}


def _summary(row: IncidentRow, cases: int) -> IncidentSummary:
    return IncidentSummary(id=row.ref, title=row.title, service=row.service, region=row.region,
                           status=row.status, accounts=row.accounts, cases=cases,
                           opened_at=row.opened_at, resolved_at=row.resolved_at)


def _committed(uow: Any, incident: IncidentRow) -> IncidentView:
    uow.settle()
    view = incident_view(uow.session, incident)
    uow.commit()
    return view
