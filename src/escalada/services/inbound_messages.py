"""Messages that come in on a case: recorded with the language they are written in,
so that a reply to the customer goes out in the customer's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseMessageRow, CaseRow
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.validation import Label, MessageBody, invalid_input
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.evaluation import check_aware
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import excerpt, record
from escalada.services.repositories import load_case
from escalada.services.views import View


class _Incoming(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sender: Literal["customer", "vendor", "internal"]
    text: MessageBody = Field(min_length=1)
    author: Label | None = None
    received_at: AwareDatetime | None = None


class MessageView(View):
    id: int
    case: str
    sender: str
    author: str | None
    text: str
    language: str | None  # None: nothing in it to tell the language by
    received_at: AwareDatetime
    recorded_by: str


def record_message(
    *, ctx: Context, actor: Actor, case_id: str, sender: str, text: str,
    author: str | None = None, received_at: datetime | None = None,
) -> MessageView:
    """Record a message received on a case (also a resolved or closed one: customers
    write back), and the language its main content is in."""
    can_work_cases(actor, "recording a message")
    try:
        incoming = _Incoming.model_validate({
            "sender": sender, "text": text, "author": author, "received_at": received_at})
    except ValidationError as error:
        raise invalid_input(error) from error
    check_aware(incoming.received_at, "received_at")
    now = ctx.clock()
    language = ctx.detect_language(incoming.text)
    with ctx.unit_of_work() as uow:
        case = uow.cases.get(case_id)
        row = CaseMessageRow(
            case_number=case.number, sender=incoming.sender, author=incoming.author,
            text=incoming.text, language=None if language is None else language.value,
            received_at=incoming.received_at or now, recorded_by=actor.name)
        uow.session.add(row)
        uow.session.flush()
        record(uow.session, case, actor=actor, at=now, kind=f"{incoming.sender}_message",
               summary=_message_summary(incoming.sender, incoming.author,
                                        excerpt(incoming.text, 120)),
               data={"message": row.id, "language": row.language}, changed=False)
        uow.commit()
        return message_view(row, case.ref)


def _message_summary(sender: str, author: str | None, text: str) -> Words:
    if sender == "customer":
        return (Words("message from the customer ({author}): {text}", author=author, text=text)
                if author else Words("message from the customer: {text}", text=text))
    if sender == "vendor":
        return (Words("message from the vendor ({author}): {text}", author=author, text=text)
                if author else Words("message from the vendor: {text}", text=text))
    return (Words("message from the internal ({author}): {text}", author=author, text=text)
            if author else Words("message from the internal: {text}", text=text))


class MessagesQuery(PageQuery):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: Literal["customer", "vendor", "internal"] | None = Field(
        default=None, alias="from", description="only messages from the customer, the vendor "
                                                "or inside")
    language: Literal["ru", "en"] | None = None
    since: AwareDatetime | None = Field(default=None, description=(
        "only messages received at or after this time (ISO 8601 with offset)"))


_RECEIVED = Order("messages", (CaseMessageRow.received_at, CaseMessageRow.id), ("time", "int"))


def message_page(*, ctx: Context, case_id: str, **query: Any) -> Page[MessageView]:
    """A page of the case's messages, oldest first, filtered by `from` (the sender),
    `language` and `since`."""
    wanted = validated(MessagesQuery, query)
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        rows = select(CaseMessageRow).where(CaseMessageRow.case_number == case.number)
        if wanted.sender is not None:
            rows = rows.where(CaseMessageRow.sender == wanted.sender)
        if wanted.language is not None:
            rows = rows.where(CaseMessageRow.language == wanted.language)
        if wanted.since is not None:
            rows = rows.where(CaseMessageRow.received_at >= wanted.since)
        return sql_page(uow.session, rows, _RECEIVED, wanted,
                        lambda row: message_view(row, case.ref),
                        lambda row: [row.received_at, row.id])


def messages_of(session: Session, case: CaseRow) -> list[MessageView]:
    """A loaded case's messages, oldest first."""
    query = select(CaseMessageRow).where(CaseMessageRow.case_number == case.number)
    rows = session.scalars(query.order_by(CaseMessageRow.received_at, CaseMessageRow.id))
    return [message_view(row, case.ref) for row in rows]


def last_customer_message(session: Session, case: CaseRow) -> CaseMessageRow | None:
    return session.scalar(
        select(CaseMessageRow)
        .where(CaseMessageRow.case_number == case.number, CaseMessageRow.sender == "customer")
        .order_by(CaseMessageRow.received_at.desc(), CaseMessageRow.id.desc()).limit(1))


def message_view(row: CaseMessageRow, case_ref: str) -> MessageView:
    return MessageView(
        id=row.id, case=case_ref, sender=row.sender, author=row.author, text=row.text,
        language=row.language, received_at=row.received_at, recorded_by=row.recorded_by)
