"""What an account's health is read from, loaded in a handful of queries for one account
or the whole portfolio: its cases (with their pauses and first step up), executive
interactions (war rooms with our executive seated, letters delivered to executives) and
the inputs people entered, as the sub-metric readings the rule scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CommunicationRow,
    EscalationRow,
    HealthInputRow,
    OutboxRow,
    PauseRow,
    TimelineRow,
    WarRoomRow,
)
from escalada.domain.account_health import Reading
from escalada.domain.account_measures import CaseRecord, in_time, measure
from escalada.domain.model import Interval
from escalada.domain.policy import Policy
from escalada.domain.words import Words
from escalada.services.records import account_snapshot


@dataclass
class Evidence:
    """One account's records for its health at a moment."""

    account: AccountRow
    cases: list[CaseRecord] = field(default_factory=list)
    interactions: list[datetime] = field(default_factory=list)
    entered: dict[str, Reading] = field(default_factory=dict)

    def readings(self, policy: Policy, now: datetime) -> dict[str, Reading]:
        return {**self.entered, **measure(self.cases, self.interactions, policy.health, now)}


def gather(
    session: Session, policy: Policy, accounts: list[AccountRow], now: datetime
) -> dict[str, Evidence]:
    """The evidence of each of `accounts` at `now` (records after `now` left out)."""
    found = {account.id: Evidence(account) for account in accounts}
    ids = list(found)
    horizon = now - timedelta(days=2 * max(
        (m.window_days for m in policy.health.metrics().values()
         if m.source == "computed"), default=0))
    _cases(session, policy, found, ids, horizon, now)
    for account_id, at in _interactions(ids, horizon, now, session):
        if at is not None:
            found[account_id].interactions.append(at)
    for row in session.scalars(select(HealthInputRow).where(
            HealthInputRow.account_id.in_(ids), HealthInputRow.as_of <= now)
            .order_by(HealthInputRow.as_of, HealthInputRow.id)):
        found[row.account_id].entered[row.metric] = Reading(
            row.value, Words("entered by {name}", name=row.entered_by), row.as_of)
    return found


def _in_window(ids: list[str], horizon: datetime, now: datetime) -> Select[int]:
    return select(CaseRow.number).where(
        CaseRow.account_id.in_(ids), CaseRow.opened_at <= now,
        or_(CaseRow.opened_at > horizon, CaseRow.resolved_at > horizon))


def _cases(session: Session, policy: Policy, found: dict[str, Evidence], ids: list[str],
           horizon: datetime, now: datetime) -> None:
    numbers = _in_window(ids, horizon, now).scalar_subquery()
    pauses: dict[int, list[Interval]] = defaultdict(list)
    for number, start, end in session.execute(
            select(PauseRow.case_number, PauseRow.started_at, PauseRow.ended_at)
            .where(PauseRow.case_number.in_(numbers), PauseRow.started_at < now)):
        pauses[number].append(Interval(start, min(end or now, now)))
    stepped = {number: at for number, at in session.execute(
        select(EscalationRow.case_number, func.min(EscalationRow.requested_at))
        .where(EscalationRow.case_number.in_(numbers), EscalationRow.direction == "up",
               EscalationRow.requested_at <= now)
        .group_by(EscalationRow.case_number))}
    resolutions = _resolutions(session, numbers, now)
    snapshots = {account_id: account_snapshot(e.account) for account_id, e in found.items()}
    for row in session.execute(
            select(CaseRow.number, CaseRow.account_id, CaseRow.opened_at, CaseRow.severity,
                   CaseRow.first_response_at, CaseRow.resolved_at, CaseRow.csat)
            .where(CaseRow.number.in_(numbers))):
        responded = _until(row.first_response_at, now)
        resolved = _until(row.resolved_at, now)
        response_ok, resolution_ok = in_time(
            policy, snapshots[row.account_id], row.severity, row.opened_at, responded,
            resolved, tuple(pauses.get(row.number, ())))
        found[row.account_id].cases.append(CaseRecord(
            opened_at=row.opened_at, severity=row.severity, resolved_at=resolved,
            csat=row.csat,
            escalated_at=stepped.get(row.number), responded_in_time=response_ok,
            resolved_in_time=resolution_ok,
            first_resolved_at=resolutions.get(row.number, (None, None))[0],
            reopened_at=resolutions.get(row.number, (None, None))[1]))


def _resolutions(session: Session, numbers: Any, now: datetime
                 ) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Each case's first resolution and its first reopening after it, from the timeline
    (a reopened case's own resolved_at is gone, or a later one)."""
    found: dict[int, tuple[datetime | None, datetime | None]] = {}
    for number, kind, at in session.execute(
            select(TimelineRow.case_number, TimelineRow.kind, TimelineRow.at)
            .where(TimelineRow.case_number.in_(numbers),
                   TimelineRow.kind.in_(("resolved", "reopened")), TimelineRow.at <= now)
            .order_by(TimelineRow.case_number, TimelineRow.id)):
        resolved, reopened = found.get(number, (None, None))
        if kind == "resolved" and resolved is None:
            found[number] = (at, None)
        elif kind == "reopened" and resolved is not None and reopened is None:
            found[number] = (resolved, at)
    return found


def _until(at: datetime | None, now: datetime) -> datetime | None:
    return at if at is not None and at <= now else None


def _interactions(ids: list[str], horizon: datetime, now: datetime,
                  session: Session) -> Iterable[tuple[str, datetime | None]]:
    """War rooms with our executive seated (once each: at the acknowledgment if given,
    else when the room opened; an acknowledgment is not needed for the executive to have
    been engaged), and letters delivered to executives."""
    engaged = func.coalesce(WarRoomRow.executive_ack_at, WarRoomRow.opened_at)
    yield from ((account, at) for account, at in session.execute(
        select(CaseRow.account_id, engaged)
        .join(CaseRow, CaseRow.number == WarRoomRow.case_number)
        .where(CaseRow.account_id.in_(ids), WarRoomRow.executive.is_not(None),
               engaged > horizon, engaged <= now)))
    yield from ((account, at) for account, at in session.execute(
        select(CaseRow.account_id, OutboxRow.delivered_at)
        .join(CommunicationRow, CommunicationRow.id == OutboxRow.communication_id)
        .join(CaseRow, CaseRow.number == OutboxRow.case_number)
        .where(CaseRow.account_id.in_(ids), CommunicationRow.audience == "executive",
               OutboxRow.state == "delivered", OutboxRow.delivered_at > horizon,
               OutboxRow.delivered_at <= now)))
