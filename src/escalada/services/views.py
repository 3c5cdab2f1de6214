"""What use cases return: plain documents for the CLI, the API and agents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from escalada.domain.business_calendar import CalendarSpec
from escalada.domain.engine import evaluate
from escalada.domain.policy import Policy
from escalada.domain.snapshot import AccountSnapshot, AwareDatetime, CaseSnapshot
from escalada.domain.words import Translator, Words


class View(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class AccountView(AccountSnapshot):
    created_at: AwareDatetime


class SlaClockView(View):
    target: str
    due_at: AwareDatetime
    consumed: float
    breached: bool
    paused: bool


class RecommendationView(View):
    track: str
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str
    criteria: list[str]
    respond_within_minutes: int
    handoff_required: list[str] | None = None

    @model_serializer(mode="wrap")
    def _technical_only_handoff(self, handler: SerializerFunctionWrapHandler) -> Any:
        # Executive steps carry no handoff package: leave the key out, as DESIGN.md 1.2 does.
        document = handler(self)
        if document.get("handoff_required") is None:
            document.pop("handoff_required", None)
        return document


class EvaluationView(View):
    """The engine's answer (DESIGN.md 1.2)."""

    case: str
    at: AwareDatetime
    sla: list[SlaClockView]
    recommendations: list[RecommendationView]


class EscalationView(View):
    step: int
    track: str
    direction: str
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str | None
    criteria: list[str]
    reason: str | None
    override_reason: str | None
    overridden_items: list[str]
    handoff: dict[str, Any]
    requested_by: str
    requested_at: AwareDatetime
    respond_within_minutes: int | None
    response_due_at: AwareDatetime | None
    acknowledged_by: str | None
    acknowledged_at: AwareDatetime | None
    acknowledged_on_behalf_of: str | None = None
    # The reason's words when escalada composed it (not part of the API's shape).
    reason_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def reason_in(self, language: Translator) -> str | None:
        """The reason in `language` (see text_in)."""
        return text_in(self.reason, self.reason_words, language)

    def told_in(self, language: Translator) -> EscalationView:
        """The step with its reason in `language` (for the API's reader)."""
        return self.model_copy(update={"reason": self.reason_in(language)})


class TimelineEntryView(View):
    at: AwareDatetime
    actor: str
    kind: str
    summary: str
    reason: str | None
    data: dict[str, Any]
    # The summary's template and parameters (records.record), not part of the API's shape.
    words: dict[str, Any] | None = Field(default=None, exclude=True)
    # The reason's, when escalada composed it.
    reason_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def summary_in(self, language: Translator) -> str:
        """The summary in `language`: from its words while they still say, in English,
        what the hashed summary says; else (an entry from before, or words altered) the
        summary as recorded."""
        return summary_in(self.summary, self.words, language)

    def reason_in(self, language: Translator) -> str | None:
        """The reason in `language`, in the same way."""
        return text_in(self.reason, self.reason_words, language)

    def told_in(self, language: Translator) -> TimelineEntryView:
        """The entry with its summary and reason in `language` (for the API's reader)."""
        return self.model_copy(update={"summary": self.summary_in(language),
                                       "reason": self.reason_in(language)})


def summary_in(summary: str, words: dict[str, Any] | None, language: Translator) -> str:
    """A text escalada kept (a timeline summary, a reason, an outcome) in `language`,
    from its stored words while they render, in English, to the text kept; else (a row
    written before its words were kept, or words altered) the text as kept."""
    if not words:
        return summary
    try:
        told = Words.from_json(words)
        if told.render() != summary:
            return summary
        return told.render(language)
    except (TypeError, ValueError, AttributeError):
        return summary


def text_in(text: str | None, words: dict[str, Any] | None, language: Translator
            ) -> str | None:
    """summary_in for a text that may be absent."""
    return None if text is None else summary_in(text, words, language)


class KbHit(View):
    """A knowledge-base entry found."""

    kind: str
    case: str
    account: str
    language: str
    title: str
    excerpt: str
    services: list[str]
    regions: list[str]
    published_at: AwareDatetime
    score: float  # higher is better


class IncidentLink(View):
    """An incident as a linked case shows it."""

    id: str
    title: str
    service: str
    region: str
    status: str
    accounts: int
    resolution_proposed: bool


