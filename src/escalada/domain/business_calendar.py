"""Business calendars: weekly local hours in an IANA time zone, minus the country's
public holidays (with its government-moved working days), plus operator overrides.

A `CalendarSpec` is the data (what people write and store); a `BusinessCalendar`
walks it as UTC intervals for `working_time.elapsed` and `working_time.deadline`.
(The policy's fallback hours for an account without a calendar are
`policy.sla.DefaultBusinessHours`.)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from holidays import HolidayBase

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
CALENDAR_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")
_ONE_DAY = timedelta(days=1)
# Days whose UTC spans one calendar remembers: about ten years, well under a megabyte.
_REMEMBERED_DAYS = 4096


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not an IANA time zone, e.g. Europe/Moscow") from error
    return name


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]


@cache
def _country_codes() -> frozenset[str]:
    """The codes the `holidays` package knows countries by (alpha-2, alpha-3, aliases),
    read from its registry's source: importing the package builds every calendar it has
    (~250 ms, most of it the Hindu lunar tables), which checking an account's country does
    not need. The package's own list if its registry ever changes shape."""
    try:
        return _registry_codes()
    except (OSError, SyntaxError, ValueError, TypeError, AttributeError, LookupError):
        from holidays.registry import EntityLoader

        return frozenset(EntityLoader.get_country_codes())


