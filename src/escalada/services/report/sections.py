"""The report's sections built from a case's records (rows as loaded): each builder
takes what it reads and the report's `now`, and keeps only what the record says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CommitmentRow,
    CommunicationRow,
    CreditRow,
    EscalationRow,
    OutboxRow,
    PostMortemActionRow,
    PostMortemFindingRow,
    RecoveryTaskRow,
    RootCauseRow,
)
from escalada.domain.commitments import commitment_state
from escalada.domain.communications import Audience
from escalada.domain.escalation_report import (
    Breach,
    Commitment,
    Credit,
    Impact,
    Lesson,
    Message,
    Recovery,
    RecoveryTask,
    Resolution,
    RootCause,
    Step,
    Summary,
    TimelineLine,
)
from escalada.domain.policy.recovery import RecoveryPolicy
from escalada.domain.post_mortem import HEADINGS, action_state
from escalada.domain.recovery import OPEN_STATUSES, PHASES, task_text
from escalada.domain.words import ENGLISH, Translator
from escalada.services.views import summary_in, text_in


class Line(Protocol):
    """A timeline entry as the report reads it (a TimelineRow, or a row of its columns)."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


class Entry(Line, Protocol):
    """A timeline entry with its data (the breaches and updates the impact reads)."""

    @property
    def data(self) -> dict[str, Any]: ...


BREACH_KINDS = ("sla_breached", "update_overdue")
UPDATE_KINDS = ("first_response", "customer_update")


