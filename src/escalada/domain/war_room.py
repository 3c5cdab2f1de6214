"""The executive playbook: who attends a war room, its checklists and its clocks (pure).

A war room opens when a case goes to L3 or L4, or when a C-level contact escalates
(the founding document's "Executive Escalation Playbook"). Everything in it is the
policy's data; `plan_war_room` turns a case, the people and the policy into a room.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from slugify import slugify as python_slugify

from escalada.domain.executive_match import ExecutiveChoice, Person, match_executive
from escalada.domain.model import ContactLevel, ExecLevel, Role, level_rank

if TYPE_CHECKING:
    from escalada.domain.policy import Policy
    from escalada.domain.snapshot import CaseSnapshot

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
IMMEDIATE, ASSESSMENT = "immediate", "assessment"
MANUAL = "manual"  # the trigger of a room opened by hand


class _Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttendeeRole(_Playbook):
    """A seat at the war room's table; one of them leads it."""

    key: Key
    label: str = Field(min_length=1)
    lead: bool = False


class ChecklistItem(_Playbook):
    """Something to do within minutes of the room opening; with `when_flags`, only
    when the case carries one of those flags (legal, PR)."""

    key: Key
    text: str = Field(min_length=1)
    within_minutes: int = Field(ge=0)
    when_flags: tuple[Key, ...] = ()

    def applies(self, flags: Collection[str]) -> bool:
        return not self.when_flags or any(flag in flags for flag in self.when_flags)


class ExecutiveRank(_Playbook):
    """An executive known by the words of a title (ours or the customer's), and which of
    our executives answer a customer's executive of this rank, best first."""

    key: Key
    label: str = Field(min_length=1)
    titles: tuple[str, ...] = Field(min_length=1)
    answered_by: tuple[Key, ...] = ()

    @property
    def answering(self) -> tuple[str, ...]:
        return self.answered_by or (self.key,)


def _attendees() -> tuple[AttendeeRole, ...]:
    return (
        AttendeeRole(key="escalation_coordinator", label="Escalation Coordinator", lead=True),
        AttendeeRole(key="senior_technical_engineer", label="Senior Technical Engineer"),
        AttendeeRole(key="account_executive", label="Account Executive / TAM"),
        AttendeeRole(key="support_director", label="Support Director"),
        AttendeeRole(key="customer_success_manager", label="Customer Success Manager"),
    )


def _immediate_actions() -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(key=key, text=text, within_minutes=30, when_flags=flags)
                 for key, text, flags in (
        ("notify_support_director", "Notify the Support Director", ()),
        ("notify_vp_customer_success", "Notify the VP of Customer Success", ()),
        ("notify_account_team", "Notify the Account Executive / CSM", ()),
        ("notify_legal", "Notify Legal (legal action threatened or legal implications)",
         ("legal_action_threatened", "legal_or_pr_implications")),
        ("notify_pr", "Notify PR (public threat)", ("public_relations_crisis",)),
        ("assemble_war_room", "Assemble the war room: the channel, an always-open "
         "conference bridge, shared live documentation", ()),
    ))


def _initial_assessment() -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(key=key, text=text, within_minutes=15) for key, text in (
        ("review_history", "Review the complete history (tickets, calls, emails)"),
        ("identify_root_issue", "Identify the root issue (technical, service or relationship)"),
        ("assess_sentiment", "Assess customer sentiment and churn risk"),
        ("desired_outcome", "Determine the customer's desired outcome"),
        ("legal_implications", "Identify any legal or contractual implications"),
    ))


def _executives() -> tuple[ExecutiveRank, ...]:
    return (
        ExecutiveRank(key="ceo", label="CEO / President", titles=(
            "CEO", "Chief Executive Officer", "Chief Executive", "President", "Founder",
            "Owner", "Managing Director", "General Director", "Генеральный директор",
            "Президент", "Основатель", "Владелец")),
        ExecutiveRank(key="cto", label="CTO", titles=(
            "CTO", "Chief Technology Officer", "Chief Technical Officer", "CIO",
            "Chief Information Officer", "Технический директор")),
        ExecutiveRank(key="vp", label="VP", titles=(
            "VP", "SVP", "EVP", "Vice President", "Senior Vice President",
            "Executive Vice President", "Вице-президент")),
    )


