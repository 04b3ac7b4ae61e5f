"""When a limit applies: its scheduled periods and the windows within them.

A period starts at the limit's local start time on each of its days and ends at
its end time, the next day's where the end is at or before the start. Windows
run from the period's start, one after the other, each ``window`` minutes of
real time; the last ends with the period, shorter where the period is not a
multiple of the window. Local times become instants through the time zone's
own rules (a zoneinfo), so the night the clocks change a period of 23:00-07:00
lasts 7 or 9 hours, and its hourly windows stay on the hour.

Instants are POSIX seconds (floats): the live path compares them with every
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
import math

from .config import LimitConfig

DAY = timedelta(days=1)
# A period whose start comes no later than this many days after a moment is
# found; a limit has at least one day a week.
_LOOK_AHEAD = 8
_KEPT_DAYS = 16


@dataclass(frozen=True, slots=True)
class Window:
    """One window of a limit: [start, end) in POSIX seconds."""

    start: float
    end: float
    # Shorter than the limit's windows: the period ends within it.
    shortened: bool

    @property
    def seconds(self) -> float:
        """Return its real length."""
        return self.end - self.start


class Schedule:
    """The periods and windows of one limit in one time zone."""

    def __init__(self, config: LimitConfig, zone: tzinfo) -> None:
        """Prepare the limit's schedule in ``zone`` (Home Assistant's)."""
        self.zone = zone
        self._days = config.days
        self._start = config.start
        self._end = config.end
        self._overnight = (config.end.hour, config.end.minute) <= (
            config.start.hour,
            config.start.minute,
        )
        self._window = config.window * 60.0  # 0: the whole period
        self._day: tuple[float, float] = (0.0, 0.0)  # the last local day asked
        self._periods: dict[date, tuple[float, float] | None] = {}

    def _instant(self, day: date, moment: time) -> float:
        return datetime.combine(day, moment, tzinfo=self.zone).timestamp()

    def period(self, day: date) -> tuple[float, float] | None:
        """Return the period that starts on a local ``day``, if the limit has one.

        The last few days asked are kept: a day's stored periods ask often.
        """
        if day in self._periods:
            return self._periods[day]
        span: tuple[float, float] | None = None
        if day.weekday() in self._days:
            start = self._instant(day, self._start)
            end = self._instant(day + DAY if self._overnight else day, self._end)
            span = (start, end) if end > start else None
        if len(self._periods) >= _KEPT_DAYS:
            self._periods.clear()
        self._periods[day] = span
        return span

    def local_day(self, moment: float) -> date:
        """Return the local calendar day of an instant."""
        return datetime.fromtimestamp(moment, self.zone).date()

    def window_at(self, moment: float) -> Window | None:
        """Return the window that holds ``moment``; None outside the schedule."""
        today = self.local_day(moment)
        for day in (today, today - DAY):
            span = self.period(day)
            if span is not None and span[0] <= moment < span[1]:
                return self._window_in(span, moment)
        return None

    def _window_in(self, span: tuple[float, float], moment: float) -> Window:
        start, end = span
        if not self._window:
            return Window(start, end, shortened=False)
        begins = start + math.floor((moment - start) / self._window) * self._window
        ends = begins + self._window
        return Window(begins, min(ends, end), shortened=ends > end)

    def next_start(self, moment: float) -> float | None:
        """Return the first period start after ``moment``; None without days."""
        today = self.local_day(moment)
        for offset in range(_LOOK_AHEAD + 1):
            span = self.period(today + timedelta(days=offset))
            if span is not None and span[0] > moment:
                return span[0]
        return None

    def midnight(self, moment: float) -> float:
        """Return the local midnight that starts the day of ``moment``."""
        return self._local_day_span(moment)[0]

    def next_midnight(self, moment: float) -> float:
        """Return the local midnight that ends the day of ``moment``."""
        return self._local_day_span(moment)[1]

    def _local_day_span(self, moment: float) -> tuple[float, float]:
        """Return the local day of ``moment``; the last one asked is kept."""
        start, end = self._day
        if not start <= moment < end:
            day = self.local_day(moment)
            self._day = start, end = (
                self._instant(day, time()),
                self._instant(day + DAY, time()),
            )
        return start, end
