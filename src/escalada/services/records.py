"""Loading cases, writing the timeline, and turning rows into snapshots and views."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from escalada.adapters.db import reads
from escalada.adapters.db.inserts import RowInsert
from escalada.adapters.db.plain import Reader
from escalada.adapters.db.reads import Record
from escalada.adapters.db.tables import AccountRow, CaseRow, ContactRow, TimelineRow
from escalada.domain.audit import GENESIS, AuditKey, canonical_data, entry_hash
from escalada.domain.policy import Policy
from escalada.domain.sla import next_due
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.words import Words, english, words_json
from escalada.services.authz import can_work_cases
from escalada.services.case_reads import (
    TIMELINE_SUMMARY_LENGTH,
    account_snapshot,
    account_view,
    contact_view,
    escalation_view,
    excerpt,
    snapshot_from,
    snapshot_source,
    timeline_view,
    view_from,
)
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.repositories import detached_row, read_account
from escalada.services.unit_of_work import UnitOfWork
from escalada.services.views import CaseView

# session.info key: the entries this transaction recorded on cases it did not open,
# case number -> (the case, its entries in order), a tuple replaced on each append so that
# a savepoint's copy of the dict keeps what was there: posted to the cases' war-room Slack
# channels (services.war_room_slack).
RECORDED = "recorded_entries"

# Built in services.case_reads, from either kind of row; imported from here by many.
__all__ = [
    "RECORDED",
    "TIMELINE_SUMMARY_LENGTH",
    "Event",
    "account_snapshot",
    "account_view",
    "case_view",
    "change_case",
    "committed_view",
    "contact_view",
    "due_on_opening",
    "escalation_view",
    "excerpt",
    "is_new",
    "opened",
    "opening_account",
    "opening_moment",
    "planned_at",
    "read_chain_heads",
    "record",
    "snapshot_of",
    "timeline_of",
    "timeline_view",
]

# session.info keys: the cases this transaction opened (number -> the timeline entries
# written for each), the head of each case's hash chain, the accounts and the counts of
# recent cases the snapshots were built from.
_OPENED, _HEADS, _ACCOUNTS, _RECENT = "opened_cases", "chain_heads", "accounts", "recent_cases"
_PLANNED_AT = "planned_at"  # when each case's timers were planned, at commit (`planned_at`)
# The snapshot a case opened by the transaction was planned from, at the last settle.
_PLANNED_FROM = "planned_from"
# The recent cases of an account counted with it as a case opens for it, before the case
# is inserted (`opening_account`): (account id, now) -> count.
_BEFORE_OPENING = "counted_before_opening"
# What `due_on_opening` built for a case about to be inserted (the case -> its snapshot,
# due time, and the policy, account and count of recent cases they came from).
_DUE_ON_OPENING = "due_on_opening"


def opened(session: Session, case: CaseRow) -> None:
    """`case` was inserted by this transaction (cases.open_case): its timeline starts at
    the genesis hash and nothing was stored about it before, so nothing is read back.
    The insert is its first version: recording the opening does not write the row again."""
    session.info.setdefault(_OPENED, {})[case.number] = []
    session.info.setdefault(_HEADS, {})[case.number] = GENESIS
    session.info.pop(_RECENT, None)  # one more case of its account
    counted = session.info.get(_BEFORE_OPENING, {}).pop((case.account_id, case.opened_at),
                                                         None)
    if counted is not None:  # as the snapshots of its opening count them, itself included
        session.info[_RECENT] = {(case.account_id, case.opened_at): counted + 1}


def opening_moment(session: Session, case: CaseRow) -> datetime | None:
    """When `case` opened, if this transaction opened it: its first timers are planned as
    at that moment (nothing about it has moved since), from what its opening read."""
    return case.opened_at if is_new(session, case) else None


def due_on_opening(session: Session, case: CaseRow, policy: Policy) -> datetime | None:
    """The first SLA due time of `case`, about to be inserted, when its account's recent
    cases were counted as it opened (`opening_account`): written with the case rather
    than after it (its timer planning at commit finds the same). None: not known yet."""
    counted = session.info.get(_BEFORE_OPENING, {}).get((case.account_id, case.opened_at))
    if counted is None:
        return None
    # Numbered once inserted: the snapshot's id is not what the due time depends on.
    account = _account(session, case.account_id)
    snapshot = snapshot_from(case, account, counted + 1, [])
    due = next_due(snapshot, policy, case.opened_at)
    session.info.setdefault(_DUE_ON_OPENING, {})[case] = (
        snapshot, due, policy, account, counted + 1, snapshot_source(case, []))
    return due


def first_plan(session: Session, case: CaseRow, policy: Policy,
               now: datetime) -> tuple[CaseSnapshot, datetime | None] | None:
    """The snapshot at `now` and the next SLA due time that `due_on_opening` found for
    `case`, numbered now: what its first plan would build again, when nothing they were
    built from has moved since (what the snapshot reads of the case, its account, the
    count of recent cases, the policy and the moment). None: build them again."""
    found = session.info.get(_DUE_ON_OPENING, {}).pop(case, None)
    if found is None:
        return None
    snapshot, due, policy_then, account, recent, source = found
    if (policy_then is not policy or now != case.opened_at
            or session.info.get(_ACCOUNTS, {}).get(case.account_id) is not account
            or session.info.get(_RECENT, {}).get((case.account_id, now)) != recent
            or snapshot_source(case, case.pauses) != source):
        return None
    return snapshot.model_copy(update={"id": case.ref}), due


def is_new(session: Session, case: CaseRow) -> bool:
    """Whether this transaction opened `case` (no timers, escalations, rooms before)."""
    return case.number in session.info.get(_OPENED, {})


def record(
    session: Session,
    case: CaseRow,
    *,
    actor: Actor,
    at: datetime,
    kind: str,
    summary: str | Words,
    reason: str | Words | None = None,
    data: dict[str, Any] | None = None,
    changed: bool = True,
) -> None:
    """Append an entry to the case's timeline (who, what, when, why). Unless told the
    case did not change (a refused request), its version moves on. A summary given as
    Words is stored as its English (the hashed record) and its template and parameters
    (`words`), from which readers of other languages see it in theirs; so is a reason
    escalada composes (`reason_words`)."""
    words, reason_words = words_json(summary), words_json(reason)
    summary, reason = str(summary), english(reason)
    new = session.info.get(_OPENED, {}).get(case.number)
    if changed:
        if new is None:
            case.touch(at)
        # Its timers are planned again when the transaction commits (UnitOfWork).
        session.info.setdefault("changed_cases", {})[case.number] = case
    document = canonical_data(data or {})
    prev = _chain_head(session, case)
    key: AuditKey | None = session.info.get("audit_key")
    digest = entry_hash(prev, case=case.number, at=at, actor=actor.name, kind=kind,
                        summary=summary, reason=reason, data=document,
                        key=None if key is None else key.secret)
    columns = {
        "case_number": case.number, "at": at, "actor": actor.name, "kind": kind,
        "summary": summary, "reason": reason, "data": document, "prev_hash": prev,
        "hash": digest, "key_id": None if key is None else key.id, "words": words,
        "reason_words": reason_words}
    if new is not None:
        # A case opened by this transaction is in the database already (Cases.add): its
        # entry is written at once too (adapters.db.inserts), and kept (the view's
        # timeline) without the session's flush, which nothing else of the opening needs:
        # a row object outside the session, built without the constructor's events.
        _ENTRY_INSERT.run(session.connection(), [columns])
        new.append(detached_row(TimelineRow, columns))
    else:
        entry = TimelineRow(**columns)
        session.add(entry)
        notes = session.info.setdefault(RECORDED, {})
        notes[case.number] = (case, (*notes.get(case.number, (case, ()))[1], entry))
    session.info[_HEADS][case.number] = digest


_ENTRY_INSERT = RowInsert(cast(Table, TimelineRow.__table__))


def _chain_head(session: Session, case: CaseRow) -> str:
    """The hash of the case's latest timeline entry, with the case locked so that no
    other transaction appends to its chain meanwhile (SQLite: one writer anyway, whose
    transaction holds the write lock from its start, so no row lock is taken there)."""
    heads: dict[int, str] = session.info.setdefault(_HEADS, {})
    if case.number not in heads:
        # No flush here: the change being recorded is flushed, and its version checked,
        # when the transaction commits.
        with session.no_autoflush:
            if session.get_bind().dialect.name != "sqlite":
                session.execute(select(CaseRow.number).where(CaseRow.number == case.number)
                                .with_for_update())
            latest = session.scalar(
                select(TimelineRow.hash).where(TimelineRow.case_number == case.number)
                .order_by(TimelineRow.id.desc()).limit(1))
        heads[case.number] = latest or GENESIS
    return heads[case.number]


def read_chain_heads(session: Session, numbers: Collection[int]) -> None:
    """Read the chain heads of cases this transaction has locked, in one query, for the
    entries `record` will append to their timelines (instead of one query per case)."""
    heads: dict[int, str] = session.info.setdefault("chain_heads", {})
    wanted = sorted(set(numbers) - heads.keys())
    if not wanted:
        return
    latest = (select(TimelineRow.hash).where(TimelineRow.case_number == CaseRow.number)
              .order_by(TimelineRow.id.desc()).limit(1).scalar_subquery())
    with session.no_autoflush:
        for number, head in session.execute(
                select(CaseRow.number, latest).where(CaseRow.number.in_(wanted))):
            heads[number] = head or GENESIS


@dataclass(frozen=True)
class Event:
    """What a change did, for the timeline."""

    kind: str
    summary: str | Words
    reason: str | Words | None = None
    data: dict[str, Any] = field(default_factory=dict)


def change_case(
    ctx: Context,
    *,
    actor: Actor,
    case_id: str,
    expected_version: int | None,
    change: Callable[[CaseRow, datetime], Event],
    open_only: bool = True,
    then: Callable[[CaseRow, datetime], None] | None = None,
) -> CaseView:
    """Load a case, apply one change, record it on the timeline (and do `then`, what
    follows from it) and commit, all or nothing."""
    can_work_cases(actor)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        load = uow.cases.get_open if open_only else uow.cases.get
        case = load(case_id, expected_version=expected_version)
        policy = policy_of(uow.session, case, ctx.policy())
        event = change(case, now)
        record(uow.session, case, actor=actor, at=now, kind=event.kind, summary=event.summary,
               reason=event.reason, data=event.data)
        if then is not None:
            then(case, now)
        return committed_view(uow, case, policy, now)


def committed_view(uow: UnitOfWork, case: CaseRow, policy: Policy, now: datetime) -> CaseView:
    """Commit the unit of work and return the case as committed, read in the same
    transaction (after its timers are planned) rather than in a second one."""
    uow.settle()
    # As at the moment its timers were planned (a moment after `now`, by the clock): the
    # snapshot the plan was built from is the view's too, its recent cases counted once.
    view = case_view(uow.session, case, policy,
                     uow.session.info.get(_PLANNED_AT, {}).get(case.number, now),
                     uow.session.info.get(_PLANNED_FROM, {}).get(case.number))
    uow.commit()
    return view


def planned_at(session: Session, case: CaseRow, now: datetime) -> None:
    """The transaction planned the case's timers at `now` (services.timer_planning)."""
    session.info.setdefault(_PLANNED_AT, {})[case.number] = now


