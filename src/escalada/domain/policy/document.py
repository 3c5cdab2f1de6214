"""The whole escalation policy in force, as typed, validated data (loaded from YAML
elsewhere). Rules over it live in the modules that use it (sla, criteria, engine ...)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from pydantic import Field

from escalada.domain.model import ExecLevel, Severity, SupportPlan, Tier
from escalada.domain.policy.communications import CommunicationsPolicy
from escalada.domain.policy.credits import CreditPolicy
from escalada.domain.policy.criteria import CriterionRule
from escalada.domain.policy.health import HealthPolicy
from escalada.domain.policy.incidents import IncidentPolicy
from escalada.domain.policy.recovery import RecoveryPolicy
from escalada.domain.policy.sla import SlaPolicy, SlaTargets
from escalada.domain.policy.timers import TimerPolicy
from escalada.domain.policy.tracks import (
    ExecutiveLevel,
    ExecutiveTrack,
    TechnicalStep,
    TechnicalTrack,
)
from escalada.domain.policy.types import CriterionId, Section
from escalada.domain.policy.war_room import WarRoomPolicy

T = TypeVar("T")


class Policy(Section):
    """The whole escalation policy in force. A document may leave out the sections
    below `sla` (or any of their keys) to get the packaged policy's: see
    `types.with_packaged_defaults`."""

    packaged_defaults = frozenset({"timers", "credits", "war_room", "recovery",
                                   "communications", "health", "incidents", "flags"})

    version: str
    criteria: dict[CriterionId, CriterionRule] = Field(default_factory=dict)
    # What each flag (a criterion people set, not computed) means, in English.
    flags: dict[CriterionId, str] = Field(default_factory=dict)
    technical: TechnicalTrack
    executive: ExecutiveTrack
    sla: SlaPolicy
    timers: TimerPolicy
    credits: CreditPolicy
    war_room: WarRoomPolicy
    recovery: RecoveryPolicy
    communications: CommunicationsPolicy
    health: HealthPolicy
    incidents: IncidentPolicy

    def derived(self, build: Callable[[Policy], T]) -> T:
        """`build(self)`, worked out once per policy: the policy is frozen, so a rule
        may keep what it compiles from it here instead of in a global cache."""
        known = self.compiled.get(build)
        if known is None:
            known = self.compiled[build] = build(self)
        return known

    @cached_property
    def compiled(self) -> dict[Callable[..., Any], Any]:
        """What rules compiled from this policy (see `derived`), by the function that
        compiled it; not a field: never dumped, stored or compared."""
        return {}

    def described(self, criterion: str) -> str:
        """A criterion's words (English; the catalogs translate them): a computed one's
        description, a flag's entry under `flags`, else "" (shown by its id)."""
        rule = self.criteria.get(criterion)
        if rule is not None and rule.description:
            return rule.description
        return self.flags.get(criterion, "")

    def step_from(self, tier: Tier) -> TechnicalStep | None:
        return next((s for s in self.technical.steps if s.from_tier == tier), None)

    def level(self, level: ExecLevel) -> ExecutiveLevel | None:
        return next((entry for entry in self.executive.levels if entry.level == level), None)

    def targets(self, plan: SupportPlan, severity: Severity) -> SlaTargets | None:
        return self.sla.plans[plan][severity]
