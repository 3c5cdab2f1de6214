"""The outbox: every message goes out through it, so that none is lost or sent twice.

`send_draft` writes a delivery in the same transaction as its timeline entry; a
worker (or the sender, at once) sends it as `services.delivering` says: held by one
worker right up to the send, then delivered, tried again after a growing wait with
jitter, or dead-lettered after the last attempt (or at once when the far side
refuses for good). A dead letter stays visible and can be sent again.

Each delivery carries an idempotency key: asking twice to send the same draft to
the same recipient over the same channel is one delivery, and the channels pass the
key on (Message-ID, Idempotency-Key header) so that a retry after a lost answer is
recognised by a receiver that honours it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalada.adapters import metrics
from escalada.adapters.channels import CHANNELS
from escalada.adapters.db.tables import CaseRow, CommunicationRow, OutboxRow
from escalada.domain.delivery import DEAD, DELIVERED, PENDING, STATES
from escalada.domain.endpoints import looks_like_url, masked
from escalada.domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from escalada.domain.id_words import AUDIENCE_WORDS, named
from escalada.domain.model import case_label
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.delivering import (
    OUTBOX,
    channel_words,
    entry_data,
    send_now,
    what_words,
)
from escalada.services.delivering import deliver_due as deliver_due
from escalada.services.delivering import next_delivery_at as next_delivery_at
from escalada.services.drafting import load_draft
from escalada.services.endpoints import recipient_of
from escalada.services.policies import policy_of
from escalada.services.records import record
from escalada.services.views import View

_LARGEST_ID = 2**31 - 1
_KEY_LENGTH = 200


class DeliveryView(View):
    """One delivery of a draft: the communication log's line."""

    id: int
    draft: int
    case: str
    kind: str
    subject: str
    channel: str
    to: str
    audience: str
    language: str
    state: str  # pending | delivered | dead
    attempts: int
    max_attempts: int
    next_attempt_at: AwareDatetime | None
    last_error: str | None
    reference: str | None
    idempotency_key: str
    created_by: str
    created_at: AwareDatetime
    delivered_at: AwareDatetime | None
    dead_at: AwareDatetime | None


def send_draft(
    *, ctx: Context, actor: Actor, draft_id: int, channel: str, to: str,
    idempotency_key: str | None = None, deliver_now: bool = True,
) -> DeliveryView:
    """Queue a draft for delivery to `to` over `channel` (and try it at once unless
    told not to: a failed try is retried by the workers). `to` is email addresses,
    a Slack #channel or channel id, or the name of an endpoint an admin configured."""
    can_work_cases(actor, "sending a message")
    if channel not in CHANNELS:
        raise InvalidInput.of("channel", "must be one of {channels}", channels=', '.join(CHANNELS))
    if idempotency_key is not None and not 0 < len(idempotency_key.strip()) <= _KEY_LENGTH:
        raise InvalidInput.of("idempotency_key", "must be 1 to {key_length} characters",
                              key_length=_KEY_LENGTH)
    now = ctx.clock()
    try:
        delivery_id = _queue(ctx, actor, draft_id, channel, to, idempotency_key, now)
    except IntegrityError:
        # Someone queued the same key a moment earlier: theirs is this delivery.
        delivery_id = _queue(ctx, actor, draft_id, channel, to, idempotency_key, now)
    if deliver_now:
        send_now(ctx, delivery_id, owner=f"send:{actor.name}")
    return show_delivery(ctx=ctx, delivery_id=delivery_id)


def _queue(
    ctx: Context, actor: Actor, draft_id: int, channel: str, to: str,
    given_key: str | None, now: datetime,
) -> int:
    with ctx.unit_of_work() as uow:
        session = uow.session
        recipient = recipient_of(session, channel, to)
        draft = load_draft(session, draft_id)
        key = (given_key or "").strip() or _key_of(draft.id, channel, recipient)
        existing = session.scalar(select(OutboxRow).where(OutboxRow.idempotency_key == key))
        if existing is not None:
            if (existing.communication_id, existing.channel, existing.recipient) != (
                    draft.id, channel, recipient):
                raise Conflict.of("idempotency key {key!r} was used for another message (delivery "
                                  "{id})", key=key, id=existing.id)
            return existing.id
        if draft.missing:
            raise InvalidInput.of("draft", "draft {id} has parts still to write: {missing} (draft "
                                  "it again with --set NAME=TEXT)", id=draft.id,
                                  missing=', '.join(draft.missing))
        case = session.get_one(CaseRow, draft.case_number)
        policy = policy_of(session, case, ctx.policy())
        row = OutboxRow(
            communication_id=draft.id, case_number=case.number, channel=channel,
            recipient=recipient, idempotency_key=key, state=PENDING, attempts=0,
            max_attempts=policy.communications.delivery.max_attempts, available_at=now,
            created_by=actor.name, created_at=now)
        session.add(row)
        session.flush()
        record(session, case, actor=actor, at=now, kind="message_queued",
               summary=Words("{message} queued for the {audience} by {channel} to {to}",
                             message=what_words(draft),
                             audience=named(AUDIENCE_WORDS, draft.audience),
                             channel=channel_words(channel), to=recipient),
               data={"draft": draft.id, "delivery": row.id, "channel": channel,
                     "audience": draft.audience, "language": draft.language},
               changed=False)
        uow.commit()
        return row.id


