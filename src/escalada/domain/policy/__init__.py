"""The escalation policy as data: one module per section of the policy document
(`policies/default.yaml`), assembled in `document.Policy`. Only data and the checks
that keep it consistent live here; the rules that read it sit above it (sla, criteria,
engine, war_room, timers, credits, recovery)."""

from escalada.domain.policy.communications import CommunicationsPolicy, DeliveryPolicy
from escalada.domain.policy.credits import CreditPolicy, CreditSchedule, CreditTier
from escalada.domain.policy.criteria import (
    AccountCasesAtLeast,
    ContactLevelIs,
    CriterionRule,
    CsatBelow,
    HealthBelow,
    ImpactAbove,
    ServicesAtLeast,
    SlaConsumed,
    TierRequested,
    VendorEventOpen,
)
from escalada.domain.policy.document import Policy
from escalada.domain.policy.health import HealthPolicy
from escalada.domain.policy.incidents import IncidentFlag, IncidentPolicy, StormRule
from escalada.domain.policy.recovery import RecoveryPolicy
from escalada.domain.policy.sla import DefaultBusinessHours, EscalatedCadence, SlaPolicy, SlaTargets
from escalada.domain.policy.timers import AutoEscalation, TimerPolicy
from escalada.domain.policy.tracks import (
    CreditAuthority,
    ExecutiveLevel,
    ExecutiveTrack,
    TechnicalStep,
    TechnicalTrack,
)
from escalada.domain.policy.types import CriterionId, Duration, Key, Section, Span
from escalada.domain.policy.war_room import WarRoomPolicy

__all__ = [
    "AccountCasesAtLeast",
    "AutoEscalation",
    "CommunicationsPolicy",
    "ContactLevelIs",
    "CreditAuthority",
    "CreditPolicy",
    "CreditSchedule",
    "CreditTier",
    "CriterionId",
    "CriterionRule",
    "CsatBelow",
    "DefaultBusinessHours",
    "DeliveryPolicy",
    "Duration",
    "EscalatedCadence",
    "ExecutiveLevel",
    "ExecutiveTrack",
    "HealthBelow",
    "HealthPolicy",
    "ImpactAbove",
    "IncidentFlag",
    "IncidentPolicy",
    "Key",
    "Policy",
    "RecoveryPolicy",
    "Section",
    "ServicesAtLeast",
    "SlaConsumed",
    "SlaPolicy",
    "SlaTargets",
    "Span",
    "StormRule",
    "TechnicalStep",
    "TechnicalTrack",
    "TierRequested",
    "TimerPolicy",
    "VendorEventOpen",
    "WarRoomPolicy",
]
