"""Reading a case as people look at it, in plain SQL
(adapters.db.reads): `escalada case show` runs these cold without importing the ORM, and
the API's and agents' reads of a case are the same functions.

The views are built here from rows by their columns' names, whichever reads them: the
ORM's rows in a write's own transaction (services.records) or the plain reads' records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from escalada.adapters.db import reads
from escalada.adapters.db.plain import Reader
from escalada.domain.errors import NotFound
from escalada.domain.model import ENDED_STATUSES, Language, case_label
from escalada.domain.policy import Policy
from escalada.domain.snapshot import AccountSnapshot, CaseSnapshot, PauseSnapshot
from escalada.domain.stemming import stems
from escalada.services.case_ids import case_number, stored_number
from escalada.services.context import Context
from escalada.services.views import (
    AccountView,
    CaseView,
    ContactView,
    EscalationView,
    IncidentLink,
    KbHit,
    TimelineEntryView,
    evaluation_view,
)

TIMELINE_SUMMARY_LENGTH = 10
_WORDS = re.compile(r"[^\W_]+")


def show_case(*, ctx: Context, case_id: str) -> CaseView:
    """The case's snapshot, title, latest timeline, current recommendations and similar
    past escalations, read in one read-only transaction."""
    now = ctx.clock()
    number = case_number(case_id)
    with ctx.plain_reading() as db:
        case = reads.case(db, number) if stored_number(number) else None
        if case is None:
            raise NotFound.of("no case {case_id}", case_id=case_id)
        account = reads.account(db, case.account_id)
        snapshot = snapshot_from(case, account, reads.recent_cases(db, case.account_id, now),
                                 reads.pauses(db, number))
        contact = None if case.contact_id is None else reads.contact(db, case.contact_id)
        policy = policy_from(case.policy_id, ctx.policy,
                             lambda: reads.policy_document(db, case.policy_id))
        return view_from(
            case, snapshot, policy, now, contact=contact,
            escalations=reads.escalations(db, number),
            timeline=reads.latest_entries(db, number, TIMELINE_SUMMARY_LENGTH),
            similar=similar_in(db, case), incidents=incidents_in(db, case))


# Views from rows (the ORM's or the plain reads') -----------------------------------------


def account_fields(account: Any) -> dict[str, Any]:
    return {
        "id": account.id, "name": account.name, "tier": account.tier,
        "support_plan": account.support_plan, "timezone": account.timezone,
        "country": account.country, "language": account.language,
        "health_score": account.health_score,
        "monthly_fee_usd": account.monthly_fee_usd,
        "calendar": None if account.calendar is None else account.calendar.spec,
    }


def account_snapshot(account: Any) -> AccountSnapshot:
    return AccountSnapshot.model_validate(account_fields(account))


def account_view(account: Any) -> AccountView:
    return AccountView.model_validate({**account_fields(account), "created_at": account.created_at})


def snapshot_from(case: Any, account: Any, recent: int | None, pauses: Any) -> CaseSnapshot:
    """The engine's view of a stored case, from its row, its account's, how many cases
    the account opened in the last 30 days and its pauses."""
    return CaseSnapshot(
        id=case.ref,
        account=account_snapshot(account),
        severity=case.severity,
        status=case.status,
        tier=case.tier,
        exec_level=case.exec_level,
        opened_at=case.opened_at,
        first_response_at=case.first_response_at,
        last_customer_update_at=case.last_customer_update_at,
        resolved_at=case.resolved_at,
        paused=tuple(PauseSnapshot(start=p.started_at, end=p.ended_at) for p in pauses),
        services=tuple(case.services),
        flags=frozenset(case.flags),
        csat=case.csat,
        revenue_impact_usd=case.revenue_impact_usd,
        business_impact_usd=case.business_impact_usd,
        escalating_contact_level=case.escalating_contact_level,
        account_cases_30d=max(recent or 0, 1),
        vendor_events=tuple(case.vendor_events or ()),
    )


def snapshot_source(case: Any, pauses: Any) -> tuple[Any, ...]:
    """What `snapshot_from` reads of a case and its pauses, but its number: two equal
    sources give snapshots equal but for their ids (money by its text, which a snapshot
    keeps: 0 and 0.00 are equal Decimals). Keep the two in step."""
    return (case.severity, case.status, case.tier, case.exec_level, case.opened_at,
            case.first_response_at, case.last_customer_update_at, case.resolved_at,
            tuple((p.started_at, p.ended_at) for p in pauses), tuple(case.services),
            tuple(case.flags), case.csat, str(case.revenue_impact_usd),
            str(case.business_impact_usd), case.escalating_contact_level,
            tuple(case.vendor_events or ()))


def escalation_view(step: Any) -> EscalationView:
    return EscalationView(
        step=step.seq, track=step.track, direction=step.direction, from_=step.from_level,
        to=step.to_level, criteria=step.criteria, reason=step.reason,
        reason_words=step.reason_words,
        override_reason=step.override_reason, overridden_items=step.overridden_items,
        handoff=step.handoff, requested_by=step.requested_by, requested_at=step.requested_at,
        respond_within_minutes=step.respond_within_minutes,
        response_due_at=step.response_due_at, acknowledged_by=step.acknowledged_by,
        acknowledged_at=step.acknowledged_at,
        acknowledged_on_behalf_of=step.acknowledged_on_behalf_of,
    )


def timeline_view(entry: Any) -> TimelineEntryView:
    return TimelineEntryView.model_validate(entry, from_attributes=True)


def contact_view(row: Any) -> ContactView:
    return ContactView(
        id=row.id, account=row.account_id, name=row.name, address_as=row.address_as,
        title=row.title, email=row.email, language=row.language, level=row.level,
        created_at=row.created_at, removed_at=row.removed_at)


def view_from(case: Any, snapshot: CaseSnapshot, policy: Policy, now: datetime, *,
              contact: Any, escalations: Any, timeline: Any,
              similar: list[KbHit] | None = None,
              incidents: list[IncidentLink] | None = None) -> CaseView:
    """The case's view from its row and the rows around it (`timeline`: its latest)."""
    return CaseView(
        snapshot=snapshot,
        title=case.title,
        contact_title=case.contact_title,
        contact=None if contact is None else contact_view(contact),
        version=case.version,
        closed_at=case.closed_at,
        policy_version=case.policy_version,
        escalations=[escalation_view(step) for step in escalations],
        timeline=[timeline_view(entry) for entry in timeline],
        evaluation=evaluation_view(snapshot, policy, now),
        similar=similar or [],
        incidents=incidents or [],
    )


