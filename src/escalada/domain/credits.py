"""Service credits: what a breach is worth under the operator's credit schedule (pure).

A schedule per support plan gives a percent of the account's monthly fee by how many
minutes the case's worst SLA target overran; an optional cap bounds what the credits
of one case may total. Money is Decimal, rounded to cents half up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.policy import CreditPolicy, CreditSchedule, CreditTier
from escalada.domain.sla import SlaClock
from escalada.domain.snapshot import AccountSnapshot
from escalada.domain.words import Usd, Words

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ApprovedCredit:
    """A credit of a case as it counts toward the authority its next approval needs."""

    id: int
    amount_usd: Decimal
    approved_at: datetime


def approved_within(
    approved: Iterable[ApprovedCredit], policy: CreditPolicy, *, at: datetime,
    excluding: int | None = None,
) -> Decimal:
    """What a case's credits approved in the policy's window ending at `at` total
    (`excluding` one credit: the one being judged)."""
    days = policy.authority_window_days
    since = None if days is None else at - timedelta(days=days)
    return sum((c.amount_usd for c in approved
                if c.id != excluding and c.approved_at <= at
                and (since is None or c.approved_at > since)), Decimal(0))


@dataclass(frozen=True, slots=True)
class Breach:
    """The worst overrun among a case's SLA targets at a moment."""

    target: str
    target_minutes: float
    breached_minutes: float


def worst_breach(clocks: Sequence[SlaClock]) -> Breach | None:
    """The SLA target overrun the most (elapsed minus target), or None if none is."""
    breached = [c for c in clocks if c.breached]
    if not breached:
        return None
    worst = max(breached, key=lambda c: c.elapsed_minutes - c.target_minutes)
    return Breach(worst.target, worst.target_minutes,
                  round(worst.elapsed_minutes - worst.target_minutes, 2))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def credit_from_breach(
    account: AccountSnapshot,
    clocks: Sequence[SlaClock],
    policy: CreditPolicy,
    *,
    measured_at: datetime,
    already_credited: Decimal = Decimal(0),
) -> tuple[Decimal, dict[str, Any]]:
    """The credit the schedule grants for the case's worst breach, and how it was worked
    out. `already_credited` (the case's other credits, not rejected) counts toward the cap."""
    fee, schedule = _terms(account, policy)
    breach, tier = _breach_tier(clocks, schedule, measured_at)
    amount, capped = _within_cap(cents(fee * tier.percent / HUNDRED), fee, schedule,
                                 already_credited)
    return amount, {
        "plan": account.support_plan.value, "measured_at": measured_at.isoformat(),
        "target": breach.target, "target_minutes": breach.target_minutes,
        "breached_minutes": breach.breached_minutes,
        "tier_breached_minutes": tier.breached_minutes, "percent": str(tier.percent),
        "monthly_fee_usd": str(fee), "cap_percent": _text(schedule.cap_percent),
        "already_credited_usd": str(cents(already_credited)), "capped": capped,
        "amount_usd": str(amount),
    }


def _terms(account: AccountSnapshot, policy: CreditPolicy) -> tuple[Decimal, CreditSchedule]:
    """The account's monthly fee and its plan's schedule, or why there is none."""
    fee = account.monthly_fee_usd
    if fee is None or fee <= 0:
        raise InvalidInput.of("from_breach", "account {id} has no monthly fee to compute a credit "
                              "from: set it with `escalada account update {id} "
                              "--monthly-fee-usd USD` (PATCH /api/v1/accounts/{id} "
                              "{{\"monthly_fee_usd\": ...}}), or enter an amount",
                              id=account.id)
    schedule = policy.schedules.get(account.support_plan)
    if schedule is None:
        raise InvalidInput.of("from_breach", "the policy has no credit schedule for the {value} "
                              "plan: enter an amount",
                              value=account.support_plan.value)
    return fee, schedule


def _breach_tier(
    clocks: Sequence[SlaClock], schedule: CreditSchedule, measured_at: datetime
) -> tuple[Breach, CreditTier]:
    breach = worst_breach(clocks)
    if breach is None:
        raise InvalidTransition.of("no SLA target is breached at {measured_at}: nothing to compute "
                                   "a credit from; enter an amount instead",
                                   measured_at=measured_at.isoformat())
    tier = schedule.tier_for(breach.breached_minutes)
    if tier is None:
        raise InvalidTransition.of(
            "{target} is overrun by {overrun:g} min, less than the {least} min the schedule "
            "starts at; enter an amount", target=breach.target, overrun=breach.breached_minutes,
            least=schedule.tiers[0].breached_minutes)
    return breach, tier


def _within_cap(
    amount: Decimal, fee: Decimal, schedule: CreditSchedule, already_credited: Decimal
) -> tuple[Decimal, bool]:
    """The amount, lowered to what the cap leaves for the case (and whether it was)."""
    if schedule.cap_percent is None:
        return amount, False
    room = cents(fee * schedule.cap_percent / HUNDRED) - already_credited
    if room <= 0:
        raise InvalidTransition.of("the case's credits already total {already_credited}, the cap "
                                   "of {cap_percent}% of the {fee} monthly fee",
                                   already_credited=Usd(already_credited),
                                   cap_percent=schedule.cap_percent, fee=Usd(fee))
    return (room, True) if amount > room else (amount, False)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def explain(computation: dict[str, Any]) -> str:
    """A person's reading of a computation: 'resolution overrun by 75 min: 25% of $5,000.00'."""
    return str(explained(computation))


def explained(computation: dict[str, Any]) -> Words:
    """`explain` as words, to be read in the reader's language."""
    fee = Usd(Decimal(computation["monthly_fee_usd"]))
    minutes = f"{computation['breached_minutes']:g}"
    if computation.get("capped"):
        return Words("{target} overrun by {minutes} min: {percent}% of the {fee} monthly fee, "
                     "capped at {cap}% for the case", target=computation["target"],
                     minutes=minutes, percent=computation["percent"], fee=fee,
                     cap=computation["cap_percent"])
    return Words("{target} overrun by {minutes} min: {percent}% of the {fee} monthly fee",
                 target=computation["target"], minutes=minutes,
                 percent=computation["percent"], fee=fee)
