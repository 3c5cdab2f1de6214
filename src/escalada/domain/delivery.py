"""When an outbound message is tried again, and when it is given up on: pure rules.

Each failed attempt waits exponentially longer (doubling from the first wait, up to
the longest), with jitter so that many messages failing together do not all come
back at the same moment; after the last attempt, or at once when the far side
refuses for good, the message is dead-lettered for a person to look at and retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalada.domain.policy import DeliveryPolicy

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
STATES = (PENDING, DELIVERED, DEAD)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a failed attempt leads to: another try at `retry_at`, or the dead letters."""

    state: str
    retry_at: datetime | None


def retry_wait(attempt: int, policy: DeliveryPolicy, rand: float) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1 for the first).

    `rand` is a number in [0, 1) from the caller's random source.
    """
    full = min(policy.first_retry_after_seconds * 2 ** (attempt - 1),
               policy.longest_wait_seconds)
    return timedelta(seconds=full * (1 - policy.jitter * rand))


def after_failure(
    attempts: int, *, permanent: bool, now: datetime, policy: DeliveryPolicy,
    rand: float, max_attempts: int | None = None,
) -> Outcome:
    """The message failed its `attempts`-th attempt: try again later, or give up."""
    limit = max_attempts if max_attempts is not None else policy.max_attempts
    if permanent or attempts >= limit:
        return Outcome(DEAD, None)
    return Outcome(PENDING, now + retry_wait(attempts, policy, rand))