def _key_of(draft_id: int, channel: str, recipient: str) -> str:
    digest = hashlib.sha256(f"{draft_id}|{channel}|{recipient}".encode()).hexdigest()
    return f"escalada-{draft_id}-{digest[:24]}"


# People: the log, the dead letters, sending again


def retry_delivery(*, ctx: Context, actor: Actor, delivery_id: int) -> DeliveryView:
    """Send a dead-lettered (or waiting) delivery again, now, with its attempts anew."""
    can_work_cases(actor, "retrying a message")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        row = _load(uow.session, delivery_id)
        if row.state == DELIVERED:
            raise InvalidTransition.of("delivery {id} was delivered already", id=row.id)
        case = uow.session.get_one(CaseRow, row.case_number)
        draft = uow.session.get_one(CommunicationRow, row.communication_id)
        was = row.state
        row.state, row.attempts, row.dead_at = PENDING, 0, None
        OUTBOX.due_again(row, now)
        record(uow.session, case, actor=actor, at=now, kind="message_retried",
               summary=Words("{message} to {to} by {channel} sent again (was {before})",
                             message=what_words(draft), to=row.recipient,
                             channel=channel_words(row.channel),
                             before=Words.said_of("message", was)),
               data=entry_data(draft, row), changed=False)
        uow.commit()
    send_now(ctx, delivery_id, owner=f"retry:{actor.name}")
    return show_delivery(ctx=ctx, delivery_id=delivery_id)


def _load(session: Session, delivery_id: int) -> OutboxRow:
    row = session.get(OutboxRow, delivery_id) if 0 < delivery_id <= _LARGEST_ID else None
    if row is None:
        raise NotFound.of("no delivery {delivery_id}", delivery_id=delivery_id)
    return row


def show_delivery(*, ctx: Context, delivery_id: int) -> DeliveryView:
    with ctx.reading() as uow:
        row = _load(uow.session, delivery_id)
        return delivery_view(row, uow.session.get_one(CommunicationRow, row.communication_id))


def deliveries_of(
    session: Session, case: CaseRow | None, *, state: str | None = None, limit: int = 100
) -> list[DeliveryView]:
    """The communication log of a loaded case (or of all), newest first."""
    query = (select(OutboxRow, CommunicationRow)
             .join(CommunicationRow, CommunicationRow.id == OutboxRow.communication_id)
             .order_by(OutboxRow.id.desc()).limit(limit))
    if case is not None:
        query = query.where(OutboxRow.case_number == case.number)
    if state is not None:
        query = query.where(OutboxRow.state == state)
    return [delivery_view(row, draft) for row, draft in session.execute(query).all()]


def delivery_view(row: OutboxRow, draft: CommunicationRow) -> DeliveryView:
    return DeliveryView(
        id=row.id, draft=draft.id, case=case_label(row.case_number), kind=draft.kind,
        subject=draft.subject, channel=row.channel, audience=draft.audience,
        to=masked(row.recipient) if looks_like_url(row.recipient) else row.recipient,
        language=draft.language, state=row.state, attempts=row.attempts,
        max_attempts=row.max_attempts,
        next_attempt_at=row.available_at if row.state == PENDING else None,
        last_error=row.last_error, reference=row.reference,
        idempotency_key=row.idempotency_key, created_by=row.created_by,
        created_at=row.created_at, delivered_at=row.delivered_at, dead_at=row.dead_at)


# The auditor's view

# A delivery waiting longer than this past its time means no worker is delivering.
OVERDUE_AFTER = timedelta(minutes=1)


class OutboxStatusView(View):
    at: AwareDatetime
    counts: dict[str, int]
    overdue: int  # pending deliveries no worker picked up within a minute of their time
    oldest_overdue_at: AwareDatetime | None
    dead: int  # dead letters waiting for a person
    overdue_after_seconds: int


def outbox_status(*, ctx: Context) -> OutboxStatusView:
    """Deliveries by state, those overdue (workers missing or stuck) and the dead letters."""
    now = ctx.clock()
    with ctx.reading() as uow:
        session = uow.session
        counts: dict[str, int] = {
            state: count for state, count in session.execute(
                select(OutboxRow.state, func.count()).group_by(OutboxRow.state))}
        overdue, oldest = session.execute(
            select(func.count(), func.min(OutboxRow.available_at)).where(
                OutboxRow.state == PENDING,
                OutboxRow.available_at < now - OVERDUE_AFTER)).one()
    view = OutboxStatusView(
        at=now, counts={state: counts.get(state, 0) for state in STATES},
        overdue=overdue or 0, oldest_overdue_at=oldest, dead=counts.get(DEAD, 0),
        overdue_after_seconds=int(OVERDUE_AFTER.total_seconds()))
    metrics.outbox_seen(view.overdue, view.dead)
    return view
