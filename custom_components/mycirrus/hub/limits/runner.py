"""One noise limit at work: its current window, those waiting for their record.

The current window takes the live messages and the stored periods as they
come. When it ends it waits for the stored periods, the official record:
``window_closed`` fires once they cover it, or CLOSE_AFTER after its end with
what is known. ``exceeded`` fires once per window, the moment its exceedance is
certain (or, for a window whose data only averages over the limit, when it
closes). Windows that ended before the limit started running are read from
the stored periods alone, for the day's count, and fire nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Final

from ...budget import headroom, maximum_headroom
from ...const import EVENT_EXCEEDED, EVENT_WINDOW_CLOSED
from .config import LimitConfig
from .display import MIN_GAP, Display, LimitState
from .schedule import Schedule, Window
from .tally import WindowTally
from .verdicts import Verdicts

type Timer = Callable[[float, Callable[[], None]], Callable[[], None]]
"""Calls a function at a POSIX time; returns what cancels it."""

CLOSE_AFTER: Final = 30 * 60.0
# Live messages that stopped this long ago have paused: what they left is
# shown exactly, once.
PAUSE: Final = 3.0
# Data of the last seconds is on its way: not yet missing from the coverage.
GRACE: Final = 5.0
_DAY: Final = 86400.0


@dataclass(frozen=True, slots=True)
class LimitHooks:
    """Where a limit reports (its entities, its events), and its clock."""

    publish: Callable[[], None]
    fire: Callable[[str, dict[str, Any]], None]
    timer: Timer
    clock: Callable[[], float]


class LimitRunner:
    """Keeps one limit's windows, verdicts and shown state."""

    def __init__(
        self,
        subentry_id: str,
        config: LimitConfig,
        schedule: Schedule,
        hooks: LimitHooks,
    ) -> None:
        """Prepare; nothing runs before ``start``."""
        self.subentry_id = subentry_id
        self.config = config
        self.schedule = schedule
        self._hooks = hooks
        self.current: WindowTally | None = None
        self.pending: dict[float, WindowTally] = {}
        self._close_timers: dict[float, Callable[[], None]] = {}
        self._boundary: Callable[[], None] | None = None
        self._entered_at = 0.0
        self.verdicts = Verdicts(self._tally)
        self.display = Display()
        self.started_at = 0.0
        # How far before midnight a window of today may start (an hour more
        # for the night the clocks go back).
        self._reach = config.window_minutes * 60.0 + 3600.0
        self._live_at: float | None = None
        self._pause_shown = True

    @property
    def state(self) -> LimitState:
        """Return what the limit's entities show."""
        return self.display.state

    # -- life -----------------------------------------------------------------

    def start(self) -> None:
        """Enter the window of now, if any, and show it."""
        now = self._hooks.clock()
        self.started_at = now
        self._enter(now)
        self._publish(now, force=True)

    def stop(self) -> None:
        """Cancel every timer; nothing fires after."""
        if self._boundary is not None:
            self._boundary()
            self._boundary = None
        for cancel in self._close_timers.values():
            cancel()
        self._close_timers.clear()

    def _tally(self, window: Window) -> WindowTally:
        return WindowTally.of(window, self.config)

    def _enter(self, now: float) -> None:
        self._entered_at = now
        window = self.schedule.window_at(now)
        self.current = None if window is None else self._tally(window)
        at = window.end if window is not None else self.schedule.next_start(now)
        if at is not None:
            self._boundary = self._hooks.timer(at, lambda: self._async_boundary(at))

    def _async_boundary(self, at: float) -> None:
        """Close the window that ended, or enter the period that starts.

        Not if a live message already rolled past ``at`` as the timer fired.
        """
        if self._entered_at >= at:
            return
        self._boundary = None
        now = self._hooks.clock()
        self._roll(now)
        self._publish(now, force=True)

    def _roll(self, now: float) -> None:
        if self._boundary is not None:
            self._boundary()
            self._boundary = None
        if self.current is not None and now >= self.current.end:
            ended, self.current = self.current, None
            self.pending[ended.start] = ended
            if ended.stored_complete:
                self._close(ended, now)
            else:
                self._close_timers[ended.start] = self._hooks.timer(
                    ended.end + CLOSE_AFTER, lambda: self._async_deadline(ended.start)
                )
        self._enter(now)

    def _async_deadline(self, start: float) -> None:
        self._close_timers.pop(start, None)
        if (tally := self.pending.get(start)) is not None:
            now = self._hooks.clock()
            self._close(tally, now)
            self._publish(now, force=True)

    def _close(self, tally: WindowTally, now: float) -> None:
        """Fire the window's verdict: it is final from here on."""
        if (cancel := self._close_timers.pop(tally.start, None)) is not None:
            cancel()
        del self.pending[tally.start]
        exceeded = tally.exceeded
        if exceeded:
            self._certain(tally, now)
        self._hooks.fire(
            EVENT_WINDOW_CLOSED,
            {
                **self._event(tally),
                "exceeded": exceeded,
                "coverage": round(100 * tally.coverage(tally.end, 0.0), 1),
                "source": tally.source,
            },
        )
        self.verdicts.close(tally.start, tally.exceeded_at if exceeded else None)

    def _certain(self, tally: WindowTally, now: float) -> None:
        """Fire ``exceeded`` for a window over its limit, once."""
        if tally.exceeded_at is None:
            tally.exceeded_at = now
            self._hooks.fire(EVENT_EXCEEDED, self._event(tally))

    def _event(self, tally: WindowTally) -> dict[str, Any]:
        return event_data(tally, self.config, self.schedule.zone)

    # -- data -----------------------------------------------------------------

    def take_live(
        self, end: float, seconds: float, value: float, rate: float, now: float
    ) -> None:
        """Count a live message of ``seconds`` up to ``end`` (see WindowTally)."""
        tally = self.current
        if tally is None or not tally.start <= end < tally.end:
            if tally is not None and now >= tally.end:
                self._roll(now)  # before its timer: the message is of the next one
                self._publish(now, force=True)
            tally = holding(end, self.current, self.pending.values())
            if tally is None:
                return
        flags = tally.add_live(end, seconds, value, rate)
        self.flowing(now)
        if flags[0] and tally.exceeded_at is None:
            self._certain(tally, now)
        if tally is self.current and flags != self.display.flags:
            self._publish(now, force=True)
        elif self.due(now):
            self._publish(now)

    def take_stored(self, periods: Iterable[tuple[float, float, float]]) -> None:
        """Take stored periods (start, end, value), oldest first, of today's windows."""
        now = self._hooks.clock()
        midnight = self.schedule.midnight(now)
        cutoff = midnight - self._reach
        batches = by_window(
            (period for period in periods if period[0] >= cutoff),
            self.schedule,
            lambda window: self._for_stored(window, midnight),
        )
        touched = {s: t for s, (t, items) in batches.items() if t.add_stored(items)}
        for start in self.verdicts.reread(touched):
            changed = touched[start]
            if changed.certain:
                self._certain(changed, now)
            if start in self.pending and changed.stored_complete:
                self._close(changed, now)
        if touched:
            # Each answer is news: it is shown as it is.
            self._publish(now, force=True)

    def _for_stored(self, window: Window, midnight: float) -> WindowTally | None:
        """Return the tally a stored period of ``window`` goes to, if any.

        None for a closed window, and for one read back that ended before
        ``midnight`` (it cannot count today).
        """
        current = self.current
        if current is not None and window.start == current.start:
            return current
        if window.start in self.pending:
            return self.pending[window.start]
        if (
            self.verdicts.closed(window.start)
            or window.end > self.started_at
            or window.end <= midnight
        ):
            return None
        return self.verdicts.read_back(window)

    def new_day(self) -> None:
        """Local midnight: the count starts again; forget the day before last."""
        now = self._hooks.clock()
        self.verdicts.forget_before(self.schedule.midnight(now) - _DAY)
        self._publish(now, force=True)

    def due(self, now: float) -> bool:
        """Return whether the next tick shows the level as it is (see Display)."""
        return now - self.display.checked_at >= MIN_GAP

    def flowing(self, at: float) -> None:
        """Hear that a live message came at ``at``, still on its way here."""
        self._live_at = at
        self._pause_shown = False

    def tick(self) -> None:
        """Show what the live messages left when they pause, or what stood long."""
        now = self._hooks.clock()
        paused = self._live_at is not None and now - self._live_at >= PAUSE
        if paused and not self._pause_shown:
            self._pause_shown = True
            self._publish(now, force=True)
        elif self.due(now):
            self._publish(now)

    def _flags(self) -> tuple[bool, bool]:
        """Return whether the current window is exceeded, and whether it warns."""
        tally = self.current
        if tally is None:
            return False, False
        return tally.flags(tally.warn_level, tally.warn_rate)

    def _fresh(self, now: float) -> LimitState:
        tally = self.current
        # The windows exceeded since local midnight.
        running = [t for t in (tally, *self.pending.values()) if t is not None]
        count = self.verdicts.count(self.schedule.midnight(now), running)
        if tally is None:
            return LimitState(
                exceedances_today=count, next_start=self.schedule.next_start(now)
            )
        exceeded, warning = self._flags()
        config = self.config
        if config.maximum:
            room = maximum_headroom(config.level, tally.highest)
        else:
            room = headroom(config.level, tally.seconds, tally.energy, tally.end - now)
        return LimitState(
            window=tally.window,
            level=tally.level,
            headroom=None if exceeded else room,
            coverage=round(100 * tally.coverage(now, GRACE), 1),
            source=tally.source,
            exceeded=exceeded,
            warning=warning,
            exceedances_today=count,
        )

    def _publish(self, now: float, *, force: bool = False) -> None:
        if self.display.show(self._fresh(now), now, force=force):
            self._hooks.publish()


