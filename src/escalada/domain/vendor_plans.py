"""The cloud vendors' support plans as typed data, and the rules that read them:
which vendor severity a case of ours is filed at, and when the vendor's first
response is due (loaded from YAML elsewhere)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from escalada.domain.model import Severity
from escalada.domain.policy import Duration
from escalada.domain.working_time import TWENTY_FOUR_SEVEN, Calendar, deadline

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
VendorSeverity = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
TargetCalendar = Literal["24x7", "business"]
Origin = Literal["vendor", "founding_document"]
Loc = tuple[str | int, ...]
# One row for people: severity, within, calendar, verified, source, as_of, note.
Row = tuple[str, str, str, bool, str, date, str]


class _Plans(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponseTarget(_Plans):
    """A vendor's first-response target for one of its severities, with where it comes from."""

    within: Duration
    calendar: TargetCalendar
    source: str = Field(min_length=1)
    as_of: date
    verified: bool
    note: str = ""

    @field_validator("within", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, str):
            return Duration.parse(value)
        if isinstance(value, Duration | dict):
            return value
        raise ValueError(f"{value!r} is not a duration like 15m, 2h or 3d")

    @model_validator(mode="after")
    def _unverified_says_why(self) -> ResponseTarget:
        if not self.verified and not self.note.strip():
            raise ValueError("an unverified figure needs a note saying where it comes from")
        return self


class VendorPlan(_Plans):
    """One support plan of a vendor; `targets` are keyed by the vendor's own severity."""

    label: str = Field(min_length=1)
    origin: Origin
    retired: bool = False
    ends_on: date | None = None
    tam: bool = False
    note: str = ""
    targets: dict[VendorSeverity, ResponseTarget] = {}

    @model_validator(mode="after")
    def _empty_plan_says_why(self) -> VendorPlan:
        if not self.targets and not self.note.strip():
            raise ValueError("a plan without response targets needs a note saying why")
        return self


