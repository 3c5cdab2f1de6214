"""Drafting messages: the facts gathered from the case, the language chosen, the
template rendered and the draft kept, to be sent by `services.outbox`.

A draft is a record of what escalada proposed to say, in which language and why.
A required part a person has to write (the root cause of a resolution, what we ask a
vendor) shows as a visible gap until given; a draft with gaps is not sent.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CaseVendorEventRow,
    CommunicationRow,
    ContactRow,
    CreditRow,
    OutboxRow,
    RecoveryTaskRow,
    TimelineRow,
    UserRow,
    VendorEventRow,
    WarRoomRow,
)
from escalada.adapters.templates import missing_fields, render, template_kinds
from escalada.domain.communications import (
    AUDIENCE_OF,
    LANGUAGES,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    Audience,
    Contact,
    FollowUp,
    Handoff,
    Happening,
    MessageFacts,
    MessageKind,
    Person,
    UpdateStatus,
    VendorReport,
    WarRoom,
)
from escalada.domain.errors import InvalidInput, NotFound
from escalada.domain.executive_match import match_executive, title_in_language
from escalada.domain.language import LanguageChoice, named, reply_language
from escalada.domain.model import ContactLevel, ExecLevel, Language, case_label
from escalada.domain.policy import Policy
from escalada.domain.recovery import task_text
from escalada.domain.sla import sla_clocks
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.story import Moment, moment_of_entry, moment_of_step, tell
from escalada.domain.vendor_health import OPEN, VENDOR_LABELS
from escalada.domain.words import Translator, Words
from escalada.domain.working_time import FOREVER
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context, Detect
from escalada.services.inbound_messages import last_customer_message
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.policies import policy_of
from escalada.services.records import snapshot_of
from escalada.services.repositories import load_case
from escalada.services.views import View, summary_in, text_in
from escalada.services.war_room_playbook import people, room_of
from escalada.settings import Settings

_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_LARGEST_ID = 2**31 - 1
_OPEN_TASK = ("open", "in_progress")


class DraftView(View):
    id: int
    case: str
    kind: str
    audience: str
    language: str
    language_reason: str
    timezone: str
    subject: str
    body: str
    template: str
    fields: dict[str, str]
    missing: list[str]  # parts still to write (--set NAME=TEXT); not sent until none
    update_number: int | None
    update_status: str | None
    created_by: str
    created_at: AwareDatetime
    # Why its language, as words (not part of the API's shape); None for a draft kept
    # before they were (migration 0031), read as its English.
    language_reason_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def language_reason_in(self, language: Translator) -> str:
        """Why the draft is in its language, in `language` (see views.summary_in)."""
        return summary_in(self.language_reason, self.language_reason_words, language)

    def told_in(self, language: Translator) -> DraftView:
        """The draft with its language's reason in `language` (for the API's reader)."""
        return self.model_copy(update={"language_reason": self.language_reason_in(language)})


def operator_templates(settings: Settings) -> Path | None:
    """The operator's template directory (ESCALADA_TEMPLATES), if one is set."""
    configured = settings.text("templates_dir")
    return Path(configured) if configured else None


def template_sources(settings: Settings) -> dict[str, dict[str, str]]:
    """Message kinds and, per language, where the template comes from (the operator's
    directory in `settings`, else built in)."""
    return template_kinds(operator_templates(settings))


def draft_message(
    *, ctx: Context, actor: Actor, case_id: str, kind: str, language: str = "auto",
    status: str | None = None, fields: dict[str, str] | None = None,
    timezone: str | None = None, keep: bool = True,
) -> DraftView:
    """Draft a message of `kind` for a case from its own data, and keep it (unless told
    not to: a dry run shows what would be sent and writes nothing)."""
    can_work_cases(actor, "drafting a message")
    operator_dir = operator_templates(ctx.settings())
    kinds = template_kinds(operator_dir)
    if kind not in kinds:
        raise InvalidInput.of("kind", "must be one of {kinds}", kinds=', '.join(sorted(kinds)))
    if language not in ("auto", *LANGUAGES):
        raise InvalidInput.of("lang", "must be auto, en or ru")
    written = _checked_fields(kind, fields or {})
    update_status = _checked_status(kind, status)
    if timezone is not None:
        _check_zone(timezone)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = uow.cases.get(case_id)
        row, _ = draft_row(
            session, case, ctx.policy(), now, actor=actor, kind=kind, language=language,
            fields=written, update_status=update_status, timezone=timezone,
            detect=ctx.detect_language, operator_dir=operator_dir)
        if not keep:
            row.id = 0
            return draft_view(row, case.ref)
        session.add(row)
        session.flush()
        view = draft_view(row, case.ref)
        uow.commit()
        return view


