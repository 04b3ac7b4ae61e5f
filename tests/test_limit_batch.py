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

    def send(self, seconds: float, level: float) -> None:
        for side in (self.direct, self.batched):
            side.clock.to(side.clock.now + seconds)
        now = self.direct.clock.now
        rate = 10 ** (level / 10)
        self.direct.runner.take_live(now, seconds, level, rate, now)
        assert self.batch is not None
        self.batch.take(now, seconds, level, rate, now)
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
