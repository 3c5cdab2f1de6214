"""The case's tier and executive level written back to the help-desk ticket it came
from, through the outbox: when the case moves on either track (or opens from a ticket),
a delivery over the ticket's help desk's channel (`zendesk`, `jira`) is queued in the
same transaction, tagging the ticket (labelling the Jira issue) `<prefix>tier_t2` and
`<prefix>level_l2` (or `level_none`) and removing the tags of the places it left. A
help desk is written back to only while its API is configured (ESCALADA_ZENDESK_URL,
ESCALADA_JIRA_URL); generic senders' tickets never are."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, CommunicationRow, HelpdeskTicketRow, OutboxRow
from escalada.adapters.hooks_file import current_hook_mapping
from escalada.domain.delivery import PENDING
from escalada.domain.model import ExecLevel, Tier
from escalada.domain.words import Words
from escalada.services.context import Actor
from escalada.services.records import record
from escalada.settings import Settings

# The sources whose tickets take the write-back, and the setting naming each one's API.
WRITTEN_BACK = {"zendesk": "zendesk_url", "jira": "jira_url"}
KIND = "helpdesk_write_back"
_SYSTEM = Actor("escalada", "system")


def place_tags(prefix: str, tier: str, level: str | None) -> tuple[list[str], list[str]]:
    """(the tags the ticket gets, the tags it loses) for a case at `tier` and `level`."""
    tiers = [f"{prefix}tier_{value.lower()}" for value in Tier]
    levels = [f"{prefix}level_{value.lower()}" for value in (*ExecLevel, "none")]
    wanted = [f"{prefix}tier_{tier.lower()}", f"{prefix}level_{(level or 'none').lower()}"]
    return wanted, [tag for tag in (*tiers, *levels) if tag not in wanted]


def queue_write_back(session: Session, case: CaseRow, *, now: datetime, max_attempts: int,
                     settings: Settings, tickets: list[HelpdeskTicketRow] | None = None
                     ) -> None:
    """Queue the case's tier and level for each ticket of it that takes the write-back
    and does not show them already, in the caller's transaction."""
    place = f"{case.tier}/{case.exec_level or 'none'}"
    sources = [source for source, api in WRITTEN_BACK.items() if settings.text(api)]
    if not sources:
        return  # no help desk's API to write to: the webhooks come in all the same
    if tickets is None:
        with session.no_autoflush:  # the step is flushed with the rest, at commit
            tickets = list(session.scalars(select(HelpdeskTicketRow).where(
                HelpdeskTicketRow.case_number == case.number,
                HelpdeskTicketRow.source.in_(sources))))
    for ticket in tickets:
        if ticket.source not in sources or ticket.written_back == place:
            continue
        # Read only for a case from a ticket: the mapping says how its tags are spelled.
        prefix = current_hook_mapping(settings).source(ticket.source).tag_prefix
        added, removed = place_tags(prefix, case.tier, case.exec_level)
        subject = (f"{case.ref}: tier {case.tier}, level {case.exec_level or 'none'} to "
                   f"{ticket.source} ticket {ticket.ticket_id}")
        body = json.dumps(_request(ticket.source, added, removed))
        row = _queued(session, case, ticket, subject=subject, body=body, place=place, now=now,
                      max_attempts=max_attempts)
        ticket.written_back = place
        record(session, case, actor=_SYSTEM, at=now, kind="message_queued",
               summary=Words("tier {tier} and level {level} queued for {source} ticket "
                             "{ticket}", tier=case.tier, level=case.exec_level or Words("none"),
                             source=ticket.source, ticket=ticket.ticket_id),
               data={"draft": row.communication_id, "delivery": row.id,
                     "channel": ticket.source, "ticket": ticket.ticket_id, "place": place},
               changed=False)


def _request(source: str, added: list[str], removed: list[str]) -> dict[str, object]:
    """The API request's document: Zendesk's ticket update, Jira's label operations."""
    if source == "jira":
        return {"update": {"labels": [*({"add": label} for label in added),
                                      *({"remove": label} for label in removed)]}}
    return {"ticket": {"additional_tags": added, "remove_tags": removed}}


def _queued(session: Session, case: CaseRow, ticket: HelpdeskTicketRow, *, subject: str,
            body: str, place: str, now: datetime, max_attempts: int) -> OutboxRow:
    """The delivery that will carry `place` to the ticket. One still waiting (not being
    sent) is given the new place instead, so that two places never race to the help
    desk; with one being sent, the new one waits until that one's hold is over."""
    earlier = session.scalars(
        select(OutboxRow).where(OutboxRow.channel == ticket.source,
                                OutboxRow.recipient == ticket.ticket_id,
                                OutboxRow.state == PENDING)
        .order_by(OutboxRow.id).with_for_update()).all()
    waiting = [row for row in earlier if row.lease_owner is None or row.available_at <= now]
    if waiting:
        row = waiting[-1]
        draft = session.get_one(CommunicationRow, row.communication_id)
        draft.subject, draft.body = subject, body
        draft.fields = {"ticket": ticket.ticket_id, "place": place}
        return row
    why = Words("the help desk's tags")
    draft = CommunicationRow(
        case_number=case.number, kind=KIND, audience="internal", language="en",
        language_reason=str(why), language_reason_words=why.as_json(), timezone="UTC",
        subject=subject, body=body,
        template=KIND, fields={"ticket": ticket.ticket_id, "place": place}, missing=[],
        created_by=_SYSTEM.name, created_at=now)
    session.add(draft)
    session.flush()
    row = OutboxRow(
        communication_id=draft.id, case_number=case.number, channel=ticket.source,
        recipient=ticket.ticket_id, idempotency_key=f"escalada-write-back-{draft.id}",
        state=PENDING, attempts=0, max_attempts=max_attempts,
        available_at=max([now, *(row.available_at for row in earlier)]),
        created_by=_SYSTEM.name, created_at=now)
    session.add(row)
    session.flush()
    return row
