"""The board's countdown colour: the share of a case's SLA window consumed at a moment,
counted on the calendar its clock runs on (domain.sla.window_share, pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalada.domain.business_calendar import CalendarSpec, business_calendar
from escalada.domain.sla import window_share
from escalada.domain.working_time import TWENTY_FOUR_SEVEN

# Nine to six, Monday to Friday, in Moscow (UTC+3): 06:00-15:00 UTC.
MOSCOW = business_calendar(CalendarSpec.weekly(
    timezone="Europe/Moscow", hours=("09:00-18:00",), days=("mon", "tue", "wed", "thu", "fri")))
FRIDAY_17 = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 17:00 in Moscow
DUE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 11:00: 3 business hours later


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_a_weekend_consumes_nothing_of_a_business_hours_window() -> None:
    saturday = window_share(FRIDAY_17, DUE, at(5, 12), MOSCOW)
    monday_early = window_share(FRIDAY_17, DUE, at(7, 5, 59), MOSCOW)

    assert saturday.share == pytest.approx(1 / 3)  # Friday's last business hour only
    assert monday_early.share == pytest.approx(1 / 3)
    assert saturday.per_second == 0 and monday_early.per_second == 0  # the clock stands
    # By the wall clock Saturday noon is 22 of 66 hours, Monday 06:59 UTC 64 of 66: red.
    assert window_share(FRIDAY_17, DUE, at(7, 5, 59), TWENTY_FOUR_SEVEN).share > 0.9


def test_in_business_hours_the_share_grows_by_the_second() -> None:
    monday = window_share(FRIDAY_17, DUE, at(7, 7), MOSCOW)  # 10:00 in Moscow

    assert monday.share == pytest.approx(2 / 3)  # amber, where the wall clock says red
    assert monday.per_second == pytest.approx(1 / (3 * 3600))


def test_at_and_after_the_due_time_the_window_is_spent() -> None:
    assert window_share(FRIDAY_17, DUE, DUE, MOSCOW).share == 1
    late = window_share(FRIDAY_17, DUE, at(7, 9), MOSCOW)
    assert late.share == pytest.approx(4 / 3) and late.per_second == 0


def test_around_the_clock_it_is_the_wall_clock_share() -> None:
    start, due = at(4, 10), at(4, 11)

    half = window_share(start, due, at(4, 10, 30), TWENTY_FOUR_SEVEN)

    assert half.share == pytest.approx(0.5) and half.per_second == pytest.approx(1 / 3600)
    assert window_share(start, start, start, TWENTY_FOUR_SEVEN).share == 1
