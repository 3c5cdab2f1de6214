"""The war-room playbook of the policy (data): when a room opens, its seats, its
checklists, who answers a customer's executive, and its clocks."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import Field, field_validator, model_validator

from escalada.domain.model import ContactLevel, ExecLevel, Role
from escalada.domain.policy.types import Key, Section


class AttendeeRole(Section):
    """A seat at the war room's table; one of them leads it."""

    key: Key
    label: str = Field(min_length=1)
    lead: bool = False


class ChecklistItem(Section):
    """Something to do within minutes of the room opening; with `when_flags`, only
    when the case carries one of those flags (legal, PR)."""

    key: Key
    text: str = Field(min_length=1)
    within_minutes: int = Field(ge=0)
    when_flags: tuple[Key, ...] = ()

    def applies(self, flags: Collection[str]) -> bool:
        return not self.when_flags or any(flag in flags for flag in self.when_flags)


class ExecutiveRank(Section):
    """An executive known by the words of a title (ours or the customer's), and which of
    our executives answer a customer's executive of this rank, best first."""

    key: Key
    label: str = Field(min_length=1)
    titles: tuple[str, ...] = Field(min_length=1)
    answered_by: tuple[Key, ...] = ()

    @property
    def answering(self) -> tuple[str, ...]:
        return self.answered_by or (self.key,)


class WarRoomPolicy(Section):
    """The war-room playbook: when a room opens, its seats, checklists and clocks."""

    packaged_defaults = "*"

    open_at_levels: tuple[ExecLevel, ...]
    # An executive step at any level opens a room when one of these criteria holds.
    open_on_criteria: tuple[Key, ...]
    channel: str = Field(max_length=40)
    attendees: tuple[AttendeeRole, ...] = Field(min_length=1)
    immediate_actions: tuple[ChecklistItem, ...]
    initial_assessment: tuple[ChecklistItem, ...]
    executive_ack_within_minutes: int = Field(ge=0)
    # Who answers the customer's executive: matched by title, rank for rank ...
    executives: tuple[ExecutiveRank, ...]
    # ... else the least senior person whose role answers for the room's level, at least
    # this role for a customer contact of this level ("match or exceed").
    fallback_role_for_contact: dict[ContactLevel, Role]
    # A contact with no executive title we know is matched as this rank by their level
    # (a customer VP is answered by our VP, not by whichever vp-role person sorts first).
    rank_for_contact: dict[ContactLevel, Key]
    # Who may acknowledge in the matched executive's stead.
    ack_stand_in_role: Role
    # Customer updates from the war room (the playbook: every 2 to 4 hours). A room
    # below the lowest level listed (a C-level contact at L2) runs as that level.
    update_every_minutes: dict[ExecLevel, int] = Field(min_length=1)

    @field_validator("channel")
    @classmethod
    def _channel_pattern(cls, channel: str) -> str:
        try:
            formatted = channel.format(slug="x")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError("may use only {slug}, e.g. #exec-escalation-{slug}") from error
        if "{slug}" not in channel or not formatted.strip():
            raise ValueError("must contain {slug}, e.g. #exec-escalation-{slug}")
        return channel

    @field_validator("update_every_minutes")
    @classmethod
    def _positive(cls, cadence: dict[ExecLevel, int]) -> dict[ExecLevel, int]:
        if any(minutes < 1 for minutes in cadence.values()):
            raise ValueError("each cadence is at least 1 minute")
        return cadence

    @model_validator(mode="after")
    def _consistent(self) -> WarRoomPolicy:
        _distinct("attendees", [seat.key for seat in self.attendees])
        if sum(seat.lead for seat in self.attendees) > 1:
            raise ValueError("attendees: at most one seat leads the room")
        _distinct("checklist items", [item.key for item in self.checklist])
        ranks = [rank.key for rank in self.executives]
        _distinct("executives", ranks)
        unknown = sorted({k for r in self.executives for k in r.answering} - set(ranks))
        if unknown:
            raise ValueError(f"executives: answered_by names unknown ranks {', '.join(unknown)}")
        unmatched = sorted(set(self.rank_for_contact.values()) - set(ranks))
        if unmatched:
            raise ValueError(f"rank_for_contact: names unknown ranks {', '.join(unmatched)}")
        return self

    @property
    def checklist(self) -> tuple[ChecklistItem, ...]:
        return self.immediate_actions + self.initial_assessment


def _distinct(what: str, keys: list[str]) -> None:
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"{what}: {', '.join(twice)} listed twice")

