"""One instrument's live messages as spans of time.

A live LAeq is the level since the monitor's previous message: a message
covers the time since the one before. That time is the message's own (the
cloud's clock) where it is given, close to Home Assistant's clock and moving
on; once the messages' clock is seen to stand still between two messages
(whole seconds at a faster rate, or no clock at all), the time each message
comes is used instead. Never later than now, never before the message before.

A message after a gap (the first, or one after the connection was down)
covers the usual interval between messages, the lower median of the last few:
the rest of the gap is missing data, which counts against a window's
coverage. Two messages at the very same moment cover the usual interval each.
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

    __slots__ = ("_came", "_intervals", "_last", "by_arrival", "typical")

    def __init__(self) -> None:
        """Start before any message."""
        self._last: float | None = None
        self._came = 0.0
        self._intervals: deque[float] = deque(maxlen=_KEPT)
        self.typical = DEFAULT_INTERVAL
        # The messages' own clock stood still once: their arrival times count.
        self.by_arrival = False

    def take(self, sent: datetime | None, now: float) -> tuple[float, float]:
        """Return when a message's span ends and how many seconds it covers."""
        last, came = self._last, self._came
        self._came = now
        stamp = now
        if sent is not None and not self.by_arrival:
            own = sent.timestamp()
            if abs(own - now) <= MAX_SKEW:
                stamp = min(own, now)
        if last is None:
            self._last = stamp
            return stamp, self.typical
        interval = stamp - last
        if interval <= 0 and stamp != now:
            self.by_arrival = True
            stamp, interval = now, now - came
        stamp = max(stamp, last)
        self._last = stamp
        if interval <= 0:
            return stamp, self.typical
        self._intervals.append(interval)
        ordered = sorted(self._intervals)
        self.typical = ordered[(len(ordered) - 1) // 2]
        if interval > GAP_FACTOR * self.typical:
            return stamp, self.typical
        return stamp, interval
