"""One limit's runner on a clock of the test's own: windows, events, the day's count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
import heapq
import itertools
import math
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.mycirrus.hub.limits.config import LimitConfig
from custom_components.mycirrus.hub.limits.runner import (
    CLOSE_AFTER,
    LimitHooks,
    LimitRunner,
)
from custom_components.mycirrus.hub.limits.schedule import Schedule

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).timestamp()


class Clock:
    """Time that moves only when told, with the runner's timers on it."""

    def __init__(self, now: float) -> None:
        self.now = now
        self._timers: list[tuple[float, int, list[Any]]] = []
        self._order = itertools.count()

    def timer(self, moment: float, action: Callable[[], None]) -> Callable[[], None]:
        entry: list[Any] = [action, True]
        heapq.heappush(self._timers, (moment, next(self._order), entry))
        return lambda: entry.__setitem__(1, False)

    def to(self, moment: float) -> None:
        while self._timers and self._timers[0][0] <= moment:
            due, _, (action, live) = heapq.heappop(self._timers)
            self.now = due
            if live:
                action()
        self.now = moment


class Harness:
    """A runner with its clock, what it fired and how often it published."""

    def __init__(self, config: LimitConfig, now: float) -> None:
        self.clock = Clock(now)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.published = 0

        def publish() -> None:
            self.published += 1

        self.runner = LimitRunner(
            "limit1",
            config,
            Schedule(config, LONDON),
            LimitHooks(
                publish=publish,
                fire=lambda kind, data: self.events.append((kind, data)),
                timer=self.clock.timer,
                clock=lambda: self.clock.now,
            ),
        )
        self.runner.start()

    def live(self, level: float, seconds: float = 1.0) -> None:
        """Move on ``seconds`` and send a message covering them."""
        self.clock.to(self.clock.now + seconds)
        now = self.clock.now
        self.runner.take_live(now, seconds, level, 10 ** (level / 10), now)

    def live_for(self, level: float, seconds: int) -> None:
        for _ in range(seconds):
            self.live(level)

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]


def limit(**changes: Any) -> LimitConfig:
    values: dict[str, Any] = {
        "name": "Works",
        "serial": "QT100001",
        "value": "LAeq",
        "window": 15,
        "days": frozenset(range(7)),
        "start": time(8),
        "end": time(18),
        "level": 70.0,
        "margin": 3.0,
    }
    values.update(changes)
    return LimitConfig(**values)


def energetic(pairs: list[tuple[float, float]]) -> float:
    total = sum(seconds for _, seconds in pairs)
    return 10 * math.log10(sum(s * 10 ** (lv / 10) for lv, s in pairs) / total)


def test_level_headroom_and_the_moment_of_certainty() -> None:
    """LAeq,15min 70 dB; 60 s at 65 dB, then 80 dB until the budget is spent.

    Budget 900·10^7 = 9e9. After 60 s at 65: 60·10^6.5 = 1.897e8. Each second
    at 80 spends 1e8: over budget after ceil((9e9 - 1.897e8)/1e8) = 89 s.
    """
    h = Harness(limit(), at("2026-11-24 08:00"))
    h.live_for(65.0, 60)
    h.clock.to(h.clock.now + 3)
    h.runner.tick()  # the messages paused: shown exactly
    state = h.runner.state
    assert state.level == pytest.approx(65.0)
    left = 900 - 63
    by_hand = 10 * math.log10((9e9 - 60 * 10**6.5) / left)
    assert state.headroom == pytest.approx(by_hand)
    assert (state.exceeded, state.warning) == (False, False)
    assert state.coverage == pytest.approx(100.0)

    needed = math.ceil((9e9 - 60 * 10**6.5) / 1e8)
    h.live_for(80.0, needed - 1)
    assert h.kinds() == []
    assert not h.runner.state.exceeded
    h.live(80.0)
    assert h.kinds() == ["exceeded"]
    _, data = h.events[0]
    assert data["level"] == pytest.approx(
        energetic([(65.0, 60), (80.0, needed)]), abs=0.01
    )
    assert data["window_start"] == "2026-11-24T08:00:00+00:00"
    assert data["window_end"] == "2026-11-24T08:15:00+00:00"
    assert (data["limit"], data["value"]) == (70.0, "LAeq")
    state = h.runner.state
    assert (state.exceeded, state.warning) == (True, True)
    assert state.headroom is None
    assert state.exceedances_today == 1
    # More noise fires nothing more.
    h.live_for(85.0, 30)
    assert h.kinds() == ["exceeded"]


