"""Rating levels: one whole night, the last ended windows, Lden by nominal hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import math
from zoneinfo import ZoneInfo

import pytest

from custom_components.mycirrus.acoustics import Period
from custom_components.mycirrus.rating import (
    MIN_COVERAGE,
    RatingHours,
    day_levels,
    last_ended,
    lden,
    rating_levels,
    rating_windows,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
EU = RatingHours()
UK_HOURS = RatingHours(day_start=7, evening_start=23, night_start=23)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def steady(origin: datetime, first: int, last: int, level: float) -> list[Period]:
    """Return back-to-back 15-minute periods at one level from hour first to last."""
    start = origin + timedelta(hours=first)
    return [
        (start + timedelta(minutes=15 * i), 900.0, level)
        for i in range((last - first) * 4)
    ]


def energetic(*pairs: tuple[float, float]) -> float:
    """Return 10·log10 of the duration-weighted mean energy, as a hand would."""
    energy = sum(hours * 10 ** (level / 10) for level, hours in pairs)
    return 10 * math.log10(energy / sum(hours for _, hours in pairs))


@pytest.mark.parametrize(
    ("day", "evening", "night"),
    [(19, 7, 23), (7, 23, 19), (7, 7, 23), (-1, 19, 23), (7, 19, 24)],
)
def test_rating_hours_out_of_order(day: int, evening: int, night: int) -> None:
    with pytest.raises(ValueError, match="order"):
        RatingHours(day_start=day, evening_start=evening, night_start=night)


def test_nominal_hours() -> None:
    assert dict(EU.nominal) == {"day": 12, "evening": 4, "night": 8}
    assert dict(UK_HOURS.nominal) == {"day": 16, "evening": 0, "night": 8}
    shifted = RatingHours(day_start=6, evening_start=18, night_start=22)
    assert dict(shifted.nominal) == {"day": 12, "evening": 4, "night": 8}


def test_a_rating_day_runs_from_morning_to_morning() -> None:
    windows = rating_windows(date(2026, 6, 1), UTC, EU)
    assert windows["day"] == (utc(2026, 6, 1, 7), utc(2026, 6, 1, 19))
    assert windows["evening"] == (utc(2026, 6, 1, 19), utc(2026, 6, 1, 23))
    # One contiguous night, into the next morning.
    assert windows["night"] == (utc(2026, 6, 1, 23), utc(2026, 6, 2, 7))


def test_the_night_that_happened() -> None:
    """Yesterday 00-07 at 35 dB, a party from 23:00 to 07:00 at 65 dB: 65.0 dB."""
    today = utc(2026, 6, 2)
    periods = [
        *steady(today, -24, -17, 35.0),  # yesterday 00:00-07:00
        *steady(today, -17, -1, 50.0),  # yesterday's day and evening
        *steady(today, -1, 7, 65.0),  # the party: 23:00 to 07:00 this morning
        *steady(today, 7, 9, 55.0),
    ]
    levels = rating_levels(periods, utc(2026, 6, 2, 9), UTC, EU)
    night = levels.laeq_night
    assert night.level == pytest.approx(65.0)
    assert (night.start, night.end) == (utc(2026, 6, 1, 23), utc(2026, 6, 2, 7))
    assert night.day == date(2026, 6, 1)
    assert night.coverage == 1.0
    # The calendar-day night of before (00-07 plus 23-24) would have said 56.0.
    assert energetic((35.0, 7), (65.0, 1)) == pytest.approx(56.0, abs=0.05)


@pytest.mark.parametrize(
    ("now", "day", "evening", "night"),
    [
        # Just before 07:00: last night has not ended, the one before has.
        (utc(2026, 6, 2, 6, 59), date(2026, 6, 1), date(2026, 6, 1), date(2026, 5, 31)),
        (utc(2026, 6, 2, 7), date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 1)),
        # At 19:00 today's day has ended; the evening ends at 23:00.
        (utc(2026, 6, 2, 19), date(2026, 6, 2), date(2026, 6, 1), date(2026, 6, 1)),
        (utc(2026, 6, 2, 23), date(2026, 6, 2), date(2026, 6, 2), date(2026, 6, 1)),
    ],
)  # fmt: skip
def test_each_sensor_shows_the_window_that_ended_last(
    now: datetime, day: date, evening: date, night: date
) -> None:
    assert last_ended(now, UTC, EU, "day") == day
    assert last_ended(now, UTC, EU, "evening") == evening
    assert last_ended(now, UTC, EU, "night") == night
    levels = rating_levels(steady(utc(2026, 5, 30), 0, 24 * 4, 60.0), now, UTC, EU)
    assert levels.laeq_day.day == day
    assert levels.laeq_evening.day == evening
    assert levels.laeq_night.day == night
    # Lden is of the last rating day that has ended: the one of the last night.
    assert levels.lden.day == night
    spans = rating_windows(night, UTC, EU)
    assert (levels.lden.start, levels.lden.end) == (spans["day"][0], spans["night"][1])


def test_lden_on_an_eu_day() -> None:
    levels = day_levels(steady(utc(2026, 6, 1), 0, 48, 60.0), date(2026, 6, 1), UTC, EU)
    for name in ("day", "evening", "night"):
        assert levels[name].level == pytest.approx(60.0)
        assert levels[name].coverage == 1.0
    assert levels["lden"].level == pytest.approx(
        60 + 10 * math.log10((12 + 4 * 10**0.5 + 8 * 10) / 24)
    )
    assert levels["lden"].coverage == 1.0


def test_lden_weighs_day_evening_and_night() -> None:
    origin = utc(2026, 6, 1)
    periods = [
        *steady(origin, 7, 19, 65.0),
        *steady(origin, 19, 23, 58.0),
        *steady(origin, 23, 31, 45.0),  # to 07:00 next morning
    ]
    levels = day_levels(periods, date(2026, 6, 1), UTC, EU)
    energy = 12 * 10**6.5 + 4 * 10**6.3 + 8 * 10**5.5
    assert levels["lden"].level == pytest.approx(10 * math.log10(energy / 24))
    assert lden({"day": 65.0, "evening": 58.0, "night": 45.0}, EU.nominal) == (
        pytest.approx(10 * math.log10(energy / 24))
    )


def test_no_evening_no_lden() -> None:
    # LAeq,16h 07-23 and LAeq,8h 23-07, as in the UK.
    origin = utc(2026, 6, 1)
    periods = [
        *steady(origin, 7, 23, 65.0),
        *steady(origin, 23, 24, 51.0),
        *steady(origin, 24, 31, 45.0),
    ]
    levels = day_levels(periods, date(2026, 6, 1), UTC, UK_HOURS)
    assert levels["day"].level == pytest.approx(65.0)
    assert levels["night"].level == pytest.approx(energetic((45.0, 7), (51.0, 1)))
    assert levels["evening"].level is None
    assert levels["evening"].coverage == 0.0
    assert levels["evening"].start == levels["evening"].end
    assert levels["lden"].level is None


@pytest.mark.parametrize(("covered", "known"), [(0.74, False), (MIN_COVERAGE, True)])
def test_coverage_below_three_quarters_gives_no_level(
    covered: float, known: bool
) -> None:
    # Twelve periods, one at the start of every day hour, each covering part of it.
    origin = utc(2026, 6, 1)
    periods: list[Period] = [
        (origin + timedelta(hours=h), covered * 3600, 62.0) for h in range(7, 19)
    ]
    periods += steady(origin, 19, 31, 50.0)
    levels = day_levels(periods, date(2026, 6, 1), UTC, EU)
    assert levels["day"].coverage == pytest.approx(covered)
    assert (levels["day"].level is not None) is known
    assert (levels["lden"].level is not None) is known
    assert levels["lden"].coverage == pytest.approx(covered)
    assert levels["evening"].level == pytest.approx(50.0)


def test_coverage_is_capped_and_an_empty_day_has_no_levels() -> None:
    origin = utc(2026, 6, 1)
    overlapping: list[Period] = [
        (origin + timedelta(hours=h), 7200.0, 60.0) for h in range(7, 19)
    ]
    levels = day_levels(overlapping, date(2026, 6, 1), UTC, EU)
    assert levels["day"].coverage == 1.0
    empty = day_levels([], date(2026, 6, 1), UTC, EU)
    assert all(level.level is None for level in empty.values())
    assert all(level.coverage == 0.0 for level in empty.values())


@pytest.mark.parametrize(
    ("day", "night_start", "morning", "night_hours"),
    [
        # Clocks go forward at 01:00 GMT on 29 March: a 7-hour night.
        (date(2026, 3, 28), utc(2026, 3, 28, 23), utc(2026, 3, 29, 6), 7),
        # Clocks go back at 02:00 BST on 25 October: a 9-hour night.
        (date(2026, 10, 24), utc(2026, 10, 24, 22), utc(2026, 10, 25, 7), 9),
    ],
)
def test_clock_change_nights_in_london(
    day: date, night_start: datetime, morning: datetime, night_hours: int
) -> None:
    windows = rating_windows(day, LONDON, EU)
    assert windows["night"] == (night_start, morning)
    length = (morning - night_start).total_seconds() / 3600
    assert length == night_hours
    # A quieter first half of the night: its LAeq is over the real hours.
    periods = [
        *steady(windows["day"][0], -3, 16, 60.0),
        *steady(night_start, 0, 4, 40.0),
        *steady(night_start, 4, night_hours + 3, 50.0),
    ]
    levels = day_levels(periods, day, LONDON, EU)
    night = levels["night"]
    assert night.coverage == 1.0
    assert night.level == pytest.approx(energetic((40.0, 4), (50.0, night_hours - 4)))
    # Lden weights by the nominal 12, 4 and 8 hours over 24, as the EU defines it.
    assert levels["lden"].level == pytest.approx(
        10
        * math.log10(
            (12 * 10**6 + 4 * 10 ** (6.5) + 8 * 10 ** ((night.level + 10) / 10)) / 24
        )
    )


def test_a_day_in_new_york_takes_its_own_periods() -> None:
    # 1 July 2026 in New York (UTC-4): 07:00 local is 11:00 UTC.
    local = datetime(2026, 7, 1, tzinfo=NEW_YORK)
    periods = [
        *steady(local, -4, 7, 90.0),  # 30 June's night, ended 07:00 on 1 July
        *steady(local, 7, 19, 65.0),
        *steady(local, 19, 23, 58.0),
        *steady(local, 23, 31, 45.0),
        *steady(local, 31, 35, 90.0),  # 2 July's day
    ]
    levels = day_levels(periods, date(2026, 7, 1), NEW_YORK, EU)
    assert levels["day"].level == pytest.approx(65.0)
    assert levels["evening"].level == pytest.approx(58.0)
    assert levels["night"].level == pytest.approx(45.0)
    assert rating_windows(date(2026, 7, 1), NEW_YORK, EU)["night"] == (
        utc(2026, 7, 2, 3),
        utc(2026, 7, 2, 11),
    )
