"""The credits section of the policy (data): a credit schedule per support plan and
the window over which a case's approved credits count together."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator

from escalada.domain.model import SupportPlan
from escalada.domain.policy.types import Section
from escalada.domain.words import Words


class CreditTier(Section):
    """A breach of at least `breached_minutes` minutes is worth `percent` of the fee."""

    breached_minutes: int = Field(ge=0)
    percent: Decimal = Field(gt=0, le=100)


class CreditSchedule(Section):
    """One support plan's schedule: tiers by breached minutes, lowest first."""

    tiers: tuple[CreditTier, ...] = Field(min_length=1)
    # What the credits of one case may total, as a percent of the monthly fee.
    cap_percent: Decimal | None = Field(default=None, gt=0)

    @field_validator("tiers")
    @classmethod
    def _ascending(cls, tiers: tuple[CreditTier, ...]) -> tuple[CreditTier, ...]:
        minutes = [tier.breached_minutes for tier in tiers]
        if minutes != sorted(set(minutes)):
            raise ValueError("tiers must be listed lowest breached_minutes first, each once")
        return tiers

    def tier_for(self, breached_minutes: float) -> CreditTier | None:
        """The highest tier the breach reaches."""
        reached = [t for t in self.tiers if breached_minutes >= t.breached_minutes]
        return reached[-1] if reached else None


class CreditPolicy(Section):
    """The credit schedule of the policy, one per support plan, and the window over
    which a case's approved credits count together against an approver's authority."""

    packaged_defaults = "*"

    schedules: dict[SupportPlan, CreditSchedule]
    # Approving a credit needs the authority for it plus the case's credits approved in
    # the last this many days (null: all of the case's approved credits), so that ten
    # credits just under a limit need what one credit of their sum would.
    authority_window_days: int | None = Field(ge=1)

    def authority_window(self) -> Words:
        """How people read the window: 'in the last 30 days' (in their language)."""
        days = self.authority_window_days
        if days is None:
            return Words.literal("so far")
        return Words.counted("in the last {count} day", "in the last {count} days", days)


