"""Stored measurement periods, computed rather than stored.

Each period's values are a function of the instrument's serial, the period's
length and its start, drawn from a 64-bit hash (cheap enough for a month of
50 instruments), on the roadside site of ``levels``: quiet at night, busy by
day, now and then a loud vehicle. Where the live websocket actually sent
levels during a period, the period agrees with them: its LAeq is their energy
average, its maxima at least theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
import hashlib
import math
from typing import Any

from .levels import DAY, NIGHT, activity_at

DEFAULT_VALUES = ("LAeq", "LCPeak", "LAFMax")
LEQ = ("LAeq", "LCeq", "LZeq")
EXPOSURE = ("LAE", "LCE", "LZE", "LEX8")
PEAKS = ("LAPeak", "LCPeak", "LZPeak")
MAXIMA = (
    "LAFMax",
    "LASMax",
    "LAIMax",
    "LCFMax",
    "LCSMax",
    "LCIMax",
    "LZFMax",
    "LZSMax",
    "LZIMax",
)
STATISTICAL = ("LAF1", "LAF5", "LAF10", "LAF50", "LAF90", "LAF95", "LAF99")
MOVING = ("LeqT1Max", "LeqT2Max")
VALUE_NAMES = (*LEQ, *EXPOSURE, *PEAKS, *MAXIMA, *STATISTICAL, *MOVING)
# The moving averages come with a field that says what they average.
MOVING_TYPES = {
    "LeqT1Max": ("LeqT1Type", "LAeq,1s"),
    "LeqT2Max": ("LeqT2Type", "LAeq,60s"),
}
BY_LOWER = {name.lower(): name for name in VALUE_NAMES}

_MASK = (1 << 64) - 1
_UNIT = 1.0 / 65536.0
_EIGHT_HOURS = 8 * 3600
# A Gaussian spread of LAF (dB) raises its energy average by this times spread².
_GAUSS_LEQ = math.log(10.0) / 20.0
# Without a loud vehicle, LAFMax stays within this of the background (and 0.1 dB).
_QUIET_MAX = 2.33 * 4.0 + 1.5 + 3.0 + 0.1


def mix(value: int) -> int:
    """Return a well-stirred 64-bit hash of ``value`` (splitmix64)."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def units(value: int) -> tuple[float, float, float, float]:
    """Return four numbers in [0, 1) from the four 16-bit parts of a hash."""
    return (
        (value & 0xFFFF) * _UNIT,
        ((value >> 16) & 0xFFFF) * _UNIT,
        ((value >> 32) & 0xFFFF) * _UNIT,
        (value >> 48) * _UNIT,
    )


@dataclass(frozen=True, slots=True)
class Site:
    """What sets one instrument's site apart: louder or quieter, more rumble."""

    seed: int
    offset: float  # dB added to the background
    rumble: float  # dB of LCeq over LAeq

    @staticmethod
    @cache
    def of(serial: str) -> Site:
        """Return the site of ``serial``, the same in every run."""
        digest = hashlib.blake2b(serial.encode(), digest_size=8).digest()
        seed = int.from_bytes(digest, "big")
        a, b, _, _ = units(mix(seed))
        return Site(seed, -2.0 + 4.0 * a, 4.0 + 3.0 * b)


@cache
def _time_of_day(middle: int, length: int) -> tuple[float, float, float]:
    """Return how busy the road is, its background and a loud vehicle's chance.

    For a period of ``length`` s whose middle is ``middle`` s after midnight
    UTC: a loud vehicle is likelier by day, and in a longer period.
    """
    busy = activity_at(middle / 3600.0)
    chance = 1.0 - (1.0 - 0.001 - 0.02 * busy) ** (length / 60)
    return busy, NIGHT + (DAY - NIGHT) * busy, chance