def draft_row(
    session: Session, case: CaseRow, current: Policy, now: datetime, *, actor: Actor,
    kind: str, language: str, fields: dict[str, str], update_status: str | None,
    timezone: str | None, detect: Detect, operator_dir: Path | None,
) -> tuple[CommunicationRow, MessageFacts]:
    """A checked draft of `kind` for a loaded case, not yet added to the session, and the
    facts it was rendered from (a platform incident drafts one per linked case)."""
    account = session.get_one(AccountRow, case.account_id)
    policy = policy_of(session, case, current)
    audience = AUDIENCE_OF.get(kind, Audience.CUSTOMER)
    choice = _language(session, case, account, audience, language, actor, detect)
    facts = _facts(session, case, account, policy, now, actor=actor, kind=kind,
                   audience=audience, language=choice.language.value,
                   timezone=timezone or _zone_of(audience, account),
                   update_status=update_status, fields=fields)
    if kind == MessageKind.EXECUTIVE_ACKNOWLEDGMENT and facts.executive is None:
        raise InvalidInput.of(
            "kind", "no executive of ours answers for this case: add one (`escalada user "
                    "add NAME --role vp --title CEO`) or open its war room")
    rendered = render(facts, operator_dir=operator_dir)
    return CommunicationRow(
        case_number=case.number, kind=kind, audience=audience.value,
        language=facts.language, language_reason=str(choice.why),
        language_reason_words=choice.why.as_json(), timezone=facts.timezone,
        subject=rendered.subject, body=rendered.body, template=rendered.template,
        fields=fields, missing=missing_fields(facts),
        update_number=facts.update_number if kind == MessageKind.PROGRESS_UPDATE else None,
        update_status=update_status, created_by=actor.name, created_at=now), facts


def checked_update(status: str | None, fields: dict[str, str]) -> tuple[str | None,
                                                                         dict[str, str]]:
    """A progress update's status and parts as `draft_message` checks them."""
    return (_checked_status(MessageKind.PROGRESS_UPDATE, status),
            _checked_fields(MessageKind.PROGRESS_UPDATE, fields))


def show_draft(*, ctx: Context, draft_id: int) -> DraftView:
    with ctx.reading() as uow:
        row = load_draft(uow.session, draft_id)
        return draft_view(row, case_label(row.case_number))


class DraftsQuery(PageQuery):
    kind: MessageKind | None = None
    language: Literal["ru", "en"] | None = None
    sent: bool | None = Field(default=None, description=(
        "true: only drafts sent at least once; false: only those never sent"))


_NEWEST = Order("drafts", (CommunicationRow.id,), ("int",), descending=True)


def draft_page(*, ctx: Context, case_id: str, **query: Any) -> Page[DraftView]:
    """A page of the case's drafts, newest first, filtered by `kind`, `language` and
    whether they were `sent`."""
    wanted = validated(DraftsQuery, query)
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        rows = select(CommunicationRow).where(CommunicationRow.case_number == case.number)
        if wanted.kind is not None:
            rows = rows.where(CommunicationRow.kind == wanted.kind.value)
        if wanted.language is not None:
            rows = rows.where(CommunicationRow.language == wanted.language)
        if wanted.sent is not None:
            sent = CommunicationRow.id.in_(select(OutboxRow.communication_id))
            rows = rows.where(sent if wanted.sent else ~sent)
        return sql_page(uow.session, rows, _NEWEST, wanted,
                        lambda row: draft_view(row, case.ref), lambda row: [row.id])