class VendorInfo(_Plans):
    """A vendor: its severities, least urgent first, and its plans by name."""

    label: str = Field(min_length=1)
    severities: tuple[VendorSeverity, ...] = Field(min_length=1)
    labels: dict[VendorSeverity, str] = {}
    plans: dict[Name, VendorPlan] = Field(min_length=1)

    @field_validator("severities")
    @classmethod
    def _distinct(cls, severities: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({s for s in severities if severities.count(s) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return severities

    def rank(self, severity: str) -> int:
        """0 for the least urgent severity, higher for more urgent ones."""
        return self.severities.index(severity)

    def known(self) -> str:
        return ", ".join(self.severities)


class VendorPlans(_Plans):
    """Every vendor's plans, and how our severities map to each vendor's."""

    version: str = Field(min_length=1)
    # The citations the rows use (the YAML names them once, as anchors).
    sources: tuple[str, ...] = ()
    vendors: dict[Name, VendorInfo] = Field(min_length=1)
    # vendor -> our severity -> the vendor's severities in order of preference.
    severity_map: dict[Name, dict[Severity, tuple[VendorSeverity, ...]]]

    @model_validator(mode="after")
    def _cross_references(self) -> VendorPlans:
        problems = [*_unknown_target_severities(self), *_severity_map_problems(self)]
        # A ValidationError raised here keeps each problem's own path (pydantic nests
        # its locations), where a ValueError would be reported at the document's root.
        if problems:
            raise ValidationError.from_exception_data(
                "VendorPlans",
                [InitErrorDetails(type=PydanticCustomError("vendor_plans", reason),
                                  loc=loc, input=None) for loc, reason in problems])
        return self


def _unknown_target_severities(plans: VendorPlans) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for vendor, info in plans.vendors.items():
        for severity in info.labels:
            if severity not in info.severities:
                problems.append((("vendors", vendor, "labels", severity),
                                 f"not a severity of {vendor} (known: {info.known()})"))
        for name, plan in info.plans.items():
            for severity in plan.targets:
                if severity not in info.severities:
                    problems.append((("vendors", vendor, "plans", name, "targets", severity),
                                     f"not a severity of {vendor} (known: {info.known()})"))
    return problems


def _severity_map_problems(plans: VendorPlans) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    vendors = ", ".join(plans.vendors)
    for vendor in plans.vendors:
        if vendor not in plans.severity_map:
            problems.append((("severity_map",), f"no entry for {vendor}"))
    for vendor, by_ours in plans.severity_map.items():
        info = plans.vendors.get(vendor)
        if info is None:
            problems.append((("severity_map", vendor), f"not a vendor (known: {vendors})"))
            continue
        missing = [s.value for s in Severity if s not in by_ours]
        if missing:
            problems.append((("severity_map", vendor), f"no preference for {', '.join(missing)}"))
        for ours, preferences in by_ours.items():
            if not preferences:
                problems.append((("severity_map", vendor, ours.value), "must name a severity"))
            for index, severity in enumerate(preferences):
                if severity not in info.severities:
                    problems.append((("severity_map", vendor, ours.value, index),
                                     f"{severity!r} is not a severity of {vendor} "
                                     f"(known: {info.known()})"))
    return problems


# The rules: pure functions of the plans and their arguments.


def _vendor(plans: VendorPlans, vendor: str) -> VendorInfo:
    info = plans.vendors.get(vendor)
    if info is None:
        raise ValueError(f"unknown vendor {vendor!r} (known: {', '.join(plans.vendors)})")
    return info


def _plan(plans: VendorPlans, vendor: str, plan: str) -> VendorPlan:
    info = _vendor(plans, vendor)
    chosen = info.plans.get(plan)
    if chosen is None:
        raise ValueError(f"{vendor} has no plan {plan!r} (known: {', '.join(info.plans)})")
    return chosen


def plan_names(plans: VendorPlans, vendor: str, *, current_only: bool = False) -> tuple[str, ...]:
    """The vendor's plan names in file order; `current_only` leaves out retired plans
    and the founding document's rows."""
    return tuple(name for name, plan in _vendor(plans, vendor).plans.items()
                 if not current_only or (plan.origin == "vendor" and not plan.retired))


def vendor_severity(
    plans: VendorPlans, vendor: str, plan: str, our_severity: Severity | str
) -> str:
    """The vendor severity to file a case of ours at on this plan.

    The first severity of the map's preference list that the plan has a target for.
    When the plan has none of them (AWS Developer has no `urgent`), the most urgent
    severity it does offer that is not more urgent than the least urgent preference:
    a case is never filed above what the map allows, since vendors downgrade
    overstated cases, but it still goes in as high as the plan lets it.
    ValueError, naming the plan, when the plan offers nothing at or below that.
    """
    ours = Severity(our_severity)
    info, chosen = _vendor(plans, vendor), _plan(plans, vendor, plan)
    preferences = plans.severity_map[vendor][ours]
    for severity in preferences:
        if severity in chosen.targets:
            return severity
    ceiling = min(info.rank(severity) for severity in preferences)
    offered = [s for s in info.severities if s in chosen.targets and info.rank(s) <= ceiling]
    if offered:
        return offered[-1]
    has = ", ".join(chosen.targets) or "no technical response targets"
    raise ValueError(
        f"{vendor} plan {plan!r} ({chosen.label}) has no severity for a {ours.value} case "
        f"(wanted {' or '.join(preferences)} or below; the plan has {has})")


def response_target(
    plans: VendorPlans, vendor: str, plan: str, vendor_severity: str
) -> ResponseTarget | None:
    """The plan's first-response target at that vendor severity; None if it has none."""
    info, chosen = _vendor(plans, vendor), _plan(plans, vendor, plan)
    if vendor_severity not in info.severities:
        raise ValueError(
            f"{vendor_severity!r} is not a severity of {vendor} (known: {info.known()})")
    return chosen.targets.get(vendor_severity)


def vendor_calendar(target: ResponseTarget, account_business_calendar: Calendar) -> Calendar:
    """Round the clock for 24x7 targets, else the given business calendar."""
    return TWENTY_FOUR_SEVEN if target.calendar == "24x7" else account_business_calendar


def response_due(target: ResponseTarget, opened_at: datetime, calendar: Calendar) -> datetime:
    """When the vendor's first response is due for a case opened at `opened_at`.

    A 24x7 target runs round the clock whatever calendar is given; a business-hours
    target runs on `calendar`, the vendor's business hours for the account.
    """
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    running_on = vendor_calendar(target, calendar)
    return deadline(opened_at, target.within.minutes(running_on.minutes_per_day), running_on)


def describe(plans: VendorPlans, vendor: str, plan: str) -> tuple[Row, ...]:
    """The plan's targets for people, most urgent first."""
    info, chosen = _vendor(plans, vendor), _plan(plans, vendor, plan)
    return tuple(
        (severity, str(t.within), t.calendar, t.verified, t.source, t.as_of, t.note)
        for severity in reversed(info.severities)
        if (t := chosen.targets.get(severity)) is not None)
