"""What one window of a limit has measured: live spans and stored periods.

Live messages are kept per UTC minute (energy, seconds covered, highest level),
the stored periods by start. Stored periods align to minutes, so a minute is
either covered by a stored period, whose values are the official record and
replace what the live messages said of it, or counted from the live messages.
Only periods wholly inside the window count: a 15-minute period says nothing of
the 5-minute window within it. The totals are kept as data comes, so that a
live message costs a few additions.
"""

from __future__ import annotations

from collections.abc import Iterable
import math
from typing import Final

from ...budget import TOLERANCE, above, budget, mean_level, over
from .config import LimitConfig
from .schedule import Window

_MINUTE = 60
# Stored periods this close to the window's length cover it.
_COVERED = 1.0

type Bucket = list[float]  # [energy, seconds, highest]

# The flags (certain, warning) a window can have.
_EXCEEDED: Final = (True, True)
_WARNING: Final = (False, True)
_CALM: Final = (False, False)


class WindowTally:
    """The energy, coverage and highest level of one window so far."""

    __slots__ = (
        "_bucket",
        "_live",
        "_minute",
        "_stored_minutes",
        "budget",
        "end",
        "exceeded_at",
        "limit",
        "live_energy",
        "live_highest",
        "live_seconds",
        "maximum",
        "shortened",
        "start",
        "stored",
        "stored_energy",
        "stored_highest",
        "stored_seconds",
        "warn_level",
        "warn_rate",
    )

    def __init__(
        self, window: Window, *, limit: float, maximum: bool, margin: float = 0.0
    ) -> None:
        """Start a window with nothing measured; it warns ``margin`` dB under."""
        self.start = window.start
        self.end = window.end
        self.shortened = window.shortened
        self.limit = limit
        self.maximum = maximum
        self.budget = budget(limit, window.seconds) * (1 + TOLERANCE)
        self.warn_level = limit - margin
        self.warn_rate = 10 ** (self.warn_level / 10)
        # When the exceedance was first certain (the exceeded event fired).
        self.exceeded_at: float | None = None
        self._live: dict[int, Bucket] = {}
        self._minute = -1
        self._bucket: Bucket = [0.0, 0.0, -math.inf]
        self.stored: dict[float, tuple[float, float]] = {}  # start -> (end, value)
        self._stored_minutes: set[int] = set()
        self.live_energy = self.live_seconds = 0.0
        self.live_highest = -math.inf
        self.stored_energy = self.stored_seconds = 0.0
        self.stored_highest = -math.inf

    @classmethod
    def of(cls, window: Window, config: LimitConfig) -> WindowTally:
        """Return the empty tally of a window of a limit."""
        return cls(
            window, limit=config.level, maximum=config.maximum, margin=config.margin
        )

    @property
    def window(self) -> Window:
        """Return the window it tallies."""
        return Window(self.start, self.end, self.shortened)

    @property
    def seconds(self) -> float:
        """Return the window's real length."""
        return self.end - self.start

    def add_live(
        self, end: float, seconds: float, value: float, rate: float
    ) -> tuple[bool, bool]:
        """Count a live message: ``seconds`` up to ``end`` at ``value`` dB.

        ``rate`` is 10^(value/10). The part before the window is left out.
        Returns the window's flags (see ``flags``): this runs for every live
        message of every limit, so it does the sums once and allocates nothing.
        """
        if end - seconds < self.start:
            seconds = max(0.0, end - self.start)
        minute = int((end - seconds / 2) // _MINUTE)
        if minute != self._minute:
            self._minute = minute
            bucket = self._live.get(minute)
            if bucket is None:
                bucket = self._live[minute] = [0.0, 0.0, -math.inf]
            self._bucket = bucket
        else:
            bucket = self._bucket
        energy = seconds * rate
        bucket[0] += energy
        bucket[1] += seconds
        # Comparisons, not max(): this runs for every message of every limit.
        if value > bucket[2]:  # noqa: PLR1730
            bucket[2] = value
        if minute not in self._stored_minutes:
            self.live_energy += energy
            self.live_seconds += seconds
            if value > self.live_highest:  # noqa: PLR1730
                self.live_highest = value
        if self.maximum:
            return self.flags(self.warn_level, 0.0)
        spent = self.live_energy + self.stored_energy
        if spent > self.budget:
            return _EXCEEDED
        covered = self.live_seconds + self.stored_seconds
        if covered > 0 and spent >= covered * self.warn_rate:
            return _WARNING
        return _CALM

    def add_stored(self, periods: Iterable[tuple[float, float, float]]) -> bool:
        """Take stored periods (start, end, value); return whether they changed it.

        A period seen again replaces the one with the same start. The totals
        are worked out again once, whatever the number of periods.
        """
        changed = False
        for start, end, value in periods:
            if start < self.start or end > self.end or end <= start:
                continue
            if self.stored.get(start) != (end, value):
                self.stored[start] = (end, value)
                changed = True
        if changed:
            self._recount()
        return changed

    def _recount(self) -> None:
        minutes: set[int] = set()
        energy = seconds = 0.0
        highest = -math.inf
        for start, (end, value) in self.stored.items():
            minutes.update(range(math.ceil(start / _MINUTE), math.floor(end / _MINUTE)))
            energy += (end - start) * 10 ** (value / 10)
            seconds += end - start
            highest = max(highest, value)
        self._stored_minutes = minutes
        self.stored_energy, self.stored_seconds = energy, seconds
        self.stored_highest = highest
        self.live_energy = self.live_seconds = 0.0
        self.live_highest = -math.inf
        for minute, (bucket_energy, bucket_seconds, top) in self._live.items():
            if minute not in minutes:
                self.live_energy += bucket_energy
                self.live_seconds += bucket_seconds
                self.live_highest = max(self.live_highest, top)

    # -- what it says ------------------------------------------------------

    @property
    def energy(self) -> float:
        """Return the energy measured so far (stored where stored, else live)."""
        return self.live_energy + self.stored_energy

    @property
    def covered(self) -> float:
        """Return the seconds of the window that data covers."""
        return self.live_seconds + self.stored_seconds

    @property
    def highest(self) -> float | None:
        """Return the highest level so far; None before any."""
        top = max(self.live_highest, self.stored_highest)
        return None if top == -math.inf else top

    @property
    def level(self) -> float | None:
        """Return the window's level so far: its LAeq, or its highest level."""
        if self.maximum:
            return self.highest
        return mean_level(self.energy, self.covered)

    @property
    def certain(self) -> bool:
        """Return whether the window is over its limit whatever comes."""
        if self.maximum:
            return above(self.highest, self.limit)
        return self.live_energy + self.stored_energy > self.budget

    @property
    def exceeded(self) -> bool:
        """Return whether the window, as measured, is over its limit.

        At its end, also a window whose data, with gaps, averages over it.
        """
        return self.certain or above(self.level, self.limit)

    def flags(self, level: float, rate: float) -> tuple[bool, bool]:
        """Return whether the window is over its limit for certain, and warns.

        What ``certain`` says, and whether the window so far is at or over
        ``level`` (rate 10^(L/10)), the cheap way: it runs for every live
        message of every limit.
        """
        if self.maximum:
            top = max(self.live_highest, self.stored_highest)
            certain = top > over(self.limit)
            return certain, certain or top >= level
        spent = self.live_energy + self.stored_energy
        if spent > self.budget:
            return True, True
        covered = self.live_seconds + self.stored_seconds
        return False, covered > 0 and spent >= covered * rate

    @property
    def stored_complete(self) -> bool:
        """Return whether stored periods cover the whole window."""
        return self.stored_seconds >= self.seconds - _COVERED

    @property
    def source(self) -> str | None:
        """Return "live" while live data counts in it, "stored" if only periods do."""
        if self.live_seconds > 0 or (self.maximum and self.live_highest > -math.inf):
            return "live"
        return "stored" if self.stored else None

    def coverage(self, now: float, grace: float) -> float:
        """Return the share (0 to 1) of the elapsed window that data covers.

        The last ``grace`` seconds are not yet missing: data is on its way.
        """
        elapsed = min(now, self.end) - self.start
        if elapsed <= 0:
            return 1.0 if self.covered else 0.0
        due = max(self.covered, elapsed - grace)
        return min(1.0, self.covered / due) if due > 0 else 1.0

    def crossed_at(self) -> float | None:
        """Return when the stored periods took the window over its limit.

        The end of the period that did, or the window's end where only its
        average over the covered time is over; None if it is not over.
        """
        spent = 0.0
        for start in sorted(self.stored):
            end, value = self.stored[start]
            spent += (end - start) * 10 ** (value / 10)
            if (self.maximum and above(value, self.limit)) or (
                not self.maximum and spent > self.budget
            ):
                return end
        return self.end if self.exceeded else None
