"""One instrument's live messages as spans of time.

A live LAeq is the level since the monitor's previous message: a message
covers the time since the one before. Its time is the monitor's (the cloud's)
where it is given and close to Home Assistant's clock, else the time it came;
never later than now, never before the message before. A message after a gap
(the first, or one after the connection was down) covers the usual interval
between messages, the median of the last few: the rest of the gap is missing
data, which counts against a window's coverage.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Final

# A message's own time further than this from Home Assistant's is not used.
MAX_SKEW: Final = 30.0
# Until intervals are seen, a message covers a second (MyCirrus's likely rate).
DEFAULT_INTERVAL: Final = 1.0
# A message more than this many usual intervals after the last one ends a gap.
GAP_FACTOR: Final = 2.5
_KEPT = 5


class LiveFeed:
    """Turns an instrument's live messages into (end, seconds) spans."""

    __slots__ = ("_intervals", "_last", "typical")

    def __init__(self) -> None:
        """Start before any message."""
        self._last: float | None = None
        self._intervals: deque[float] = deque(maxlen=_KEPT)
        self.typical = DEFAULT_INTERVAL

    def take(self, sent: datetime | None, now: float) -> tuple[float, float]:
        """Return when a message's span ends and how many seconds it covers."""
        stamp = now
        if sent is not None:
            stamp = sent.timestamp()
            if abs(stamp - now) > MAX_SKEW:
                stamp = now
            stamp = min(stamp, now)
        last = self._last
        if last is not None and stamp < last:
            stamp = last
        self._last = stamp
        if last is None:
            return stamp, self.typical
        interval = stamp - last
        if interval > 0:
            self._intervals.append(interval)
            ordered = sorted(self._intervals)
            self.typical = ordered[(len(ordered) - 1) // 2]  # the lower median
        if interval > GAP_FACTOR * self.typical:
            return stamp, self.typical
        return stamp, interval

    def reset(self) -> None:
        """Forget the last message: the next one starts after a gap."""
        self._last = None