def _level(value: Any) -> float | None:
    """Return a sound level in dB, else None (a "no data" sentinel is none)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if -100.0 <= value <= 250.0 else None


@dataclass(slots=True)
class LiveBucket:
    """What the live websocket sent of one instrument in a stretch of time."""

    energy: float = 0.0  # the sum of 10^(LAeq/10) of the LAeq values sent
    count: int = 0
    laf: float = -math.inf
    lapeak: float = -math.inf
    lcpeak: float = -math.inf

    def add(self, values: Mapping[str, Any]) -> None:
        """Count one live message's values."""
        if (laeq := _level(values.get("LAeq"))) is not None:
            self.energy += 10.0 ** (laeq / 10.0)
            self.count += 1
        if (laf := _level(values.get("LAF"))) is not None:
            self.laf = max(self.laf, laf)
        if (lapeak := _level(values.get("LAPeak"))) is not None:
            self.lapeak = max(self.lapeak, lapeak)
        if (lcpeak := _level(values.get("LCPeak"))) is not None:
            self.lcpeak = max(self.lcpeak, lcpeak)

    def merge(self, other: LiveBucket) -> None:
        """Add another bucket's counts to this one."""
        self.energy += other.energy
        self.count += other.count
        self.laf = max(self.laf, other.laf)
        self.lapeak = max(self.lapeak, other.lapeak)
        self.lcpeak = max(self.lcpeak, other.lcpeak)


class LiveLog:
    """The live levels sent, by instrument and UTC minute, the oldest forgotten.

    A minute lies inside one period of any length the simulator uses, so the
    buckets of a period add up to what was sent in it.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        """Keep at most ``capacity`` minutes per instrument (50,000: a month)."""
        self.capacity = capacity
        self._minutes: dict[str, dict[int, LiveBucket]] = {}

    def record(self, serial: str, moment: float, values: Mapping[str, Any]) -> None:
        """Count the values sent at ``moment`` (a POSIX timestamp)."""
        minutes = self._minutes.setdefault(serial, {})
        minute = int(moment // 60) * 60
        bucket = minutes.get(minute)
        if bucket is None:
            if len(minutes) >= self.capacity:
                del minutes[next(iter(minutes))]
            bucket = minutes[minute] = LiveBucket()
        bucket.add(values)

    def periods(
        self, serial: str, length: int, start: float, end: float
    ) -> dict[int, LiveBucket]:
        """Return what was sent per period of ``length`` seconds from start to end."""
        periods: dict[int, LiveBucket] = {}
        for minute, bucket in self._minutes.get(serial, {}).items():
            if start <= minute < end:
                periods.setdefault(minute // length * length, LiveBucket()).merge(
                    bucket
                )
        return periods


@dataclass(slots=True)
class Period:
    """One measurement period's values, and the loud moment it may hold."""

    start: int  # POSIX seconds
    length: int  # seconds
    values: dict[str, float]
    seconds: float  # how long its loudest moment lasts
    offset: float  # where that moment starts, as a share of what is left
    hash: int


def _loudness(draw: float) -> float:
    """Return how far (dB) a loud vehicle rises over the background: mostly 8-15."""
    return 8.0 + 22.0 * draw * draw * draw


