"""The policy's computed criteria (data): what each kind of criterion looks at."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, SerializerFunctionWrapHandler, WrapSerializer, model_validator

from escalada.domain.model import AccountTier, ContactLevel
from escalada.domain.policy.types import CriterionId, Section

T = TypeVar("T")


def _sorted(members: Any, dump: SerializerFunctionWrapHandler) -> Any:
    """A set dumps as a sorted list, so the same policy gives the same document (and the
    same id) in every process, whatever the process's hash seed."""
    return sorted(dump(members))


# One or more of something, in no order.
Members = Annotated[frozenset[T], Field(min_length=1), WrapSerializer(_sorted)]


# Computed criteria. An id the policy does not define here is a flag of that name.
class _Criterion(Section):
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
    tiers: Members[AccountTier]
    requests: Members[CriterionId]


class ContactLevelIs(_Criterion):
    kind: Literal["contact_level_is"]
    levels: Members[ContactLevel]


class HealthBelow(_Criterion):
    """An account of these tiers whose health score is below a value."""

    kind: Literal["health_below"]
    tiers: Members[AccountTier]
    score: float = Field(ge=0, le=100)


class VendorEventOpen(_Criterion):
    """A cloud vendor reports a service-health event, open now, on one of the case's
    services in one of its regions (linked to the case by the vendor health polls)."""

    kind: Literal["vendor_event_open"]


CriterionRule = Annotated[
    SlaConsumed
    | ServicesAtLeast
    | AccountCasesAtLeast
    | CsatBelow
    | ImpactAbove
    | TierRequested
    | ContactLevelIs
    | HealthBelow
    | VendorEventOpen,
    Field(discriminator="kind"),
]

