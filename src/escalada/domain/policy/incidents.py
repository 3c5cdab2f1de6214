"""The platform-incident section of the policy (data): what makes an outage storm, and
which criterion flags an incident sets on the cases it links."""

from __future__ import annotations

from pydantic import Field, model_validator

from escalada.domain.policy.types import CriterionId, Section, Span


class StormRule(Section):
    """Cases of at least `accounts_at_least` different accounts about one service in one
    region, opened within `within` of each other, are a storm: one platform incident."""

    packaged_defaults = "*"

    accounts_at_least: int = Field(ge=2, le=10_000)
    within: Span

    @model_validator(mode="after")
    def _some_time(self) -> StormRule:
        if self.within.unit == "d" or self.within.minutes(0) <= 0:
            raise ValueError("within must be a span of minutes or hours above zero, e.g. 10m")
        return self


class IncidentFlag(Section):
    """A criterion flag set on every linked case once the incident spans this many
    accounts (e.g. multi_service_outage at 5, systemic_platform_failure at 20)."""

    flag: CriterionId
    accounts_at_least: int = Field(ge=1, le=10_000)


class IncidentPolicy(Section):
    """Outage storms and the platform incidents they open."""

    packaged_defaults = frozenset({"storm", "flags"})

    storm: StormRule
    flags: tuple[IncidentFlag, ...] = ()

    @model_validator(mode="after")
    def _each_flag_once(self) -> IncidentPolicy:
        names = [entry.flag for entry in self.flags]
        if len(names) != len(set(names)):
            raise ValueError("each flag is listed once")
        return self

    def flags_for(self, accounts: int) -> tuple[str, ...]:
        """The flags an incident spanning `accounts` accounts sets on its cases."""
        return tuple(entry.flag for entry in self.flags if accounts >= entry.accounts_at_least)