def may_exceed(site: Site, start: int, length: int, trigger: float) -> bool:
    """Return False only if the period's LAFMax cannot be over ``trigger``.

    It draws what ``period`` draws, and no more: a month of events asks it
    about every period of every instrument. Live levels are not considered.
    """
    _, background, chance = _time_of_day((start + length // 2) % 86400, length)
    background += site.offset
    if background + _QUIET_MAX >= trigger:
        return True
    draw = mix(site.seed ^ start ^ (length << 40))
    if ((draw >> 16) & 0xFFFF) * _UNIT >= chance:
        return False
    return background + _loudness(((draw >> 32) & 0xFFFF) * _UNIT) + 0.1 > trigger


def period(
    site: Site,
    start: int,
    length: int,
    *,
    full: bool = False,
    live: LiveBucket | None = None,
) -> Period:
    """Return the stored values of the period of ``length`` s from ``start``.

    ``full``: every value, else only the default three. ``live``: what the
    websocket sent in the period, which the values then agree with.
    """
    first = mix(site.seed ^ start ^ (length << 40))
    second = mix(first)
    u0, u1, u2, u3 = units(first)
    u4, u5, u6, u7 = units(second)
    busy, background, chance = _time_of_day((start + length // 2) % 86400, length)
    background += site.offset
    spread = 1.5 + 2.0 * busy + 0.5 * u0
    laeq = background + _GAUSS_LEQ * spread * spread
    l1 = background + 2.33 * spread
    lafmax = l1 + 1.5 + 3.0 * u5
    seconds = min(3.0 + 12.0 * u3, length / 2)
    if u1 < chance:
        loud = background + _loudness(u2)
        laeq = 10.0 * math.log10(
            10.0 ** (laeq / 10.0) + seconds / length * 10.0 ** ((loud - 3.0) / 10.0)
        )
        lafmax = max(lafmax, loud)
        l1 = max(l1, loud - 6.0)
    exact: float | None = None
    if live is not None:
        if live.count:
            # Everything moves with the LAeq, so the levels keep their order.
            exact = 10.0 * math.log10(live.energy / live.count)
            shift = exact - laeq
            background += shift
            l1 += shift
            lafmax += shift
            laeq = exact
        lafmax = max(lafmax, live.laf)
    lapeak = lafmax + 12.0 + 6.0 * u7
    if live is not None:
        lapeak = max(lapeak, live.lapeak)
    lcpeak = lapeak + 1.0 + 4.0 * u4
    if live is not None:
        lcpeak = max(lcpeak, live.lcpeak)
    values = {"LAeq": laeq, "LCPeak": lcpeak, "LAFMax": lafmax}
    if full:
        values.update(
            _others(
                site,
                (laeq, lafmax, lapeak, lcpeak, background, spread, l1),
                length,
                (u3, u4, u5, u6),
            )
        )
    rounded = {name: round(value, 1) for name, value in values.items()}
    if exact is not None:
        rounded["LAeq"] = exact
    return Period(start, length, rounded, seconds, u6, second)


def _others(
    site: Site,
    levels: tuple[float, float, float, float, float, float, float],
    length: int,
    draws: tuple[float, float, float, float],
) -> dict[str, float]:
    """Return the values beyond the default three."""
    laeq, lafmax, lapeak, lcpeak, background, spread, l1 = levels
    u3, u4, u5, u6 = draws
    c = site.rumble + 0.6 * (u4 - 0.5)
    z = c + 1.0 + 1.5 * u6
    lasmax = max(l1, lafmax - 0.5 - 2.0 * u6)
    laimax = lafmax + 0.5 + 1.5 * u3
    exposure = 10.0 * math.log10(length)
    return {
        "LCeq": laeq + c,
        "LZeq": laeq + z,
        "LAE": laeq + exposure,
        "LCE": laeq + c + exposure,
        "LZE": laeq + z + exposure,
        "LEX8": laeq + 10.0 * math.log10(length / _EIGHT_HOURS),
        "LAPeak": lapeak,
        "LZPeak": lcpeak + 0.5 + 1.5 * u5,
        "LASMax": lasmax,
        "LAIMax": laimax,
        "LCFMax": lafmax + 0.6 * c,
        "LCSMax": lasmax + 0.6 * c,
        "LCIMax": laimax + 0.6 * c,
        "LZFMax": lafmax + 0.6 * z,
        "LZSMax": lasmax + 0.6 * z,
        "LZIMax": laimax + 0.6 * z,
        "LAF1": l1,
        "LAF5": background + 1.64 * spread,
        "LAF10": background + 1.28 * spread,
        "LAF50": background + 0.2 * spread * (u5 - 0.5),
        "LAF90": background - 1.28 * spread,
        "LAF95": background - 1.64 * spread,
        "LAF99": background - 2.33 * spread,
        "LeqT1Max": laeq + 0.55 * (lafmax - laeq),
        "LeqT2Max": laeq + 0.3 * (lafmax - laeq),
    }


def recalculate(
    periods: Iterable[Mapping[str, float]], names: Iterable[str]
) -> dict[str, float]:
    """Return the values of consecutive periods of equal length taken as one.

    Equivalent levels average energetically, exposures add up, maxima and
    peaks take the highest; statistical levels cannot be recalculated.
    """
    chosen = list(periods)
    values: dict[str, float] = {}
    for name in names:
        levels = [period[name] for period in chosen]
        if name in LEQ or name in EXPOSURE:
            energy = sum(10.0 ** (level / 10.0) for level in levels)
            if name in LEQ:
                energy /= len(levels)
            values[name] = round(10.0 * math.log10(energy), 1)
        else:
            values[name] = max(levels)
    return values
