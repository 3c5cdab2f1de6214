"""The timers section of the policy (data): when durable timers fire, what they do."""

from __future__ import annotations

from pydantic import field_validator

from escalada.domain.policy.types import Section, Span


class AutoEscalation(Section):
    """Whether a timer that finds a recommendation takes the step itself."""

    packaged_defaults = "*"

    technical: bool
    executive: bool


class TimerPolicy(Section):
    """What the durable timers do and when."""

    packaged_defaults = "*"

    # Fractions of an SLA target at which its timer fires (1 is the breach).
    sla_thresholds: tuple[float, ...]
    # How long past its response due time a step may stay unacknowledged before the
    # next executive level is recommended.
    unacknowledged_after: Span
    auto_escalate: AutoEscalation

    @field_validator("sla_thresholds")
    @classmethod
    def _fractions(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < value <= 1 for value in values):
            raise ValueError("each threshold is a fraction above 0 and at most 1")
        return tuple(sorted(set(values)))

