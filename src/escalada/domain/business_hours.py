"""A weekly business-hours calendar in an IANA time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WeeklyHours:
    """Business hours on given weekdays, local to a time zone (DST-aware)."""

    name = "business"

    def __init__(self, timezone: str, opens: str, closes: str, days: tuple[str, ...]) -> None:
        self.zone = ZoneInfo(timezone)
        self.opens = time.fromisoformat(opens)
        self.closes_next_midnight = closes == "24:00"
        self.closes = time(0) if self.closes_next_midnight else time.fromisoformat(closes)
        self.weekdays = frozenset(_WEEKDAYS.index(day) for day in days)
        if not self.weekdays:
            raise ValueError("a business calendar needs at least one working day")
        span = datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)
        self.minutes_per_day = int(span.total_seconds() // 60) % (24 * 60) or 24 * 60

    def is_working_day(self, day: date) -> bool:
        """Whether the clock runs on this local day (holidays arrive with named calendars)."""
        return day.weekday() in self.weekdays

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        first_day = start.astimezone(self.zone).date() - timedelta(days=1)
        for offset in count():
            day = first_day + timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            opens, closes = self._local_span(day)
            if closes > start:
                yield max(opens, start), closes

    def _local_span(self, day: date) -> tuple[datetime, datetime]:
        close_day = day + timedelta(days=1) if self.closes_next_midnight else day
        opens = datetime.combine(day, self.opens, tzinfo=self.zone)
        closes = datetime.combine(close_day, self.closes, tzinfo=self.zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)
