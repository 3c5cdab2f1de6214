"""Calendar math: business minutes between moments and the moment after some minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalada.domain.business_calendar import BusinessCalendar, CalendarSpec
from escalada.domain.model import Interval
from escalada.domain.working_time import FOREVER, TWENTY_FOUR_SEVEN, deadline, elapsed

WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
NEW_YORK = ZoneInfo("America/New_York")
MOSCOW = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def weekly(timezone: str, hours: str, days: tuple[str, ...]) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec.weekly(timezone=timezone, hours=(hours,), days=days))


def local(zone: ZoneInfo, *parts: int) -> datetime:
    """A local wall-clock time, as the UTC moment the rules work in."""
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def new_york_hours() -> BusinessCalendar:
    return weekly("America/New_York", "09:00-18:00", WORKDAYS)


@pytest.fixture
def moscow_hours() -> BusinessCalendar:
    return weekly("Europe/Moscow", "09:00-18:00", WORKDAYS)


# Round the clock


def test_twenty_four_seven_counts_every_minute():
    assert elapsed(START, START + timedelta(days=3), TWENTY_FOUR_SEVEN) == 3 * 24 * 60


def test_twenty_four_seven_deadline_is_plain_addition():
    assert deadline(START, 90, TWENTY_FOUR_SEVEN) == START + minutes(90)


def test_elapsed_is_zero_when_end_is_not_after_start():
    assert elapsed(START, START, TWENTY_FOUR_SEVEN) == 0
    assert elapsed(START, START - minutes(5), TWENTY_FOUR_SEVEN) == 0


def test_deadline_of_zero_minutes_is_the_start_round_the_clock():
    assert deadline(START, 0, TWENTY_FOUR_SEVEN) == START


# Pauses


def test_a_pause_is_excluded_from_elapsed_and_pushes_the_deadline():
    pauses = [Interval(START + minutes(10), START + minutes(40))]

    assert elapsed(START, START + minutes(60), TWENTY_FOUR_SEVEN, pauses) == 30
    assert deadline(START, 30, TWENTY_FOUR_SEVEN, pauses) == START + minutes(60)


def test_overlapping_pauses_are_excluded_once():
    pauses = [Interval(START + minutes(10), START + minutes(30)),
              Interval(START + minutes(20), START + minutes(50)),
              Interval(START + minutes(25), START + minutes(35))]

    assert elapsed(START, START + minutes(60), TWENTY_FOUR_SEVEN, pauses) == 20
    assert deadline(START, 15, TWENTY_FOUR_SEVEN, pauses) == START + minutes(55)


def test_pauses_are_excluded_in_any_order():
    pauses = [Interval(START + minutes(40), START + minutes(45)),
              Interval(START + minutes(10), START + minutes(20))]

    assert elapsed(START, START + minutes(60), TWENTY_FOUR_SEVEN, pauses) == 45


def test_a_pause_before_the_start_changes_nothing():
    pauses = [Interval(START - minutes(60), START - minutes(10))]

    assert elapsed(START, START + minutes(60), TWENTY_FOUR_SEVEN, pauses) == 60


def test_a_pause_straddling_the_start_delays_the_clock():
    pauses = [Interval(START - minutes(10), START + minutes(10))]

    assert elapsed(START, START + minutes(60), TWENTY_FOUR_SEVEN, pauses) == 50
    assert deadline(START, 0, TWENTY_FOUR_SEVEN, pauses) == START + minutes(10)


def test_an_open_pause_stops_the_clock_for_good():
    pauses = [Interval(START + minutes(30))]

    assert elapsed(START, START + timedelta(days=2), TWENTY_FOUR_SEVEN, pauses) == 30
    assert deadline(START, 60, TWENTY_FOUR_SEVEN, pauses) == FOREVER


def test_a_deadline_reached_before_an_open_pause_is_kept():
    pauses = [Interval(START + minutes(30))]

    assert deadline(START, 20, TWENTY_FOUR_SEVEN, pauses) == START + minutes(20)


def test_a_pause_outside_business_hours_changes_nothing(new_york_hours):
    friday_open = local(NEW_YORK, 2026, 11, 27, 9, 0)
    night = [Interval(local(NEW_YORK, 2026, 11, 27, 20, 0), local(NEW_YORK, 2026, 11, 28, 6, 0))]

    assert deadline(friday_open, 600, new_york_hours, night) == local(NEW_YORK, 2026, 11, 30, 10, 0)


# Business hours


def test_business_hours_skip_nights(moscow_hours):
    start = local(MOSCOW, 2026, 11, 25, 17, 0)

    assert elapsed(start, local(MOSCOW, 2026, 11, 26, 10, 0), moscow_hours) == 120


def test_business_hours_skip_weekends(moscow_hours):
    friday = local(MOSCOW, 2026, 11, 27, 17, 0)
    monday = local(MOSCOW, 2026, 11, 30, 10, 0)

    assert elapsed(friday, monday, moscow_hours) == 120


def test_a_friday_afternoon_deadline_of_two_hours_lands_monday_ten_local(moscow_hours):
    friday = local(MOSCOW, 2026, 11, 27, 17, 0)

    assert deadline(friday, 120, moscow_hours) == local(MOSCOW, 2026, 11, 30, 10, 0)


def test_a_weekend_start_counts_from_monday_opening(moscow_hours):
    saturday = local(MOSCOW, 2026, 11, 28, 12, 0)

    assert deadline(saturday, 0, moscow_hours) == local(MOSCOW, 2026, 11, 30, 9, 0)
    assert elapsed(saturday, local(MOSCOW, 2026, 11, 30, 9, 30), moscow_hours) == 30


def test_a_deadline_that_fills_the_day_lands_at_closing(moscow_hours):
    monday = local(MOSCOW, 2026, 11, 30, 9, 0)

    assert deadline(monday, 540, moscow_hours) == local(MOSCOW, 2026, 11, 30, 18, 0)


def test_a_business_day_is_nine_hours(moscow_hours):
    assert moscow_hours.minutes_per_day == 540


def test_business_hours_follow_the_account_timezone(moscow_hours, new_york_hours):
    # 14:00 UTC is 17:00 in Moscow (one hour left) and 09:00 in New York (nine left).
    start = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    end = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)

    assert elapsed(start, end, moscow_hours) == 60
    assert elapsed(start, end, new_york_hours) == 540


# New York across the 2026 DST changes (8 March and 1 November, both Sundays)


def test_friday_five_pm_plus_two_hours_lands_monday_ten_across_spring_forward(new_york_hours):
    friday = local(NEW_YORK, 2026, 3, 6, 17, 0)

    due = deadline(friday, 120, new_york_hours)

    assert due == local(NEW_YORK, 2026, 3, 9, 10, 0)
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_friday_five_pm_plus_two_hours_lands_monday_ten_across_fall_back(new_york_hours):
    friday = local(NEW_YORK, 2026, 10, 30, 17, 0)

    due = deadline(friday, 120, new_york_hours)

    assert due == local(NEW_YORK, 2026, 11, 2, 10, 0)
    assert due == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("friday", "monday"), [((2026, 3, 6), (2026, 3, 9)),
                                                ((2026, 10, 30), (2026, 11, 2))])
def test_a_full_business_week_around_a_dst_change_is_five_business_days(
    new_york_hours, friday, monday
):
    start = local(NEW_YORK, *monday, 9, 0)
    end = start + timedelta(days=5)

    assert elapsed(local(NEW_YORK, *friday, 18, 0), end, new_york_hours) == 5 * 540


def test_a_seven_day_calendar_keeps_local_hours_across_spring_forward():
    every_day = weekly("America/New_York", "09:00-18:00", (*WORKDAYS, "sat", "sun"))
    saturday = local(NEW_YORK, 2026, 3, 7, 17, 0)

    assert elapsed(saturday, local(NEW_YORK, 2026, 3, 8, 10, 0), every_day) == 120
    assert deadline(saturday, 120, every_day) == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(("day", "hours"), [((2026, 3, 8), 23), ((2026, 11, 1), 25)])
def test_a_round_the_clock_local_day_lasts_as_long_as_the_dst_day(day, hours):
    all_day = weekly("America/New_York", "00:00-24:00", (*WORKDAYS, "sat", "sun"))
    midnight = local(NEW_YORK, *day, 0, 0)
    next_midnight = local(NEW_YORK, *day, 0, 0) + timedelta(days=1, hours=hours - 24)

    assert elapsed(midnight, next_midnight, all_day) == hours * 60


def test_twenty_four_seven_across_spring_forward_counts_real_minutes():
    before = local(NEW_YORK, 2026, 3, 8, 1, 0)
    after = local(NEW_YORK, 2026, 3, 8, 4, 0)

    assert elapsed(before, after, TWENTY_FOUR_SEVEN) == 120
    assert deadline(before, 120, TWENTY_FOUR_SEVEN) == after


def test_elapsed_counts_real_minutes_for_zone_aware_times_across_spring_forward():
    before = datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK)
    after = datetime(2026, 3, 8, 4, 0, tzinfo=NEW_YORK)  # 2 real hours later

    assert elapsed(before, after, TWENTY_FOUR_SEVEN) == 120


def test_deadline_adds_real_minutes_for_zone_aware_times_across_fall_back():
    start = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)

    due = deadline(start, 120, TWENTY_FOUR_SEVEN)

    assert due.astimezone(UTC) == start.astimezone(UTC) + timedelta(hours=2)


def test_a_calendar_needs_a_working_day():
    with pytest.raises(ValueError, match="at least one weekday"):
        weekly("UTC", "09:00-18:00", ())
