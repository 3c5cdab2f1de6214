"""Customer contacts: who escalates for an account, at which level, in which language,
and how letters greet them. Engineers and above keep them, as they learn who calls."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import ContactRow
from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound
from escalada.domain.id_words import CONTACT_LEVEL_WORDS, named
from escalada.domain.model import ContactLevel, Language
from escalada.domain.snapshot import Text
from escalada.domain.validation import invalid_input
from escalada.domain.words import Words
from escalada.services.account_log import log_account
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, containing, sql_page, validated
from escalada.services.records import contact_view
from escalada.services.repositories import load_account
from escalada.services.views import ContactView

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
_CONTACT_ID = re.compile(r"^\d{1,9}$")


def _stripped(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("must not be blank")
    return None if value is None else value.strip()


Name = Annotated[Text, AfterValidator(_stripped)]


class NewContact(BaseModel):
    """What it takes to add a contact."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(max_length=200, description="e.g. Ivan Petrov, Иван Петрович Сидоров")
    address_as: Name | None = Field(
        default=None, max_length=200,
        description="how letters greet them (default: the name), e.g. Иван Петрович")
    title: Name | None = Field(default=None, max_length=100, description="e.g. CTO")
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL_PATTERN)
    language: Language | None = Field(default=None, description="ru or en, if not the account's")
    level: ContactLevel = ContactLevel.STAFF


def add_contact(*, ctx: Context, actor: Actor, account_id: str, **fields: Any) -> ContactView:
    """Add a person at the customer; their email, if given, names them on cases too."""
    can_work_cases(actor, "adding a contact")
    try:
        new = NewContact.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        load_account(uow.session, account_id)
        if new.email is not None and _by_email(uow.session, account_id, new.email) is not None:
            raise AlreadyExists.of("account {account_id} has a contact with email {email}",
                                   account_id=account_id, email=new.email)
        row = ContactRow(account_id=account_id, created_at=now,
                         **new.model_dump(mode="json"))
        uow.session.add(row)
        uow.session.flush()
        log_account(uow.session, account_id, actor=actor, at=now, kind="contact_added",
                    summary=Words("contact {id} added: {contact}", id=row.id,
                                  contact=_label(row)),
                    data={"contact": contact_view(row).model_dump(mode="json")})
        uow.commit()
        return contact_view(row)


class ContactsQuery(PageQuery):
    removed: bool = Field(default=False, description="include removed contacts")
    level: ContactLevel | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200, description=(
        "contacts whose name, title or email contains this (any case of ASCII letters)"))


_BY_ID = Order("contacts", (ContactRow.id,), ("int",))


def contact_page(*, ctx: Context, account_id: str, **query: Any) -> Page[ContactView]:
    """A page of the account's contacts by id, filtered by `level` and `name` (the removed
    ones too when `removed`)."""
    wanted = validated(ContactsQuery, query)
    with ctx.reading() as uow:
        load_account(uow.session, account_id)
        return contacts_in(uow.session, account_id, wanted)


def contacts_in(session: Session, account_id: str, wanted: ContactsQuery) -> Page[ContactView]:
    """`contact_page` in the caller's transaction, of an account it has read."""
    rows = select(ContactRow).where(ContactRow.account_id == account_id)
    if not wanted.removed:
        rows = rows.where(ContactRow.removed_at.is_(None))
    if wanted.level is not None:
        rows = rows.where(ContactRow.level == wanted.level.value)
    if wanted.name is not None:
        pattern = containing(wanted.name)
        rows = rows.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (ContactRow.name, ContactRow.title,
                                               ContactRow.email))))
    return sql_page(session, rows, _BY_ID, wanted, contact_view, lambda row: [row.id])


def remove_contact(
    *, ctx: Context, actor: Actor, account_id: str, contact: str, reason: str | None = None
) -> ContactView:
    """The contact no longer speaks for the customer: out of lists and new cases; cases
    that named them keep them."""
    can_work_cases(actor, "removing a contact")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        load_account(uow.session, account_id)
        row = find_contact(uow.session, account_id, contact)
        row.removed_at = now
        log_account(uow.session, account_id, actor=actor, at=now, kind="contact_removed",
                    summary=Words("contact {id} removed: {contact}", id=row.id,
                                  contact=_label(row)), reason=reason,
                    data={"contact": row.id})
        uow.commit()
        return contact_view(row)


def find_contact(session: Session, account_id: str, reference: str) -> ContactRow:
    """A current contact of the account by its id or its email."""
    reference = reference.strip()
    if "@" in reference:
        row = _by_email(session, account_id, reference)
    else:
        if not _CONTACT_ID.match(reference):
            raise InvalidInput.of("contact", "{reference!r} is neither a contact id nor an email",
                                  reference=reference)
        row = session.get(ContactRow, int(reference))
        if row is not None and (row.account_id != account_id or row.removed_at is not None):
            row = None
    if row is None:
        raise NotFound.of("account {account_id} has no contact {reference!r} (see `escalada "
                          "account contact list {account_id}`)", account_id=account_id,
                          reference=reference)
    return row


def _by_email(session: Session, account_id: str, email: str) -> ContactRow | None:
    return session.scalar(select(ContactRow).where(
        ContactRow.account_id == account_id, ContactRow.removed_at.is_(None),
        func.lower(ContactRow.email) == email.strip().lower()))


def _label(row: ContactRow) -> Words:
    """The contact as the account's history names it, their level in words."""
    level = named(CONTACT_LEVEL_WORDS, row.level)
    if row.title:
        return Words("{name}, {title} ({level})", name=row.name, title=row.title, level=level)
    return Words("{name} ({level})", name=row.name, level=level)
