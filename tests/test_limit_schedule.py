"""A limit's periods and windows: clock-aligned, past midnight, over clock changes."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from custom_components.mycirrus.hub.limits.config import LimitConfig
from custom_components.mycirrus.hub.limits.schedule import Schedule, Window

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def config(
    start: str, end: str, window: int, days: frozenset[int] = EVERY_DAY
) -> LimitConfig:
    hour, minute = map(int, start.split(":"))
    end_hour, end_minute = map(int, end.split(":"))
    return LimitConfig(
        name="Test",
        serial="QT100001",
        value="LAeq",
        window=window,
        days=days,
        start=time(hour, minute),
        end=time(end_hour, end_minute),
        level=75.0,
        margin=3.0,
    )


def at(text: str) -> float:
    """Return a London local time as POSIX seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).timestamp()


def local(moment: float) -> str:
    return datetime.fromtimestamp(moment, LONDON).strftime("%a %Y-%m-%d %H:%M %Z")


def span(window: Window | None) -> tuple[str, str, bool] | None:
    if window is None:
        return None
    return local(window.start), local(window.end), window.shortened


def test_hourly_windows_from_the_start() -> None:
    """LAeq,1h from 08:00 runs 08:00-09:00, 09:00-10:00, ..., Monday to Friday."""
    schedule = Schedule(config("08:00", "18:00", 60, WEEKDAYS), LONDON)
    tuesday = "2026-11-24"
    assert span(schedule.window_at(at(f"{tuesday} 08:00"))) == (
        "Tue 2026-11-24 08:00 GMT",
        "Tue 2026-11-24 09:00 GMT",
        False,
    )
    assert span(schedule.window_at(at(f"{tuesday} 09:59:59"))) == (
        "Tue 2026-11-24 09:00 GMT",
        "Tue 2026-11-24 10:00 GMT",
        False,
    )
    assert schedule.window_at(at(f"{tuesday} 07:59:59")) is None
    assert schedule.window_at(at(f"{tuesday} 18:00")) is None
    # Saturday: not scheduled; the next period starts on Monday.
    assert schedule.window_at(at("2026-11-28 10:00")) is None
    assert local(schedule.next_start(at("2026-11-28 10:00")) or 0) == (
        "Mon 2026-11-30 08:00 GMT"
    )
    assert local(schedule.next_start(at(f"{tuesday} 06:00")) or 0) == (
        "Tue 2026-11-24 08:00 GMT"
    )


def test_a_shortened_last_window() -> None:
    """Hourly windows from 08:00 to 17:30: the last is half an hour, and says so."""
    schedule = Schedule(config("08:00", "17:30", 60), LONDON)
    assert span(schedule.window_at(at("2026-11-24 17:10"))) == (
        "Tue 2026-11-24 17:00 GMT",
        "Tue 2026-11-24 17:30 GMT",
        True,
    )
    assert schedule.window_at(at("2026-11-24 17:30")) is None


def test_windows_past_midnight() -> None:
    """LAeq,15min 23:00-07:00: a night belongs to the day it starts."""
    schedule = Schedule(config("23:00", "07:00", 15, frozenset({4})), LONDON)  # Fri
    assert span(schedule.window_at(at("2026-11-28 00:05"))) == (
        "Sat 2026-11-28 00:00 GMT",
        "Sat 2026-11-28 00:15 GMT",
        False,
    )
    assert span(schedule.window_at(at("2026-11-28 06:59"))) == (
        "Sat 2026-11-28 06:45 GMT",
        "Sat 2026-11-28 07:00 GMT",
        False,
    )
    # Saturday night is not scheduled; Thursday night neither.
    assert schedule.window_at(at("2026-11-29 00:05")) is None
    assert schedule.window_at(at("2026-11-27 00:05")) is None


def test_all_day_and_the_whole_period() -> None:
    """00:00-00:00 is the whole day; window 0 makes the period one window."""
    daily = Schedule(config("00:00", "00:00", 0), LONDON)
    assert span(daily.window_at(at("2026-11-24 13:00"))) == (
        "Tue 2026-11-24 00:00 GMT",
        "Wed 2026-11-25 00:00 GMT",
        False,
    )
    working = Schedule(config("08:00", "18:00", 0, WEEKDAYS), LONDON)
    window = working.window_at(at("2026-11-24 12:00"))
    assert span(window) == (
        "Tue 2026-11-24 08:00 GMT",
        "Tue 2026-11-24 18:00 GMT",
        False,
    )
    assert window is not None
    assert window.seconds == 10 * 3600


def test_a_night_when_the_clocks_go_back() -> None:
    """25 October 2026: 23:00-07:00 lasts 9 hours, its hourly windows on the hour."""
    night = Schedule(config("23:00", "07:00", 0), LONDON)
    window = night.window_at(at("2026-10-25 03:00"))
    assert window is not None
    assert window.seconds == 9 * 3600
    hourly = Schedule(config("23:00", "07:00", 60), LONDON)
    starts = []
    moment = at("2026-10-24 23:00")
    while (window := hourly.window_at(moment)) is not None:
        starts.append(local(window.start))
        moment = window.end
    assert starts == [
        "Sat 2026-10-24 23:00 BST",
        "Sun 2026-10-25 00:00 BST",
        "Sun 2026-10-25 01:00 BST",
        "Sun 2026-10-25 01:00 GMT",
        "Sun 2026-10-25 02:00 GMT",
        "Sun 2026-10-25 03:00 GMT",
        "Sun 2026-10-25 04:00 GMT",
        "Sun 2026-10-25 05:00 GMT",
        "Sun 2026-10-25 06:00 GMT",
    ]


def test_a_day_when_the_clocks_go_forward() -> None:
    """29 March 2026 has 23 hours: LAeq,24h is 23 hours long, 01:00 is 02:00."""
    daily = Schedule(config("00:00", "00:00", 0), LONDON)
    window = daily.window_at(at("2026-03-29 12:00"))
    assert window is not None
    assert window.seconds == 23 * 3600
    hourly = Schedule(config("00:00", "00:00", 60), LONDON)
    assert span(hourly.window_at(at("2026-03-29 02:30"))) == (
        "Sun 2026-03-29 02:00 BST",
        "Sun 2026-03-29 03:00 BST",
        False,
    )
    assert daily.midnight(at("2026-03-29 12:00")) == at("2026-03-29 00:00")
    assert daily.next_midnight(at("2026-03-29 12:00")) == at("2026-03-30 00:00")
    assert (
        daily.next_midnight(at("2026-03-29 12:00"))
        - daily.midnight(at("2026-03-29 12:00"))
        == 23 * 3600
    )


def test_no_days_no_period() -> None:
    """A schedule without days (data a form would refuse) never applies."""
    schedule = Schedule(config("08:00", "18:00", 60, frozenset()), LONDON)
    assert schedule.window_at(at("2026-11-24 10:00")) is None
    assert schedule.next_start(at("2026-11-24 10:00")) is None