def test_the_window_closes_on_its_record_or_after_half_an_hour() -> None:
    """At 08:15 the window waits; 30 minutes on it closes with what is known."""
    h = Harness(limit(), at("2026-11-24 08:14"))
    h.live_for(60.0, 59)
    h.clock.to(at("2026-11-24 08:15"))
    state = h.runner.state
    assert state.window is not None
    assert state.window.start == at("2026-11-24 08:15")
    assert (state.level, state.exceeded) == (None, False)
    assert h.kinds() == []
    h.clock.to(at("2026-11-24 08:15") + CLOSE_AFTER - 1)
    assert h.kinds() == []
    h.clock.to(at("2026-11-24 08:15") + CLOSE_AFTER)
    assert h.kinds() == ["window_closed"]
    data = h.events[0][1]
    assert data["exceeded"] is False
    assert data["source"] == "live"
    assert data["level"] == pytest.approx(60.0)
    # 59 s of the window's 900: the minute before 08:14 was not measured.
    assert data["coverage"] == pytest.approx(round(100 * 59 / 900, 1))


def test_the_record_closes_a_window_and_corrects_it() -> None:
    """Stored periods covering the window close it at once, with their level."""
    h = Harness(limit(), at("2026-11-24 08:00"))
    h.live_for(66.0, 900)
    assert h.runner.state.window is not None
    assert h.runner.state.window.start == at("2026-11-24 08:15")
    start = at("2026-11-24 08:00")
    h.clock.to(at("2026-11-24 08:20"))
    h.runner.take_stored(
        [(start + 300 * n, start + 300 * (n + 1), 68.0 + n) for n in range(3)]
    )
    assert h.kinds() == ["window_closed"]
    data = h.events[0][1]
    assert data["source"] == "stored"
    assert data["coverage"] == 100.0
    assert data["level"] == pytest.approx(
        energetic([(68.0, 300), (69.0, 300), (70.0, 300)]), abs=0.01
    )
    assert data["exceeded"] is False
    # The deadline then fires nothing; the record of a closed window changes nothing.
    h.clock.to(at("2026-11-24 08:45"))
    h.runner.take_stored([(start, start + 300, 99.0)])
    assert h.kinds() == ["window_closed"]


def test_a_waiting_window_the_record_takes_over() -> None:
    """Live said 69 dB; the stored periods say 72: exceeded fires, then closed."""
    h = Harness(limit(), at("2026-11-24 08:00"))
    h.live_for(69.0, 900)
    assert h.kinds() == []
    start = at("2026-11-24 08:00")
    h.clock.to(at("2026-11-24 08:21"))
    h.runner.take_stored(
        [(start + 300 * n, start + 300 * (n + 1), 72.0) for n in range(3)]
    )
    assert h.kinds() == ["exceeded", "window_closed"]
    assert h.events[1][1]["exceeded"] is True
    assert h.runner.state.exceedances_today == 1


def test_a_correction_withdraws_a_certain_exceedance() -> None:
    """Live said 80 dB for 5 minutes; the record says 60: no longer certain.

    The exceeded event fired once and stays fired; the count and the binary
    sensor follow the record.
    """
    h = Harness(limit(), at("2026-11-24 08:00"))
    h.live_for(80.0, 300)
    assert h.kinds() == ["exceeded"]
    assert h.runner.state.exceedances_today == 1
    start = at("2026-11-24 08:00")
    h.runner.take_stored([(start, start + 300, 60.0)])
    state = h.runner.state
    assert (state.exceeded, state.exceedances_today) == (False, 0)
    assert state.level == pytest.approx(60.0)
    h.live_for(60.0, 10)
    assert h.kinds() == ["exceeded"]


def test_an_average_over_the_limit_with_gaps() -> None:
    """A minute at 75 dB, then nothing: exceeded (on average) when it closes."""
    h = Harness(limit(), at("2026-11-24 08:10"))
    h.live_for(75.0, 60)
    assert h.runner.state.warning
    assert not h.runner.state.exceeded
    h.clock.to(at("2026-11-24 08:15") + CLOSE_AFTER)
    assert h.kinds() == ["exceeded", "window_closed"]
    assert h.events[1][1]["exceeded"] is True
    assert h.runner.state.exceedances_today == 1


def test_a_shortened_last_window() -> None:
    """08:00-17:50 in 15-minute windows: the last is 17:45-17:50, and says so."""
    h = Harness(limit(end=time(17, 50)), at("2026-11-24 17:46"))
    state = h.runner.state
    assert state.window is not None
    assert state.window.shortened
    assert state.window.seconds == 300
    h.live_for(72.0, 240)
    h.clock.to(at("2026-11-24 17:50"))
    assert h.runner.state.window is None
    assert h.runner.state.next_start == at("2026-11-25 08:00")
    h.clock.to(at("2026-11-24 17:50") + CLOSE_AFTER)
    closed = dict(h.events)["window_closed"]
    assert closed["shortened"] is True
    assert closed["window_end"] == "2026-11-24T17:50:00+00:00"
    # 240 s at 72 dB in a 300 s window: 300·10^7 = 3e9 < 240·10^7.2 = 3.8e9.
    assert closed["exceeded"] is True


