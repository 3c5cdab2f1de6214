"""Keeping vendor cases in step: the vendor's status and communications pulled onto
our timeline (by a person, or by workers every 15 minutes), and the vendor's first
response chased by a timer when our plan's target passes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters import metrics
from escalada.adapters.db.leased_queue import LeasedQueue
from escalada.adapters.db.tables import CaseRow, TimelineRow, VendorCaseRow, VendorMessageRow
from escalada.adapters.vendor_plans_file import current_vendor_plans
from escalada.adapters.vendors import CLOSED, RESOLVED, VendorCase
from escalada.domain.errors import EscaladaError, StoreUnavailable
from escalada.domain.timers import VendorWait
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.paging import every_item
from escalada.services.records import excerpt, read_chain_heads, record
from escalada.services.repositories import load_case
from escalada.services.vendor_views import VendorCaseView, vendor_case_page
from escalada.services.vendors import SYSTEM, VENDOR_NAMES, open_rows

log = structlog.get_logger("escalada.vendors")
SYNC_EVERY = timedelta(minutes=15)  # how often workers sync an open vendor case
SYNC_LEASE = timedelta(minutes=2)
# The open vendor cases, each due to be synced at its `next_sync_at` (None once closed).
SYNCS = LeasedQueue(VendorCaseRow, VendorCaseRow.id, VendorCaseRow.next_sync_at)


def sync_vendor_cases(
    *, ctx: Context, actor: Actor, case_id: str,
) -> list[VendorCaseView]:
    """Pull the status and communications of the case's open vendor cases."""
    can_work_cases(actor, "syncing vendor cases")
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        rows = [(row.id, row.vendor, row.vendor_case_id) for row in open_rows(uow.session, case)]
    for row_id, vendor, vendor_case_id in rows:
        fetched = ctx.vendors(vendor).fetch_case(vendor_case_id)
        _apply(ctx, row_id, fetched, actor)
    return list(every_item(vendor_case_page, ctx=ctx, case_id=case_id))