def minutes_between(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds() // 60), 0)


def summary_of(account: AccountRow, case: CaseRow, timeline: Sequence[Line],
               now: datetime) -> Summary:
    """Who, what, how far it went, who owned it, how long it took, where it stands."""
    ups = [step for step in case.escalations if step.direction == "up" and step.to_level]
    return Summary(
        case=case.ref, title=case.title, account=account.name, account_id=account.id,
        account_tier=account.tier, support_plan=account.support_plan,
        severity=case.severity, status=case.status, opened_at=case.opened_at,
        resolved_at=case.resolved_at, closed_at=case.closed_at,
        minutes=minutes_between(case.opened_at, case.resolved_at or now),
        tiers=_reached("T1", [s.to_level for s in ups if s.track == "technical"]),
        levels=_reached(None, [s.to_level for s in ups if s.track == "executive"]),
        opened_by=next((e.actor for e in timeline if e.kind == "case_opened"), None),
        technical_owner=_owner(ups, "technical"), executive_owner=_owner(ups, "executive"))


def _reached(start: str | None, steps: Sequence[str | None]) -> tuple[str, ...]:
    reached: list[str] = [] if start is None else [start]
    for level in steps:
        if level is not None and level not in reached:
            reached.append(level)
    return tuple(reached)


def _owner(ups: Sequence[EscalationRow], track: str) -> str | None:
    owners = [step.acknowledged_by for step in ups if step.track == track]
    return next((name for name in reversed(owners) if name), None)


def timeline_of(entries: Sequence[Line],
                language: Translator = ENGLISH) -> tuple[TimelineLine, ...]:
    """Every entry of the case's timeline, oldest first, its summary in `language` (from
    its words; an entry recorded as plain text as it was recorded)."""
    return tuple(TimelineLine(e.at, e.actor, e.kind,
                              summary_in(e.summary, getattr(e, "words", None), language),
                              text_in(e.reason, getattr(e, "reason_words", None), language))
                 for e in entries)


def steps_of(case: CaseRow) -> tuple[Step, ...]:
    return tuple(Step(s.requested_at, s.track, s.to_level) for s in case.escalations)


def root_cause_of(row: RootCauseRow | None) -> RootCause | None:
    if row is None:
        return None
    return RootCause(row.technical, row.process, row.updated_by, row.updated_at)


def update_breaches(case: CaseRow, entries: Sequence[Entry], now: datetime
                    ) -> tuple[Breach, ...]:
    """Each customer update that came late (the timeline's `update_overdue`), with when
    the next one went out and by how much it overran (wall-clock minutes)."""
    updates = [e.at for e in entries if e.kind in UPDATE_KINDS]
    breaches = []
    for entry in entries:
        target = str(entry.data.get("target", "next_update"))
        if (entry.kind not in BREACH_KINDS or target != "next_update"
                or "due_at" not in entry.data):
            continue
        due = datetime.fromisoformat(entry.data["due_at"])
        met = _met_at(case, target, due, updates)
        breaches.append(Breach(target, due, entry.at, met,
                               minutes_between(due, met or case.closed_at or now)))
    return tuple(breaches)


def _met_at(case: CaseRow, target: str, due: datetime,
            updates: Sequence[datetime]) -> datetime | None:
    if target == "first_response":
        return case.first_response_at
    if target == "resolution":
        return case.resolved_at
    after = [at for at in updates if at > due]
    ends = [moment for moment in (min(after, default=None), case.resolved_at) if moment]
    return min(ends, default=None)


def impact_of(case: CaseRow, entries: Sequence[Entry], credits: Sequence[CreditRow],
              measured: Sequence[Breach], now: datetime) -> Impact:
    """Duration, services, money at stake, SLA targets breached (`measured`: the first
    response and resolution, see domain.escalation_report; then the late updates),
    credits."""
    return Impact(
        minutes=minutes_between(case.opened_at, case.resolved_at or now),
        services=tuple(case.services), regions=tuple(case.regions or ()),
        users_affected=case.users_affected, revenue_impact_usd=case.revenue_impact_usd,
        business_impact_usd=case.business_impact_usd,
        breaches=tuple(sorted((*measured, *update_breaches(case, entries, now)),
                              key=lambda b: b.due_at)),
        credits=tuple(Credit(c.id, c.amount_usd, c.state, c.decided_by or c.proposed_by,
                             c.decided_at or c.proposed_at) for c in credits))


def resolution_of(case: CaseRow, entries: Sequence[Line],
                  commitments: Sequence[CommitmentRow], now: datetime,
                  language: Translator = ENGLISH) -> Resolution:
    """How the case was resolved (its note in `language` when escalada wrote it), and
    each commitment made to the customer, met or missed by the record."""
    resolved = next((e for e in reversed(entries) if e.kind == "resolved"), None)
    return Resolution(
        resolved_at=case.resolved_at, resolved_by=None if resolved is None else resolved.actor,
        note=None if resolved is None else text_in(
            resolved.reason, getattr(resolved, "reason_words", None), language),
        commitments=tuple(Commitment(
            c.id, c.what, c.owner, c.due_at, commitment_state(c.due_at, c.closed_at, now),
            c.closed_at) for c in commitments))


def messages_of(drafts: Sequence[CommunicationRow],
                deliveries: Sequence[OutboxRow]) -> tuple[Message, ...]:
    """Each message of ours, once per delivery (channel and state), or as a draft."""
    by_draft: dict[int, list[OutboxRow]] = {}
    for row in deliveries:
        by_draft.setdefault(row.communication_id, []).append(row)
    messages = []
    for draft in drafts:
        facing = Audience(draft.audience).is_customer_side
        sent = by_draft.get(draft.id, [])
        if not sent:
            messages.append(Message(draft.created_at, draft.audience, facing, draft.kind,
                                    draft.language, draft.subject, None, None, "draft"))
        messages.extend(Message(
            row.delivered_at or row.created_at, draft.audience, facing, draft.kind,
            draft.language, draft.subject, row.channel, row.recipient, row.state)
            for row in sent)
    return tuple(sorted(messages, key=lambda m: m.at))


def lessons_of(findings: Sequence[PostMortemFindingRow], actions: Sequence[PostMortemActionRow],
               now: datetime) -> tuple[Lesson, ...]:
    """A completed post-mortem's findings in the agenda's order, then its action items
    with their owner, due time and status now."""
    order = {heading: n for n, heading in enumerate(HEADINGS)}
    ordered = sorted(findings, key=lambda f: (order.get(f.heading, len(order)), f.id))
    return (*(Lesson(f.text, None, None, "finding", f.heading) for f in ordered),
            *(Lesson(a.what, a.owner, a.due_at, action_state(a.due_at, a.done_at, now),
                     "action_item") for a in actions))


def recovery_of(tasks: Sequence[RecoveryTaskRow], now: datetime, *,
                template: RecoveryPolicy | None = None,
                language: str | None = None) -> Recovery:
    """The recovery plan's tasks by phase and due date, with what is overdue now; the
    `template`'s tasks in `language` (the report's), people's own as they wrote them."""
    order: dict[str, int] = {phase: n for n, phase in enumerate(PHASES)}
    ordered = sorted(tasks, key=lambda t: (order.get(t.phase, len(order)), t.due_at is None,
                                           t.due_at or now, t.id))
    return Recovery(tuple(RecoveryTask(
        t.phase, task_text(t.text, None if template is None else template.terms(t.key),
                           language), t.owner, t.due_at, t.status,
        t.status in OPEN_STATUSES and t.due_at is not None and t.due_at < now)
        for t in ordered))