def test_outside_the_schedule() -> None:
    """Before 08:00: no window, no level; when the period starts, its window."""
    h = Harness(limit(), at("2026-11-24 07:00"))
    state = h.runner.state
    assert (state.window, state.level, state.headroom) == (None, None, None)
    assert state.next_start == at("2026-11-24 08:00")
    h.live(90.0)
    assert h.runner.state.level is None
    h.clock.to(at("2026-11-24 08:00"))
    state = h.runner.state
    assert state.window is not None
    assert state.headroom == pytest.approx(70.0)


def test_the_count_reads_back_the_day_and_starts_again_at_midnight() -> None:
    """Windows of the day before the limit ran count from the stored periods."""
    h = Harness(limit(), at("2026-11-24 09:02"))
    periods = []
    for n in range(12):  # 08:00-09:00, 5-minute periods
        start = at("2026-11-24 08:00") + 300 * n
        level = 75.0 if n in (1, 2, 3, 8) else 60.0  # 08:00-08:15 and 08:30-08:45
        periods.append((start, start + 300, level))
    yesterday = at("2026-11-23 10:00")
    periods.insert(0, (yesterday, yesterday + 300, 90.0))
    h.runner.take_stored(periods)
    # 08:00 window: 60, 75, 75 -> over 70; 08:15: 75, 60, 60 -> 300·10^7.5 +
    # 600·10^6 = 9.55e9 > 9e9, over; 08:30: 60, 60, 75: over; 08:45: 60s.
    assert h.runner.state.exceedances_today == 3
    assert h.kinds() == []  # read back: nothing fires
    h.clock.to(at("2026-11-25 00:00"))
    h.runner.new_day()  # the manager's midnight
    assert h.runner.state.exceedances_today == 0


def test_a_maximum_limit() -> None:
    """LAFMax 85 dB at night: headroom is the limit less the highest level."""
    config = limit(value="LAFMax", start=time(23), end=time(7), level=85.0, window=0)
    h = Harness(config, at("2026-11-24 23:30"))
    assert h.runner.state.headroom is None
    h.live(78.0)
    h.live(81.5)
    h.clock.to(h.clock.now + 3)
    h.runner.tick()
    state = h.runner.state
    assert state.level == 81.5
    assert state.headroom == pytest.approx(3.5)
    assert not state.warning  # 3.5 dB under
    h.live(82.0)
    assert h.runner.state.warning  # within 3 dB
    h.live(85.5)
    assert h.kinds() == ["exceeded"]
    assert h.runner.state.exceeded
    assert h.runner.state.headroom is None


def test_writes_while_nothing_changes() -> None:
    """A steady level: the limit publishes at most 4 times a minute."""
    h = Harness(limit(window=60, start=time(0), end=time(0)), at("2026-11-24 10:00"))
    h.live_for(62.0, 120)  # settle in
    before = h.published
    for _ in range(10 * 60):
        h.live(62.0 + (0.04 if h.clock.now % 2 else -0.04))
        if int(h.clock.now) % 2 == 0:
            h.runner.tick()
    assert (h.published - before) / 10 <= 4


def test_stopped_fires_nothing() -> None:
    """A stopped runner's timers are cancelled."""
    h = Harness(limit(), at("2026-11-24 08:14"))
    h.live_for(90.0, 30)
    h.runner.stop()
    events = list(h.events)
    h.clock.to(at("2026-11-24 10:00"))
    assert h.events == events


def test_a_message_before_its_timer_and_a_late_one() -> None:
    """A message after the end rolls the window; one of the last one counts there."""
    h = Harness(limit(), at("2026-11-24 08:14:58"))
    h.live_for(66.0, 1)
    # The clock passes 08:15 without the timer firing (it is late).
    h.clock.now = at("2026-11-24 08:15:01")
    now = h.clock.now
    h.runner.take_live(now, 1.0, 71.0, 10**7.1, now)
    state = h.runner.state
    assert state.window is not None
    assert state.window.start == at("2026-11-24 08:15")
    assert state.level == pytest.approx(71.0)
    # A late message of 08:14:59.5 still belongs to the window waiting for its record.
    ended = h.runner.pending[at("2026-11-24 08:00")]
    h.runner.take_live(at("2026-11-24 08:14:59.500"), 0.5, 90.0, 1e9, now)
    assert ended.highest == 90.0
    # One from before any window the limit keeps is dropped.
    h.runner.take_live(at("2026-11-24 07:00"), 1.0, 90.0, 1e9, now)
    assert h.runner.state.level == pytest.approx(71.0)
