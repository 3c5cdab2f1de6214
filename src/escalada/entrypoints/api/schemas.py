"""Request bodies of the API that are not service-layer models already."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from escalada.services.cases import CaseChanges


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountIn(Body):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    tier: str
    support_plan: str
    timezone: str = "UTC"
    country: str | None = None
    language: str = "en"
    health_score: float | None = None
    monthly_fee_usd: Decimal | None = Field(default=None, description="USD a month")
    calendar: str | None = Field(default=None, description="a stored calendar's name")


class Versioned(Body):
    reason: str | None = None
    expected_version: int | None = Field(
        default=None, description="refuse with 409 if the case changed since this version")


class EscalateIn(Versioned):
    to: str = Field(description="T2, T3, VENDOR or L1-L4")
    handoff: dict[str, Any] | None = Field(
        default=None, description="item id -> text (or a list of texts)")
    override_reason: str | None = None


class AckIn(Body):
    step: int = Field(ge=1)
    by: str | None = None
    note: str | None = None
    expected_version: int | None = None


class DeescalateIn(Body):
    track: str = Field(description="technical or executive")
    to: str | None = Field(default=None, description="lower tier/level, or none")
    reason: str = Field(min_length=1)
    expected_version: int | None = None


class FlagsIn(Versioned):
    flags: list[str] = Field(min_length=1)


class RespondIn(Body):
    note: str | None = None
    expected_version: int | None = None


class CaseUpdateIn(CaseChanges):
    """The fields to change, with why and the version they were read at."""

    reason: str | None = None
    expected_version: int | None = None


class AccountCalendarIn(Body):
    calendar: str | None = Field(
        description="a stored calendar's name; null for the policy's hours in the account's zone")


class CalendarIn(Body):
    """A business calendar: the whole week, or the same hours on a range of days."""

    timezone: str
    country: str | None = None
    subdivision: str | None = None
    week: dict[str, list[str]] | None = Field(
        default=None, description='e.g. {"mon": ["09:00-13:00", "14:00-18:00"], ...}')
    hours: list[str] | None = Field(default=None, description="with days: e.g. [09:00-18:00]")
    days: str | None = Field(default=None, description="with hours: e.g. mon-fri")
    overrides: dict[str, list[str]] = Field(
        default={}, description="date -> hours; [] is an extra day off")


class SlaCalendarIn(Body):
    calendar: str = Field(default="24x7",
                          description="24x7, business (with `business`) or a stored calendar")
    business: CalendarIn | None = None
    pauses: list[tuple[AwareDatetime, AwareDatetime]] = []


class DeadlineIn(SlaCalendarIn):
    start: AwareDatetime
    minutes: float


class ElapsedIn(SlaCalendarIn):
    start: AwareDatetime
    end: AwareDatetime


class RecomputeIn(Body):
    account: str | None = None


class ReminderIn(Body):
    at: AwareDatetime
    note: str = Field(min_length=1)
    expected_version: int | None = None


class UserIn(Body):
    name: str
    role: str = Field(description="viewer, engineer, team_lead, support_manager, "
                                  "support_director, vp or admin")
    title: str | None = Field(default=None, description="executive title, e.g. CEO, CTO")
    display_name: str | None = None
    email: str | None = None


class TokenIn(Body):
    user: str | None = Field(default=None, description="whose token (default: the caller's)")
    expires_in_days: int | None = Field(default=90, description="null: never expires")
    label: str | None = None
