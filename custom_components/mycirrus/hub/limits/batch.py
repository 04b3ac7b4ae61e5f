"""An instrument's live messages of one level, handed to its limits in batches.

Every limit of an instrument takes every live message of its level, and a
message changes a window by its sums alone (energy, seconds, highest level),
kept per minute. So the messages of a minute are summed here once and handed
to the limits together, as one span, when it matters:

- when a limit's flags (exceeded, warning) could change with the next
  message: each window a message can still reach says how much energy, how
  many seconds or how high a level the batch may hold before they could
  (``room``), so the moment of an exceedance is still the message that makes
  it certain;
- when the minute ends, and for a message that spans the start of a minute
  or ends with it (a window may start or end there);
- when the limits must be current: before their clock ticks to show a level,
  before stored periods, a window's end or a change of limits.

The windows come out as if each message had been handed on its own, but a
message costs a few additions, whatever the number of limits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
import math
from typing import Final

from ...budget import over
from ...levels import plausible
from .feed import LiveFeed
from .runner import PAUSE, LimitRunner
from .tally import WindowTally

_MINUTE = 60
_NO_LIMIT: Final = (math.inf, math.inf, math.inf)
_SURE: Final = 1 - 1e-9


class LiveRoutes:
    """An entry's live messages on their way to the limits of their instrument."""

    def __init__(self) -> None:
        """Route nothing yet."""
        self._feeds: dict[str, LiveFeed] = {}
        # serial -> [(live value in lower case, its limits' batch)]
        self._routes: dict[str, list[tuple[str, LiveBatch]]] = {}

    def route(self, runners: Iterable[LimitRunner]) -> None:
        """Route each instrument's levels to the limits that follow them."""
        routes: dict[str, dict[str, list[LimitRunner]]] = {}
        for runner in runners:
            config = runner.config
            by_value = routes.setdefault(config.serial, {})
            by_value.setdefault(config.live_value.lower(), []).append(runner)
        self._routes = {
            serial: [(name, LiveBatch(runners)) for name, runners in by_value.items()]
            for serial, by_value in routes.items()
        }

    def keep_only(self, serials: Collection[str]) -> None:
        """Forget the messages' timing of instruments no longer followed."""
        for serial in set(self._feeds) - set(serials):
            del self._feeds[serial]

    def take(
        self,
        serial: str,
        sent: datetime | None,
        values: Mapping[str, float],
        now: float,
    ) -> None:
        """Take a live message (names in lower case) that came at ``now``."""
        routes = self._routes.get(serial)
        if not routes:
            return
        feed = self._feeds.get(serial)
        if feed is None:
            feed = self._feeds[serial] = LiveFeed()
        end, seconds = feed.take(sent, now)
        for name, batch in routes:
            value = values.get(name)
            if value is None or not plausible(value):
                continue
            batch.take(end, seconds, value, 10 ** (value / 10), now)

    def flush(self, serial: str | None = None) -> None:
        """Hand the messages waiting on (of one instrument, or all)."""
        for batch in self._batches(serial):
            batch.flush()

    def measure_room(self, serial: str | None = None) -> None:
        """Learn the limits' room again after their windows changed."""
        for batch in self._batches(serial):
            batch.measure_room()

    def before_tick(self, now: float) -> None:
        """Make the limits current where their tick shows what they have."""
        for batch in self._batches(None):
            batch.before_tick(now)

    def _batches(self, serial: str | None) -> list[LiveBatch]:
        return [
            batch
            for routed, routes in self._routes.items()
            if serial is None or routed == serial
            for _name, batch in routes
        ]


