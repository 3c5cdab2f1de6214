"""Inbound webhooks from help desks (Zendesk, Jira Service Management, a generic JSON
sender): verified, applied to the ticket's case once, or kept for people to replay.

A delivery is first checked: its signature with the source's secret (never stored
with it), and that it was signed within the mapping's window of now (a captured
request cannot be played again later); one that fails is refused (401) and not kept.
A signed one is read into an event and applied in one transaction together with the
delivery's row, keyed by the sender's event id: the same delivery sent again changes
nothing more. One that cannot be read or applied (malformed, an unknown event, status
or customer) changes nothing, is kept as a failed delivery with what is wrong (422),
and can be replayed once the mapping is fixed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import HookDeliveryRow
from escalada.adapters.hooks_file import current_hook_mapping
from escalada.domain import hook_signatures as signatures
from escalada.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadRejected,
    SignatureInvalid,
)
from escalada.domain.helpdesk_events import (
    JIRA_DELIVERY_ID,
    HelpdeskEvent,
    read_generic,
    read_jira,
    read_zendesk,
)
from escalada.domain.helpdesk_mapping import SOURCES, HookMapping
from escalada.domain.model import case_label
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.validation import ID_MAX
from escalada.domain.words import Translator, Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.hook_cases import apply_event
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.views import View, summary_in, text_in
from escalada.settings import Settings

APPLIED, IGNORED, FAILED, DUPLICATE = "applied", "ignored", "failed", "duplicate"
_BODY_LIMIT = 1_000_000
_EVENT_ID_LIMIT = 200
# Headers a payload is read with (kept with a failed delivery for its replay).
_KEPT_HEADERS = (JIRA_DELIVERY_ID,)


class HookReceiptView(View):
    """What the sender is told: the delivery, what became of it and the case."""

    delivery: int
    state: str  # applied | ignored | duplicate
    case: str | None
    outcome: str
    # The outcome's words (not part of the API's shape): a person reads a replay's.
    outcome_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def outcome_in(self, language: Translator) -> str:
        """What the delivery did, in `language` (see views.summary_in)."""
        return summary_in(self.outcome, self.outcome_words, language)

    def told_in(self, language: Translator) -> HookReceiptView:
        return self.model_copy(update={"outcome": self.outcome_in(language)})


class HookDeliveryView(View):
    id: int
    source: str
    event_id: str | None
    event_type: str | None
    ticket: str | None
    state: str
    outcome: str | None
    problems: list[dict[str, str]]  # field, reason (English; the API's in its reader's)
    case: str | None
    occurred_at: AwareDatetime | None
    received_at: AwareDatetime
    attempts: int
    replayed_by: str | None
    body: str
    # Each problem's reason as words (template and parameters), not part of the API's shape.
    problem_words: list[dict[str, Any] | None] = Field(default_factory=list, exclude=True)
    # The outcome's words, likewise; None for one kept before they were (read as kept).
    outcome_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def outcome_in(self, language: Translator) -> str | None:
        """What the delivery did, in `language`."""
        return text_in(self.outcome, self.outcome_words, language)

    def told_in(self, language: Translator) -> HookDeliveryView:
        """The delivery with its outcome and problems in `language` (for the API)."""
        return self.model_copy(update={
            "outcome": self.outcome_in(language),
            "problems": [{"field": field, "reason": reason}
                         for field, reason in self.problems_in(language)]})

    def problems_in(self, language: Translator) -> list[tuple[str, str]]:
        """(field, reason) in `language`: from the reason's words while they still say,
        in English, what the kept reason says; else the reason as kept."""
        words = self.problem_words or [None] * len(self.problems)
        return [(problem["field"], summary_in(problem["reason"], told, language))
                for problem, told in zip(self.problems, words, strict=False)]


def receive_hook(*, ctx: Context, source: str, headers: Mapping[str, str], body: bytes,
                 path: str = "", query: Sequence[tuple[str, str]] = ()) -> HookReceiptView:
    """Verify a help desk's delivery and apply it once (see the module's docstring).
    `path` and `query` are the request's (a Jira Connect app's JWT signs them)."""
    if source not in SOURCES:
        raise NotFound.of("no webhook for {source} (there are: {sources})", source=source,
                          sources=", ".join(SOURCES))
    settings, now = ctx.settings(), ctx.clock()
    mapping = current_hook_mapping(settings)
    field = f"{source}_webhook_secret"
    secret = settings.text(field)
    if secret is None:
        raise SignatureInvalid.of("{variable} is not set: every {source} delivery is refused",
                                  variable=settings.variable(field), source=source)
    lowered = {name.lower(): value for name, value in headers.items()}
    if source == "jira" and _jira_auth(settings) == "jwt":
        signed_at: datetime | None = signatures.verify_jira_jwt(
            lowered, secret, method="POST", path=path, query=query, now=now)
    else:
        signed_at = _verify(source, lowered, body, secret)
    if signed_at is not None:
        signatures.check_fresh(signed_at, now, mapping.replay_window)
    kept = {name: lowered[name] for name in _KEPT_HEADERS if name in lowered}
    text = body.decode("utf-8", errors="replace")
    try:
        event = _read(source, text, kept, mapping)
    except PayloadRejected as rejected:
        raise _kept(ctx, source, text, kept, rejected, now) from rejected
    if source == "jira":  # Jira's shared secret signs its payload's own time
        signatures.check_fresh(event.occurred_at, now, mapping.replay_window)
    return _apply(ctx, event, text, kept, mapping, now)


def _jira_auth(settings: Settings) -> str:
    """ESCALADA_JIRA_WEBHOOK_AUTH: hmac (Jira's webhook secret, the default) or jwt (a
    Connect app's)."""
    auth = (settings.text("jira_webhook_auth") or "hmac").lower()
    if auth not in ("hmac", "jwt"):
        raise InvalidInput.of(settings.variable("jira_webhook_auth"), "must be hmac or jwt")
    return auth


def _verify(source: str, headers: Mapping[str, str], body: bytes, secret: str
            ) -> datetime | None:
    if source == "zendesk":
        return signatures.verify_zendesk(headers, body, secret)
    if source == "jira":
        signatures.verify_jira(headers, body, secret)
        return None
    return signatures.verify_generic(headers, body, secret)


def _read(source: str, text: str, headers: Mapping[str, str], mapping: HookMapping
          ) -> HelpdeskEvent:
    if len(text) > _BODY_LIMIT:
        raise PayloadRejected([("body", Words("must be at most {limit} characters",
                                              limit=_BODY_LIMIT))])
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PayloadRejected([("body", Words("not JSON: {error}", error=str(error)))]
                              ) from error
    rules = mapping.source(source)
    if source == "zendesk":
        event = read_zendesk(document, rules)
    elif source == "jira":
        event = read_jira(document, rules, headers)
    else:
        event = read_generic(document, rules)
    if len(event.event_id) > _EVENT_ID_LIMIT or len(event.ticket.id) > _EVENT_ID_LIMIT:
        raise PayloadRejected([("id", Words("event and ticket ids must be at most {limit} "
                                            "characters", limit=_EVENT_ID_LIMIT))])
    return event


def _apply(ctx: Context, event: HelpdeskEvent, text: str, headers: Mapping[str, str],
           mapping: HookMapping, now: datetime, replayed_by: str | None = None
           ) -> HookReceiptView:
    try:
        try:
            return _apply_once(ctx, event, text, headers, mapping, now, replayed_by)
        except (IntegrityError, Conflict):
            # The same event or ticket arrived at the same moment: theirs is applied now,
            # and this one is a repeat or applies after it.
            return _apply_once(ctx, event, text, headers, mapping, now, replayed_by)
    except PayloadRejected as rejected:
        raise _kept(ctx, event.source, text, headers, rejected, now, event) from rejected


def _apply_once(ctx: Context, event: HelpdeskEvent, text: str, headers: Mapping[str, str],
                mapping: HookMapping, now: datetime, replayed_by: str | None
                ) -> HookReceiptView:
    with ctx.unit_of_work() as uow:
        session = uow.session
        row = _delivery(session, event.source, event.event_id)
        if row is not None and row.state != FAILED:
            already = Words("received already ({state})",
                            state=Words.said_of("webhook delivery", row.state))
            return HookReceiptView(delivery=row.id, state=DUPLICATE, case=_ref(row.case_number),
                                   outcome=str(already), outcome_words=already.as_json())
        applied = apply_event(ctx, uow, event, mapping.source(event.source), now)
        if row is None:
            row = HookDeliveryRow(source=event.source, event_id=event.event_id, attempts=0,
                                  received_at=now, body=text, headers=dict(headers))
            session.add(row)
        row.event_type, row.ticket_id = event.event_type, event.ticket.id
        row.state, row.outcome, row.problems = applied.state, str(applied.outcome), []
        row.outcome_words = applied.outcome.as_json()
        row.case_number = None if applied.case is None else applied.case.number
        row.occurred_at, row.attempts = event.occurred_at, row.attempts + 1
        row.replayed_by = replayed_by or row.replayed_by
        session.flush()
        receipt = HookReceiptView(delivery=row.id, state=applied.state,
                                  case=_ref(row.case_number), outcome=row.outcome,
                                  outcome_words=row.outcome_words)
        uow.commit()
        return receipt


def _delivery(session: Session, source: str, event_id: str | None) -> HookDeliveryRow | None:
    if event_id is None:
        return None
    return session.scalar(select(HookDeliveryRow).where(
        HookDeliveryRow.source == source, HookDeliveryRow.event_id == event_id))


def _kept(ctx: Context, source: str, text: str, headers: Mapping[str, str],
          rejected: PayloadRejected, now: datetime, event: HelpdeskEvent | None = None
          ) -> PayloadRejected:
    """Keep a delivery that cannot be applied (its earlier failure, if the sender sent it
    again), and the error that says so with its id."""
    event_id = event.event_id if event else _event_id_of(source, text, headers)
    problems = _problem_rows(rejected)
    with ctx.unit_of_work() as uow:
        row = _delivery(uow.session, source, event_id)
        if row is None:
            row = HookDeliveryRow(source=source, event_id=event_id, attempts=0,
                                  received_at=now, body=text, headers=dict(headers))
            uow.session.add(row)
        if row.state == FAILED or row.id is None:
            row.state, row.problems, row.outcome = FAILED, problems, None
            row.outcome_words = None
            row.attempts += 1
            if event is not None:
                row.event_type, row.ticket_id = event.event_type, event.ticket.id
                row.occurred_at = event.occurred_at
        uow.session.flush()
        delivery = row.id
        uow.commit()
    return PayloadRejected(rejected.reasons, delivery=delivery)


def _event_id_of(source: str, text: str, headers: Mapping[str, str]) -> str | None:
    """The sender's event id of a payload that could not be read, if it shows one."""
    if source == "jira":
        found: object = headers.get(JIRA_DELIVERY_ID)
    else:
        try:
            document = json.loads(text)
        except ValueError:
            return None
        found = document.get("id") if isinstance(document, dict) else None
    if isinstance(found, str | int) and not isinstance(found, bool):
        event_id = str(found).strip()
        return event_id if 0 < len(event_id) <= _EVENT_ID_LIMIT else None
    return None


def _ref(number: int | None) -> str | None:
    return None if number is None else case_label(number)


# People: the failed deliveries, one delivery, a replay


class HookDeliveriesQuery(PageQuery):
    state: Literal["applied", "ignored", "failed"] | None = Field(
        default=None, description="failed: those kept for replay")
    source: Literal["zendesk", "jira", "generic"] | None = None


_NEWEST = Order("hook_deliveries", (HookDeliveryRow.id,), ("int",), descending=True)


def delivery_page(*, ctx: Context, actor: Actor, **query: Any) -> Page[HookDeliveryView]:
    """A page of the deliveries received, newest first, filtered by `state` and
    `source`."""
    can_work_cases(actor, "reading webhook deliveries")
    wanted = validated(HookDeliveriesQuery, query)
    rows = select(HookDeliveryRow)
    if wanted.state is not None:
        rows = rows.where(HookDeliveryRow.state == wanted.state)
    if wanted.source is not None:
        rows = rows.where(HookDeliveryRow.source == wanted.source)
    with ctx.reading() as uow:
        return sql_page(uow.session, rows, _NEWEST, wanted, _view, lambda row: [row.id])


def show_delivery(*, ctx: Context, actor: Actor, delivery_id: int) -> HookDeliveryView:
    can_work_cases(actor, "reading webhook deliveries")
    with ctx.reading() as uow:
        return _view(_load(uow.session, delivery_id))


def replay_delivery(*, ctx: Context, actor: Actor, delivery_id: int) -> HookReceiptView:
    """Apply a failed delivery again, as received (its signature was checked then), with
    the mapping in force now; it stays failed, saying why, if it still cannot be."""
    can_work_cases(actor, "replaying a webhook delivery")
    now = ctx.clock()
    with ctx.reading() as uow:
        row = _load(uow.session, delivery_id)
        source, text, headers, state = row.source, row.body, dict(row.headers), row.state
    if state != FAILED:
        raise InvalidTransition.of("delivery {id} was {state} already: only a failed one is "
                                   "replayed", id=delivery_id,
                                   state=Words.said_of("webhook delivery", state))
    mapping = current_hook_mapping(ctx.settings())
    try:
        event = _read(source, text, headers, mapping)
    except PayloadRejected as rejected:
        raise _again(ctx, delivery_id, rejected) from rejected
    try:
        return _apply_once(ctx, event, text, headers, mapping, now, actor.name)
    except PayloadRejected as rejected:
        raise _again(ctx, delivery_id, rejected) from rejected


def _again(ctx: Context, delivery_id: int, rejected: PayloadRejected) -> PayloadRejected:
    with ctx.unit_of_work() as uow:
        row = _load(uow.session, delivery_id)
        row.problems = _problem_rows(rejected)
        row.attempts += 1
        uow.commit()
    return PayloadRejected(rejected.reasons, delivery=delivery_id)


def _problem_rows(rejected: PayloadRejected) -> list[dict[str, Any]]:
    """What is wrong, as kept: each field, its reason in English and the reason's words
    (so that a reader of another language reads it in theirs)."""
    return [{"field": field, "reason": str(reason), "words": reason.as_json()}
            for field, reason in rejected.reasons]


def _load(session: Session, delivery_id: int) -> HookDeliveryRow:
    row = session.get(HookDeliveryRow, delivery_id) if 0 < delivery_id <= ID_MAX else None
    if row is None:
        raise NotFound.of("no webhook delivery {id}", id=delivery_id)
    return row


def _view(row: HookDeliveryRow) -> HookDeliveryView:
    return HookDeliveryView(
        id=row.id, source=row.source, event_id=row.event_id, event_type=row.event_type,
        ticket=row.ticket_id, state=row.state, outcome=row.outcome,
        outcome_words=row.outcome_words,
        problems=[{"field": str(p["field"]), "reason": str(p["reason"])} for p in row.problems],
        problem_words=[p.get("words") for p in row.problems],
        case=_ref(row.case_number), occurred_at=row.occurred_at, received_at=row.received_at,
        attempts=row.attempts, replayed_by=row.replayed_by, body=row.body)
