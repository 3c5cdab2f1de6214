"""Everything a person working a case looks at, read in one transaction: the case and
the engine's answer, the handoff checklist of the next technical step, the timeline,
the messages, drafts and communication log, vendor cases and credits, and what the
reader may do on it (services.authz.case_authority)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, TimelineRow
from escalada.domain.model import CaseStatus, Tier, level_rank
from escalada.domain.policy import Policy
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.words import Translator
from escalada.services.authz import CaseAuthority, PendingStep, can_read, case_authority
from escalada.services.context import Actor, Context
from escalada.services.credits import CreditView, credits_of, proposed_credits
from escalada.services.drafting import DraftView, customer_language, drafts_of
from escalada.services.inbound_messages import MessageView, messages_of
from escalada.services.incidents import incidents_of
from escalada.services.outbox import DeliveryView, deliveries_of
from escalada.services.paging import Order, PageQuery, sql_page, validated
from escalada.services.policies import policy_of
from escalada.services.records import case_view, timeline_view
from escalada.services.vendor_health_views import VendorEventView, linked_events
from escalada.services.vendor_views import VendorCaseView, vendor_cases_of
from escalada.services.views import CaseView, TimelineEntryView, View, summary_in
from escalada.services.war_room_playbook import room_of

# The timeline entries a page shows, newest first; older ones a page at a time after it.
TIMELINE_SHOWN = 200
_NEWEST_ENTRY_FIRST = Order("case_timeline_newest", (TimelineRow.id,), ("int",),
                            descending=True)
# Where a vendor case may be opened from (a step from T3, or at VENDOR).
_VENDOR_TIERS = (Tier.T3.value, Tier.VENDOR.value)


class HandoffItemView(View):
    item: str
    missing: bool


class HandoffChecklistView(View):
    """The package the next technical step needs, and what is still missing for it:
    as the last refused attempt at the step found it, else every item."""

    step: str  # e.g. "T1 -> T2"
    to: str
    respond_within_minutes: int
    items: list[HandoffItemView]
    missing: list[str]
    refused_at: AwareDatetime | None  # the last refused attempt at this step


class EscalationTargetView(View):
    """A step up the case may take now, and whether the engine recommends it."""

    to: str
    track: str
    recommended: bool
    criteria: list[str]  # the policy criteria that fired for it
    respond_within_minutes: int


class CaseActionsView(View):
    """The actions the reader may take on the case now (role and state together); the
    actions check again on the server."""

    escalate: bool
    override_handoff: bool
    acknowledge: list[int]  # steps
    pause: bool
    resume: bool
    respond: bool
    draft: bool
    send: bool
    open_vendor_case: bool
    sync_vendor_cases: bool
    propose_credit: bool
    decide_credits: list[int]  # proposed credits
    remind: bool

    @property
    def any(self) -> bool:
        return any(value for value in self.model_dump().values())


class CasePageView(View):
    case: CaseView
    # The policy's words (English) for each criterion the page names: those that fired,
    # those of past steps and the case's flags ("" for one the policy has no words for).
    criteria: dict[str, str]
    targets: list[EscalationTargetView]
    handoff: HandoffChecklistView | None  # None at the last tier
    timeline: list[TimelineEntryView]  # newest first, at most TIMELINE_SHOWN
    timeline_next: str | None  # the cursor of the older entries' page; None: no older
    messages: list[MessageView]
    drafts: list[DraftView]
    communications: list[DeliveryView]
    vendor_cases: list[VendorCaseView]
    # The vendors' service-health events linked to the case, open ones first.
    vendor_events: list[VendorEventView]
    credits: list[CreditView]
    reply_language: str  # what a customer update is drafted in by default
    reply_language_reason: str  # why, in English
    reply_language_reason_words: dict[str, Any] | None = None  # and as words

    def reply_language_reason_in(self, language: Translator) -> str:
        """Why a customer update is drafted in its language, in `language`."""
        return summary_in(self.reply_language_reason, self.reply_language_reason_words,
                          language)
    war_room: bool  # the case has a war room (open or closed)
    may: CaseActionsView


def case_page(*, ctx: Context, actor: Actor, case_id: str,
              timeline_cursor: str | None = None) -> CasePageView:
    """The case page as `actor` sees it, in one read transaction; its timeline the newest
    entries, or the older ones after `timeline_cursor` (a page's `timeline_next`)."""
    can_read(actor)
    wanted = validated(PageQuery, {"limit": TIMELINE_SHOWN, "cursor": timeline_cursor})
    now = ctx.clock()
    with ctx.reading() as uow:
        session = uow.session
        case = uow.cases.get(case_id)
        account = uow.accounts.get(case.account_id)
        policy = policy_of(session, case, ctx.policy())
        view = case_view(session, case, policy, now)
        credits = credits_of(session, case, policy, now)
        vendor_cases = vendor_cases_of(session, case)
        language = customer_language(session, case, account, ctx.detect_language)
        authority = case_authority(
            actor, policy, pending=_pending(case),
            proposed=proposed_credits(session, case, policy, now))
        view = view.model_copy(update={"incidents": incidents_of(session, case)})
        timeline = sql_page(session, select(TimelineRow).where(
            TimelineRow.case_number == case.number), _NEWEST_ENTRY_FIRST, wanted,
            timeline_view, lambda row: [row.id])
        return CasePageView(
            case=view, criteria=_criteria(view, policy),
            targets=_targets(view, case, policy), handoff=_checklist(session, case, policy),
            timeline=timeline.items, timeline_next=timeline.next_cursor,
            messages=messages_of(session, case), drafts=drafts_of(session, case),
            communications=deliveries_of(session, case), vendor_cases=vendor_cases,
            vendor_events=linked_events(session, case.number, now),
            credits=credits, reply_language=language.language.value,
            reply_language_reason=str(language.why),
            reply_language_reason_words=language.why.as_json(),
            war_room=room_of(session, case) is not None,
            may=_actions(case, authority=authority, vendor_cases=vendor_cases))


def _pending(case: CaseRow) -> list[PendingStep]:
    return [PendingStep(step.seq, step.track, step.to_level) for step in case.escalations
            if step.direction == "up" and step.acknowledged_at is None]


def _actions(case: CaseRow, *, authority: CaseAuthority, vendor_cases: list[VendorCaseView]
             ) -> CaseActionsView:
    work = authority.work
    is_open = CaseStatus(case.status).is_open
    waiting = any(p.ended_at is None for p in case.pauses)
    working = work and is_open
    return CaseActionsView(
        escalate=working, override_handoff=working and authority.override_handoff,
        acknowledge=sorted(authority.acknowledge) if is_open else [],
        pause=working and not waiting, resume=working and waiting, respond=working,
        draft=work, send=work, open_vendor_case=working and case.tier in _VENDOR_TIERS,
        sync_vendor_cases=work and any(v.closed_at is None for v in vendor_cases),
        propose_credit=work and case.status != CaseStatus.CLOSED.value,
        decide_credits=sorted(authority.decide_credits), remind=working)


def _criteria(view: CaseView, policy: Policy) -> dict[str, str]:
    named = {c for r in view.evaluation.recommendations for c in r.criteria}
    named |= {c for step in view.escalations for c in step.criteria}
    named |= set(view.snapshot.flags)
    return {c: policy.described(c) for c in sorted(named)}


def _targets(view: CaseView, case: CaseRow, policy: Policy) -> list[EscalationTargetView]:
    """The next tier up and every executive level above the case's, recommended first."""
    fired = {r.to: r.criteria for r in view.evaluation.recommendations}
    targets = []
    step = policy.step_from(Tier(case.tier))
    if step is not None:
        to = step.to_tier.value
        targets.append(EscalationTargetView(
            to=to, track="technical", recommended=to in fired, criteria=fired.get(to, []),
            respond_within_minutes=step.respond_within_minutes))
    current = level_rank(view.snapshot.exec_level)
    for level in policy.executive.levels:
        if level_rank(level.level) > current:
            to = level.level.value
            targets.append(EscalationTargetView(
                to=to, track="executive", recommended=to in fired,
                criteria=fired.get(to, []),
                respond_within_minutes=level.respond_within_minutes))
    return sorted(targets, key=lambda target: not target.recommended)


def _checklist(session: Session, case: CaseRow, policy: Policy) -> HandoffChecklistView | None:
    step = policy.step_from(Tier(case.tier))
    if step is None:
        return None
    required = list(step.handoff_required)
    refusal = _last_refusal(session, case, step.to_tier.value)
    missing = required if refusal is None else [
        item for item in required if item in refusal.data.get("missing_handoff", [])]
    return HandoffChecklistView(
        step=f"{case.tier} -> {step.to_tier.value}", to=step.to_tier.value,
        respond_within_minutes=step.respond_within_minutes,
        items=[HandoffItemView(item=item, missing=item in missing) for item in required],
        missing=missing, refused_at=None if refusal is None else refusal.at)


def _last_refusal(session: Session, case: CaseRow, to: str) -> TimelineRow | None:
    """The latest refused attempt at the step to `to` since the case reached its tier."""
    refusal = session.scalar(
        select(TimelineRow).where(TimelineRow.case_number == case.number,
                                  TimelineRow.kind == "escalation_refused")
        .order_by(TimelineRow.id.desc()).limit(1))
    if refusal is None or refusal.data.get("to") != to:
        return None
    reached = _reached_tier_at(case)
    return refusal if reached is None or refusal.at >= reached else None


def _reached_tier_at(case: CaseRow) -> datetime | None:
    moves = [s.requested_at for s in case.escalations if s.track == "technical"]
    return max(moves) if moves else None
