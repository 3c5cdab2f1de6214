"""Watching for outage storms as cases arrive: a case that opens (or whose services or
regions change) joins the open platform incident of each service and region it is
about, or opens one when it completes a storm (domain.storms), in the case's own
transaction. Linked cases get the criterion flags the policy sets by how many accounts
the incident spans, so the engine recommends what an outage calls for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, IncidentCaseRow, IncidentRow
from escalada.domain.model import CaseStatus
from escalada.domain.policy import Policy
from escalada.domain.storms import Arrival, reach, storms, window_start
from escalada.domain.words import Words
from escalada.services.context import Actor
from escalada.services.records import record

WATCHER = Actor("escalada", "system")


def arrival_of(case: CaseRow) -> Arrival:
    return Arrival(case.number, case.account_id, case.opened_at, tuple(case.services or ()),
                   tuple(case.regions or ()))


def open_key(service: str, region: str) -> str:
    return f"{service}|{region}"


def follow_arrival(session: Session, case: CaseRow, policy: Policy, now: datetime) -> bool:
    """Link the case to the open incident of each place it is about, opening one where
    the cases within the storm window make a storm; whether it is linked to any."""
    places = reach(arrival_of(case))
    if not places or not CaseStatus(case.status).is_open:
        return False
    found = {(row.service, row.region): row for row in session.scalars(
        select(IncidentRow).where(IncidentRow.open_key.in_(
            sorted(open_key(*place) for place in places))))}
    if places - found.keys():
        for storm in storms(_arrivals(session, case, policy, now), policy.incidents.storm, now):
            if (storm.service, storm.region) in places - found.keys():
                incident = open_incident_row(session, storm.service, storm.region, now, WATCHER)
                found[storm.service, storm.region] = incident
                link(session, incident, storm.cases, policy, now, WATCHER)
    for incident in found.values():
        link(session, incident, [case.number], policy, now, WATCHER)
    return bool(found)


def _arrivals(session: Session, case: CaseRow, policy: Policy, now: datetime) -> list[Arrival]:
    """The cases opened within the storm window up to `now` (this one as it stands in
    the transaction)."""
    since = window_start(policy.incidents.storm, now)
    rows = session.execute(
        select(CaseRow.number, CaseRow.account_id, CaseRow.opened_at, CaseRow.services,
               CaseRow.regions)
        .where(CaseRow.opened_at >= since, CaseRow.opened_at <= now,
               CaseRow.number != case.number))
    return [arrival_of(case), *(Arrival(number, account, opened, tuple(services or ()),
                                        tuple(regions or ()))
                                for number, account, opened, services, regions in rows)]


def open_incident_row(session: Session, service: str, region: str, now: datetime,
                      actor: Actor, title: str | None = None) -> IncidentRow:
    """A new open incident for the place, or the one another transaction opened for it a
    moment earlier (one open incident per place: its unique open key)."""
    key = open_key(service, region)
    nested = session.begin_nested()
    try:
        row = IncidentRow(service=service, region=region, status="open", open_key=key,
                          title=title or f"{service} in {region}", accounts=0, flags=[],
                          opened_by=actor.name, opened_at=now)
        session.add(row)
        session.flush()
    except IntegrityError:
        nested.rollback()
        existing = session.scalar(select(IncidentRow).where(IncidentRow.open_key == key))
        if existing is None:
            raise
        return existing
    nested.commit()
    return row


def link(session: Session, incident: IncidentRow, numbers: Iterable[int], policy: Policy,
         now: datetime, actor: Actor) -> list[int]:
    """Link cases to the incident (those not linked yet; open ones), recount its accounts
    and set the flags the policy calls for on its open cases; the case numbers linked."""
    asked = sorted(set(numbers))
    _lock(session, incident, shared=_counted(session, incident, asked))
    wanted = sorted(set(asked) - set(session.scalars(
        select(IncidentCaseRow.case_number).where(IncidentCaseRow.incident_id == incident.id,
                                                  IncidentCaseRow.case_number.in_(asked)))))
    new = [case for case in _cases(session, wanted) if CaseStatus(case.status).is_open]
    for case in new:
        session.add(IncidentCaseRow(incident_id=incident.id, case_number=case.number,
                                    account_id=case.account_id, linked_by=actor.name,
                                    linked_at=now))
    if not new:
        return []
    session.flush()
    accounts = session.scalar(
        select(func.count(func.distinct(IncidentCaseRow.account_id)))
        .where(IncidentCaseRow.incident_id == incident.id)) or 0
    if accounts != incident.accounts:  # never under a shared hold: its accounts are counted
        incident.accounts = accounts
    flags = policy.incidents.flags_for(incident.accounts)
    raised = [flag for flag in flags if flag not in incident.flags]
    if raised:
        incident.flags = sorted(set(incident.flags) | set(flags))
    for case in new:
        _linked(session, case, incident, flags, now, actor)
    if raised:  # the cases linked before these get the flags too
        before = set(session.scalars(select(IncidentCaseRow.case_number).where(
            IncidentCaseRow.incident_id == incident.id))) - {case.number for case in new}
        _raise_flags(session, incident, before, raised, now)
    return [case.number for case in new]


def _counted(session: Session, incident: IncidentRow, numbers: list[int]) -> bool:
    """Whether every account of these cases has a case linked to the incident already
    (committed): linking them changes neither its account count nor its flags."""
    accounts = set(session.scalars(select(CaseRow.account_id).where(
        CaseRow.number.in_(numbers))))
    if not accounts:
        return False
    counted = set(session.scalars(select(IncidentCaseRow.account_id).where(
        IncidentCaseRow.incident_id == incident.id,
        IncidentCaseRow.account_id.in_(sorted(accounts))).distinct()))
    return accounts <= counted


def _lock(session: Session, incident: IncidentRow, *, shared: bool) -> None:
    """Hold the incident while its cases and flags change, read afresh (PostgreSQL: a row
    lock until commit, so two arrivals at once count each other; SQLite has one writer
    anyway). An arrival from an account the incident counts already changes neither, and
    holds it shared (FOR SHARE): many such arrivals link at once, while one that adds an
    account (FOR UPDATE) waits for them and they for it, so its new flags reach every
    case it finds linked and every case linked after it sees them. The held row lock was
    what made an outage storm's arrivals link one at a time, each holding the incident
    until its whole transaction (timer planning, the outbox) committed."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(IncidentRow.id).where(IncidentRow.id == incident.id)
                        .with_for_update(read=shared))
        session.refresh(incident)


