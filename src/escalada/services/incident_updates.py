"""One update to a platform incident, told to every linked customer: a progress update
drafted for each open linked case in that customer's language (services.drafting) and
queued in the outbox to the case's contact, all in one transaction. Its delivery is each
case's customer update, so each customer's next update falls due on that case's own
cadence (its plan and severity) from then, as the letter itself says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.channels import check_recipient
from escalada.adapters.db.tables import (
    CaseRow,
    ContactRow,
    IncidentRow,
    IncidentUpdateRow,
    OutboxRow,
)
from escalada.domain.communications import MessageKind
from escalada.domain.delivery import PENDING
from escalada.domain.errors import InvalidInput
from escalada.domain.model import CaseStatus
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.delivering import send_now, what_words
from escalada.services.drafting import checked_update, draft_row, operator_templates
from escalada.services.incidents import (
    IncidentUpdateView,
    linked_cases,
    open_incident_for_update,
    update_view,
)
from escalada.services.policies import policy_of
from escalada.services.records import record

# Why a customer got no copy of an update (`skipped`: the CLI translates it as it stands).
NO_EMAIL_CONTACT = "no contact with an email address"


def post_update(
    *, ctx: Context, actor: Actor, incident_id: str, status: str | None = None,
    understanding: str, doing_now: str, next_steps: str, note: str | None = None,
    deliver_now: bool = False,
) -> IncidentUpdateView:
    """Tell every open linked case's customer the incident's news in their language, by
    email to the case's contact (else the account's first contact with an email); a case
    with no one to write to is listed as skipped, its draft kept for a person to send.
    Queued for the workers, or tried at once with `deliver_now`."""
    can_work_cases(actor, "posting an incident update")
    parts = {"understanding": understanding, "doing_now": doing_now, "next_steps": next_steps,
             **({"note": note} if note else {})}
    update_status, fields = checked_update(status, parts)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        incident = open_incident_for_update(session, incident_id)
        row = IncidentUpdateRow(incident_id=incident.id, status=update_status or "",
                                fields=fields, fan_out=[], posted_by=actor.name,
                                posted_at=now)
        session.add(row)
        session.flush()
        row.fan_out = [_tell(ctx, session, incident, row, case, actor, now)
                       for _, case in linked_cases(session, incident.id)
                       if CaseStatus(case.status).is_open]
        view = update_view(incident, row)
        uow.commit()
    if deliver_now:
        for item in view.fan_out:
            if item.delivery is not None:
                send_now(ctx, item.delivery, owner=f"send:{actor.name}")
    return view


def _tell(ctx: Context, session: Session, incident: IncidentRow, update: IncidentUpdateRow,
          case: CaseRow, actor: Actor, now: datetime) -> dict[str, Any]:
    """One customer's copy: drafted, and queued when the case has someone to write to."""
    draft, facts = draft_row(
        session, case, ctx.policy(), now, actor=actor, kind=MessageKind.PROGRESS_UPDATE,
        language="auto", fields=update.fields, update_status=update.status, timezone=None,
        detect=ctx.detect_language, operator_dir=operator_templates(ctx.settings()))
    session.add(draft)
    session.flush()
    told: dict[str, Any] = {"case": case.ref, "account": case.account_id,
                            "language": draft.language, "draft": draft.id}
    to = _recipient(session, case)
    if to is None:
        return {**told, "skipped": NO_EMAIL_CONTACT}
    policy = policy_of(session, case, ctx.policy())
    delivery = OutboxRow(
        communication_id=draft.id, case_number=case.number, channel="email", recipient=to,
        idempotency_key=f"escalada-incident-{incident.id}-update-{update.id}-{case.number}",
        state=PENDING, attempts=0, max_attempts=policy.communications.delivery.max_attempts,
        available_at=now, created_by=actor.name, created_at=now)
    session.add(delivery)
    session.flush()
    record(session, case, actor=actor, at=now, kind="message_queued",
           summary=Words("{message} of platform incident {incident} queued for the "
                         "customer by email to {to}", message=what_words(draft),
                         incident=incident.ref, to=to),
           data={"draft": draft.id, "delivery": delivery.id, "channel": "email",
                 "audience": draft.audience, "language": draft.language,
                 "incident": incident.ref, "incident_update": update.id},
           changed=False)
    due = facts.next_update_at
    return {**told, "delivery": delivery.id, "to": to,
            "next_update_due_at": None if due is None else due.isoformat()}


def _recipient(session: Session, case: CaseRow) -> str | None:
    """The case's contact's email, else the account's first current contact's."""
    contact = None if case.contact_id is None else session.get(ContactRow, case.contact_id)
    address = contact.email if contact is not None else None
    if not address:
        address = session.scalar(
            select(ContactRow.email).where(ContactRow.account_id == case.account_id,
                                           ContactRow.removed_at.is_(None),
                                           ContactRow.email.is_not(None))
            .order_by(ContactRow.id).limit(1))
    if not address:
        return None
    try:
        return check_recipient("email", address)
    except InvalidInput:
        return None
