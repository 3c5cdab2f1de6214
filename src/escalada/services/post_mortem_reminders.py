"""Reminding the owner of a post-mortem action item fallen due undone: a letter in the
owner's language (theirs, else the account's), queued in the outbox for their email in
the timer's own transaction and delivered by the workers as every message is (retried,
dead-lettered, on the case's communication log)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CommunicationRow,
    OutboxRow,
    PostMortemActionRow,
    UserRow,
)
from escalada.domain.communications import Audience
from escalada.domain.delivery import PENDING
from escalada.domain.policy import Policy
from escalada.domain.words import Words
from escalada.services.context import Actor
from escalada.services.delivering import entry_data, what_words
from escalada.services.records import record

REMINDER = "post_mortem_action_reminder"  # the message's kind on the communication log
_LANGUAGES = ("en", "ru")

SUBJECT = "Post-mortem action item overdue on %(case)s: %(what)s"
BODY = ("Hello, %(name)s.\n\n"
        "The post-mortem action item you own on %(case)s (%(title)s) was due %(due)s and "
        "is still open:\n\n%(what)s\n\n"
        "When it is done, mark it done: escalada postmortem done %(case)s %(id)s")


def remind_owner(
    session: Session, case: CaseRow, action: PostMortemActionRow, *, actor: Actor,
    policy: Policy, timer_id: int, now: datetime,
) -> Words:
    """Queue the reminder to the action's owner; how the timeline tells of it."""
    owner = session.get(UserRow, action.owner)
    if owner is None or not owner.email:
        return Words("{owner} has no email to be reminded by (`escalada user update {owner} "
                     "--email ...`)", owner=action.owner)
    account = session.get_one(AccountRow, case.account_id)
    language, why = _language_of(owner, account)
    words = translations(language).gettext
    local = action.due_at.astimezone(ZoneInfo(account.timezone))
    facts = {"case": case.ref, "title": case.title, "what": action.what,
             "id": action.id, "name": owner.display_name or owner.name,
             "due": f"{local:%Y-%m-%d %H:%M} ({account.timezone})"}
    draft = CommunicationRow(
        case_number=case.number, kind=REMINDER, audience=Audience.INTERNAL.value,
        language=language, language_reason=str(why), language_reason_words=why.as_json(),
        timezone=account.timezone,
        subject=words(SUBJECT) % facts, body=words(BODY) % facts,
        template=f"locale/{language}/LC_MESSAGES/post_mortem.po", fields={}, missing=[],
        created_by=actor.name, created_at=now)
    session.add(draft)
    session.flush()
    delivery = OutboxRow(
        communication_id=draft.id, case_number=case.number, channel="email",
        recipient=owner.email, idempotency_key=f"escalada-action-{action.id}-timer-{timer_id}",
        state=PENDING, attempts=0, max_attempts=policy.communications.delivery.max_attempts,
        available_at=now, created_by=actor.name, created_at=now)
    session.add(delivery)
    session.flush()
    record(session, case, actor=actor, at=now, kind="message_queued",
           summary=Words("{message} queued for {owner} by email to {to}",
                         message=what_words(draft), owner=owner.name, to=owner.email),
           data=entry_data(draft, delivery), changed=False)
    return Words("emailed to {email} in {language}", email=owner.email, language=language)


def _language_of(owner: UserRow, account: AccountRow) -> tuple[str, Words]:
    if owner.language in _LANGUAGES:
        return owner.language or "en", Words("{name}'s language", name=owner.name)
    if account.language in _LANGUAGES:
        return account.language, Words("the account's language ({name} has none set)",
                                       name=owner.name)
    return "en", Words("English: neither {name} nor the account has a language escalada "
                       "writes", name=owner.name)
