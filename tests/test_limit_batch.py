"""Live messages handed to the limits in batches: the same windows, at the same moments.

Each scenario feeds one message stream to a limit directly, message by
message, and to the same limit through a LiveBatch. At every message the
batched limit's flags must be those of the direct one (what waits in the batch
could not change them) and its events must have fired at the same message;
at the end both windows hold the same energy, time and highest level.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
import math
import random
from typing import Any

import pytest

from custom_components.mycirrus.hub.limits.batch import LiveBatch
from custom_components.mycirrus.hub.limits.config import LimitConfig
from custom_components.mycirrus.hub.limits.runner import LimitHooks, LimitRunner
from custom_components.mycirrus.hub.limits.schedule import Schedule

from .test_limit_runner import LONDON, Clock, at, limit


class Side:
    """A runner on its own clock, with the events it fired."""

    def __init__(
        self,
        config: LimitConfig,
        now: float,
        around: Callable[[Callable[[], None]], Callable[[], None]] = lambda a: a,
    ) -> None:
        self.clock = Clock(now)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.runner = LimitRunner(
            "limit1",
            config,
            Schedule(config, LONDON),
            LimitHooks(
                publish=lambda: None,
                fire=lambda kind, data: self.events.append((kind, data)),
                timer=lambda moment, action: self.clock.timer(moment, around(action)),
                clock=lambda: self.clock.now,
            ),
        )
        self.runner.start()


class Pair:
    """The same limit fed directly and through a batch."""

    def __init__(self, config: LimitConfig, now: float) -> None:
        self.direct = Side(config, now)
        self.batch: LiveBatch | None = None

        def around(action: Callable[[], None]) -> Callable[[], None]:
            # As the limits' manager does around a window's start or end.
            def run() -> None:
                assert self.batch is not None
                self.batch.flush()
                action()
                self.batch.measure_room()

            return run

        self.batched = Side(config, now, around)
        self.batch = LiveBatch([self.batched.runner])
        self.handed = 0

    def send(self, seconds: float, level: float, *, lag: float = 0.0) -> None:
        """Move on ``seconds``; a message of ``seconds`` up to ``lag`` s ago."""
        for side in (self.direct, self.batched):
            side.clock.to(side.clock.now + seconds)
        now = self.direct.clock.now
        self.take(now - lag, seconds, level, now)

    def take(self, end: float, seconds: float, level: float, now: float) -> None:
        """Hand a message to both at ``now``, timers due or not."""
        rate = 10 ** (level / 10)
        self.direct.runner.take_live(end, seconds, level, rate, now)
        assert self.batch is not None
        self.batch.take(end, seconds, level, rate, now)
        assert self.batched.runner._flags() == self.direct.runner._flags()
        assert kinds(self.batched) == kinds(self.direct)

    def finish(self) -> None:
        assert self.batch is not None
        self.batch.flush()
        assert not self.batch.holding
        for direct, batched in zip(
            tallies(self.direct.runner), tallies(self.batched.runner), strict=True
        ):
            assert batched.start == direct.start
            assert batched.energy == pytest.approx(direct.energy, rel=1e-12)
            assert batched.covered == pytest.approx(direct.covered, rel=1e-12)
            assert batched.highest == direct.highest
        for (kind, data), (kind_b, data_b) in zip(
            self.direct.events, self.batched.events, strict=True
        ):
            assert kind_b == kind
            assert data_b == pytest.approx(data) if kind else data_b == data


def kinds(side: Side) -> list[str]:
    return [kind for kind, _ in side.events]


def tallies(runner: LimitRunner) -> list[Any]:
    found = [*runner.pending.values(), runner.current]
    return sorted((t for t in found if t is not None), key=lambda t: t.start)


def stream(seed: int, count: int, low: float, high: float) -> list[tuple[float, float]]:
    """Return messages (seconds, level) about a second apart, with loud bursts."""
    rnd = random.Random(seed)  # noqa: S311 - a repeatable stream, not a secret
    messages = []
    for _ in range(count):
        level = rnd.uniform(low, high)
        if rnd.random() < 0.02:
            level += 20.0
        messages.append((rnd.uniform(0.7, 1.3), level))
    return messages


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_energy_limit_batched_is_the_same(seed: int) -> None:
    """LAeq,5min 70 dB, warning at 67: levels about the limit, over three windows."""
    pair = Pair(limit(window=5), at("2026-11-24 08:00"))
    for seconds, level in stream(seed, 960, 62.0, 71.0):
        pair.send(seconds, level)
    assert "exceeded" in kinds(pair.direct)
    assert kinds(pair.direct).count("window_closed") == 0  # no stored periods yet
    pair.finish()


@pytest.mark.parametrize("seed", [4, 5])
def test_a_maximum_limit_batched_is_the_same(seed: int) -> None:
    pair = Pair(limit(value="LAFMax", window=5, level=85.0), at("2026-11-24 08:00"))
    for seconds, level in stream(seed, 700, 70.0, 83.0):
        pair.send(seconds, level)
    assert "exceeded" in kinds(pair.direct)
    pair.finish()


def test_messages_across_the_start_of_the_schedule() -> None:
    """The first message spans 08:00: only its part in the window counts."""
    pair = Pair(limit(window=5), at("2026-11-24 07:59:58.6"))
    for seconds, level in [(1.0, 60.0), (1.0, 75.0), (0.5, 65.0), (1.5, 90.0)]:
        pair.send(seconds, level)
    pair.finish()
    current = pair.batched.runner.current
    assert current is not None
    assert current.covered == pytest.approx(0.6 + 0.5 + 1.5)


def test_a_batch_waits_while_nothing_can_change() -> None:
    """The batch holds quiet messages, and hands on a loud one with them."""
    config = limit(window=15, start=time(0), end=time(0))
    pair = Pair(config, at("2026-11-24 08:00:00.2"))
    assert pair.batch is not None
    pair.send(1.0, 50.0)  # nothing known yet of the room: handed on
    assert not pair.batch.holding
    for _ in range(20):
        pair.send(1.0, 50.0)
    assert pair.batch.holding
    current = pair.batched.runner.current
    assert current is not None
    assert current.covered == 1.0
    # A second at 81 dB: energy 10^8.1 = 1.26e8 beside 21 s at 50 dB (2.1e6)
    # is 67.6 dB over 22 s, over the warning's 67 dB. The batch hands it on.
    pair.send(1.0, 81.0)
    assert not pair.batch.holding
    assert current.covered == 22.0
    by_hand = 10 * math.log10((21 * 1e5 + 10**8.1) / 22)
    assert current.level == pytest.approx(by_hand)
    assert pair.batched.runner._flags() == (False, True)
    pair.finish()


@pytest.mark.parametrize("lag", [10.0, 10.25])
def test_messages_of_a_clock_behind_across_the_end_of_the_period(lag: float) -> None:
    """The cloud's clock 10 s behind: the period's last window gets its last seconds.

    Messages of 69 dB, then 100 dB from 18:00 by Home Assistant's clock: the
    messages stamped before 18:00 belong to the window 17:55-18:00, which has
    ended when they come. With a lag of exactly 10 s one of them ends on 18:00.
    """
    pair = Pair(limit(window=5, end=time(18)), at("2026-11-24 17:55:00"))
    period_end = at("2026-11-24 18:00")
    pair.send(11.0, 69.0, lag=lag)
    for _ in range(298):
        level = 69.0 if pair.direct.clock.now < period_end else 100.0
        pair.send(1.0, level, lag=lag)
    assert kinds(pair.direct) == ["exceeded"]
    pair.finish()
    (last,) = tallies(pair.batched.runner)
    assert last.covered == tallies(pair.direct.runner)[0].covered


def test_a_boundary_timer_that_fires_late() -> None:
    """Messages of the next window come before the boundary's timer runs.

    The first of them rolls the window; the timer, when it runs, does nothing,
    and no timer is left over: after stop() nothing fires.
    """
    boundary = at("2026-11-24 08:05")
    pair = Pair(limit(window=5), at("2026-11-24 08:04"))
    for _ in range(59):
        pair.send(1.0, 65.0)
    assert pair.direct.clock.now == boundary - 1
    for side in (pair.direct, pair.batched):
        side.clock.now = boundary + 2  # the loop was busy: the timer waits
    pair.take(boundary + 1, 1.0, 65.0, boundary + 1)
    pair.take(boundary + 2, 1.0, 65.0, boundary + 2)
    for side in (pair.direct, pair.batched):
        side.clock.to(boundary + 2.01)
    pair.finish()
    for side in (pair.direct, pair.batched):
        assert side.runner.current is not None
        assert side.runner.current.covered == 2.0
        live_timers = [entry for *_, entry in side.clock._timers if entry[1]]
        side.runner.stop()
        fired = len(side.events)
        side.clock.to(boundary + 3600)
        assert len(side.events) == fired
    assert len(live_timers) == 2  # the next boundary, the closing of 08:00-08:05


def test_a_message_that_ends_with_the_window() -> None:
    """Whole-second stamps: a message ends on 08:05, taken before the timer runs.

    Counted message by message, it is the next window's (and covers none of
    it); the minute's other messages stay the ended window's.
    """
    boundary = at("2026-11-24 08:05")
    pair = Pair(limit(window=5), at("2026-11-24 08:04"))
    for _ in range(59):
        pair.send(1.0, 65.0)
    for side in (pair.direct, pair.batched):
        side.clock.now = boundary
    pair.take(boundary, 1.0, 66.0, boundary)
    pair.send(1.0, 65.0)
    pair.finish()
    ended, current = tallies(pair.batched.runner)
    assert ended.covered == 59.0
    assert current.covered == 1.0
    assert current.highest == 66.0
