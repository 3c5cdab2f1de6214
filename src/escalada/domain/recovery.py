"""The relationship recovery plan opened when an L2+ escalation resolves (pure)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RecoveryPolicy(BaseModel):
    """The recovery-plan template of the policy (filled in by the recovery work)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
