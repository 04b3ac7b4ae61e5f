"""Rating levels: the LAeq of the day, the evening and the night, and Lden.

A rating day starts at the day's start (07:00 unless the options say) and runs
to the same hour next morning: the day, then the evening, then the night that
follows, one contiguous window each, in Home Assistant's time zone. The EU
Environmental Noise Directive defines Lden over such a day:

    Lden = 10·log10((Nd·10^(Ld/10) + Ne·10^((Le+5)/10) + Nn·10^((Ln+10)/10)) / 24)

with Nd, Ne and Nn the windows' nominal hours (12, 4 and 8 with the EU hours).
Where the clocks change, a window lasts an hour more or less: its LAeq is the
energetic mean over its real duration, and Lden still weights it by its
nominal hours, as the directive defines them.

Each sensor shows the last window of its kind that has ended: the last night
is 23:00 to 07:00 this morning once it is past 07:00, and Lden is of the last
rating day that has ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final

from .acoustics import Period, energetic, energetic_mean, measured

# A rating level from less than this share of its window says too little.
MIN_COVERAGE: Final = 0.75
WINDOWS: Final = ("day", "evening", "night")


@dataclass(frozen=True, kw_only=True, slots=True)
class RatingHours:
    """Local hours at which the day, evening and night windows start.

    The defaults are the EU Environmental Noise Directive's (day 07-19,
    evening 19-23, night 23-07). ``evening_start == night_start`` means no
    evening, as in the UK's LAeq,16h 07-23 and LAeq,8h 23-07.
    """

    day_start: int = 7
    evening_start: int = 19
    night_start: int = 23

    def __post_init__(self) -> None:
        """Refuse hours out of order or outside 0-23."""
        if not 0 <= self.day_start < self.evening_start <= self.night_start <= 23:
            raise ValueError(f"rating hours out of order: {self}")

    @property
    def nominal(self) -> Mapping[str, int]:
        """Return each window's nominal length in hours (12, 4 and 8 in the EU)."""
        return {
            "day": self.evening_start - self.day_start,
            "evening": self.night_start - self.evening_start,
            "night": 24 - self.night_start + self.day_start,
        }


type Span = tuple[datetime, datetime]


def rating_windows(day: date, tz: tzinfo, hours: RatingHours) -> dict[str, Span]:
    """Return the UTC start and end of the windows of the rating day ``day``.

    The rating day starts on ``day`` at the day's start and ends at the same
    local hour next morning; the night runs from its start to then. Local
    hours become UTC through the time zone's own rules (a zoneinfo): an hour
    the clocks skip maps to the moment they skip it, an hour they repeat to
    its first occurrence. An evening of no hours starts where it ends.
    """

    def utc(days: int, hour: int) -> datetime:
        local = datetime.combine(day + timedelta(days=days), time(hour), tzinfo=tz)
        return local.astimezone(UTC)

    return {
        "day": (utc(0, hours.day_start), utc(0, hours.evening_start)),
        "evening": (utc(0, hours.evening_start), utc(0, hours.night_start)),
        "night": (utc(0, hours.night_start), utc(1, hours.day_start)),
    }


def last_ended(now: datetime, tz: tzinfo, hours: RatingHours, window: str) -> date:
    """Return the rating day whose ``window`` ended last, at or before ``now``."""
    today = now.astimezone(tz).date()
    for back in range(3):
        day = today - timedelta(days=back)
        if rating_windows(day, tz, hours)[window][1] <= now:
            return day
    raise AssertionError("a window of every kind ends within three days")


@dataclass(frozen=True, kw_only=True, slots=True)
class WindowLevel:
    """The LAeq of one window, None where too little is known.

    ``day`` is the rating day the window belongs to; ``coverage`` the share
    (0 to 1) of the window that periods starting in it cover. For Lden the
    window is the whole rating day and the coverage its least covered window.
    """

    day: date
    start: datetime
    end: datetime
    level: float | None
    coverage: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RatingLevels:
    """The last ended day, evening and night, and the last ended rating day's Lden."""

    laeq_day: WindowLevel
    laeq_evening: WindowLevel
    laeq_night: WindowLevel
    lden: WindowLevel


def _window(
    periods: Mapping[datetime, tuple[float, float]], day: date, span: Span
) -> WindowLevel:
    """Return the energetic mean of the periods that start in ``span``.

    Known only where they cover at least MIN_COVERAGE of it.
    """
    low, high = span
    pairs = [
        (value, duration)
        for start, (duration, value) in periods.items()
        if low <= start < high
    ]
    length = (high - low).total_seconds()
    covered = sum(duration for _, duration in pairs)
    coverage = min(1.0, covered / length) if length > 0 else 0.0
    level = energetic_mean(pairs) if coverage >= MIN_COVERAGE else None
    return WindowLevel(day=day, start=low, end=high, level=level, coverage=coverage)


def day_levels(
    periods: Iterable[Period], day: date, tz: tzinfo, hours: RatingHours
) -> dict[str, WindowLevel]:
    """Return the day, evening and night of one rating day, and its Lden."""
    return _day_levels(measured(periods), day, tz, hours)


def _day_levels(
    periods: Mapping[datetime, tuple[float, float]],
    day: date,
    tz: tzinfo,
    hours: RatingHours,
) -> dict[str, WindowLevel]:
    spans = rating_windows(day, tz, hours)
    levels = {name: _window(periods, day, spans[name]) for name in WINDOWS}
    levels["lden"] = WindowLevel(
        day=day,
        start=spans["day"][0],
        end=spans["night"][1],
        level=lden({name: levels[name].level for name in WINDOWS}, hours.nominal),
        coverage=min(levels[name].coverage for name in WINDOWS),
    )
    return levels


def rating_levels(
    periods: Iterable[Period], now: datetime, tz: tzinfo, hours: RatingHours
) -> RatingLevels:
    """Return the rating levels of the windows that ended last before ``now``.

    From LAeq periods; CPU-bound for many periods: run it in an executor.
    """
    by_start = measured(periods)
    days: dict[date, dict[str, WindowLevel]] = {}

    def of(window: str) -> dict[str, WindowLevel]:
        day = last_ended(now, tz, hours, window)
        if day not in days:
            days[day] = _day_levels(by_start, day, tz, hours)
        return days[day]

    return RatingLevels(
        laeq_day=of("day")["day"],
        laeq_evening=of("evening")["evening"],
        laeq_night=of("night")["night"],
        lden=of("night")["lden"],
    )


def lden(
    levels: Mapping[str, float | None], nominal: Mapping[str, int]
) -> float | None:
    """Return Lden of a rating day's window levels, weighted by nominal hours.

    None when a window's level is unknown, or when there is no evening
    (Lden is not defined without one).
    """
    day, evening, night = (levels[name] for name in WINDOWS)
    if day is None or evening is None or night is None or not nominal["evening"]:
        return None
    return energetic(
        [
            (day, nominal["day"]),
            (evening + 5, nominal["evening"]),
            (night + 10, nominal["night"]),
        ]
    )