def event_data(tally: WindowTally, config: LimitConfig, zone: tzinfo) -> dict[str, Any]:
    """Return what both events of a window say: its level so far, the limit."""
    level = tally.level
    return {
        "level": None if level is None else round(level, 2),
        "limit": config.level,
        "value": config.value,
        "window_start": datetime.fromtimestamp(tally.start, zone).isoformat(),
        "window_end": datetime.fromtimestamp(tally.end, zone).isoformat(),
        "shortened": tally.shortened,
    }


type Period = tuple[float, float, float]


def by_window(
    periods: Iterable[Period],
    schedule: Schedule,
    pick: Callable[[Window], WindowTally | None],
) -> dict[float, tuple[WindowTally, list[Period]]]:
    """Return the periods (oldest first) by the window their start falls in.

    ``pick`` gives a window's tally, or None where its periods go nowhere. A
    window is looked up once for all the periods in it.
    """
    batches: dict[float, tuple[WindowTally, list[Period]]] = {}
    window: Window | None = None
    batch: list[Period] | None = None
    for period in periods:
        start = period[0]
        if window is None or not window.start <= start < window.end:
            window = schedule.window_at(start)
            tally = None if window is None else pick(window)
            batch = None
            if tally is not None:
                batch = batches.setdefault(tally.start, (tally, []))[1]
        if batch is not None:
            batch.append(period)
    return batches


def holding(
    moment: float, current: WindowTally | None, pending: Iterable[WindowTally]
) -> WindowTally | None:
    """Return the current or waiting window that holds ``moment``."""
    for tally in (current, *pending):
        if tally is not None and tally.start <= moment < tally.end:
            return tally
    return None
