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

from slugify import slugify as python_slugify

from escalada.domain.criteria import Facts, compile_criteria
from escalada.domain.executive_match import ExecutiveChoice, Person, match_executive
from escalada.domain.model import ExecLevel, level_rank
from escalada.domain.policy import Policy, WarRoomPolicy
from escalada.domain.policy.war_room import AttendeeRole
from escalada.domain.sla import sla_clocks
from escalada.domain.snapshot import CaseSnapshot

IMMEDIATE, ASSESSMENT = "immediate", "assessment"
MANUAL = "manual"  # the trigger of a room opened by hand


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
    predicate = policy.derived(compile_criteria).get(criterion)
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