class LiveBatch:
    """The live messages of one level of one instrument not yet handed on."""

    __slots__ = (
        "_energy",
        "_highest",
        "_latest",
        "_minute",
        "_now",
        "_room_energy",
        "_room_level",
        "_room_seconds",
        "_seconds",
        "runners",
    )

    def __init__(self, runners: Iterable[LimitRunner]) -> None:
        """Batch the messages for ``runners`` (their limits follow one level)."""
        self.runners = tuple(runners)
        self._minute = -1
        self._now = 0.0
        self._energy = self._seconds = 0.0
        self._highest = -math.inf
        self._latest = -math.inf  # the end of the newest message taken
        # Nothing known yet of the limits' room: the first message goes on.
        self._room_energy = self._room_seconds = self._room_level = -math.inf

    @property
    def holding(self) -> bool:
        """Return whether messages wait to be handed on."""
        return self._seconds > 0

    def take(
        self, end: float, seconds: float, value: float, rate: float, now: float
    ) -> None:
        """Take a message of ``seconds`` up to ``end`` at ``value`` dB (10^(L/10))."""
        minute = int((end - seconds / 2) // _MINUTE)
        if minute != self._minute:
            self.flush()
            self._minute = minute
        if end - seconds < minute * _MINUTE or end >= (minute + 1) * _MINUTE:
            # Across the start of a minute, or ending with the minute: a
            # window may begin or end there.
            self.flush()
            self._latest = end
            self._hand(end, seconds, value, rate, now)
            return
        self._energy += seconds * rate
        self._seconds += seconds
        if value > self._highest:  # noqa: PLR1730 - runs for every message
            self._highest = value
        self._latest, self._now = end, now
        if (
            self._energy >= self._room_energy
            or self._seconds >= self._room_seconds
            or self._highest >= self._room_level
        ):
            self.flush()

    def before_tick(self, now: float) -> None:
        """Hand on what waits if a limit shows its level now or the data paused.

        Otherwise the limits hear that live data still flows.
        """
        if self._seconds <= 0:
            return
        if now - self._now >= PAUSE or any(r.due(now) for r in self.runners):
            self.flush()
        else:
            for runner in self.runners:
                runner.flowing(self._now)

    def flush(self) -> None:
        """Hand the messages waiting on, as one span."""
        seconds = self._seconds
        if seconds <= 0:
            return
        energy, highest = self._energy, self._highest
        self._energy = self._seconds = 0.0
        self._highest = -math.inf
        # What waits ends with the newest message taken.
        self._hand(self._latest, seconds, highest, energy / seconds, self._now)

    def _hand(
        self, end: float, seconds: float, value: float, rate: float, now: float
    ) -> None:
        for runner in self.runners:
            runner.take_live(end, seconds, value, rate, now)
        self.measure_room()

    def measure_room(self) -> None:
        """Learn again how much the limits let wait (their windows changed)."""
        room_energy = room_seconds = room_level = math.inf
        for runner in self.runners:
            # The windows a message can still reach: a late message (its
            # end no earlier than the one before) may go to one that ended.
            for tally in (runner.current, *runner.pending.values()):
                if tally is not None and tally.end > self._latest:
                    energy, span, level = room(tally)
                    room_energy = min(room_energy, energy)
                    room_seconds = min(room_seconds, span)
                    room_level = min(room_level, level)
        # A hair less: the sums of a batch and of its messages may differ in
        # the last digit.
        self._room_energy = room_energy * _SURE
        self._room_seconds = room_seconds * _SURE
        self._room_level = room_level - 1e-9


def room(tally: WindowTally) -> tuple[float, float, float]:
    """Return how much live data a window may take before its flags could change.

    The energy (seconds x 10^(L/10)), the seconds and the level of live
    messages it may take with its flags (see ``WindowTally.flags``) unchanged:
    more energy than the budget left may make the exceedance certain; the
    warning turns on only with energy over its own margin, off only with time
    that dilutes the level under it. Messages of minutes the stored periods
    cover count for nothing, so these are bounds.
    """
    certain, warning = tally.flags(tally.warn_level, tally.warn_rate)
    if certain:
        return _NO_LIMIT
    if tally.maximum:
        top = over(tally.limit) if warning else tally.warn_level
        return math.inf, math.inf, top
    spent = tally.live_energy + tally.stored_energy
    left = tally.budget - spent
    # The energy beyond (or, negative, short of) the warning's level so far.
    beyond = spent - (tally.live_seconds + tally.stored_seconds) * tally.warn_rate
    if warning:
        return left, beyond / tally.warn_rate, math.inf
    return min(left, -beyond), math.inf, math.inf
