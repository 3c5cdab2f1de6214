"""The executive playbook: who attends a war room, its checklists and its clocks (pure)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WarRoomPolicy(BaseModel):
    """The war-room playbook of the policy (filled in by the war-room work)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
