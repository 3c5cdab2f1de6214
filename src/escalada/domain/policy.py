"""The escalation policy as typed, validated data (loaded from YAML elsewhere)."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from escalada.domain.credits import CreditPolicy
from escalada.domain.delivery import DeliveryPolicy
from escalada.domain.model import (
    AccountTier,
    ContactLevel,
    ExecLevel,
    Severity,
    SupportPlan,
    Tier,
    level_rank,
    tier_rank,
)
from escalada.domain.recovery import RecoveryPolicy
from escalada.domain.war_room import WarRoomPolicy

if TYPE_CHECKING:
    from escalada.domain.engine import Tracks

CriterionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|h|d)$")


class _Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(_Policy):
    """A span written as `15m`, `2h` or `3d`; a day is the calendar's working day."""

    amount: Decimal
    unit: Literal["m", "h", "d"]

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a duration like 15m, 2h or 3d")
        return cls(amount=Decimal(match.group(1)), unit=match.group(2))

    @cached_property
    def _float_amount(self) -> float:
        return float(self.amount)

    def minutes(self, minutes_per_day: int) -> float:
        """The span in minutes; `d` is a working day of `minutes_per_day` minutes."""
        unit = self.unit
        per_unit = 1 if unit == "m" else 60 if unit == "h" else minutes_per_day
        return self._float_amount * per_unit

    def __str__(self) -> str:
        return f"{self.amount.normalize():f}{self.unit}"


# Computed criteria. An id the policy does not define here is a flag of that name.
class _Criterion(_Policy):
    """A computed criterion; `or_flag` lets people set it by hand as well."""

    or_flag: bool = False
    description: str = ""


class SlaConsumed(_Criterion):
    """Fires when an active SLA target is consumed above (or at least) a share; 1 is breach."""

    kind: Literal["sla_consumed"]
    above: float | None = Field(default=None, ge=0)
    at_least: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_threshold(self) -> SlaConsumed:
        if (self.above is None) == (self.at_least is None):
            raise ValueError("give exactly one of `above` or `at_least`")
        return self


class ServicesAtLeast(_Criterion):
    kind: Literal["services_at_least"]
    count: int = Field(ge=1)


class AccountCasesAtLeast(_Criterion):
    """Cases of the account opened in the last 30 days, this one included."""

    kind: Literal["account_cases_30d_at_least"]
    count: int = Field(ge=1)


class CsatBelow(_Criterion):
    kind: Literal["csat_below"]
    score: float


class ImpactAbove(_Criterion):
    kind: Literal["revenue_impact_above", "business_impact_above"]
    usd: Decimal = Field(ge=0)


class TierRequested(_Criterion):
    """An account of these tiers asked for escalation (any of the flags)."""

    kind: Literal["tier_requested"]
    tiers: frozenset[AccountTier] = Field(min_length=1)
    requests: frozenset[CriterionId] = Field(min_length=1)


class ContactLevelIs(_Criterion):
    kind: Literal["contact_level_is"]
    levels: frozenset[ContactLevel] = Field(min_length=1)


class HealthBelow(_Criterion):
    """An account of these tiers whose health score is below a value."""

    kind: Literal["health_below"]
    tiers: frozenset[AccountTier] = Field(min_length=1)
    score: float = Field(ge=0, le=100)


CriterionRule = Annotated[
    SlaConsumed
    | ServicesAtLeast
    | AccountCasesAtLeast
    | CsatBelow
    | ImpactAbove
    | TierRequested
    | ContactLevelIs
    | HealthBelow,
    Field(discriminator="kind"),
]


class TechnicalStep(_Policy):
    from_tier: Tier = Field(alias="from")
    to_tier: Tier = Field(alias="to")
    criteria: tuple[CriterionId, ...] = Field(min_length=1)
    respond_within_minutes: int = Field(ge=0)
    handoff_required: tuple[CriterionId, ...] = ()

    @model_validator(mode="after")
    def _one_step_up(self) -> TechnicalStep:
        if tier_rank(self.to_tier) != tier_rank(self.from_tier) + 1:
            raise ValueError(f"{self.from_tier} -> {self.to_tier} is not one step up")
        return self


class CreditAuthority(_Policy):
    """How much service credit a level may approve; no limit means unlimited."""

    limit_usd: Decimal | None = Field(default=None, ge=0)
    inclusive: bool = True

    def covers(self, amount: Decimal) -> bool:
        if self.limit_usd is None:
            return True
        return amount <= self.limit_usd if self.inclusive else amount < self.limit_usd


class ExecutiveLevel(_Policy):
    level: ExecLevel
    title: str
    role: str
    criteria: tuple[CriterionId, ...] = Field(min_length=1)
    respond_within_minutes: int = Field(ge=0)
    service_credits: CreditAuthority = CreditAuthority(limit_usd=Decimal(0))
    powers: tuple[str, ...] = ()


