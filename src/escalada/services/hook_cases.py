"""What a help desk's event does to the case of its ticket, inside the caller's unit of
work: the first event of a ticket opens its case (for the mapped account), later ones
change its severity, status or CSAT, and comments become the case's messages in the
language they are written in. A change older than the latest applied from the ticket
is ignored (deliveries arrive out of order); comments are kept whatever their order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from escalada.adapters.db.tables import (
    AccountRow,
    CaseMessageRow,
    CaseRow,
    HelpdeskTicketRow,
    PauseRow,
)
from escalada.domain.errors import PayloadRejected
from escalada.domain.helpdesk_events import Change, HelpdeskEvent
from escalada.domain.helpdesk_mapping import SourceMapping
from escalada.domain.model import CaseStatus, Severity
from escalada.domain.words import Words, one_after_another
from escalada.services.cases import NewCase, open_in, places_changed, resolution
from escalada.services.context import Actor, Context
from escalada.services.helpdesk_sync import queue_write_back
from escalada.services.records import excerpt, record
from escalada.services.unit_of_work import UnitOfWork

# Changes that set the ticket's state: applied only when newer than the last applied.
_STATEFUL = ("created", "updated", "priority_changed", "status_changed", "csat_rated")


@dataclass(frozen=True)
class Applied:
    case: CaseRow | None
    state: str  # applied | ignored
    outcome: Words  # kept as its English and its words (hooks._apply_once)


def apply_event(ctx: Context, uow: UnitOfWork, event: HelpdeskEvent, mapping: SourceMapping,
                now: datetime) -> Applied:
    """Apply `event` to its ticket's case (opening it first if need be)."""
    session, actor = uow.session, Actor(event.source, None)
    if all(change.kind == "ignored" for change in event.changes):
        return Applied(None, "ignored", Words("{event} is ignored by the hooks mapping",
                                              event=event.event_type))
    ticket = session.get(HelpdeskTicketRow, (event.source, event.ticket.id))
    done: list[Words] = []
    new_ticket = ticket is None
    if ticket is None:
        case = _open(ctx, uow, event, mapping, now, actor)
        ticket = HelpdeskTicketRow(source=event.source, ticket_id=event.ticket.id,
                                   case_number=case.number, changed_at=event.occurred_at)
        session.add(ticket)
        queue_write_back(session, case, now=now, tickets=[ticket], settings=ctx.settings(),
                         max_attempts=ctx.policy()
                         .communications.delivery.max_attempts)
        done.append(Words("opened {case}", case=case.ref))
    else:
        case = session.get_one(CaseRow, ticket.case_number)
        stale = event.occurred_at < ticket.changed_at
        stateful = [change.kind in _STATEFUL for change in event.changes]
        if all(stateful) and stale:
            return Applied(case, "ignored", Words("older than the ticket's last change ({at})",
                                                  at=ticket.changed_at.isoformat()))
        if any(stateful) and not stale:  # a comment alone changes none of the ticket's state
            ticket.changed_at = event.occurred_at
    for change in event.changes:
        if change.kind in _STATEFUL and event.occurred_at < ticket.changed_at:
            continue
        said = _apply_change(ctx, session, case, change, event, mapping, now, actor)
        if said:
            done.append(said)
    if not new_ticket:
        said = _places(ctx, session, case, event, now, actor, ticket)
        if said:
            done.append(said)
    return Applied(case, "applied", one_after_another(done) or Words("nothing to change"))


def _open(ctx: Context, uow: UnitOfWork, event: HelpdeskEvent, mapping: SourceMapping,
          now: datetime, actor: Actor) -> CaseRow:
    account = _account(uow.session, event, mapping)
    severity = mapping.default_severity
    if event.ticket.priority is not None:
        severity = _severity(mapping, event.ticket.priority, "ticket priority")
    title = event.ticket.subject or f"{event.source} ticket {event.ticket.id}"
    # Read from the payload and bounded already (domain.helpdesk_events): not validated
    # again, so a ticket's subject is kept as it is (to 300 characters).
    new = NewCase.model_construct(
        account=account.id, severity=severity, title=excerpt(title, 300),
        services=list(event.ticket.services or ()), regions=list(event.ticket.regions or ()))
    data: dict[str, object] = {
        "source": event.source, "ticket": event.ticket.id, "event": event.event_id,
        "account": account.id, "severity": severity.value, "title": new.title}
    if new.services or new.regions:
        data.update(services=new.services, regions=new.regions)
    # The same opening as `case open`: a storm of tickets opens its platform incident.
    case, _ = open_in(uow, new, policy=ctx.policy(), now=now, actor=actor,
                      summary=Words("{severity} case opened from {source} ticket {ticket}: "
                                    "{title}", severity=severity.value, source=event.source,
                                    ticket=event.ticket.id, title=new.title), data=data)
    return case