def planning(session: Session) -> None:
    """The cases changed are planned again (each settle): the snapshots noted by the
    plans before are forgotten, for a case may have moved since."""
    session.info.pop(_PLANNED_FROM, None)


def planned_from(session: Session, case: CaseRow, snapshot: CaseSnapshot) -> None:
    """A case this transaction opened was planned from `snapshot` (at its `planned_at`),
    nothing about it moved since: its view after the plan is built from it too."""
    session.info.setdefault(_PLANNED_FROM, {})[case.number] = snapshot


def snapshot_of(session: Session, case: CaseRow, now: datetime) -> CaseSnapshot:
    """The engine's view of a stored case at `now`."""
    return snapshot_from(case, _account(session, case.account_id),
                         _recent_cases(session, case.account_id, now), case.pauses)


def opening_account(session: Session, account_id: str, now: datetime) -> None:
    """The account a case opens for at `now`: NotFound when there is none. Read once, in
    plain SQL, with its recent cases counted, for the new case's snapshots (the opening
    changes nothing of the account)."""
    account, counted = read_account(session, account_id, now)
    session.info.setdefault(_ACCOUNTS, {})[account_id] = account
    session.info.setdefault(_BEFORE_OPENING, {})[account_id, now] = counted


def _account(session: Session, account_id: str) -> AccountRow | Record:
    """The account, read once per transaction (kept here, as the session's identity map
    would forget it once no one holds it)."""
    accounts: dict[str, AccountRow | Record] = session.info.setdefault(_ACCOUNTS, {})
    if account_id not in accounts:
        accounts[account_id] = session.get_one(AccountRow, account_id)
    return accounts[account_id]


