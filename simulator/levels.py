"""Plausible, moving noise levels for the live websocket.

A roadside site: quiet at night, busy by day, with now and then a lorry
passing. Each instrument draws from its own random generator seeded with its
serial, so a run is repeatable and tests can rely on ranges.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
import math
import random

OCTAVES = (
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
NAMES = (
    "LAeq",
    "LCeq",
    "LZeq",
    "LAF",
    "LAS",
    "LCPeak",
    "LAPeak",
    "Ln10",
    "Ln90",
    *OCTAVES,
)

NIGHT = 42.0  # dB(A), background in the small hours
DAY = 60.0  # dB(A), background through the working day
# Road traffic, unweighted, relative: most energy low, falling off above 1 kHz.
SPECTRUM = (-2.0, 0.0, -1.0, -3.0, -5.0, -6.0, -8.0, -12.0, -18.0, -27.0)
_SPREAD = 2.0  # standard deviation of LAF around the background, dB
# The energy average runs over the last minute of the simulator's clock.
_WINDOW = timedelta(seconds=60)


def activity(moment: datetime) -> float:
    """Return how busy the road is at ``moment``: 0 at night, 1 by day."""
    return activity_at(moment.hour + moment.minute / 60)


def activity_at(hour: float) -> float:
    """Return how busy the road is at ``hour`` (0 to 24, UTC): 0 at night, 1 by day."""
    return min(_ramp(hour, 5.0, 8.0), 1.0 - _ramp(hour, 19.0, 23.0))


def _ramp(value: float, start: float, end: float) -> float:
    share = min(1.0, max(0.0, (value - start) / (end - start)))
    return share * share * (3.0 - 2.0 * share)


def energy_sum(levels: list[float]) -> float:
    """Return the level of several sounds together."""
    return 10.0 * math.log10(sum(10.0 ** (level / 10.0) for level in levels))


def energy_mean(levels: list[float]) -> float:
    """Return the energy average of levels, as an Leq does."""
    return energy_sum(levels) - 10.0 * math.log10(len(levels))


class NoiseLevels:
    """The sound at one instrument, one sample per call."""

    def __init__(self, serial: str) -> None:
        """Start the instrument's own, repeatable random sequence."""
        self._random = random.Random(serial)
        # Sites differ: a little louder or quieter, more or less low rumble.
        self._site = self._random.uniform(-2.0, 2.0)
        self._rumble = self._random.uniform(4.0, 7.0)
        self._event: list[float] = []
        self._las: float | None = None
        self._recent: deque[tuple[datetime, float]] = deque(maxlen=600)

    def background(self, moment: datetime) -> float:
        """Return the site's background level (dB(A)) at ``moment``."""
        return NIGHT + (DAY - NIGHT) * activity(moment) + self._site

    def sample(self, now: datetime, works: float | None = None) -> dict[str, float]:
        """Return every live value at ``now``, one decimal each.

        ``works``: the level (dB(A)) of site works beside the instrument.
        """
        rand = self._random
        background = self.background(now)
        laf = background + rand.gauss(0.0, _SPREAD) + self._event_gain(now)
        if works is not None:
            laf = energy_sum([laf, works + rand.gauss(0.0, 1.0)])
        self._las = laf if self._las is None else self._las + 0.35 * (laf - self._las)
        laeq = self._leq(now, laf)
        lceq = laeq + self._rumble + rand.uniform(-0.3, 0.3)
        lzeq = lceq + rand.uniform(1.0, 2.5)
        lapeak = laf + rand.uniform(15.0, 24.0)
        values = {
            "LAeq": laeq,
            "LCeq": lceq,
            "LZeq": lzeq,
            "LAF": laf,
            "LAS": self._las,
            "LCPeak": lapeak + rand.uniform(0.5, 5.5),
            "LAPeak": lapeak,
            # The levels exceeded 10 % and 90 % of the time, of the background;
            # Ln90 stays under the Leq, which the events only raise.
            "Ln10": background + 1.28 * _SPREAD + rand.uniform(-0.3, 0.3),
            "Ln90": min(
                background - 1.28 * _SPREAD + rand.uniform(-0.3, 0.3), laeq - 0.5
            ),
        }
        values.update(self._octaves(lzeq))
        return {name: round(value, 1) for name, value in values.items()}

    def _event_gain(self, now: datetime) -> float:
        """Return the rise (dB) a passing vehicle adds to this sample."""
        if not self._event and self._random.random() < 0.01 + 0.04 * activity(now):
            peak = self._random.uniform(10.0, 20.0)
            length = self._random.randint(3, 7)
            # Rises as it approaches, falls as it goes: a half sine.
            self._event = [
                peak * math.sin(math.pi * (step + 1) / (length + 1))
                for step in range(length)
            ]
        return self._event.pop(0) if self._event else 0.0

    def _leq(self, now: datetime, laf: float) -> float:
        self._recent.append((now, laf))
        # A clock jump (a test moving from day to night) starts a new minute.
        while abs(now - self._recent[0][0]) > _WINDOW:
            self._recent.popleft()
        return energy_mean([level for _, level in self._recent])

    def _octaves(self, lzeq: float) -> dict[str, float]:
        """Return octave bands whose energy adds up to ``lzeq``."""
        raw = [shape + self._random.gauss(0.0, 1.0) for shape in SPECTRUM]
        shift = lzeq - energy_sum(raw)
        return {name: level + shift for name, level in zip(OCTAVES, raw, strict=True)}