class CaseView(View):
    """A case: its snapshot plus what people need around it."""

    snapshot: CaseSnapshot
    title: str
    contact_title: str | None = None
    contact: ContactView | None = None  # the escalating contact, when named
    version: int
    closed_at: AwareDatetime | None
    policy_version: str
    escalations: list[EscalationView]
    timeline: list[TimelineEntryView]
    evaluation: EvaluationView
    # Past escalations like it, best first (shown when the case is read: show_case).
    similar: list[KbHit] = []
    # The platform incidents it is linked to (shown when the case is read: show_case).
    incidents: list[IncidentLink] = []

    def told_in(self, language: Translator) -> CaseView:
        """The case with its steps' reasons and its timeline in `language` (for the
        API's reader)."""
        return self.model_copy(update={
            "escalations": [step.told_in(language) for step in self.escalations],
            "timeline": [entry.told_in(language) for entry in self.timeline]})


def evaluation_view(snapshot: CaseSnapshot, policy: Policy, now: datetime) -> EvaluationView:
    """The engine's answer for a snapshot at `now`, as a view."""
    return EvaluationView.model_validate(evaluate(snapshot, policy, now).as_json())


class TimerView(View):
    id: int
    case: str
    kind: str
    key: str
    generation: int | None
    due_at: AwareDatetime
    state: str
    attempts: int
    lease_owner: str | None
    available_at: AwareDatetime
    fired_at: AwareDatetime | None
    outcome: str | None
    # The outcome's words (not part of the API's shape); None for one kept before.
    outcome_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def outcome_in(self, language: Translator) -> str | None:
        """What the timer did, in `language` (see summary_in)."""
        return text_in(self.outcome, self.outcome_words, language)

    def told_in(self, language: Translator) -> TimerView:
        return self.model_copy(update={"outcome": self.outcome_in(language)})


class TimersStatusView(View):
    """What the auditor sees."""

    at: AwareDatetime
    counts: dict[str, int]
    due_now: int
    overdue: int
    overdue_after_seconds: int
    oldest_overdue_due_at: AwareDatetime | None
    next_due_at: AwareDatetime | None


class CalendarView(View):
    spec: CalendarSpec
    created_at: AwareDatetime
    updated_at: AwareDatetime
    accounts: int  # how many accounts use it
    days: list[dict[str, Any]] | None = None  # what it says about the days asked for


class DeadlineView(View):
    start: AwareDatetime
    minutes: float
    calendar: str
    due_at: AwareDatetime


class ElapsedView(View):
    start: AwareDatetime
    end: AwareDatetime
    calendar: str
    minutes: float


class RecomputeView(View):
    cases: int  # open cases recomputed
    moved: list[str]  # cases whose due times moved
    conflicts: list[str]  # cases changed by someone meanwhile (their change re-planned them)


class UserView(View):
    name: str
    role: str
    title: str | None
    display_name: str | None
    email: str | None
    language: str | None = None  # what escalada writes to them in; None: the account's
    slack_user_id: str | None = None  # who a Slack slash command acts as
    created_at: AwareDatetime
    disabled_at: AwareDatetime | None


class TokenView(View):
    id: int
    user_name: str
    label: str | None
    created_at: AwareDatetime
    created_by: str | None  # None: made before tokens recorded their creator
    expires_at: AwareDatetime | None  # None only for tokens made before tokens had to expire
    revoked_at: AwareDatetime | None
    last_used_at: AwareDatetime | None


class TokenCreatedView(TokenView):
    token: str  # shown once: only its hash is kept


class ContactView(View):
    """A person at a customer, as letters and the war room see them."""

    id: int
    account: str
    name: str
    address_as: str | None  # how letters greet them (default: the name)
    title: str | None
    email: str | None
    language: str | None
    level: str
    created_at: AwareDatetime
    removed_at: AwareDatetime | None


class AccountLogEntryView(View):
    """One entry of an account's log: who changed what, when and why."""

    at: AwareDatetime
    actor: str
    kind: str
    summary: str
    reason: str | None
    data: dict[str, Any]
    words: dict[str, Any] | None = Field(default=None, exclude=True)  # see summary_in

    def summary_in(self, language: Translator) -> str:
        return summary_in(self.summary, self.words, language)