def drafts_of(session: Session, case: CaseRow) -> list[DraftView]:
    """A loaded case's drafts, newest first."""
    rows = session.scalars(
        select(CommunicationRow).where(CommunicationRow.case_number == case.number)
        .order_by(CommunicationRow.id.desc()))
    return [draft_view(row, case.ref) for row in rows]


def load_draft(session: Session, draft_id: int) -> CommunicationRow:
    row = session.get(CommunicationRow, draft_id) if 0 < draft_id <= _LARGEST_ID else None
    if row is None:
        raise NotFound.of("no draft {draft_id}", draft_id=draft_id)
    return row


def draft_view(row: CommunicationRow, case_ref: str) -> DraftView:
    return DraftView(
        id=row.id, case=case_ref, kind=row.kind, audience=row.audience, language=row.language,
        language_reason=row.language_reason, timezone=row.timezone, subject=row.subject,
        body=row.body, template=row.template, fields=row.fields, missing=row.missing,
        update_number=row.update_number, update_status=row.update_status,
        created_by=row.created_by, created_at=row.created_at,
        language_reason_words=row.language_reason_words)


# Checking what a person asked for


def _checked_fields(kind: str, fields: dict[str, str]) -> dict[str, str]:
    known = REQUIRED_FIELDS.get(kind, ()) + OPTIONAL_FIELDS.get(kind, ())
    checked: dict[str, str] = {}
    for name, text in fields.items():
        if kind in REQUIRED_FIELDS and name not in known:
            raise InvalidInput.of(f"fields.{name}", "not a part of {kind}; its parts are {known}",
                                  kind=kind, known=', '.join(known))
        if not _FIELD_NAME.match(name):
            raise InvalidInput.of(f"fields.{name}", "must be lowercase letters, digits and _")
        if not text.strip():
            raise InvalidInput.of(f"fields.{name}", "must not be empty")
        if len(text) > 10_000:
            raise InvalidInput.of(f"fields.{name}", "must be at most 10000 characters")
        checked[name] = text.strip()
    return checked


def _checked_status(kind: str, status: str | None) -> str | None:
    if status is None:
        return UpdateStatus.INVESTIGATING.value if kind == MessageKind.PROGRESS_UPDATE else None
    if kind != MessageKind.PROGRESS_UPDATE:
        raise InvalidInput.of("status", "only a progress_update reports a status")
    try:
        return UpdateStatus(status.strip().upper()).value
    except ValueError:
        raise InvalidInput.of("status", "must be one of {value}",
                              value=', '.join(s.value for s in UpdateStatus)) from None


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.of("timezone", "{name!r} is not an IANA time zone", name=name) from None


# The language and the reader's time zone


def _language(
    session: Session, case: CaseRow, account: AccountRow, audience: Audience, asked: str,
    actor: Actor, detect: Detect,
) -> LanguageChoice:
    if asked != "auto":
        chosen = Language(asked)
        return LanguageChoice(chosen, Words("{language}, as {name} asked",
                                            language=named(chosen), name=actor.name))
    if audience == Audience.VENDOR:
        return LanguageChoice(Language.EN, Words("vendors' support is written to in English"))
    if audience == Audience.INTERNAL:
        return LanguageChoice(Language.EN, Words("internal messages are in English"))
    last = last_customer_message(session, case)
    if last is not None and last.language is not None:
        known = Language(last.language)  # detected when it came in

        def detect_known(_: str) -> Language | None:
            return known

        return reply_language(last.text, _default_language(session, case, account),
                              detect_known)
    return reply_language(None if last is None else last.text,
                          _default_language(session, case, account), detect)


def customer_language(
    session: Session, case: CaseRow, account: AccountRow, detect: Detect
) -> LanguageChoice:
    """The language a message to the customer is drafted in by default, and why."""
    return _language(session, case, account, Audience.CUSTOMER, "auto", Actor(""), detect)


