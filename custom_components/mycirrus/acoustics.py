"""Stored measurement periods: hourly statistics and rating levels.

An instrument stores one record per measurement period (often 1 to 15
minutes). Home Assistant keeps long-term statistics per hour, and noise is
judged per day, evening and night, so periods are combined as an acoustician
would combine them:

- equivalent continuous levels (``LAeq`` ...) carry energy: decibels are a
  logarithm, so they average energetically, weighted by duration;
  60 and 80 dB average to 77.0 dB, not 70;
- maxima and peaks (``LAFMax``, ``LCPeak`` ...): a peak must not be averaged
  away, so an hour's maximum is the largest of its periods;
- statistical levels (``LAF90`` ...) are percentiles of a period's
  distribution, which cannot be rebuilt from the periods' values; the
  duration-weighted arithmetic mean is the usual approximation.

Periods are ``(start, duration, value)``: start an aware datetime (the start
of the period), duration in seconds, value in dB. Where a record has no period
of its own, its duration is the instrument's measurement period. A period with
no duration or with a value that is no measurement (see ``levels.plausible``)
is left out, and a period seen twice (the same start) counts once, the last
one seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
import math
import re
from typing import Final

from .levels import plausible

type Period = tuple[datetime, float, float]

# The documented stored values the options form offers. The sound exposure
# levels LAE, LCE, LZE and LEX8 are left out: they sum the energy of a whole
# period rather than describe its level, so neither an hour's mean nor its
# maximum means anything for them.
STORED_VALUES: Final = (
    "LAeq",
    "LCeq",
    "LZeq",
    "LAFMax",
    "LASMax",
    "LAIMax",
    "LCFMax",
    "LCSMax",
    "LCIMax",
    "LZFMax",
    "LZSMax",
    "LZIMax",
    "LAPeak",
    "LCPeak",
    "LZPeak",
    "LAF1",
    "LAF5",
    "LAF10",
    "LAF50",
    "LAF90",
    "LAF95",
    "LAF99",
    "LeqT1Max",
    "LeqT2Max",
)
DEFAULT_STORED_VALUES: Final = ("LAeq", "LAFMax", "LCPeak", "LAF90")

# A rating level from less than this share of its window says too little.
MIN_COVERAGE: Final = 0.75

_STATISTICAL = re.compile(r"l[acz][fsi]\d{1,2}")


class StoredKind(StrEnum):
    """How the stored values of several periods combine."""

    ENERGETIC = "energetic"
    MAXIMUM = "maximum"
    STATISTICAL = "statistical"


def stored_kind(name: str) -> StoredKind:
    """Return how stored values named ``name`` (any letter case) combine.

    Raises ValueError for a name that is no level of a period (LAE, LEX8 ...).
    """
    lowered = name.lower()
    if "peak" in lowered or lowered.endswith("max"):
        return StoredKind.MAXIMUM
    if lowered.endswith("eq"):
        return StoredKind.ENERGETIC
    if _STATISTICAL.fullmatch(lowered):
        return StoredKind.STATISTICAL
    raise ValueError(f"not a stored level: {name}")


def energetic_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Return the energetic mean of (level dB, weight s) pairs; None if no weight.

    10·log10(Σ w·10^(L/10) / Σ w), computed relative to the loudest level so
    that 10^(L/10) neither overflows nor loses the quiet levels.
    """
    weighted = [(level, weight) for level, weight in pairs if weight > 0]
    return _energetic(weighted) if weighted else None


def _energetic(pairs: list[tuple[float, float]]) -> float:
    """Return the energetic mean of pairs that all have a positive weight."""
    top = max(level for level, _ in pairs)
    energy = sum(weight * 10 ** ((level - top) / 10) for level, weight in pairs)
    return top + 10 * math.log10(energy / sum(weight for _, weight in pairs))


def _arithmetic_mean(pairs: list[tuple[float, float]]) -> float:
    return sum(level * weight for level, weight in pairs) / sum(w for _, w in pairs)


def _measured(periods: Iterable[Period]) -> dict[datetime, tuple[float, float]]:
    """Return the usable periods by UTC start, each start once (the last seen)."""
    by_start: dict[datetime, tuple[float, float]] = {}
    for start, duration, value in periods:
        if start.utcoffset() is None:
            raise ValueError(f"naive period start: {start}")
        if duration > 0 and plausible(value):
            by_start[start.astimezone(UTC)] = (duration, value)
    return by_start


@dataclass(frozen=True, kw_only=True, slots=True)
class HourRow:
    """One hour of one value, as Home Assistant's long-term statistics hold it.

    ``fingerprint`` equals that of another row of the same hour when both
    were made from the same periods (and, but for a chance of one in 2**64,
    only then): an hour whose late periods arrived has a new one and is
    imported again. A hash, small enough to keep for two days of hours of
    many instruments; it holds within one run of Home Assistant only.
    """

    start: datetime
    mean: float
    min: float
    max: float
    duration: float
    count: int
    fingerprint: int


