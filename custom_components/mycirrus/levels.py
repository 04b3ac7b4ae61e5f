"""Live noise levels: which values exist, and how a stream of them is written.

A monitor sends about one value a second per type; a sensor writes at most once
per interval what an acoustician would read off the interval:

- equivalent continuous levels (``LAeq``, ``LCeq``, ``LZeq`` and the octave
  bands, which are Leq per band): the energetic average,
  10·log10 of the mean of 10^(L/10), never the arithmetic mean of decibels;
- peaks and maxima (``LCPeak``, ``LAPeak``, ``LAFMax`` ...): the maximum;
- minima (``LAFMin`` ...): the minimum;
- time-weighted levels (``LAF``, ``LAS``, ``LAI``) and statistical levels
  (``Ln10``, ``Ln90``), which the monitor already computes over its own
  window: the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Final

# The documented live values, in the order the options form lists them.
LIVE_VALUES: Final = (
    "LAeq",
    "LCeq",
    "LZeq",
    "LAF",
    "LAS",
    "LCPeak",
    "LAPeak",
    "Ln10",
    "Ln90",
    "31.5Hz",
    "63Hz",
    "125Hz",
    "250Hz",
    "500Hz",
    "1KHz",
    "2KHz",
    "4KHz",
    "8KHz",
    "16KHz",
)


# Sound levels outside these bounds are no measurement (a "no data" sentinel
# such as 99999, or garbage): they are dropped, and 10^(L/10) cannot overflow.
LOWEST_LEVEL: Final = -50.0
HIGHEST_LEVEL: Final = 250.0


def plausible(level: float) -> bool:
    """Return whether ``level`` (dB) can be a measured sound level."""
    return LOWEST_LEVEL <= level <= HIGHEST_LEVEL


class LevelKind(StrEnum):
    """How the values of one interval become the written level."""

    ENERGETIC_MEAN = "energetic_mean"
    MAXIMUM = "maximum"
    MINIMUM = "minimum"
    LATEST = "latest"


def level_kind(name: str) -> LevelKind:
    """Return how values named ``name`` are combined over an interval."""
    lowered = name.lower()
    if "peak" in lowered or "max" in lowered:
        return LevelKind.MAXIMUM
    if "min" in lowered:
        return LevelKind.MINIMUM
    if lowered.endswith(("eq", "hz")):
        return LevelKind.ENERGETIC_MEAN
    return LevelKind.LATEST


def translation_key(name: str) -> str:
    """Return the snake_case translation key of a value: 31.5Hz is band_31_5hz."""
    lowered = name.lower()
    if lowered.endswith("hz"):
        return "band_" + lowered.replace(".", "_")
    return lowered


@dataclass(slots=True)
class LevelWindow:
    """The values of one live level received since it was last written."""

    kind: LevelKind
    _count: int = 0
    _energy: float = 0.0
    _extreme: float | None = None
    _latest: float | None = None

    def add(self, level: float) -> None:
        """Take one value, in dB."""
        self._count += 1
        self._latest = level
        if self.kind is LevelKind.ENERGETIC_MEAN:
            self._energy += 10 ** (level / 10)
        elif self.kind is LevelKind.MAXIMUM:
            self._extreme = (
                level if self._extreme is None else max(self._extreme, level)
            )
        elif self.kind is LevelKind.MINIMUM:
            self._extreme = (
                level if self._extreme is None else min(self._extreme, level)
            )

    def take(self) -> float | None:
        """Return the interval's level and start a new interval; None if empty."""
        if self._count == 0:
            return None
        if self.kind is LevelKind.ENERGETIC_MEAN:
            level: float | None = 10 * math.log10(self._energy / self._count)
        elif self.kind is LevelKind.LATEST:
            level = self._latest
        else:
            level = self._extreme
        self.clear()
        return level

    def clear(self) -> None:
        """Forget the interval's values."""
        self._count = 0
        self._energy = 0.0
        self._extreme = self._latest = None