def _registry_codes() -> frozenset[str]:
    """COUNTRIES in holidays/registry.py: module -> (class, alpha-2, alpha-3, aliases...)."""
    import ast
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("holidays")  # finds the package without running it
    source = Path(str(spec and spec.origin)).with_name("registry.py").read_text("utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "COUNTRIES":
            registry: dict[str, tuple[str, ...]] = ast.literal_eval(node.value)  # type: ignore[arg-type]
            return frozenset(code for names in registry.values() for code in names[1:]
                             if 2 <= len(code) <= 3)
    raise LookupError("holidays/registry.py has no COUNTRIES")


def _subdivisions(country: str) -> list[str]:
    """The subdivisions of a country the `holidays` package knows (imports its module)."""
    import holidays

    return list(getattr(holidays, country).subdivisions)


def check_country(code: str | None) -> str | None:
    """An ISO 3166 alpha-2 code the `holidays` package knows, or None."""
    if code is not None and code not in _country_codes():
        raise ValueError(
            f"{code!r} is not a country with known public holidays (ISO 3166, e.g. RU)")
    return code


Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$"), AfterValidator(check_country)]


def parse_hours(text: str) -> tuple[int, int]:
    """'09:00-18:00' -> (540, 1080): minutes from local midnight; the end may be 24:00."""
    match = _HOURS.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a span of hours like 09:00-18:00")
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if end > 24 * 60:
        raise ValueError(f"{text!r} ends after 24:00")
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts (split a night shift at 24:00)")
    return start, end


def _day_hours(spans: tuple[str, ...]) -> tuple[str, ...]:
    parsed = sorted((parse_hours(span), span.strip()) for span in spans)
    for (previous, text), (current, following) in itertools.pairwise(parsed):
        if current[0] < previous[1]:
            raise ValueError(f"{text} overlaps {following}")
    return tuple(text for _, text in parsed)


DayHours = Annotated[tuple[str, ...], AfterValidator(_day_hours)]


def parse_days(text: str) -> tuple[Weekday, ...]:
    """'mon-fri', 'mon,wed,fri', 'sun-thu' or 'sat' -> the weekdays, Monday first."""
    chosen: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            raise ValueError(f"{part!r} is not a weekday or a range like mon-fri")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        chosen.update(i % 7 for i in range(start, end + (7 if end < start else 0) + 1))
    return tuple(WEEKDAYS[i] for i in sorted(chosen))


class CalendarSpec(BaseModel):
    """When the SLA clock runs: the data of a business calendar."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="business", pattern=CALENDAR_NAME_PATTERN)
    timezone: TimeZoneName
    week: dict[Weekday, DayHours]
    country: Country | None = None
    subdivision: str | None = Field(default=None, min_length=1, max_length=10)
    # A date's own hours: [] is an extra day off, hours on a day off an extra working
    # day, shorter hours a shortened day. An override wins over holidays.
    overrides: dict[date, DayHours] = {}

    @field_validator("week")
    @classmethod
    def _week_in_order(
        cls, week: dict[Weekday, tuple[str, ...]]
    ) -> dict[Weekday, tuple[str, ...]]:
        if not any(week.values()):
            raise ValueError("a business calendar needs hours on at least one weekday")
        return {day: week[day] for day in WEEKDAYS if week.get(day)}

    @field_validator("overrides")
    @classmethod
    def _overrides_in_order(
        cls, overrides: dict[date, tuple[str, ...]]
    ) -> dict[date, tuple[str, ...]]:
        return dict(sorted(overrides.items()))

    @model_validator(mode="after")
    def _subdivision_known(self) -> CalendarSpec:
        if self.subdivision is not None:
            if self.country is None:
                raise ValueError("subdivision: needs a country")
            known = _subdivisions(self.country)
            if self.subdivision not in known:
                raise ValueError(
                    f"subdivision: {self.subdivision!r} is not one of {self.country}'s "
                    f"({', '.join(known) or 'none'})")
        return self

    @classmethod
    def weekly(
        cls,
        *,
        timezone: str,
        hours: tuple[str, ...] = ("09:00-18:00",),
        days: tuple[str, ...] = WORKWEEK,
        country: str | None = None,
        subdivision: str | None = None,
        overrides: Mapping[date, tuple[str, ...]] | None = None,
        name: str = "business",
    ) -> CalendarSpec:
        """The same hours on each of the given days."""
        return cls.model_validate({
            "name": name, "timezone": timezone, "week": dict.fromkeys(days, hours),
            "country": country, "subdivision": subdivision, "overrides": dict(overrides or {}),
        })

    @property
    def standard_day(self) -> tuple[str, ...]:
        """The hours of an ordinary working day (the first working weekday's); a
        government-moved working day, such as a Russian working Saturday, has them."""
        return next(iter(self.week.values()))

    @cached_property
    def key(self) -> str:
        """Equal specs have equal keys: calendars are built once per key."""
        return self.model_dump_json()

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> CalendarSpec:
        """A copy, re-validated, whose key is its own (pydantic would copy the cached one)."""
        copied = super().model_copy(update=update, deep=deep)
        return CalendarSpec.model_validate(copied.model_dump()) if update else copied


def _minutes_of(spans: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(parse_hours(span) for span in spans)


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Local wall-clock time `minute` after the day's midnight, as UTC."""
    day_offset, minute = divmod(minute, 24 * 60)
    wall = datetime.combine(day + timedelta(days=day_offset), time(minute // 60, minute % 60),
                            tzinfo=zone)
    return wall.astimezone(UTC)


class BusinessCalendar:
    """A `CalendarSpec` walked as UTC intervals, DST-aware, each day worked out once."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.zone = ZoneInfo(spec.timezone)
        self._week = {WEEKDAYS.index(d): _minutes_of(h) for d, h in spec.week.items()}
        self._standard = _minutes_of(spec.standard_day)
        self._overrides = {d: _minutes_of(h) for d, h in spec.overrides.items()}
        self.minutes_per_day = sum(end - start for start, end in self._standard)
        self._spans: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    @cached_property
    def _holidays(self) -> HolidayBase | None:
        if self.spec.country is None:
            return None
        import holidays

        return holidays.country_holidays(self.spec.country, subdiv=self.spec.subdivision)

    def day(self, day: date) -> tuple[tuple[tuple[int, int], ...], str]:
        """The local working minutes of a day and why: the override, the holiday, a
        government-moved working day or the weekly pattern."""
        if day in self._overrides:
            return self._overrides[day], "override"
        observed = self._holidays
        if observed is not None:
            name = observed.get(day)  # fills in the day's year on first use
            if name is not None:
                return (), f"holiday: {name}"
            if day in observed.weekend_workdays:
                return self._standard, "moved working day"
        hours = self._week.get(day.weekday(), ())
        return hours, "weekly" if hours else "weekly day off"

    def is_working_day(self, day: date) -> bool:
        return bool(self.day(day)[0])

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.zone).date() - _ONE_DAY
        last_end = start
        while True:
            try:
                spans = self._spans[day]
            except KeyError:
                spans = self._remember(day)
            for opens, closes in spans:
                # max() without the call: the walk is the engine's hottest loop
                begin = last_end if last_end > opens else opens
                if closes > begin:
                    yield begin, closes
                    last_end = closes
            day += _ONE_DAY

    def _remember(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's business intervals in UTC, kept for the next walk: SLA walks
        cross the same days again and again, and time zone conversion is the cost."""
        spans = []
        previous_end: datetime | None = None
        for start, end in self.day(day)[0]:
            opens, closes = _local(day, start, self.zone), _local(day, end, self.zone)
            # A time in a spring-forward gap maps to after the gap: keep spans in order.
            if previous_end is not None and opens < previous_end:
                opens = previous_end
            if closes > opens:
                spans.append((opens, closes))
                previous_end = closes
        if len(self._spans) >= _REMEMBERED_DAYS:
            self._spans.clear()
        self._spans[day] = result = tuple(spans)
        return result


@lru_cache(maxsize=512)
def _calendar_for_key(key: str) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec.model_validate_json(key))


def business_calendar(spec: CalendarSpec) -> BusinessCalendar:
    """The (shared, cached) calendar of a spec."""
    return _calendar_for_key(spec.key)


def describe_day(spec: CalendarSpec, day: date) -> dict[str, Any]:
    """What the calendar says about one local day, for people."""
    minutes, why = business_calendar(spec).day(day)
    return {
        "date": day.isoformat(),
        "weekday": WEEKDAYS[day.weekday()],
        "hours": [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in minutes],
        "why": why,
    }
