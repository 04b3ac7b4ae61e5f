"""One window's tally: live spans, stored periods that fill and correct them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math

import pytest

from custom_components.mycirrus.hub.limits.feed import LiveFeed
from custom_components.mycirrus.hub.limits.schedule import Window
from custom_components.mycirrus.hub.limits.tally import WindowTally

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp()
FIFTEEN = 900.0


def tally(*, limit: float = 70.0, maximum: bool = False) -> WindowTally:
    return WindowTally(
        Window(START, START + FIFTEEN, False), limit=limit, maximum=maximum
    )


def live(t: WindowTally, seconds_in: float, level: float, span: float = 1.0) -> None:
    """Count a live message that ends ``seconds_in`` into the window."""
    t.add_live(START + seconds_in, span, level, 10 ** (level / 10))


def energetic(pairs: list[tuple[float, float]]) -> float:
    """Return the energetic mean of (level, seconds), worked out plainly."""
    total = sum(seconds for _, seconds in pairs)
    return 10 * math.log10(sum(s * 10 ** (lv / 10) for lv, s in pairs) / total)


def test_live_messages_weighted_by_their_time() -> None:
    """A message covers the time since the one before: 2 s at 80 weigh double."""
    t = tally()
    live(t, 1, 60.0)
    live(t, 3, 80.0, span=2.0)
    assert t.covered == 3.0
    assert t.level == pytest.approx(energetic([(60.0, 1), (80.0, 2)]))
    assert t.source == "live"
    assert t.coverage(START + 3, grace=0) == 1.0
    # Ten seconds on with nothing more: 3 of 13 s covered.
    assert t.coverage(START + 13, grace=0) == pytest.approx(3 / 13)
    assert t.coverage(START + 13, grace=5) == pytest.approx(3 / 8)


def test_a_message_reaching_back_before_the_window() -> None:
    """Only the part of a message inside the window counts."""
    t = tally()
    live(t, 0.5, 90.0, span=1.0)
    assert t.covered == 0.5


def test_stored_periods_fill_the_gaps() -> None:
    """Live for the first 5 minutes, stored periods bring the next two."""
    t = tally()
    for second in range(1, 301):
        live(t, second, 65.0)
    assert t.add_stored([(START + 300, START + 600, 72.0)])
    assert t.covered == 600.0
    assert t.level == pytest.approx(energetic([(65.0, 300), (72.0, 300)]))
    assert t.source == "live"
    assert not t.stored_complete


def test_stored_periods_correct_the_live_ones() -> None:
    """The official record wins: a stored period replaces the live minutes it covers.

    Live said 80 dB for the first five minutes; the stored period says 68 dB.
    """
    t = tally()
    for second in range(1, 601):
        live(t, second, 80.0 if second <= 300 else 66.0)
    assert t.add_stored([(START, START + 300, 68.0)])
    assert t.covered == 600.0
    assert t.level == pytest.approx(energetic([(68.0, 300), (66.0, 300)]))
    # The same period again changes nothing; a corrected one replaces it.
    assert not t.add_stored([(START, START + 300, 68.0)])
    assert t.add_stored([(START, START + 300, 69.0)])
    assert t.level == pytest.approx(energetic([(69.0, 300), (66.0, 300)]))


def test_the_hand_over_to_the_record() -> None:
    """Periods covering the whole window: the window is stored, live does not count."""
    t = tally()
    for second in range(1, 901):
        live(t, second, 75.0)
    for start in range(0, 900, 300):
        t.add_stored([(START + start, START + start + 300, 60.0 + start / 100)])
    assert t.stored_complete
    assert t.source == "stored"
    assert t.level == pytest.approx(energetic([(60.0, 300), (63.0, 300), (66.0, 300)]))


def test_periods_outside_or_across_the_window() -> None:
    """A period not wholly inside the window says nothing of it."""
    t = tally()
    assert not t.add_stored([(START - 300, START, 90.0)])
    assert not t.add_stored([(START + 600, START + 1200, 90.0)])  # a 10-minute period
    assert not t.add_stored([(START + 900, START + 1200, 90.0)])
    assert t.level is None
    assert t.source is None


def test_certain_exceedance_and_warning() -> None:
    """LAeq,15min 70 dB: budget 900·10^7; 80 dB spends it in 90 s.

    After 90 s at 80 dB the energy equals the budget (not over it); the next
    second makes the exceedance certain.
    """
    t = tally()
    for second in range(1, 91):
        live(t, second, 80.0)
    assert not t.certain
    assert t.flags(67.0, 10**6.7) == (False, True)
    live(t, 91, 80.0)
    assert t.certain
    assert t.exceeded


def test_warning_within_the_margin() -> None:
    """The level so far at 67.5 dB is within 3 dB of 70: warning, not exceeded."""
    t = tally()
    for second in range(1, 11):
        live(t, second, 67.5)
    assert t.flags(67.0, 10**6.7) == (False, True)
    assert t.flags(68.0, 10**6.8) == (False, False)
    assert not t.certain


def test_exceeded_only_on_average() -> None:
    """With gaps, a window can end over its limit without ever being certain."""
    t = tally()
    for second in range(1, 61):
        live(t, second, 72.0)
    assert not t.certain
    assert t.exceeded  # 72 dB over the minute measured
    assert t.crossed_at() == START + FIFTEEN  # known over at its end


def test_a_maximum_limit() -> None:
    """A maximum: any level over the limit; the stored maximum corrects live's."""
    t = tally(limit=85.0, maximum=True)
    live(t, 1, 79.0)
    live(t, 2, 83.5)
    assert t.level == 83.5
    assert not t.certain
    assert t.flags(82.0, 0.0) == (False, True)
    # The stored LAFMax of the first five minutes was higher than the LAF sent.
    t.add_stored([(START, START + 300, 86.1)])
    assert t.level == 86.1
    assert t.certain


