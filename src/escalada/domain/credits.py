"""Service credits: what a breach is worth under the operator's credit schedule (pure)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CreditPolicy(BaseModel):
    """The credit schedule of the policy (filled in by the service-credits work)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