class TechnicalTrack(_Policy):
    steps: tuple[TechnicalStep, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _distinct_sources(cls, steps: tuple[TechnicalStep, ...]) -> tuple[TechnicalStep, ...]:
        sources = [step.from_tier for step in steps]
        if len(sources) != len(set(sources)):
            raise ValueError("two steps start from the same tier")
        return steps


class ExecutiveTrack(_Policy):
    levels: tuple[ExecutiveLevel, ...] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _in_order(cls, levels: tuple[ExecutiveLevel, ...]) -> tuple[ExecutiveLevel, ...]:
        ranks = [level_rank(entry.level) for entry in levels]
        if ranks != sorted(set(ranks)):
            raise ValueError("levels must be listed once each, lowest first")
        return levels


class SlaTargets(_Policy):
    first_response: Duration
    next_update: Duration
    resolution: Duration
    calendar: Literal["24x7", "business"] = "24x7"

    @field_validator("first_response", "next_update", "resolution", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return Duration.parse(value) if isinstance(value, str) else value


class BusinessHours(_Policy):
    start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="18:00", pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon", "tue", "wed", "thu", "fri",
    )

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} is not before end {self.end}")
        return self


class EscalatedCadence(_Policy):
    """While an escalation at or above `from_level` is open, update at least this often."""

    from_level: ExecLevel
    every: Duration

    @field_validator("every", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return Duration.parse(value) if isinstance(value, str) else value


class SlaPolicy(_Policy):
    business_hours: BusinessHours = BusinessHours()
    plans: dict[SupportPlan, dict[Severity, SlaTargets | None]]
    escalated_update_cadence: EscalatedCadence | None = None

    @field_validator("plans")
    @classmethod
    def _every_plan_and_severity(
        cls, plans: dict[SupportPlan, dict[Severity, SlaTargets | None]]
    ) -> dict[SupportPlan, dict[Severity, SlaTargets | None]]:
        for plan in SupportPlan:
            missing = [s.value for s in Severity if s not in plans.get(plan, {})]
            if missing:
                raise ValueError(f"{plan.value}: no targets for {', '.join(missing)} (use null)")
        return plans


class AutoEscalation(_Policy):
    """Whether a timer that finds a recommendation takes the step itself."""

    technical: bool = False
    executive: bool = False


class TimerPolicy(_Policy):
    """What the durable timers do and when."""

    # Fractions of an SLA target at which its timer fires (1 is the breach).
    sla_thresholds: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)
    # How long past its response due time a step may stay unacknowledged before the
    # next executive level is recommended.
    unacknowledged_after: Duration = Duration.parse("15m")
    auto_escalate: AutoEscalation = AutoEscalation()

    @field_validator("unacknowledged_after", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return Duration.parse(value) if isinstance(value, str) else value

    @field_validator("sla_thresholds")
    @classmethod
    def _fractions(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < value <= 1 for value in values):
            raise ValueError("each threshold is a fraction above 0 and at most 1")
        return tuple(sorted(set(values)))


class CommunicationsPolicy(_Policy):
    """When the customer must hear from us, and how hard delivery tries."""

    # The customer's acknowledgment is due this long after a step up (wall-clock).
    acknowledgment_within: Duration = Duration.parse("60m")
    delivery: DeliveryPolicy = DeliveryPolicy()

    @field_validator("acknowledgment_within", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return Duration.parse(value) if isinstance(value, str) else value


class Policy(_Policy):
    """The whole escalation policy in force."""

    version: str
    criteria: dict[CriterionId, CriterionRule] = {}
    technical: TechnicalTrack
    executive: ExecutiveTrack
    sla: SlaPolicy
    timers: TimerPolicy = TimerPolicy()
    credits: CreditPolicy = CreditPolicy()
    war_room: WarRoomPolicy = WarRoomPolicy()
    recovery: RecoveryPolicy = RecoveryPolicy()
    communications: CommunicationsPolicy = CommunicationsPolicy()

    @cached_property
    def tracks(self) -> Tracks:
        """Both tracks ready for the engine, compiled once per policy."""
        from escalada.domain.engine import compile_tracks

        return compile_tracks(self)

    def step_from(self, tier: Tier) -> TechnicalStep | None:
        return next((s for s in self.technical.steps if s.from_tier == tier), None)

    def level(self, level: ExecLevel) -> ExecutiveLevel | None:
        return next((entry for entry in self.executive.levels if entry.level == level), None)

    def targets(self, plan: SupportPlan, severity: Severity) -> SlaTargets | None:
        return self.sla.plans[plan][severity]