class WarRoomPolicy(_Playbook):
    """The war-room playbook: when a room opens, its seats, checklists and clocks."""

    open_at_levels: tuple[ExecLevel, ...] = (ExecLevel.L3, ExecLevel.L4)
    # An executive step at any level opens a room when one of these criteria holds.
    open_on_criteria: tuple[Key, ...] = ("c_level_escalation",)
    channel: str = Field(default="#exec-escalation-{slug}", max_length=40)
    attendees: tuple[AttendeeRole, ...] = Field(default_factory=_attendees, min_length=1)
    immediate_actions: tuple[ChecklistItem, ...] = Field(default_factory=_immediate_actions)
    initial_assessment: tuple[ChecklistItem, ...] = Field(default_factory=_initial_assessment)
    executive_ack_within_minutes: int = Field(default=30, ge=0)
    # Who answers the customer's executive: matched by title, rank for rank ...
    executives: tuple[ExecutiveRank, ...] = Field(default_factory=_executives)
    # ... else the least senior person whose role answers for the room's level, at least
    # this role for a customer contact of this level ("match or exceed").
    fallback_role_for_contact: dict[ContactLevel, Role] = Field(
        default_factory=lambda: {ContactLevel.VP: Role.VP, ContactLevel.C_LEVEL: Role.VP})
    # A contact with no executive title we know is matched as this rank by their level
    # (a customer VP is answered by our VP, not by whichever vp-role person sorts first).
    rank_for_contact: dict[ContactLevel, Key] = Field(
        default_factory=lambda: {ContactLevel.VP: "vp"})
    # Who may acknowledge in the matched executive's stead.
    ack_stand_in_role: Role = Role.VP
    # Customer updates from the war room (the playbook: every 2 to 4 hours). A room
    # below the lowest level listed (a C-level contact at L2) runs as that level.
    update_every_minutes: dict[ExecLevel, int] = Field(
        default_factory=lambda: {ExecLevel.L3: 240, ExecLevel.L4: 120}, min_length=1)

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


# Planning a room


@dataclass(frozen=True, slots=True)
class PlannedItem:
    checklist: str  # immediate | assessment
    key: str
    text: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class WarRoomPlan:
    trigger: str
    level: ExecLevel  # the level the room runs at
    channel: str
    attendees: tuple[AttendeeRole, ...]
    items: tuple[PlannedItem, ...]
    executive: ExecutiveChoice
    executive_ack_due_at: datetime
    update_every_minutes: int


def war_room_trigger(
    case: CaseSnapshot, step_criteria: Iterable[str], policy: Policy, now: datetime
) -> str | None:
    """Why an executive step to the case's level opens a war room (None: it does not):
    the level (L3, L4), or a criterion of `open_on_criteria` (c_level_escalation) that
    fired for the step or holds for the case."""
    rules = policy.war_room
    if case.exec_level is not None and case.exec_level in rules.open_at_levels:
        return case.exec_level.value
    fired = set(step_criteria)
    return next((c for c in rules.open_on_criteria
                 if c in fired or _holds(c, case, policy, now)), None)


def _holds(criterion: str, case: CaseSnapshot, policy: Policy, now: datetime) -> bool:
    from escalada.domain.criteria import Facts, compile_criteria
    from escalada.domain.sla import sla_clocks

    predicate = compile_criteria(policy).get(criterion)
    if predicate is None:
        return criterion in case.flags  # a plain flag
    return predicate(Facts(case, sla_clocks(case, policy, now)))


def plan_war_room(
    case: CaseSnapshot, *, contact_title: str | None, trigger: str,
    people: Sequence[Person], policy: Policy, now: datetime,
) -> WarRoomPlan:
    """The room a case needs at `now`: seats, checklists due, the executive who answers
    the customer's contact, when they must acknowledge, and the update cadence."""
    rules = policy.war_room
    level = room_level(case.exec_level, rules)
    return WarRoomPlan(
        trigger=trigger, level=level,
        channel=channel_name(case.account.name, case.account.id, rules),
        attendees=rules.attendees,
        items=required_items(case.flags, rules, now),
        executive=match_executive(contact_title, case.escalating_contact_level, level,
                                  people, policy),
        executive_ack_due_at=now + timedelta(minutes=rules.executive_ack_within_minutes),
        update_every_minutes=update_cadence(level, rules),
    )


