"""Sending what the outbox holds: a worker (or the sender, at once) takes one delivery,
sends it outside any transaction and settles the attempt.

A delivery is sent only by the worker holding it, and is held right up to the send:
taking it is one conditional UPDATE (still pending, and nobody's lease running) that
names the worker and holds the delivery for the worker's lease, and at least as long
as the channel's timeouts let one attempt last, committed before the far side is
called. Deliveries are taken one at a time, so none waits under a lease behind a slow
one: a second worker never finds a delivery whose holder is still sending it. A
worker that dies mid-send leaves its delivery to the next one once the hold is over.

Settling records the outcome only if the worker still holds the delivery: delivered,
another try after a growing wait with jitter, or the dead letters after the last
attempt (or at once when the far side refuses for good).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

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
from escalada.domain.errors import EscaladaError, InvalidInput
from escalada.domain.model import CaseStatus, case_label
from escalada.services.context import Actor, Context
from escalada.services.endpoints import destination_of
from escalada.services.policies import policy_of
from escalada.services.records import record

log = structlog.get_logger("escalada.outbox")
SYSTEM = Actor("escalada", "system")
# How long a person's "send now" holds its delivery (at least; see `_take`).
SENDER_LEASE = timedelta(seconds=60)
# The deliveries waiting to be sent, taken one at a time (see `_take`).
OUTBOX = LeasedQueue(OutboxRow, OutboxRow.id, OutboxRow.available_at, state=OutboxRow.state,
                     waiting=PENDING, holder=OutboxRow.lease_owner, attempts=OutboxRow.attempts,
                     ties_by_id=True)


@dataclass(frozen=True)
class Attempt:
    id: int
    outcome: str  # delivered | retry | dead | skipped


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
    """Send up to `limit` due deliveries, taking each one right before sending it."""
    attempts: list[Attempt] = []
    while len(attempts) < limit:
        taken = _take(ctx, owner=owner, lease=lease)
        if taken is None:
            break
        attempts.append(_send(ctx, taken, owner))
    return attempts


def send_now(ctx: Context, delivery_id: int, *, owner: str) -> Attempt:
    """Try one delivery now, if it is pending and nobody holds it."""
    taken = _take(ctx, owner=owner, lease=SENDER_LEASE, delivery_id=delivery_id)
    if taken is None:
        return Attempt(delivery_id, "skipped")
    return _send(ctx, taken, owner)


def next_delivery_at(ctx: Context) -> datetime | None:
    """When the next pending delivery may be taken (a worker sleeps until then)."""
    with ctx.unit_of_work() as uow:
        return OUTBOX.next_due_at(uow.session)


def _take(
    ctx: Context, *, owner: str, lease: timedelta, delivery_id: int | None = None
) -> _Taken | None:
    """Hold the next due delivery (or `delivery_id`) for `owner`, committed before the
    send; None when there is none to take."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        rows = OUTBOX.due(session, now=now, limit=1, only=delivery_id)
        if not rows:
            return None
        row = rows[0]
        message = _message(session, row)
        channel = _channel(ctx, row.channel)
        try:
            message = replace(message, to=destination_of(session, row.channel, row.recipient))
        except InvalidInput as gone:
            channel = DeliveryFailed(gone.problems[0][1], permanent=True)
        hold = lease if isinstance(channel, DeliveryFailed) else max(
            lease, timedelta(seconds=channel.longest_attempt))
        # The condition, not the SELECT, is what makes the delivery this worker's alone.
        if row.id not in OUTBOX.hold(session, [row.id], now=now, holder=owner,
                                     until=now + hold):
            return None
        uow.commit()
    return _Taken(message, row.recipient, channel)


def _channel(ctx: Context, name: str) -> Channel | DeliveryFailed:
    try:
        return ctx.channels(name)
    except EscaladaError as unusable:  # a setting is missing: fixable, so try again
        return DeliveryFailed(str(unusable), permanent=False)


def _message(session: Session, row: OutboxRow) -> Outbound:
    draft = session.get_one(CommunicationRow, row.communication_id)
    return Outbound(
        idempotency_key=row.idempotency_key, channel=row.channel, to=row.recipient,
        subject=draft.subject, body=draft.body, language=draft.language,
        audience=draft.audience, case_ref=case_label(row.case_number), kind=draft.kind,
        message_id=row.id)


def _send(ctx: Context, taken: _Taken, owner: str) -> Attempt:
    """Send a held delivery over its channel, outside any transaction, then settle it."""
    message, channel = taken.message, taken.channel
    result = channel if isinstance(channel, DeliveryFailed) else _deliver(channel, message)
    if isinstance(result, DeliveryFailed) and message.to != taken.recipient:
        # Whatever a channel says, the endpoint's URL (maybe a secret) is not repeated.
        result = DeliveryFailed(result.reason.replace(message.to, taken.recipient),
                                permanent=result.permanent)
    outcome = _settle(ctx, message.message_id, owner, result)
    metrics.delivery_attempted(message.channel, outcome)
    return Attempt(message.message_id, outcome)


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
        if not OUTBOX.still_held(row, owner):
            # The send outlasted its hold (the channel's timeouts were exceeded) and
            # another worker took the delivery over: its outcome is the one kept.
            log.warning("delivery_hold_lost", delivery=delivery_id, worker=owner,
                        now_held_by=row.lease_owner, state=row.state)
            return "skipped"
        draft = session.get_one(CommunicationRow, row.communication_id)
        if isinstance(result, Receipt):
            outcome = _delivered(session, case, draft, row, result, now)
        else:
            outcome = _failed(session, ctx, case, draft, row, result, now)
        uow.commit()
    return outcome


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
    why = "refused for good" if result.permanent else f"failed {row.attempts} attempts"
    record(session, case, actor=SYSTEM, at=now, kind="message_dead_lettered",
           summary=f"{what(draft)} to {row.recipient} by {row.channel} "
                   f"{why}: {result.reason}"[:2000],
           data=entry_data(draft, row), changed=False)
    return DEAD


def _delivered(
    session: Session, case: CaseRow, draft: CommunicationRow, row: OutboxRow,
    receipt: Receipt, now: datetime,
) -> str:
    """A message the customer reads is a customer update: their clock starts again."""
    OUTBOX.finish(row, DELIVERED)
    row.delivered_at, row.reference = now, receipt.reference
    summary = f"{what(draft)} delivered to {row.recipient} by {row.channel}"
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
           summary=summary + ": the next update is due from now", data=data)
    return DELIVERED


def what(draft: CommunicationRow) -> str:
    """How the timeline names a message, e.g. `progress update #2 (ru)`."""
    label = draft.kind.replace("_", " ")
    number = f" #{draft.update_number}" if draft.update_number else ""
    return f"{label}{number} ({draft.language})"


def entry_data(draft: CommunicationRow, row: OutboxRow) -> dict[str, object]:
    """What a timeline entry about a delivery records besides its summary."""
    return {"draft": draft.id, "delivery": row.id, "channel": row.channel,
            "audience": draft.audience, "language": draft.language, "kind": draft.kind,
            "attempts": row.attempts, "reference": row.reference}
