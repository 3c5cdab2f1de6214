"""The escalation report as data: its sections in order, each holding what the record
says (an empty section is one with nothing recorded; the renderer says so and names the
command that fills it). Times are UTC; the renderer shows them in the account's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from escalada.domain.model import CaseStatus
from escalada.domain.policy import Policy
from escalada.domain.sla import sla_clocks
from escalada.domain.snapshot import CaseSnapshot

LANGUAGES = ("ru", "en")
FORMATS = ("md", "html", "pdf")


@dataclass(frozen=True, slots=True)
class Summary:
    case: str
    title: str
    account: str
    account_id: str
    account_tier: str
    support_plan: str
    severity: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    minutes: int  # from opening to resolution (or to the report, while open)
    tiers: tuple[str, ...]  # T1, then each technical tier reached in order
    levels: tuple[str, ...]  # each executive level reached in order
    opened_by: str | None
    technical_owner: str | None  # who acknowledged the highest technical step
    executive_owner: str | None  # who acknowledged the highest executive step


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    actor: str
    kind: str
    summary: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class Step:
    """A step along a track, for the chart."""

    at: datetime
    track: str  # technical | executive
    to: str | None  # a tier, a level, or None (stepped down off the executive track)


@dataclass(frozen=True, slots=True)
class RootCause:
    technical: str | None
    process: str | None
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Breach:
    """An SLA target that ran out: when it was due, when it was met (None: not yet)."""

    target: str
    due_at: datetime
    breached_at: datetime  # when escalada recorded the breach
    met_at: datetime | None
    overrun_minutes: int  # met (or the report's time) minus due


def measured_breaches(case: CaseSnapshot, policy: Policy, now: datetime
                      ) -> tuple[Breach, ...]:
    """The first response and resolution targets as they stood when met (else when the
    case resolved, else at `now`), those that ran out: by how much, in the target's own calendar
    minutes (pauses and hours off not counted)."""
    running = case.model_copy(update={
        "status": case.status if case.status.is_open else CaseStatus.INVESTIGATING,
        "resolved_at": None})
    before_answer = running.model_copy(update={"first_response_at": None,
                                               "last_customer_update_at": None})
    measured = (("first_response", before_answer, case.first_response_at),
                ("resolution", running, case.resolved_at))
    breaches = []
    for target, snapshot, met_at in measured:
        clock = next((c for c in sla_clocks(snapshot, policy,
                                                  met_at or case.resolved_at or now)
                      if c.target == target), None)
        if clock is not None and clock.breached:
            breaches.append(Breach(target, clock.due_at, clock.due_at, met_at, int(
                clock.elapsed_minutes - clock.target_minutes)))
    return tuple(breaches)


@dataclass(frozen=True, slots=True)
class Credit:
    id: int
    amount_usd: Decimal
    state: str  # proposed | approved | rejected
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Impact:
    minutes: int
    services: tuple[str, ...]
    regions: tuple[str, ...]
    users_affected: int | None
    revenue_impact_usd: Decimal
    business_impact_usd: Decimal
    breaches: tuple[Breach, ...]
    credits: tuple[Credit, ...]

    @property
    def granted_usd(self) -> Decimal:
        return sum((c.amount_usd for c in self.credits if c.state == "approved"), Decimal(0))


@dataclass(frozen=True, slots=True)
class Commitment:
    id: int
    what: str
    owner: str
    due_at: datetime
    state: str  # open | met | missed
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Resolution:
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None
    commitments: tuple[Commitment, ...]

    @property
    def met(self) -> int:
        return sum(c.state == "met" for c in self.commitments)

    @property
    def missed(self) -> int:
        return sum(c.state == "missed" for c in self.commitments)


@dataclass(frozen=True, slots=True)
class Message:
    """A message of ours on the case, and how each delivery of it stands."""

    at: datetime
    audience: str
    customer_facing: bool
    kind: str
    language: str
    subject: str
    channel: str | None  # None: drafted, never sent
    recipient: str | None
    state: str  # draft | pending | delivered | dead


@dataclass(frozen=True, slots=True)
class Lesson:
    """A post-mortem's finding (under its agenda heading) or action item."""

    text: str
    owner: str | None
    due_at: datetime | None
    status: str
    heading: str | None = None  # an agenda heading, or action_item


@dataclass(frozen=True, slots=True)
class Similar:
    """A past escalation like this one, from the knowledge base."""

    case: str
    kind: str  # root_cause | post_mortem | lesson
    title: str
    services: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecoveryTask:
    phase: str
    text: str
    owner: str | None
    due_at: datetime | None
    status: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class Recovery:
    tasks: tuple[RecoveryTask, ...]

    @property
    def done(self) -> int:
        return sum(t.status == "done" for t in self.tasks)

    @property
    def overdue(self) -> int:
        return sum(t.overdue for t in self.tasks)

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / len(self.tasks)) if self.tasks else 0


@dataclass(frozen=True, slots=True)
class EscalationReport:
    """Everything the report says, in section order."""

    language: str
    timezone: str
    generated_at: datetime
    summary: Summary
    timeline: tuple[TimelineLine, ...]
    steps: tuple[Step, ...]
    root_cause: RootCause | None
    impact: Impact
    resolution: Resolution
    messages: tuple[Message, ...]
    lessons: tuple[Lesson, ...]
    recovery: Recovery
    similar: tuple[Similar, ...] = ()  # shown with the lessons learned