def test_when_the_record_crossed_the_budget() -> None:
    """Read back from periods: over budget at the end of the period that did it."""
    t = tally()
    t.add_stored([(START, START + 300, 60.0)])
    t.add_stored([(START + 300, START + 600, 76.0)])
    # 300·10^6 + 300·10^7.6 = 1.197e10 > 900·10^7 = 9e9: crossed at 08:10.
    assert t.crossed_at() == START + 600
    quiet = tally()
    quiet.add_stored([(START, START + 900, 65.0)])
    assert quiet.crossed_at() is None


def test_the_feed_covers_the_time_since_the_message_before() -> None:
    """Message times give the spans; a gap leaves the usual interval only."""
    feed = LiveFeed()
    base = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    def take(second: float, now: float | None = None) -> tuple[float, float]:
        sent = base + timedelta(seconds=second)
        return feed.take(sent, (now if now is not None else sent.timestamp()))

    assert take(1) == (START + 1, 1.0)  # the first: a second
    assert take(2) == (START + 2, 1.0)
    assert take(4) == (START + 4, 2.0)
    assert take(5) == (START + 5, 1.0)
    assert take(65) == (START + 65, 1.0)  # after a minute's gap: one interval
    # A message from the future is taken at Home Assistant's time.
    assert take(67, now=START + 66) == (START + 66, 1.0)
    # One far from Home Assistant's clock: the time it came.
    assert feed.take(base - timedelta(hours=1), START + 67) == (START + 67, 1.0)
    # No time at all: the time it came.
    assert feed.take(None, START + 68) == (START + 68, 1.0)
    assert not feed.by_arrival


def test_the_feed_learns_a_slower_rate() -> None:
    """Messages every 5 s: after a few, each covers its 5 s."""
    feed = LiveFeed()
    spans = [feed.take(None, START + 5 * n)[1] for n in range(6)]
    assert spans[-1] == 5.0
    assert feed.typical == 5.0


def test_whole_seconds_at_a_faster_rate() -> None:
    """Ten messages a second stamped in whole seconds: their arrival counts."""
    feed = LiveFeed()
    base = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    spans = []
    for tenth in range(1, 31):
        now = START + tenth / 10
        stamp = base + timedelta(seconds=tenth // 10)
        spans.append(feed.take(stamp, now))
    assert feed.by_arrival
    assert spans[-1] == (START + 3.0, pytest.approx(0.1))
    assert sum(seconds for _, seconds in spans[2:]) == pytest.approx(2.8)


def test_messages_at_the_same_moment() -> None:
    """A burst at one instant: each message covers the usual interval."""
    feed = LiveFeed()
    assert [feed.take(None, START) for _ in range(3)] == [(START, 1.0)] * 3