# The policy a case runs on, by its id; filled by services.policies as it freezes them.
KNOWN_POLICIES: dict[str, Policy] = {}


def policy_from(policy_id: str | None, current: Callable[[], Policy],
                document: Callable[[], dict[str, Any]]) -> Policy:
    """The policy the case runs on: the frozen one of `policy_id` (its `document` read
    once per process), or `current` for a case stored before policies froze."""
    if policy_id is None:
        return current()
    known = KNOWN_POLICIES.get(policy_id)
    if known is None:
        from escalada.adapters.policy_file import complete

        # A document frozen by an older escalada may lack a newer section: the
        # shipped policy's, as when the document was read from a file then.
        known = KNOWN_POLICIES[policy_id] = Policy.model_validate(complete(document()))
    return known


def excerpt(text: str, length: int = 200) -> str:
    """Text on one line, cut to `length` characters, for a timeline summary."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def incidents_in(db: Reader, case: Any) -> list[IncidentLink]:
    """The platform incidents the case is linked to, newest first; resolving the case is
    proposed while it is open and an incident's resolution proposed it."""
    still_open = case.status not in ENDED_STATUSES
    return [IncidentLink(id=f"INC-{row.id}", title=row.title, service=row.service,
                         region=row.region, status=row.status, accounts=row.accounts,
                         resolution_proposed=still_open
                         and row.resolution_proposed_at is not None)
            for row in reads.incident_links(db, case.number)]


def similar_in(db: Reader, case: Any, *, limit: int = 3) -> list[KbHit]:
    """Past escalations like `case`: the knowledge-base entries of other cases that share
    its services, regions or the words of its title, best first."""
    words = _WORDS.findall(case.title)
    tags = [*(case.services or []), *(case.regions or [])]
    if db.dialect == "postgresql":
        terms = [*words, *(f'"{tag.replace(chr(34), " ")}"' for tag in tags)]
        query = " or ".join(terms)
    else:
        phrases = [" ".join(stems(term)) for term in (*words, *tags)]
        query = " OR ".join(f'"{phrase}"' for phrase in dict.fromkeys(phrases) if phrase)
    if not query:
        return []
    return [KbHit(kind=row.kind, case=case_label(row.case_number),
                  account=row.account_id, language=row.language, title=row.title,
                  excerpt=excerpt(row.body, 300), services=row.services, regions=row.regions,
                  published_at=row.published_at, score=score)
            for row, score in reads.kb_matches(db, query, other_than=case.number, limit=limit,
                                               russian=Language.RU.value)]
