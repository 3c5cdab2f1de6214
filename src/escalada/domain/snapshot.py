"""The case snapshot: the document the engine, the API and the CLI speak."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from escalada.domain.business_calendar import CalendarSpec, Country, TimeZoneName
from escalada.domain.model import (
    AccountTier,
    CaseStatus,
    ContactLevel,
    ExecLevel,
    Language,
    Severity,
    SupportPlan,
    Tier,
)
from escalada.domain.validation import YEARS, Label, in_years


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a UTC offset, e.g. 2026-11-26T10:00:00+00:00")
    try:
        return value.astimezone(UTC)  # UTC inside; offsets and zones are for people
    except OverflowError:
        raise ValueError(YEARS) from None


def _in_years(value: datetime | None) -> datetime | None:
    if value is not None and not in_years(value):
        raise ValueError(YEARS)
    return value


def _iso(value: datetime) -> str:
    return value.isoformat()  # "+00:00", as DESIGN.md writes times, rather than "Z"


AwareDatetime = Annotated[
    datetime, AfterValidator(_aware), PlainSerializer(_iso, when_used="json")
]


# One line of text from outside (domain/validation.py bounds every kind of text).
Text = Label
ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


def _account_id(value: str) -> str:
    if re.match(ACCOUNT_ID_PATTERN, value) is None:
        raise ValueError(
            "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


AccountId = Annotated[str, AfterValidator(_account_id)]
def money_json(value: Decimal) -> int | float:
    # JSON readers expect a number; two decimal places survive a float exactly as text.
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=15, decimal_places=2),
    PlainSerializer(money_json, when_used="json"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountSnapshot(_Strict):
    id: AccountId
    name: Text = Field(min_length=1)
    tier: AccountTier
    support_plan: SupportPlan
    timezone: TimeZoneName = "UTC"
    country: Country | None = None
    language: Language = Language.EN
    health_score: float | None = Field(default=None, ge=0, le=100)
    # What the customer pays a month: the base of service credits computed from a breach.
    monthly_fee_usd: Money | None = None
    # The account's named business calendar; without one, the policy's business
    # hours in the account's time zone with its country's holidays.
    calendar: CalendarSpec | None = None


class PauseSnapshot(_Strict):
    """The case waited on the customer from `from` to `to` (open when `to` is null)."""

    model_config = ConfigDict(populate_by_name=True)

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime | None = Field(default=None, alias="to")

    _years = field_validator("start", "end")(_in_years)

    @model_validator(mode="after")
    def _ordered(self) -> PauseSnapshot:
        if self.end is not None and self.end < self.start:
            raise ValueError("`to` is before `from`")
        return self


class CaseSnapshot(_Strict):
    """Everything the engine needs to know about one case."""

    id: str = Field(min_length=1)
    account: AccountSnapshot
    severity: Severity
    status: CaseStatus = CaseStatus.INVESTIGATING
    tier: Tier = Tier.T1
    exec_level: ExecLevel | None = None
    opened_at: AwareDatetime
    first_response_at: AwareDatetime | None = None
    last_customer_update_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    paused: tuple[PauseSnapshot, ...] = ()
    services: tuple[Text, ...] = ()
    flags: frozenset[str] = frozenset()
    csat: float | None = Field(default=None, ge=1, le=5)
    revenue_impact_usd: Money = Decimal(0)
    business_impact_usd: Money = Decimal(0)
    escalating_contact_level: ContactLevel = ContactLevel.STAFF
    account_cases_30d: int = Field(default=1, ge=0)
    # The vendors' open service-health events linked to the case (vendor:event id): the
    # evidence of the `vendor_event_open` criterion (vendor_platform_issue by default).
    vendor_events: tuple[str, ...] = ()

    _years = field_validator("opened_at", "first_response_at", "last_customer_update_at",
                             "resolved_at")(_in_years)

    @field_validator("first_response_at", "last_customer_update_at", "resolved_at")
    @classmethod
    def _after_opening(cls, moment: datetime | None, info: ValidationInfo) -> datetime | None:
        opened = info.data.get("opened_at")
        if moment is not None and opened is not None and moment < opened:
            raise ValueError("is before opened_at")
        return moment

    @field_validator("services")
    @classmethod
    def _distinct(cls, services: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(services))

    def as_json(self) -> dict[str, object]:
        """The snapshot as the JSON document of DESIGN.md 1.2."""
        document = self.model_dump(mode="json", by_alias=True)
        document["flags"] = sorted(self.flags)
        return document
