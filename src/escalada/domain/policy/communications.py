"""The communications section of the policy (data): the customer's acknowledgment
clock and how hard the outbox tries to deliver."""

from __future__ import annotations

from pydantic import Field

from escalada.domain.policy.types import Section, Span


class DeliveryPolicy(Section):
    """How hard the outbox tries (policy: `communications.delivery`)."""

    packaged_defaults = "*"

    max_attempts: int = Field(ge=1, le=50)
    first_retry_after_seconds: float = Field(gt=0)
    longest_wait_seconds: float = Field(gt=0)
    # The share of each wait that is random: 0.5 waits between half and all of it.
    jitter: float = Field(ge=0, le=1)


class CommunicationsPolicy(Section):
    """When the customer must hear from us, and how hard delivery tries."""

    packaged_defaults = "*"

    # The customer's acknowledgment is due this long after a step up (wall-clock).
    acknowledgment_within: Span
    delivery: DeliveryPolicy

