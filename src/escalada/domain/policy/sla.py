"""The SLA section of the policy (data): targets per plan and severity, the default
business hours, and the update cadence while escalated."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from escalada.domain.model import ExecLevel, Severity, SupportPlan
from escalada.domain.policy.types import Section, Span


class SlaTargets(Section):
    first_response: Span
    next_update: Span
    resolution: Span
    calendar: Literal["24x7", "business"] = "24x7"


class DefaultBusinessHours(Section):
    """The hours a `business` SLA target runs on for an account without a business
    calendar of its own (`sla.business_hours`), in the account's zone and country."""

    start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="18:00", pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon", "tue", "wed", "thu", "fri",
    )

    @model_validator(mode="after")
    def _start_before_end(self) -> DefaultBusinessHours:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} is not before end {self.end}")
        return self


class EscalatedCadence(Section):
    """While an escalation at or above `from_level` is open, update at least this often."""

    from_level: ExecLevel
    every: Span


class SlaPolicy(Section):
    business_hours: DefaultBusinessHours = DefaultBusinessHours()
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

