"""The key-wide pause after a 429, on a clock the tests move by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from custom_components.mycirrus.api import (
    MyCirrusRateLimitError,
    RateLimiter,
    limiter as limiter_module,
)
from custom_components.mycirrus.api.limiter import MIN_PAUSE
from custom_components.mycirrus.const import UPDATE_INTERVAL


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_honours_retry_after_without_a_cap(clock: Clock) -> None:
    paused: list[float] = []
    limiter = RateLimiter(clock=clock, on_pause=paused.append)
    assert not limiter.paused
    limiter.check()
    assert limiter.pause(7200) == 7200
    assert paused == [7200]
    clock.now += 3600
    assert limiter.remaining() == 3600
    with pytest.raises(MyCirrusRateLimitError) as err:
        limiter.check()
    assert err.value.sent is False
    assert err.value.retry_after == 3600
    clock.now += 3600
    assert not limiter.paused
    limiter.check()


@pytest.mark.parametrize("asked", [0, 0.5, 30])
def test_never_less_than_the_normal_interval(clock: Clock, asked: float) -> None:
    """A Retry-After of 0 must not turn polling into a tight loop."""
    limiter = RateLimiter(clock=clock)
    assert limiter.pause(asked) == MIN_PAUSE >= UPDATE_INTERVAL.total_seconds()
    assert limiter.paused


def test_own_backoff_doubles_up_to_15_minutes(clock: Clock) -> None:
    limiter = RateLimiter(clock=clock)
    waits = []
    for _ in range(5):
        waits.append(limiter.pause(None))
        clock.now += waits[-1]
    assert waits == [120, 240, 480, 900, 900]
    limiter.accepted()
    assert limiter.pause(None) == 120


def test_a_burst_of_429_does_not_double(clock: Clock) -> None:
    limiter = RateLimiter(clock=clock)
    assert [limiter.pause(None) for _ in range(8)] == [120] * 8
    clock.now += 10
    assert limiter.pause(None) == 110
    # A server that asks for longer in the same burst is honoured.
    assert limiter.pause(600) == 600


def test_restore_does_not_shorten_or_notify(clock: Clock) -> None:
    paused: list[float] = []
    limiter = RateLimiter(clock=clock, on_pause=paused.append)
    limiter.restore(0)
    assert not limiter.paused
    limiter.pause(300)
    limiter.restore(100)
    assert limiter.remaining() == 300
    limiter.restore(500)
    assert limiter.remaining() == 500
    assert paused == [300]


def test_the_default_clock_is_monotonic(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wall-clock reading is involved, so a stepped wall clock changes nothing."""
    readings = iter([50.0, 80.0])
    monkeypatch.setattr(
        limiter_module, "time", SimpleNamespace(monotonic=lambda: next(readings))
    )
    limiter = RateLimiter()
    assert limiter.pause(60) == 60
    assert limiter.remaining() == 30


def test_less_than_a_second_left_is_no_pause(clock: Clock) -> None:
    """Schedulers are not sub-second exact: a second left still pauses."""
    limiter = RateLimiter(clock=clock)
    limiter.pause(60)
    clock.now += 59
    assert limiter.remaining() == 1
    assert limiter.paused
    with pytest.raises(MyCirrusRateLimitError):
        limiter.check()
    clock.now += 0.5
    assert not limiter.paused
    limiter.check()
    limiter.restore(0.5)
    assert limiter.remaining() == 0.5