def _recent_cases(session: Session, account_id: str, now: datetime) -> int:
    """How many cases the account opened in the 30 days up to `now`, counted once per
    transaction (a case it opens itself is counted again: see `opened`)."""
    counts: dict[tuple[str, datetime], int] = session.info.setdefault(_RECENT, {})
    if (account_id, now) not in counts:
        # In plain SQL on the session's connection: what it wrote shows (a case it
        # opens is inserted at once, Cases.add), and no statement is built per call.
        counts[account_id, now] = reads.recent_cases(Reader.of_session(session), account_id,
                                                     now)
    return counts[account_id, now]


def timeline_of(session: Session, case: CaseRow, limit: int | None = None) -> list[TimelineRow]:
    written = session.info.get(_OPENED, {}).get(case.number)
    if written is not None:  # opened by this transaction: its whole timeline is here
        return list(written if limit is None else written[-limit:])
    query = select(TimelineRow).where(TimelineRow.case_number == case.number)
    if limit is None:
        return list(session.scalars(query.order_by(TimelineRow.id)))
    latest = session.scalars(query.order_by(TimelineRow.id.desc()).limit(limit))
    return list(reversed(list(latest)))


def case_view(session: Session, case: CaseRow, policy: Policy, now: datetime,
              snapshot: CaseSnapshot | None = None) -> CaseView:
    """The case at `now` (from `snapshot` when given: the one its timers were planned
    from at `now`)."""
    contact = None if case.contact_id is None else session.get(ContactRow, case.contact_id)
    return view_from(case, snapshot or snapshot_of(session, case, now), policy, now,
                     contact=contact,
                     escalations=case.escalations,
                     timeline=timeline_of(session, case, TIMELINE_SUMMARY_LENGTH))