def hourly_rows(periods: Iterable[Period], kind: StoredKind) -> list[HourRow]:
    """Return a row per UTC hour in which a period starts, sorted by hour.

    A period belongs to the hour its start falls in; an hour in which no period
    starts has no row (nothing is invented). Energetic values take the
    energetic mean; maxima and statistical levels the duration-weighted
    arithmetic mean; every kind keeps its periods' extremes as min and max, so
    a maximum's peak survives in ``max``.
    """
    hours: defaultdict[datetime, list[Period]] = defaultdict(list)
    for start, (duration, value) in _measured(periods).items():
        hour = start.replace(minute=0, second=0, microsecond=0)
        hours[hour].append((start, duration, value))
    rows = []
    for hour, members in sorted(hours.items()):
        members.sort()
        pairs = [(value, duration) for _, duration, value in members]
        if kind is StoredKind.ENERGETIC:
            mean = _energetic(pairs)
        else:
            mean = _arithmetic_mean(pairs)
        rows.append(
            HourRow(
                start=hour,
                mean=mean,
                min=min(value for value, _ in pairs),
                max=max(value for value, _ in pairs),
                duration=sum(duration for _, duration in pairs),
                count=len(members),
                fingerprint=hash(tuple((s.timestamp(), d, v) for s, d, v in members)),
            )
        )
    return rows


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


type Spans = tuple[tuple[datetime, datetime], ...]


def rating_windows(day: date, tz: tzinfo, hours: RatingHours) -> dict[str, Spans]:
    """Return the UTC spans of the day, evening and night of a calendar day in tz.

    The calendar day runs from local midnight to the next, so it lasts 23 or 25
    hours where the clocks change; the night is its hours before the day
    starts and after the night starts. Local hours become UTC through the time
    zone's own rules (a zoneinfo): an hour the clocks skip maps to the moment
    they skip it, an hour they repeat to its first occurrence.
    """

    def utc(days: int, hour: int) -> datetime:
        local = datetime.combine(day + timedelta(days=days), time(hour), tzinfo=tz)
        return local.astimezone(UTC)

    return {
        "day": ((utc(0, hours.day_start), utc(0, hours.evening_start)),),
        "evening": ((utc(0, hours.evening_start), utc(0, hours.night_start)),),
        "night": (
            (utc(0, 0), utc(0, hours.day_start)),
            (utc(0, hours.night_start), utc(1, 0)),
        ),
    }


@dataclass(frozen=True, kw_only=True, slots=True)
class RatingLevels:
    """The LAeq of a day's windows and Lden; None where too little is known.

    ``coverage`` is the share (0 to 1) of each window ("day", "evening",
    "night") that periods starting in it cover; an empty window covers 0.
    """

    day: date
    laeq_day: float | None
    laeq_evening: float | None
    laeq_night: float | None
    lden: float | None
    coverage: Mapping[str, float]


def rating_levels(
    periods: Iterable[Period], day: date, tz: tzinfo, hours: RatingHours
) -> RatingLevels:
    """Return the rating levels of one calendar day in ``tz`` from LAeq periods.

    A window's level is the energetic mean of the periods that start in it, if
    they cover at least MIN_COVERAGE of it. Lden weights the evening by 5 dB
    and the night by 10 dB over the windows' lengths in hours (12, 4 and 8 on
    an ordinary day with the EU hours); it is not defined without an evening.
    """
    windows = rating_windows(day, tz, hours)
    measured = _measured(periods)
    levels: dict[str, float | None] = {}
    coverage: dict[str, float] = {}
    lengths: dict[str, float] = {}
    for name, spans in windows.items():
        lengths[name] = sum((end - start).total_seconds() for start, end in spans)
        pairs = [
            (value, duration)
            for start, (duration, value) in measured.items()
            if any(low <= start < high for low, high in spans)
        ]
        covered = sum(duration for _, duration in pairs)
        coverage[name] = min(1.0, covered / lengths[name]) if lengths[name] else 0.0
        enough = coverage[name] >= MIN_COVERAGE
        levels[name] = energetic_mean(pairs) if enough else None
    return RatingLevels(
        day=day,
        laeq_day=levels["day"],
        laeq_evening=levels["evening"],
        laeq_night=levels["night"],
        lden=_lden(levels, lengths),
        coverage=coverage,
    )


def _lden(
    levels: Mapping[str, float | None], lengths: Mapping[str, float]
) -> float | None:
    day, evening, night = levels["day"], levels["evening"], levels["night"]
    if day is None or evening is None or night is None:
        return None
    # A level is only known for a window that has a length.
    return _energetic(
        [
            (day, lengths["day"]),
            (evening + 5, lengths["evening"]),
            (night + 10, lengths["night"]),
        ]
    )


def conditions_poor(
    wind_speed: float | None, precipitation: float | None, wind_limit: float
) -> bool | None:
    """Return whether wind (m/s) or rain (mm/h) spoil noise measurements now.

    Wind over the microphone and rain make noise of their own, so guidance
    for environmental noise surveys (BS 4142, for one) sets measurements made
    in them aside; 5 m/s is a common wind limit. None when neither is known.
    """
    if wind_speed is None and precipitation is None:
        return None
    windy = wind_speed is not None and wind_speed > wind_limit
    return windy or (precipitation is not None and precipitation > 0)
