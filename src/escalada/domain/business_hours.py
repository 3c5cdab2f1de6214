"""A weekly business-hours calendar in an IANA time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ONE_DAY = timedelta(days=1)
# Days whose UTC span one calendar remembers: about ten years, well under a megabyte.
_REMEMBERED_DAYS = 4096


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
        self._spans: dict[date, tuple[datetime, datetime] | None] = {}

    def is_working_day(self, day: date) -> bool:
        """Whether the clock runs on this local day (holidays arrive with named calendars)."""
        return day.weekday() in self.weekdays

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.zone).date() - _ONE_DAY
        while True:
            try:
                span = self._spans[day]
            except KeyError:
                span = self._remember_span(day)
            if span is not None and span[1] > start:
                opens, closes = span
                yield (start if start > opens else opens), closes  # max(opens, start)
            day += _ONE_DAY

    def _remember_span(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's business hours in UTC (None on a day off), kept for the next walk.

        SLA walks cross the same days again and again, and the time zone
        conversions cost more than everything else in a walk.
        """
        span = self._local_span(day) if self.is_working_day(day) else None
        if len(self._spans) >= _REMEMBERED_DAYS:
            self._spans.clear()
        self._spans[day] = span
        return span

    def _local_span(self, day: date) -> tuple[datetime, datetime]:
        close_day = day + _ONE_DAY if self.closes_next_midnight else day
        opens = datetime.combine(day, self.opens, tzinfo=self.zone)
        closes = datetime.combine(close_day, self.closes, tzinfo=self.zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)
