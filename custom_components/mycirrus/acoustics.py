"""Decibel arithmetic: how stored periods combine into hours and windows.

An instrument stores one record per measurement period (often 1 to 15
minutes). Home Assistant keeps long-term statistics per hour, and noise is
judged per day, evening and night (rating.py), so periods are combined as an
acoustician would combine them:

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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
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
    return energetic(weighted) if weighted else None


def energetic(pairs: list[tuple[float, float]]) -> float:
    """Return the energetic mean of pairs that all have a positive weight."""
    top = max(level for level, _ in pairs)
    energy = sum(weight * 10 ** ((level - top) / 10) for level, weight in pairs)
    return top + 10 * math.log10(energy / sum(weight for _, weight in pairs))


def _arithmetic_mean(pairs: list[tuple[float, float]]) -> float:
    return sum(level * weight for level, weight in pairs) / sum(w for _, w in pairs)


def hour_floor(moment: datetime) -> datetime:
    """Return the start of the hour ``moment`` falls in (whole UTC hours).

    The one place an hour is found: statistics, read points, gaps and
    requests all count in the same hours.
    """
    return moment.replace(minute=0, second=0, microsecond=0)


def measured(periods: Iterable[Period]) -> dict[datetime, tuple[float, float]]:
    """Return the usable periods by UTC start, each start once (the last seen).

    Each maps to its (duration, value).
    """
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
    for start, (duration, value) in measured(periods).items():
        hour = hour_floor(start)
        hours[hour].append((start, duration, value))
    rows = []
    for hour, members in sorted(hours.items()):
        members.sort()
        pairs = [(value, duration) for _, duration, value in members]
        if kind is StoredKind.ENERGETIC:
            mean = energetic(pairs)
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