def required_items(
    flags: Collection[str], rules: WarRoomPolicy, now: datetime
) -> tuple[PlannedItem, ...]:
    """The checklist items the case's flags call for, due from `now`."""
    return tuple(
        PlannedItem(checklist, item.key, item.text, now + timedelta(minutes=item.within_minutes))
        for checklist, items in ((IMMEDIATE, rules.immediate_actions),
                                 (ASSESSMENT, rules.initial_assessment))
        for item in items if item.applies(flags))


def room_level(level: ExecLevel | None, rules: WarRoomPolicy) -> ExecLevel:
    """The case's level, raised to the lowest level the cadence table knows."""
    lowest = min(rules.update_every_minutes, key=level_rank)
    return lowest if level is None or level_rank(level) < level_rank(lowest) else level


def update_cadence(level: ExecLevel, rules: WarRoomPolicy) -> int:
    """Minutes between customer updates at `level`: the nearest level at or below it."""
    known = sorted(rules.update_every_minutes, key=level_rank)
    at_or_below = [entry for entry in known if level_rank(entry) <= level_rank(level)]
    return rules.update_every_minutes[(at_or_below or known)[-1]]


# The channel


SLUG_LENGTH = 60
# Cyrillic as Russian names are usually written in Latin letters (й y, я ya, ю yu, х kh, ц
# ts; unidecode, python-slugify's own, gives i, ia, iu), plus Ukrainian і ї є ґ and ў.
_CYRILLIC = list(map(list, zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
     "i", "yi", "ye", "g", "u"), strict=True)))


def channel_name(account_name: str, account_id: str, rules: WarRoomPolicy) -> str:
    """`#exec-escalation-<slug>`: the slug of the account's name, else of its id."""
    return rules.channel.format(slug=slugify(account_name) or slugify(account_id) or "account")


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-', at most 60 characters (python-slugify):
    Cyrillic transliterated, other Latin letters without their accents; letters of any
    other script (株式会社, Αθήνα) are dropped, so such a name falls back to the id."""
    kept = "".join(char for char in text.casefold() if _latin_or_cyrillic(char))
    return python_slugify(kept, max_length=SLUG_LENGTH, replacements=_CYRILLIC,
                          entities=False, decimal=False, hexadecimal=False)


def _latin_or_cyrillic(char: str) -> bool:
    """Not a letter or digit, or one with an ASCII form, or a Latin or Cyrillic one."""
    if not char.isalnum() or unicodedata.normalize("NFKD", char).isascii():
        return True
    name = unicodedata.name(char, "")
    return "LATIN" in name or "CYRILLIC" in name


# A room already open, planned again (a step to L4, a new flag)


@dataclass(frozen=True, slots=True)
class RoomState:
    item_keys: frozenset[str]
    update_every_minutes: int
    executive: str | None
    acknowledged: bool


@dataclass(frozen=True, slots=True)
class Revision:
    """What a new plan adds to an open room: items, a tighter cadence, an executive."""

    items: tuple[PlannedItem, ...] = ()
    update_every_minutes: int | None = None
    executive: ExecutiveChoice | None = None

    def __bool__(self) -> bool:
        return bool(self.items) or self.update_every_minutes is not None or (
            self.executive is not None)


def revise(room: RoomState, plan: WarRoomPlan) -> Revision:
    """Items newly required are added, the cadence only ever tightens, and until the
    executive has acknowledged, a different executive for the new level takes over."""
    cadence = plan.update_every_minutes
    chosen = plan.executive
    return Revision(
        items=tuple(item for item in plan.items if item.key not in room.item_keys),
        update_every_minutes=cadence if cadence < room.update_every_minutes else None,
        executive=chosen if not room.acknowledged and chosen.name is not None
        and chosen.name != room.executive else None,
    )


# Clocks


@dataclass(frozen=True, slots=True)
class OpenChecklistItem:
    """A checklist item nobody has ticked yet (for the timers)."""

    id: int
    room: int
    key: str
    text: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class PendingExecutiveAck:
    """A war room's executive acknowledgment, not given yet (for the timers)."""

    room: int
    executive: str | None
    due_at: datetime


def overdue(due_at: datetime, done_at: datetime | None, now: datetime) -> bool:
    return done_at is None and now > due_at
