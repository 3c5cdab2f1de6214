"""Request bodies of the API that are not service-layer models already."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from escalada.domain.validation import Label, Note, RowNumber, Version
from escalada.services.cases import CaseChanges


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _computed(value: object) -> None:
    if value is not None:
        from escalada.services.accounts import HEALTH_IS_COMPUTED

        raise ValueError(HEALTH_IS_COMPUTED)


class _NoTypedHealth(Body):
    """The health score is computed: a body that types one is refused, saying how."""

    health_score: Annotated[None, BeforeValidator(_computed)] = Field(
        default=None, exclude=True, description="refused: the score is computed "
        "(POST /api/v1/accounts/{id}/health/inputs, then /health/keep)")


class AccountIn(_NoTypedHealth):
    id: str = Field(min_length=1, max_length=64)
    name: Label = Field(min_length=1)
    tier: str
    support_plan: str
    timezone: str = "UTC"
    country: str | None = None
    language: str = "en"
    monthly_fee_usd: Decimal | None = Field(default=None, description="USD a month")
    calendar: str | None = Field(default=None, description="a stored calendar's name")


class AccountUpdateIn(_NoTypedHealth):
    """The fields to change (null clears an optional one), and why."""

    name: Label | None = None
    tier: str | None = Field(default=None, description="standard, enterprise or strategic")
    support_plan: str | None = Field(default=None, description="developer, business or enterprise")
    timezone: str | None = None
    country: str | None = None
    language: str | None = None
    monthly_fee_usd: Decimal | None = Field(default=None, description="USD a month")
    reason: Note | None = Field(default=None, description="why (goes on the account's log)")


class ContactRemoveIn(Body):
    reason: Note | None = None


class Versioned(Body):
    reason: Note | None = None
    expected_version: Version | None = Field(
        default=None, description="refuse with 409 if the case changed since this version")


class EscalateIn(Versioned):
    to: str = Field(description="T2, T3, VENDOR or L1-L4")
    handoff: dict[str, Any] | None = Field(
        default=None, description="item id -> text (or a list of texts)")
    override_reason: Note | None = None


class AckIn(Body):
    step: RowNumber
    on_behalf_of: Label | None = Field(
        default=None, description="an enabled user you acknowledge for; you are the "
                                  "acknowledger, with your own authority")
    note: Note | None = None
    expected_version: Version | None = None


class DeescalateIn(Body):
    track: str = Field(description="technical or executive")
    to: str | None = Field(default=None, description="lower tier/level, or none")
    reason: Note = Field(min_length=1)
    expected_version: Version | None = None


class FlagsIn(Versioned):
    flags: list[Label] = Field(min_length=1)


class RespondIn(Body):
    note: Note | None = None
    expected_version: Version | None = None


class CaseUpdateIn(CaseChanges):
    """The fields to change, with why and the version they were read at."""

    reason: Note | None = None
    expected_version: Version | None = None


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
    note: Note = Field(min_length=1)
    expected_version: Version | None = None


class UserIn(Body):
    name: Label
    role: str = Field(description="viewer, engineer, team_lead, support_manager, "
                                  "support_director, vp or admin")
    title: Label | None = Field(default=None, description="executive title, e.g. CEO, CTO")
    display_name: Label | None = None
    email: Label | None = None
    language: Label | None = Field(default=None, description="en or ru: what escalada "
                                   "writes to them in (null: the account's language)")


class UserProfileIn(Body):
    """Set or change (null clears) how a person signs letters and is matched."""

    display_name: Label | None = None
    title: Label | None = Field(default=None, description="executive title, e.g. CEO (admin)")
    email: Label | None = None
    language: Label | None = Field(default=None, description="en or ru: what escalada "
                                   "writes to them in (null: the account's language)")
    slack_user_id: Label | None = Field(default=None, description="their Slack user id, "
                                        "e.g. U0123ABC (admin): Slack commands act as them")


class PasswordIn(Body):
    """A web console password (at least 10 characters): yours, or anyone's (admin)."""

    password: str = Field(max_length=1024, json_schema_extra={"format": "password"})


class TokenIn(Body):
    user: Label | None = Field(default=None, description="only the caller: tokens are "
                                                       "created by their owner")
    expires_in_days: int | None = Field(
        default=None, description="days it lasts (null: the default, 90 unless configured; "
                                  "at most 365 unless configured)")
    label: Label | None = None


class RoleIn(Body):
    role: str = Field(description="viewer, engineer, team_lead, support_manager, "
                                  "support_director, vp or admin")
