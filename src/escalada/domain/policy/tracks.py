"""The technical and executive tracks of the policy (data): steps, levels, authority."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator, model_validator

from escalada.domain.model import ExecLevel, Tier, level_rank, tier_rank
from escalada.domain.policy.types import CriterionId, Section


class TechnicalStep(Section):
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


class CreditAuthority(Section):
    """How much service credit a level may approve; no limit means unlimited."""

    limit_usd: Decimal | None = Field(default=None, ge=0)
    inclusive: bool = True

    def covers(self, amount: Decimal) -> bool:
        if self.limit_usd is None:
            return True
        return amount <= self.limit_usd if self.inclusive else amount < self.limit_usd


class ExecutiveLevel(Section):
    level: ExecLevel
    title: str
    role: str
    criteria: tuple[CriterionId, ...] = Field(min_length=1)
    respond_within_minutes: int = Field(ge=0)
    service_credits: CreditAuthority = CreditAuthority(limit_usd=Decimal(0))
    powers: tuple[str, ...] = ()


class TechnicalTrack(Section):
    steps: tuple[TechnicalStep, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _distinct_sources(cls, steps: tuple[TechnicalStep, ...]) -> tuple[TechnicalStep, ...]:
        sources = [step.from_tier for step in steps]
        if len(sources) != len(set(sources)):
            raise ValueError("two steps start from the same tier")
        return steps


class ExecutiveTrack(Section):
    levels: tuple[ExecutiveLevel, ...] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _in_order(cls, levels: tuple[ExecutiveLevel, ...]) -> tuple[ExecutiveLevel, ...]:
        ranks = [level_rank(entry.level) for entry in levels]
        if ranks != sorted(set(ranks)):
            raise ValueError("levels must be listed once each, lowest first")
        return levels