def _account(session: Session, event: HelpdeskEvent, mapping: SourceMapping) -> AccountRow:
    """The ticket's account: its customer reference as mapped, else an account of that
    id, else the mapping's default; PayloadRejected when none is known."""
    reference = event.ticket.customer
    wanted = [mapping.account(reference), reference] if reference else []
    for account_id in [*wanted, mapping.default_account]:
        found = None if account_id is None else session.get(AccountRow, account_id)
        if found is not None:
            return found
    raise PayloadRejected([(mapping.account_path, Words(
        "no account for customer {reference!r}: map it in the hooks mapping's accounts "
        "(or set default_account), then replay", reference=reference or ""))])


def _severity(mapping: SourceMapping, priority: str, field: str) -> Severity:
    severity = mapping.severity(priority)
    if severity is None:
        raise PayloadRejected([(field, Words(
            "priority {priority!r} is not in the hooks mapping (knows: {known})",
            priority=priority, known=", ".join(mapping.priorities)))])
    return severity


def _apply_change(ctx: Context, session: Session, case: CaseRow, change: Change,
                  event: HelpdeskEvent, mapping: SourceMapping, now: datetime,
                  actor: Actor) -> Words | None:
    where = {"source": event.source, "ticket": event.ticket.id, "event": event.event_id}
    if change.kind == "comment_added":
        return _message(ctx, session, case, change, event, now, actor, where)
    if change.kind == "priority_changed" and change.value is not None:
        severity = _severity(mapping, change.value, "priority")
        return _set(session, case, "severity", severity.value, now, actor,
                    Words("{source} priority {value}", source=event.source,
                          value=change.value), where)
    if change.kind == "csat_rated" and change.value is not None:
        score = mapping.rating(change.value)
        if score is None:
            raise PayloadRejected([("csat", Words(
                "rating {value!r} is neither 1 to 5 nor in the hooks mapping's csat",
                value=change.value))])
        return _set(session, case, "csat", score, now, actor,
                    Words("{source} satisfaction rating {value}", source=event.source,
                          value=change.value), where)
    if change.kind == "status_changed" and change.value is not None:
        return _status(ctx, session, case, change.value, mapping, now, actor, where)
    if change.kind == "updated" and event.ticket.subject:
        title = excerpt(event.ticket.subject, 300)
        return _set(session, case, "title", title, now, actor,
                    Words("{source} subject changed", source=event.source), where)
    return None


def _places(ctx: Context, session: Session, case: CaseRow, event: HelpdeskEvent,
            now: datetime, actor: Actor, ticket: HelpdeskTicketRow) -> Words | None:
    """The ticket's services or regions changed (a state change no older than the
    ticket's last): the case's change as a person's edit of them does, joining the
    platform incidents of its new places."""
    stateful = any(change.kind in _STATEFUL for change in event.changes)
    if not stateful or event.occurred_at < ticket.changed_at:
        return None
    asked = {name: list(value) for name, value in (("services", event.ticket.services),
                                                   ("regions", event.ticket.regions))
             if value is not None and list(value) != sorted(set(getattr(case, name) or ()))}
    if not asked:
        return None
    if not CaseStatus(case.status).is_open:
        return _not_changed(" and ".join(asked), case)
    before = {name: list(getattr(case, name) or ()) for name in asked}
    for name, value in asked.items():
        setattr(case, name, value)
    where = {"source": event.source, "ticket": event.ticket.id, "event": event.event_id}
    record(session, case, actor=actor, at=now, kind="updated",
           summary=Words("changed {changes}", changes=[
               Words("{name} {before} -> {after}", name=name, before=str(before[name]),
                     after=str(value)) for name, value in asked.items()]),
           reason=Words("{source} ticket {ticket} changed", source=event.source,
                        ticket=event.ticket.id),
           data={**where, "before": before, "after": asked})
    places_changed(session, case, ctx.policy(), now)
    return one_after_another([_change(name, before[name], value)
                              for name, value in asked.items()])


def _change(field: str, before: object, after: object) -> Words:
    """`severity P2 -> P1`, as the timeline's changes say it."""
    return Words("{name} {before} -> {after}", name=field, before=str(before), after=str(after))


def _not_changed(fields: str, case: CaseRow) -> Words:
    """A change the ticket asked of a case that ended: not made."""
    return Words("{fields} not changed: {case} is {status}", fields=fields, case=case.ref,
                 status=_status_word(case.status))


def _set(session: Session, case: CaseRow, field: str, value: object, now: datetime,
         actor: Actor, why: Words, where: dict[str, str]) -> Words | None:
    """Change a field of the case; only the rating of one that ended (customers rate a
    solved ticket)."""
    before = getattr(case, field)
    if before == value:
        return None
    if field != "csat" and not CaseStatus(case.status).is_open:
        return _not_changed(field, case)
    setattr(case, field, value)
    record(session, case, actor=actor, at=now, kind="updated",
           summary=_changed(field, before, value), reason=why,
           data={**where, "before": {field: before}, "after": {field: value}})
    return _change(field, before, value)