def sync_due(ctx: Context, *, owner: str, limit: int = 20) -> int:
    """Sync the open vendor cases whose time has come (workers call this); how many.

    They are taken in one claim and fetched one by one; what was fetched is written in
    one transaction, each vendor case in a savepoint, so that one failing case does not
    stop the others (a failure is kept on the vendor case, which is tried again later).
    Should that transaction fail, each is written in a transaction of its own."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        due = [(row.id, row.vendor, row.vendor_case_id) for row in SYNCS.take(
            uow.session, now=now, holder=owner, lease=SYNC_LEASE, limit=limit)]
        if not due:
            return 0
        uow.commit()
    fetched = {row_id: _fetch(ctx, row_id, vendor, vendor_case_id, owner)
               for row_id, vendor, vendor_case_id in due}
    try:
        outcomes = _write_together(ctx, fetched, owner)
    except StoreUnavailable:
        raise
    except Exception as error:
        log.warning("vendor_sync_batch_failed", vendor_cases=len(due), worker=owner,
                    error=f"{type(error).__name__}: {error}")
        outcomes = {row_id: _write_alone(ctx, row_id, found, owner)
                    for row_id, found in fetched.items()}
    for row_id, vendor, _ in due:
        metrics.vendor_synced(vendor, outcomes[row_id])
    return len(due)


def _fetch(
    ctx: Context, row_id: int, vendor: str, vendor_case_id: str, owner: str
) -> VendorCase | str:
    """The vendor case as the vendor has it, or why it could not be fetched."""
    try:
        return ctx.vendors(vendor).fetch_case(vendor_case_id)
    except StoreUnavailable:
        raise  # the worker waits for the database, then tries again
    except EscaladaError as failure:  # the vendor failed, or a setting is missing
        return str(failure)
    except Exception as error:  # an SDK's own error, or a bug
        log.exception("vendor_sync_failed", vendor_case=row_id, vendor=vendor, worker=owner)
        return f"{type(error).__name__}: {error}"


def _write_together(
    ctx: Context, fetched: dict[int, VendorCase | str], owner: str
) -> dict[int, str]:
    """Write what was fetched in one transaction: `synced` or `failed` for each."""
    now = ctx.clock()
    outcomes: dict[int, str] = {}
    with ctx.unit_of_work() as uow:
        session = uow.session
        numbers = set(session.scalars(select(VendorCaseRow.case_number).where(
            VendorCaseRow.id.in_(fetched))))
        # The cases first, in number order: the order every change to a case takes.
        cases = {case.number: case for case in session.scalars(
            select(CaseRow).where(CaseRow.number.in_(numbers))
            .order_by(CaseRow.number).with_for_update())}
        rows = {row.id: row for row in session.scalars(
            select(VendorCaseRow).where(VendorCaseRow.id.in_(fetched)))}
        read_chain_heads(session, cases)
        for row_id, found in fetched.items():
            row = rows[row_id]
            if not isinstance(found, str):
                try:
                    with uow.savepoint():
                        _write(session, row, cases[row.case_number], found, SYSTEM, now)
                except StoreUnavailable:
                    raise
                except Exception as error:  # a bug: the others are written all the same
                    log.exception("vendor_sync_failed", vendor_case=row_id, worker=owner)
                    found = f"{type(error).__name__}: {error}"
                else:
                    outcomes[row_id] = "synced"
                    continue
            _failed(row, found, now)
            outcomes[row_id] = "failed"
        uow.commit()
    return outcomes


def _write_alone(ctx: Context, row_id: int, found: VendorCase | str, owner: str) -> str:
    if not isinstance(found, str):
        try:
            _apply(ctx, row_id, found, SYSTEM)
        except StoreUnavailable:
            raise
        except Exception as error:
            log.exception("vendor_sync_failed", vendor_case=row_id, worker=owner)
            found = f"{type(error).__name__}: {error}"
        else:
            return "synced"
    with ctx.unit_of_work() as uow:
        _failed(uow.session.get_one(VendorCaseRow, row_id), found, ctx.clock())
        uow.commit()
    return "failed"


def _failed(row: VendorCaseRow, error: str, now: datetime) -> None:
    row.sync_error = error[:2000]
    SYNCS.due_again(row, now + SYNC_EVERY)


def _apply(ctx: Context, row_id: int, fetched: VendorCase, actor: Actor) -> None:
    """Write what a fetch found: new messages, a new status, the first response."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        row = session.get_one(VendorCaseRow, row_id)
        case = session.scalars(select(CaseRow).where(CaseRow.number == row.case_number)
                               .with_for_update()).one()
        _write(session, row, case, fetched, actor, now)
        uow.commit()


def _write(
    session: Session, row: VendorCaseRow, case: CaseRow, fetched: VendorCase, actor: Actor,
    now: datetime,
) -> None:
    """New messages, a new status, the first response, on the vendor case and the
    case's timeline (the case locked)."""
    known = set(session.scalars(select(VendorMessageRow.message_id).where(
        VendorMessageRow.vendor_case_id == row.id)))
    name = VENDOR_NAMES[row.vendor]
    changed = False
    noted = _notes_sent(session, case, row.id)
    for message in sorted(fetched.messages, key=lambda m: m.at):
        if message.id in known:
            continue
        session.add(VendorMessageRow(
            vendor_case_id=row.id, message_id=message.id, at=message.at,
            author=message.author, body=message.body, from_vendor=message.from_vendor))
        if message.from_vendor and row.responded_at is None:
            row.responded_at, changed = message.at, True  # the response timer stops
        if not message.from_vendor and message.body.strip() in noted:
            continue  # our own note, on the timeline already as vendor_note
        who = name if message.from_vendor else Words("we ({author})", author=message.author)
        record(session, case, actor=actor, at=now, kind="vendor_message",
               summary=Words("{who} on {vendor} case {id}: {text}", who=who, vendor=name,
                             id=row.display_id or row.vendor_case_id,
                             text=excerpt(message.body)),
               data={"vendor_case": row.id, "message": message.id,
                     "at": message.at.isoformat(), "author": message.author,
                     "from_vendor": message.from_vendor}, changed=False)
    if (fetched.status, fetched.state) != (row.status, row.state):
        record(session, case, actor=actor, at=now, kind="vendor_status",
               summary=Words("{vendor} case {id}: {before} -> {after}", vendor=name,
                             id=row.display_id or row.vendor_case_id, before=str(row.status),
                             after=str(fetched.status)),
               data={"vendor_case": row.id, "from": row.status, "to": fetched.status,
                     "state": fetched.state}, changed=False)
        row.status, row.state = fetched.status, fetched.state
        if fetched.state in (RESOLVED, CLOSED) and row.closed_at is None:
            row.closed_at, changed = now, True
    row.display_id = row.display_id or fetched.display_id
    row.last_synced_at, row.sync_error = now, None
    SYNCS.due_again(row, None if row.state == CLOSED else now + SYNC_EVERY)
    if changed:
        case.touch(now)  # the vendor's timers are planned again
        session.info.setdefault("changed_cases", {})[case.number] = case