def _cases(session: Session, numbers: list[int]) -> list[CaseRow]:
    if not numbers:
        return []
    return list(session.scalars(select(CaseRow).where(CaseRow.number.in_(numbers))
                                .order_by(CaseRow.number)
                                .execution_options(populate_existing=True)))


def _linked(session: Session, case: CaseRow, incident: IncidentRow, flags: Iterable[str],
            now: datetime, actor: Actor) -> None:
    added = sorted(set(flags) - set(case.flags))
    case.flags = sorted(set(case.flags) | set(added))
    linked = Words.counted("linked to platform incident {incident} ({title}, {count} account)",
                           "linked to platform incident {incident} ({title}, {count} accounts)",
                           incident.accounts, incident=incident.ref, title=_title(incident))
    if added:
        linked = Words("{linked}; flags set: {flags}", linked=linked, flags=", ".join(added))
    record(session, case, actor=actor, at=now, kind="incident_linked", summary=linked,
           data={"incident": incident.ref, "service": incident.service,
                 "region": incident.region, "accounts": incident.accounts, "flags": added})


def _title(incident: IncidentRow) -> str | Words:
    """The incident's title; the one escalada gives an incident opened without one, as
    words (`rds in eu-central-1`, read in the reader's language)."""
    if incident.title == f"{incident.service} in {incident.region}":
        return Words("{service} in {region}", service=incident.service, region=incident.region)
    return incident.title


def _raise_flags(session: Session, incident: IncidentRow, numbers: Iterable[int],
                 raised: list[str], now: datetime) -> None:
    """The incident grew past a flag's threshold: its cases linked before get it too."""
    for case in _cases(session, sorted(numbers)):
        added = sorted(set(raised) - set(case.flags))
        if not added or not CaseStatus(case.status).is_open:
            continue
        case.flags = sorted(set(case.flags) | set(added))
        record(session, case, actor=WATCHER, at=now, kind="flag_set",
               summary=Words.counted(
                   "flag set: {flags} (platform incident {incident} spans {count} account)",
                   "flag set: {flags} (platform incident {incident} spans {count} accounts)",
                   incident.accounts, flags=", ".join(added), incident=incident.ref),
               data={"flags": added, "incident": incident.ref})
