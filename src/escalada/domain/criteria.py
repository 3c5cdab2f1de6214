"""Criteria: each policy criterion id compiled to a predicate over a case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from escalada.domain.policy import (
    AccountCasesAtLeast,
    ContactLevelIs,
    CriterionRule,
    CsatBelow,
    HealthBelow,
    ImpactAbove,
    Policy,
    ServicesAtLeast,
    SlaConsumed,
    TierRequested,
    VendorEventOpen,
)
from escalada.domain.sla import SlaClock
from escalada.domain.snapshot import CaseSnapshot


@dataclass(frozen=True, slots=True)
class Facts:
    """What a criterion may look at: the case and its SLA clocks now."""

    case: CaseSnapshot
    clocks: tuple[SlaClock, ...]


Predicate = Callable[[Facts], bool]


def _rule(rule: CriterionRule) -> Predicate:
    match rule:
        case SlaConsumed():
            return _sla_consumed(rule)
        case ServicesAtLeast(count=count):
            return lambda f: len(f.case.services) >= count
        case AccountCasesAtLeast(count=count):
            return lambda f: f.case.account_cases_30d >= count
        case CsatBelow(score=score):
            return lambda f: f.case.csat is not None and f.case.csat < score
        case ImpactAbove(kind="revenue_impact_above", usd=usd):
            return lambda f: f.case.revenue_impact_usd > usd
        case ImpactAbove(usd=usd):
            return lambda f: f.case.business_impact_usd > usd
        case TierRequested(tiers=tiers, requests=requests):
            return lambda f: f.case.account.tier in tiers and not requests.isdisjoint(f.case.flags)
        case ContactLevelIs(levels=levels):
            return lambda f: f.case.escalating_contact_level in levels
        case HealthBelow(tiers=tiers, score=score):
            return lambda f: (f.case.account.tier in tiers and f.case.account.health_score
                              is not None and f.case.account.health_score < score)
        case VendorEventOpen():
            return lambda f: bool(f.case.vendor_events)
    raise ValueError(f"no predicate for criterion kind {rule.kind!r}")


def _sla_consumed(rule: SlaConsumed) -> Predicate:
    if rule.above is not None:
        above = rule.above
        return lambda f: any(clock.consumed > above for clock in f.clocks)
    at_least = rule.at_least or 0.0
    return lambda f: any(clock.consumed >= at_least for clock in f.clocks)


def _with_flag(criterion: str, predicate: Predicate) -> Predicate:
    return lambda facts: criterion in facts.case.flags or predicate(facts)


def compile_criteria(policy: Policy) -> Mapping[str, Predicate]:
    """The policy's computed criteria as predicates; any other criterion id is a flag."""
    return {
        criterion: _with_flag(criterion, _rule(rule)) if rule.or_flag else _rule(rule)
        for criterion, rule in policy.criteria.items()
    }