def _notes_sent(session: Session, case: CaseRow, vendor_case: int) -> set[str]:
    """What we told the vendor through `vendor note` on this vendor case."""
    entries = session.scalars(select(TimelineRow.data).where(
        TimelineRow.case_number == case.number, TimelineRow.kind == "vendor_note"))
    return {data["text"] for data in entries
            if data.get("vendor_case") == vendor_case and "text" in data}


def vendor_waits(session: Session, case: CaseRow) -> list[VendorWait]:
    """The case's vendor cases still awaiting the vendor's first response: the timers
    chase them."""
    rows = session.scalars(select(VendorCaseRow).where(
        VendorCaseRow.case_number == case.number, VendorCaseRow.responded_at.is_(None),
        VendorCaseRow.response_due_at.is_not(None), VendorCaseRow.state != CLOSED))
    return [VendorWait(r.id, r.vendor, r.plan, r.response_due_at) for r in rows
            if r.response_due_at is not None]


def on_vendor_response_due(
    session: Session, ctx: Context, case: CaseRow, timer: Any, now: datetime
) -> Words:
    """The vendor has not answered by our plan's response time: record it and recommend
    asking for a manager review (and the TAM, where the plan has one)."""
    row = session.get(VendorCaseRow, timer.payload["vendor_case"])
    if row is None or row.responded_at is not None or row.state == CLOSED:
        return Words("answered meanwhile")
    plan = current_vendor_plans(ctx.settings()).vendors[row.vendor].plans.get(row.plan)
    name = VENDOR_NAMES[row.vendor]
    asks = [Words("request a manager review of the vendor case (`escalada vendor escalate "
                  "{case} --reason RESOLUTION_TIME --justification ...`)", case=case.ref)]
    if plan is not None and plan.tam:
        asks.append(Words("contact our technical account manager"))
    told = (Words("{review} and {tam}", review=asks[0], tam=asks[1]) if len(asks) > 1
            else asks[0])
    record(session, case, actor=SYSTEM, at=now, kind="vendor_response_overdue",
           summary=Words("{vendor} has not responded to case {id} by {due} ({plan} plan, "
                         "severity {severity}): {asks}", vendor=name,
                         id=row.display_id or row.vendor_case_id, due=timer.payload["due_at"],
                         plan=row.plan, severity=row.severity, asks=told),
           data={"vendor_case": row.id, "vendor": row.vendor, "plan": row.plan,
                 "due_at": timer.payload["due_at"], "recommend": [str(ask) for ask in asks],
                 "late_seconds": round(max((now - timer.due_at).total_seconds(), 0.0), 3)},
           changed=False)
    return (Words("recommended a manager review and the TAM") if len(asks) > 1
            else Words("recommended a manager review"))
