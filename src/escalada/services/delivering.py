"""Sending what the outbox holds: a worker (or the sender, at once) takes a few due
deliveries, sends them outside any transaction and settles the attempts.

A delivery is sent only by the worker holding it, and is held right up to the send:
taking is one conditional UPDATE (still pending, and nobody's lease running) that
names the worker and holds each delivery for the worker's lease, and at least as long
as its channel's timeouts let one attempt last, committed before the far side is
called. A worker takes at most SENT_TOGETHER deliveries at a time and sends them side
by side, so none waits under its hold behind another's slow send: a second worker never
finds a delivery whose holder is still sending it. A worker that dies mid-send leaves
its deliveries to the next one once the hold is over.

Settling records the outcomes in one transaction, and only where the worker still holds
the delivery: delivered, another try after a growing wait with jitter, or the dead
letters after the last attempt (or at once when the far side refuses for good). Should
one delivery's settling fail, the batch is settled again with each delivery in a
savepoint of its own; should that transaction fail, each is settled on its own.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache, partial

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters import metrics
from escalada.adapters.channels import (
    Channel,
    DeliveryFailed,
    Outbound,
    Receipt,
)
from escalada.adapters.db.leased_queue import LeasedQueue
from escalada.adapters.db.tables import CaseRow, CommunicationRow, OutboxRow
from escalada.domain.case_status import after_customer_update
from escalada.domain.communications import Audience
from escalada.domain.delivery import DEAD, DELIVERED, PENDING, after_failure
from escalada.domain.errors import EscaladaError, InvalidInput, StoreUnavailable
from escalada.domain.id_words import CHANNEL_WORDS, MESSAGE_KIND_WORDS, named
from escalada.domain.model import CaseStatus, case_label
from escalada.domain.words import Words
from escalada.services.context import Actor, Context
from escalada.services.endpoints import destination_of
from escalada.services.policies import policy_of
from escalada.services.records import read_chain_heads, record

log = structlog.get_logger("escalada.outbox")
SYSTEM = Actor("escalada", "system")
# How long a person's "send now" holds its delivery (at least; see `_take`).
SENDER_LEASE = timedelta(seconds=60)
# The deliveries waiting to be sent (see `_take`).
OUTBOX = LeasedQueue(OutboxRow, OutboxRow.id, OutboxRow.available_at, state=OutboxRow.state,
                     waiting=PENDING, holder=OutboxRow.lease_owner, attempts=OutboxRow.attempts,
                     ties_by_id=True)
# Deliveries a worker takes at a time, and sends side by side (each on a thread of its own).
# A batch costs two transactions and the re-planning of each case it settles, whatever its
# size: 16 rather than 8 took CPU per attempt from 3.2-4.4 to 2.3-2.8 ms in bench/comms.py's
# outbox (SQLite, sink 200), and it is still few connections for one far side to take.
SENT_TOGETHER = 16


@dataclass(frozen=True)
class Attempt:
    id: int
    outcome: str  # delivered | retry | dead | skipped | unsettled (see `_settle_all`)


@dataclass(frozen=True)
class _Taken:
    """A delivery this worker holds: the message, and the channel to send it by or why
    it cannot be sent."""

    message: Outbound  # to: where the channel sends it (an endpoint's URL, for a name)
    recipient: str  # as the delivery records it (the endpoint's name)
    channel: Channel | DeliveryFailed


def deliver_due(
    ctx: Context, *, owner: str, limit: int = 100, lease: timedelta = timedelta(seconds=60)
) -> list[Attempt]:
    """Send up to `limit` due deliveries, SENT_TOGETHER at a time, each taken right
    before it is sent."""
    attempts: list[Attempt] = []
    while len(attempts) < limit:
        taken = _take(ctx, owner=owner, lease=lease,
                      limit=min(SENT_TOGETHER, limit - len(attempts)))
        if not taken:
            break
        attempts += _send(ctx, taken, owner)
    return attempts


def send_now(ctx: Context, delivery_id: int, *, owner: str) -> Attempt:
    """Try one delivery now, if it is pending and nobody holds it."""
    taken = _take(ctx, owner=owner, lease=SENDER_LEASE, limit=1, delivery_id=delivery_id)
    if not taken:
        return Attempt(delivery_id, "skipped")
    [attempt] = _send(ctx, taken, owner)
    return attempt


def next_delivery_at(ctx: Context) -> datetime | None:
    """When the next pending delivery may be taken (a worker sleeps until then)."""
    with ctx.reading() as uow:
        return OUTBOX.next_due_at(uow.session)


def _take(
    ctx: Context, *, owner: str, lease: timedelta, limit: int, delivery_id: int | None = None
) -> list[_Taken]:
    """Hold up to `limit` due deliveries (or `delivery_id`) for `owner`, committed before
    they are sent, and on disk before they are (a hold lost to a power loss would send them
    again); none when there is none to take."""
    now = ctx.clock()
    with ctx.unit_of_work(durable=True) as uow:
        session = uow.session
        rows = OUTBOX.due(session, now=now, limit=limit, only=delivery_id)
        if not rows:
            return []
        drafts = {draft.id: draft for draft in session.scalars(select(CommunicationRow).where(
            CommunicationRow.id.in_({row.communication_id for row in rows})))}
        channels: dict[str, Channel | DeliveryFailed] = {}
        destinations: dict[tuple[str, str], str | DeliveryFailed] = {}
        taken: dict[int, _Taken] = {}
        holds: dict[datetime, list[int]] = {}
        for row in rows:
            if row.channel not in channels:
                channels[row.channel] = _channel(ctx, row.channel)
            channel = channels[row.channel]
            where = (row.channel, row.recipient)
            if where not in destinations:
                try:
                    destinations[where] = destination_of(session, *where)
                except InvalidInput as gone:
                    destinations[where] = DeliveryFailed(gone.problems[0][1], permanent=True)
            destination = destinations[where]
            message = _message(drafts[row.communication_id], row)
            if isinstance(destination, DeliveryFailed):
                channel = destination
            else:
                message = replace(message, to=destination)
            hold = lease if isinstance(channel, DeliveryFailed) else max(
                lease, timedelta(seconds=channel.longest_attempt))
            holds.setdefault(now + hold, []).append(row.id)
            taken[row.id] = _Taken(message, row.recipient, channel)
        # The condition, not the SELECT, is what makes a delivery this worker's alone.
        held: set[int] = set()
        for until, ids in holds.items():
            held |= OUTBOX.hold(session, ids, now=now, holder=owner, until=until)
        if not held:
            return []
        uow.commit()
    return [taken[row.id] for row in rows if row.id in held]


def _channel(ctx: Context, name: str) -> Channel | DeliveryFailed:
    try:
        return ctx.channels(name)
    except EscaladaError as unusable:  # a setting is missing: fixable, so try again
        return DeliveryFailed(str(unusable), permanent=False)


def _message(draft: CommunicationRow, row: OutboxRow) -> Outbound:
    return Outbound(
        idempotency_key=row.idempotency_key, channel=row.channel, to=row.recipient,
        subject=draft.subject, body=draft.body, language=draft.language,
        audience=draft.audience, case_ref=case_label(row.case_number), kind=draft.kind,
        message_id=row.id)


def _send(ctx: Context, taken: Sequence[_Taken], owner: str) -> list[Attempt]:
    """Send held deliveries over their channels, side by side and outside any
    transaction, then settle them."""
    together = len(taken) > 1
    results = list(_senders(owner).map(_result, taken)) if together else [_result(taken[0])]
    outcomes = _settle_all(ctx, taken, results, owner)
    for held, outcome in zip(taken, outcomes, strict=True):
        metrics.delivery_attempted(held.message.channel, outcome)
    return [Attempt(held.message.message_id, outcome)
            for held, outcome in zip(taken, outcomes, strict=True)]


@lru_cache(maxsize=16)
def _senders(owner: str) -> ThreadPoolExecutor:
    """The worker's threads that send a batch side by side, started once and kept: a
    pool per batch started and joined SENT_TOGETHER threads each time, which on a loaded
    machine took milliseconds a thread. (efec894 went back to a pool per batch because
    bench/comms.py measured this slower: its sink listened with a backlog of 5, which
    sends connecting all at once overflowed, each dropped connection waiting a second.)"""
    return ThreadPoolExecutor(max_workers=SENT_TOGETHER, thread_name_prefix=f"send:{owner}")


def _result(taken: _Taken) -> Receipt | DeliveryFailed:
    message, channel = taken.message, taken.channel
    result = channel if isinstance(channel, DeliveryFailed) else _deliver(channel, message)
    if isinstance(result, DeliveryFailed) and message.to != taken.recipient:
        # Whatever a channel says, the endpoint's URL (maybe a secret) is not repeated.
        result = DeliveryFailed(result.reason.replace(message.to, taken.recipient),
                                permanent=result.permanent)
    return result


def _deliver(channel: Channel, message: Outbound) -> Receipt | DeliveryFailed:
    try:
        return channel.deliver(message)
    except DeliveryFailed as failure:
        return failure
    except EscaladaError as unusable:  # a setting is missing: fixable, so try again
        return DeliveryFailed(str(unusable), permanent=False)
    except Exception as error:  # a bug in a channel must not lose the message
        log.exception("delivery_crashed", delivery=message.message_id, channel=message.channel)
        return DeliveryFailed(f"{type(error).__name__}: {error}", permanent=False)


def _settle_all(
    ctx: Context, taken: Sequence[_Taken], results: Sequence[Receipt | DeliveryFailed],
    owner: str,
) -> list[str]:
    """Settle the attempts in one transaction, each in a savepoint; one whose settling
    raises stays held (`unsettled`: tried again when its hold is over). Should the
    transaction fail, each is settled in a transaction of its own."""
    ids = [held.message.message_id for held in taken]
    if len(ids) > 1:
        try:
            return _settle_together(ctx, ids, results, owner)
        except StoreUnavailable:
            raise
        except Exception as error:
            log.warning("delivery_batch_failed", deliveries=len(ids), worker=owner,
                        error=f"{type(error).__name__}: {error}")
    return [_settle(ctx, delivery_id, owner, result)
            for delivery_id, result in zip(ids, results, strict=True)]


def _settle_together(
    ctx: Context, ids: Sequence[int], results: Sequence[Receipt | DeliveryFailed], owner: str,
) -> list[str]:
    """Settle the batch in one transaction: first all of it at once, one flush for all;
    should any delivery's settling (or the commit) fail, the batch again with each
    delivery in a savepoint of its own, so that only that one stays unsettled. (A
    savepoint each, every time, cost a flush and two statements per delivery: a third of
    settling.)"""
    try:
        return _settle_batch(ctx, ids, results, owner, isolated=False)
    except StoreUnavailable:
        raise
    except Exception as error:
        log.info("delivery_batch_settled_again", deliveries=len(ids), worker=owner,
                 error=f"{type(error).__name__}: {error}")
    return _settle_batch(ctx, ids, results, owner, isolated=True)


def _settle_batch(
    ctx: Context, ids: Sequence[int], results: Sequence[Receipt | DeliveryFailed], owner: str,
    *, isolated: bool,
) -> list[str]:
    now = ctx.clock()
    outcomes = []
    with ctx.unit_of_work() as uow:
        session = uow.session
        numbers = set(session.scalars(
            select(OutboxRow.case_number).where(OutboxRow.id.in_(ids))))
        # The cases first, then the deliveries: the order every change to a case takes,
        # each in number order, so that two workers never wait for each other in a circle.
        cases = {case.number: case for case in session.scalars(
            select(CaseRow).where(CaseRow.number.in_(numbers))
            .order_by(CaseRow.number).with_for_update())}
        rows = {row.id: row for row in session.scalars(
            select(OutboxRow).where(OutboxRow.id.in_(ids))
            .order_by(OutboxRow.id).with_for_update())}
        drafts = {draft.id: draft for draft in session.scalars(select(CommunicationRow).where(
            CommunicationRow.id.in_({row.communication_id for row in rows.values()})))}
        read_chain_heads(session, cases)
        for delivery_id, result in zip(ids, results, strict=True):
            row = rows[delivery_id]
            settle = partial(_settled, session, ctx, cases[row.case_number],
                             drafts[row.communication_id], row, owner, result, now)
            if not isolated:
                outcomes.append(settle())
                continue
            try:
                with uow.savepoint():
                    outcome = settle()
            except StoreUnavailable:
                raise
            except Exception:  # one delivery's trouble must not unsettle the others
                log.exception("delivery_settle_failed", delivery=delivery_id, worker=owner)
                outcome = "unsettled"
            outcomes.append(outcome)
        uow.commit()
    return outcomes


def _settle(
    ctx: Context, delivery_id: int, owner: str, result: Receipt | DeliveryFailed
) -> str:
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case_number = session.scalar(
            select(OutboxRow.case_number).where(OutboxRow.id == delivery_id))
        # The case first, then the delivery: the order every change to a case takes.
        case = session.scalars(
            select(CaseRow).where(CaseRow.number == case_number).with_for_update()).one()
        row = session.scalars(
            select(OutboxRow).where(OutboxRow.id == delivery_id).with_for_update()).one()
        draft = session.get_one(CommunicationRow, row.communication_id)
        outcome = _settled(session, ctx, case, draft, row, owner, result, now)
        uow.commit()
    return outcome


def _settled(
    session: Session, ctx: Context, case: CaseRow, draft: CommunicationRow, row: OutboxRow,
    owner: str, result: Receipt | DeliveryFailed, now: datetime,
) -> str:
    if not OUTBOX.still_held(row, owner):
        # The send outlasted its hold (the channel's timeouts were exceeded) and
        # another worker took the delivery over: its outcome is the one kept.
        log.warning("delivery_hold_lost", delivery=row.id, worker=owner,
                    now_held_by=row.lease_owner, state=row.state)
        return "skipped"
    if isinstance(result, Receipt):
        return _delivered(session, case, draft, row, result, now)
    return _failed(session, ctx, case, draft, row, result, now)


def _failed(
    session: Session, ctx: Context, case: CaseRow, draft: CommunicationRow, row: OutboxRow,
    result: DeliveryFailed, now: datetime,
) -> str:
    policy = policy_of(session, case, ctx.policy()).communications.delivery
    after = after_failure(row.attempts, permanent=result.permanent, now=now, policy=policy,
                          rand=random.random(), max_attempts=row.max_attempts)
    row.last_error = f"attempt {row.attempts}: {result.reason}"[:2000]
    if after.state != DEAD:
        assert after.retry_at is not None
        OUTBOX.due_again(row, after.retry_at)
        return "retry"
    OUTBOX.finish(row, DEAD)
    row.dead_at = now
    why = (Words("refused for good") if result.permanent else
           Words("failed {attempts} attempts", attempts=row.attempts))
    # The reason as far as the summary's 2,000 characters hold it.
    channel = channel_words(row.channel)
    head = str(Words("{message} to {to} by {channel} {why}: ", message=what_words(draft),
                     to=row.recipient, channel=channel, why=why))
    record(session, case, actor=SYSTEM, at=now, kind="message_dead_lettered",
           summary=Words("{message} to {to} by {channel} {why}: {reason}",
                         message=what_words(draft), to=row.recipient, channel=channel,
                         why=why, reason=str(result.reason)[:max(0, 2000 - len(head))])
           if len(head) < 2000 else (head + str(result.reason))[:2000],
           data=entry_data(draft, row), changed=False)
    return DEAD


def _delivered(
    session: Session, case: CaseRow, draft: CommunicationRow, row: OutboxRow,
    receipt: Receipt, now: datetime,
) -> str:
    """A message the customer reads is a customer update: their clock starts again."""
    OUTBOX.finish(row, DELIVERED)
    row.delivered_at, row.reference = now, receipt.reference
    summary = Words("{message} delivered to {to} by {channel}", message=what_words(draft),
                    to=row.recipient, channel=channel_words(row.channel))
    data = entry_data(draft, row)
    customer_side = Audience(draft.audience).is_customer_side
    if not customer_side or not CaseStatus(case.status).is_open:
        record(session, case, actor=SYSTEM, at=now, kind="message_delivered",
               summary=summary, data=data, changed=False)
        return DELIVERED
    first = case.first_response_at is None
    if first:
        case.first_response_at = now
    case.last_customer_update_at = now
    case.status = after_customer_update(case.status)
    record(session, case, actor=SYSTEM, at=now,
           kind="first_response" if first else "customer_update",
           summary=Words("{delivered}: the next update is due from now", delivered=summary),
           data=data)
    return DELIVERED


def what(draft: CommunicationRow) -> str:
    """How the timeline names a message, e.g. `progress update #2 (ru)`."""
    return str(what_words(draft))


def channel_words(channel: str) -> Words:
    """A delivery's channel as the timeline names it ("email", "Slack"; a help desk's own,
    such as zendesk, as it is)."""
    return named(CHANNEL_WORDS, channel)


def what_words(draft: CommunicationRow) -> Words:
    """`what` as words, in the reader's language where shown."""
    label = MESSAGE_KIND_WORDS.get(draft.kind) or Words.literal(draft.kind.replace("_", " "))
    if draft.update_number:
        return Words("{kind} #{number} ({language})", kind=label, number=draft.update_number,
                     language=draft.language)
    return Words("{kind} ({language})", kind=label, language=draft.language)


def entry_data(draft: CommunicationRow, row: OutboxRow) -> dict[str, object]:
    """What a timeline entry about a delivery records besides its summary."""
    return {"draft": draft.id, "delivery": row.id, "channel": row.channel,
            "audience": draft.audience, "language": draft.language, "kind": draft.kind,
            "attempts": row.attempts, "reference": row.reference}
