"""The support organisation's vocabulary: severities, tiers, levels, plans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Severity(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Tier(StrEnum):
    """The technical track, in order."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    VENDOR = "VENDOR"


class ExecLevel(StrEnum):
    """The executive track, in order: team lead, manager, director, VP."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"


class Track(StrEnum):
    TECHNICAL = "technical"
    EXECUTIVE = "executive"


class AccountTier(StrEnum):
    STANDARD = "standard"
    ENTERPRISE = "enterprise"
    STRATEGIC = "strategic"


class SupportPlan(StrEnum):
    DEVELOPER = "developer"
    BUSINESS = "business"
    ENTERPRISE = "enterprise"


class ContactLevel(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    VP = "vp"
    C_LEVEL = "c_level"


class CaseStatus(StrEnum):
    NEW = "new"
    INVESTIGATING = "investigating"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    MITIGATING = "mitigating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        # A StrEnum member is its value: comparing it costs no `.value` lookup, which
        # goes through the enum's descriptor (the engine asks twice per evaluation).
        return self not in ENDED_STATUSES


# The statuses of a case no longer open, as stored (for queries over rows).
ENDED_STATUSES: tuple[str, ...] = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)


class Language(StrEnum):
    EN = "en"
    RU = "ru"


TIERS: tuple[Tier, ...] = tuple(Tier)
EXEC_LEVELS: tuple[ExecLevel, ...] = tuple(ExecLevel)


_TIER_NAMES = frozenset(t.value for t in Tier)
_LEVEL_NAMES = frozenset(level.value for level in ExecLevel)


def tier_rank(tier: Tier) -> int:
    return TIERS.index(tier)


def level_rank(level: ExecLevel | None) -> int:
    """0 when no executive is engaged, 1 for L1 ... 4 for L4."""
    return 0 if level is None else EXEC_LEVELS.index(level) + 1


def track_of(target: str) -> Track:
    """The track a step target (T2, VENDOR, L3 ...) belongs to."""
    if target in _TIER_NAMES:
        return Track.TECHNICAL
    if target in _LEVEL_NAMES:
        return Track.EXECUTIVE
    raise ValueError(f"{target!r} is neither a tier (T1-T3, VENDOR) nor a level (L1-L4)")


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span of time [start, end); end None means still running."""

    start: datetime
    end: datetime | None = None


class Role(StrEnum):
    """What a person may do. The executive roles rank in order; `admin` manages people,
    tokens and configuration and otherwise acts as an engineer."""

    VIEWER = "viewer"
    ENGINEER = "engineer"
    TEAM_LEAD = "team_lead"
    SUPPORT_MANAGER = "support_manager"
    SUPPORT_DIRECTOR = "support_director"
    VP = "vp"
    ADMIN = "admin"


ROLE_RANK = {
    Role.VIEWER: 0, Role.ENGINEER: 1, Role.ADMIN: 1, Role.TEAM_LEAD: 2,
    Role.SUPPORT_MANAGER: 3, Role.SUPPORT_DIRECTOR: 4, Role.VP: 5,
}


def role_rank(role: str | None) -> int:
    """How senior a role is on the support ladder; -1 for no or an unknown role."""
    try:
        return ROLE_RANK[Role(role)] if role is not None else -1
    except ValueError:
        return -1


# Case labels and times from outside

CASE_PREFIX = "CASE-"
_CASE_LABEL = re.compile(r"^(?:CASE-)?(\d{1,30})$", re.IGNORECASE)


def case_label(number: int) -> str:
    """How people name a case: 1042 -> 'CASE-1042'."""
    return f"{CASE_PREFIX}{number}"


def parse_case_label(text: str) -> int | None:
    """'CASE-1042' (any case, or just '1042', spaces around allowed) -> 1042; None when
    the text names no case."""
    match = _CASE_LABEL.match(text.strip())
    return None if match is None else int(match.group(1))


def as_utc(moment: datetime) -> datetime:
    """A time read from a store or a vendor in UTC; one without an offset is UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
