"""Each instrument's stored periods since yesterday's local midnight.

Answers bring periods again (every hour's re-read brings two days): only those
new or changed go on to the limits. A limit that starts (added, changed, or
its instrument followed again) is given what is kept at once.
"""

from __future__ import annotations

from collections.abc import Callable

from ...api import Measurement
from ...levels import plausible

# A stored period: (end, values by name), by start; all POSIX seconds.
type Periods = dict[float, tuple[float, dict[str, float]]]


class PeriodCache:
    """The periods kept of each instrument, by start."""

    def __init__(self, period_seconds: Callable[[str], float | None]) -> None:
        """Keep nothing yet; ``period_seconds`` gives an instrument's period."""
        self._period_seconds = period_seconds
        self._kept: dict[str, Periods] = {}

    def take(
        self, serial: str, measurements: list[Measurement], cutoff: float
    ) -> Periods:
        """Keep an answer's periods from ``cutoff`` on; return the new or changed.

        A period whose length is not known yet is left for a later answer.
        """
        kept = self._kept.setdefault(serial, {})
        fresh: Periods = {}
        for measurement in measurements:
            start = measurement.start.timestamp()
            length = (
                measurement.period.total_seconds()
                if measurement.period is not None
                else self._period_seconds(serial)
            )
            if start < cutoff or not length:
                continue
            period = (start + length, dict(measurement.values))
            if kept.get(start) != period:
                kept[start] = fresh[start] = period
        return fresh

    def kept(self, serial: str) -> Periods:
        """Return what is kept of an instrument."""
        return self._kept.get(serial, {})

    def forget_before(self, cutoff: float) -> None:
        """Forget the periods that start before ``cutoff``."""
        for periods in self._kept.values():
            for start in [s for s in periods if s < cutoff]:
                del periods[start]

    def keep_only(self, serials: set[str]) -> None:
        """Forget the instruments no longer followed."""
        for serial in set(self._kept) - serials:
            del self._kept[serial]


def values_of(periods: Periods, value: str) -> list[tuple[float, float, float]]:
    """Return the (start, end, level) of the periods that have ``value``, by start."""
    return sorted(
        (start, end, level)
        for start, (end, values) in periods.items()
        if (level := values.get(value)) is not None and plausible(level)
    )