def _message(ctx: Context, session: Session, case: CaseRow, change: Change,
             event: HelpdeskEvent, now: datetime, actor: Actor, where: dict[str, str]
             ) -> Words:
    text = change.text or ""
    language = ctx.detect_language(text)
    sender = "customer" if change.from_customer else "internal"
    row = CaseMessageRow(case_number=case.number, sender=sender,
                         author=None if change.author is None else excerpt(change.author),
                         text=text, language=None if language is None else language.value,
                         received_at=event.occurred_at, recorded_by=actor.name)
    session.add(row)
    session.flush()
    record(session, case, actor=actor, at=now, kind=f"{sender}_message",
           summary=_message_words(sender, row.author, event.source, event.ticket.id,
                                  excerpt(text, 120)),
           data={**where, "message": row.id, "language": row.language}, changed=False)
    language_told = row.language or Words("language unknown")
    if sender == "customer":
        return Words("customer message ({language})", language=language_told)
    return Words("internal message ({language})", language=language_told)


def _status(ctx: Context, session: Session, case: CaseRow, status: str,
            mapping: SourceMapping, now: datetime, actor: Actor, where: dict[str, str]
            ) -> Words | None:
    known, target = mapping.status(status)
    if not known:
        raise PayloadRejected([("status", Words(
            "ticket status {status!r} is not in the hooks mapping (knows: {known})",
            status=status, known=", ".join(mapping.statuses)))])
    if target is None or target == case.status:
        return None
    why = Words("{source} status {status}", source=where["source"], status=status)
    if target in ("resolved", "closed") and CaseStatus(case.status).is_open:
        event = resolution(ctx, actor, why)(case, now)
        record(session, case, actor=actor, at=now, kind=event.kind, summary=event.summary,
               reason=why, data={**where, **event.data})
    if target == "closed" and case.status == CaseStatus.RESOLVED:
        case.status, case.closed_at = CaseStatus.CLOSED.value, now
        record(session, case, actor=actor, at=now, kind="closed", summary=Words("case closed"),
               reason=why, data=where)
    if target in ("resolved", "closed"):
        return _status_now(case)
    if case.status == CaseStatus.CLOSED:
        return _not_changed("status", case)
    _work_again(session, case, now, actor, why, where)
    if target == "waiting_on_customer":
        case.pauses.append(PauseRow(case_number=case.number, started_at=now))
        case.status = target
        record(session, case, actor=actor, at=now, kind="paused",
               summary=Words("waiting on customer: SLA clocks paused"), reason=why,
               data=where)
    elif case.status != target:
        before, case.status = case.status, target
        record(session, case, actor=actor, at=now, kind="updated",
               summary=_changed("status", before, target), reason=why,
               data={**where, "before": {"status": before}, "after": {"status": target}})
    return _status_now(case)


def _status_now(case: CaseRow) -> Words:
    return Words("status -> {status}", status=_status_word(case.status))


def _status_word(status: str) -> Words:
    """A status as the outcome names it: its code in English (as the sender is told),
    its word where the catalogs know the code (решено, закрыто)."""
    return Words.literal(status)


def _work_again(session: Session, case: CaseRow, now: datetime, actor: Actor, why: Words,
                where: dict[str, str]) -> None:
    """A resolved case reopens, and one waiting on the customer runs its clocks again."""
    if case.status == CaseStatus.RESOLVED:
        case.status, case.resolved_at = CaseStatus.INVESTIGATING.value, None
        record(session, case, actor=actor, at=now, kind="reopened",
               summary=Words("case reopened after its resolution"), reason=why, data=where)
    running = [pause for pause in case.pauses if pause.ended_at is None]
    if running:
        for pause in running:
            pause.ended_at = now
        case.status = CaseStatus.INVESTIGATING.value
        record(session, case, actor=actor, at=now, kind="resumed",
               summary=Words("customer answered: SLA clocks running"), reason=why,
               data=where)


def _changed(field: str, before: object, after: object) -> Words:
    """`changed severity S2 -> S1`, as a person's edit of the case says it."""
    return Words("changed {changes}", changes=[
        Words("{name} {before} -> {after}", name=field, before=str(before), after=str(after))])


def _message_words(sender: str, author: str | None, source: str, ticket: str,
                   text: str) -> Words:
    """A help-desk comment as the timeline tells it."""
    where = {"source": source, "ticket": ticket, "text": text}
    if sender == "customer":
        return (Words("message from the customer ({author}) on {source} ticket {ticket}: "
                      "{text}", author=author, **where) if author
                else Words("message from the customer on {source} ticket {ticket}: {text}",
                           **where))
    return (Words("message from the internal ({author}) on {source} ticket {ticket}: {text}",
                  author=author, **where) if author
            else Words("message from the internal on {source} ticket {ticket}: {text}",
                       **where))