def _default_language(session: Session, case: CaseRow, account: AccountRow) -> Language:
    """The escalating contact's language, when they have one; else the account's."""
    contact = _contact_row(session, case)
    return Language(contact.language if contact is not None and contact.language
                    else account.language)


def _contact_row(session: Session, case: CaseRow) -> ContactRow | None:
    return None if case.contact_id is None else session.get(ContactRow, case.contact_id)


def _zone_of(audience: Audience, account: AccountRow) -> str:
    return account.timezone if audience.is_customer_side else "UTC"


# The facts


def _facts(
    session: Session, case: CaseRow, account: AccountRow, policy: Policy, now: datetime, *,
    actor: Actor, kind: str, audience: Audience, language: str, timezone: str,
    update_status: str | None, fields: dict[str, str],
) -> MessageFacts:
    moments = _story(session, case)
    told_at = case.last_customer_update_at or case.opened_at
    reader = "customer" if audience.is_customer_side else audience.value
    said = translations(language)
    happenings = tuple(Happening(m.at, m.actor, tell(m, language, reader, said=said))
                       for m in moments)
    room = room_of(session, case)
    return MessageFacts(
        kind=kind, language=language, timezone=timezone, now=now, case_ref=case.ref,
        title=case.title, severity=case.severity, status=case.status, tier=case.tier,
        exec_level=case.exec_level, account_name=account.name, account_tier=account.tier,
        support_plan=account.support_plan, opened_at=case.opened_at,
        resolved_at=case.resolved_at, services=tuple(case.services),
        revenue_impact_usd=case.revenue_impact_usd,
        business_impact_usd=case.business_impact_usd, contact_title=case.contact_title,
        sender=_person(session, actor.name, language, policy),
        next_update_at=_next_update_at(session, case, policy, now, audience),
        update_number=_updates_sent(session, case) + 1, update_status=update_status,
        since_last_update=tuple(
            h for m, h in zip(moments, happenings, strict=True)
            if m.at > told_at and m.what != "customer_update"),
        actions=happenings, fields=fields, credit_usd=_credit(session, case),
        follow_ups=_follow_ups(session, case, policy, audience, language),
        handoff=_handoff(case, language),
        executive=_executive(session, case, policy, room, language),
        war_room=None if room is None or room.closed_at is not None else WarRoom(
            room.channel, room.update_every_minutes),
        contact=_contact(session, case),
        vendor_reports=_vendor_reports(session, case) if audience is Audience.VENDOR else ())


def _vendor_reports(session: Session, case: CaseRow) -> tuple[VendorReport, ...]:
    """The open vendor service-health events linked to the case, oldest first."""
    rows = session.scalars(
        select(VendorEventRow).join(CaseVendorEventRow,
                                    CaseVendorEventRow.vendor_event_id == VendorEventRow.id)
        .where(CaseVendorEventRow.case_number == case.number, VendorEventRow.status == OPEN)
        .order_by(VendorEventRow.started_at, VendorEventRow.id))
    return tuple(VendorReport(VENDOR_LABELS.get(row.vendor, row.vendor), row.service,
                              row.region, row.title, row.started_at, row.event_id)
                 for row in rows)


def _story(session: Session, case: CaseRow) -> list[Moment]:
    """The telling moments of the case, in order: its opening, its steps, its changes."""
    moments = [moment_of_step(track=s.track, direction=s.direction, to=s.to_level,
                               at=s.requested_at, actor=s.requested_by)
                for s in case.escalations]
    entries = session.execute(
        select(TimelineRow.kind, TimelineRow.at, TimelineRow.actor, TimelineRow.data)
        .where(TimelineRow.case_number == case.number).order_by(TimelineRow.id))
    for kind, at, who, data in entries:
        moments += moment_of_entry(kind, at, who, data)
    return sorted(moments, key=lambda moment: (moment.at, moment.what != "case_opened"))


def _next_update_at(
    session: Session, case: CaseRow, policy: Policy, now: datetime, audience: Audience
) -> datetime | None:
    """When the customer's next update falls due: from now, once this message to them
    goes out; otherwise as the case's clock stands."""
    snapshot = snapshot_of(session, case, now)
    if audience.is_customer_side:
        snapshot = snapshot.model_copy(update={
            "first_response_at": snapshot.first_response_at or now,
            "last_customer_update_at": now})
    due = next((clock.due_at for clock in sla_clocks(snapshot, policy, now)
                if clock.target == "next_update"), None)
    return None if due is None or due >= FOREVER else due


def _updates_sent(session: Session, case: CaseRow) -> int:
    """How many progress updates of the case went out (or are on their way)."""
    sent = select(OutboxRow.communication_id).where(OutboxRow.case_number == case.number)
    return session.scalar(
        select(func.count()).select_from(CommunicationRow).where(
            CommunicationRow.case_number == case.number,
            CommunicationRow.kind == MessageKind.PROGRESS_UPDATE.value,
            CommunicationRow.id.in_(sent))) or 0


def _person(session: Session, name: str, language: str, policy: Policy) -> Person:
    """How one of ours signs a letter in `language`: their display name (never their
    login), their title in the language, else their role."""
    user = session.get(UserRow, name)
    if user is None:  # escalada itself (a timer): the letter signs as the support team
        return Person(None)
    return Person(user.display_name, title_in_language(user.title, language, policy.war_room),
                  user.email, user.role)


def _contact(session: Session, case: CaseRow) -> Contact | None:
    row = _contact_row(session, case)
    return None if row is None else Contact(row.name, row.address_as, row.title)


def _credit(session: Session, case: CaseRow) -> Decimal | None:
    amounts = list(session.scalars(select(CreditRow.amount_usd).where(
        CreditRow.case_number == case.number, CreditRow.state == "approved")))
    return sum(amounts, Decimal(0)) if amounts else None


def _follow_ups(
    session: Session, case: CaseRow, policy: Policy, audience: Audience, language: str
) -> tuple[FollowUp, ...]:
    """The open recovery tasks the reader may see. The customer sees only those the
    policy words for them (`customer_text`), in those words, with an owner only by
    display name; colleagues see every task (the template's in the letter's language);
    a vendor none."""
    if audience == Audience.VENDOR:
        return ()
    tasks = session.scalars(select(RecoveryTaskRow).where(
        RecoveryTaskRow.case_number == case.number, RecoveryTaskRow.status.in_(_OPEN_TASK))
        .order_by(RecoveryTaskRow.due_at, RecoveryTaskRow.id))
    if not audience.is_customer_side:
        return tuple(FollowUp(task_text(task.text, policy.recovery.terms(task.key), language),
                              task.owner, task.due_at) for task in tasks)
    shown = []
    for task in tasks:
        terms = policy.recovery.terms(task.key)
        if terms is not None and terms.customer_text is not None:
            shown.append(FollowUp(terms.customer_text.in_language(language),
                                  _display_name(session, task.owner), task.due_at))
    return tuple(shown)


def _display_name(session: Session, name: str | None) -> str | None:
    """A person's name as a customer may read it: their display name, never a login."""
    user = None if name is None else session.get(UserRow, name)
    return None if user is None else user.display_name


def _handoff(case: CaseRow, language: str) -> Handoff | None:
    steps = [s for s in case.escalations if s.track == "technical" and s.direction == "up"]
    if not steps:
        return None
    step = steps[-1]
    return Handoff(from_tier=step.from_level, to_tier=step.to_level or "", at=step.requested_at,
                   by=step.requested_by,
                   reason=text_in(step.reason, step.reason_words, translations(language)),
                   items={key: _plain(value) for key, value in step.handoff.items()})


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _executive(
    session: Session, case: CaseRow, policy: Policy, room: WarRoomRow | None, language: str
) -> Person | None:
    """Our executive for the customer's: the war room's, else matched by title."""
    name = room.executive if room is not None else match_executive(
        case.contact_title, ContactLevel(case.escalating_contact_level),
        ExecLevel(case.exec_level or ExecLevel.L1.value), people(session), policy).name
    return None if name is None else _person(session, name, language, policy)
