"""Which hours are incomplete, and when and how they are read again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.mycirrus.api import InstrumentStatus
from custom_components.mycirrus.hub.stored.gaps import (
    MAX_AGE,
    RECOVERY,
    REREAD_EVERY,
    GapTracker,
    ReRead,
    hour_complete,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

HOUR = timedelta(hours=1)
H = datetime(2026, 11, 24, 9, tzinfo=UTC)
A, B = "QT100001", "QT100002"


def slots(hour: datetime, minutes: int, skip: tuple[int, ...] = ()) -> list:
    """Return the (start, length) of every period of an hour but those skipped."""
    return [
        (int(hour.timestamp()) + 60 * m, minutes * 60.0)
        for m in range(0, 60, minutes)
        if m not in skip
    ]


def span(first: datetime, last: datetime) -> tuple[float, float]:
    return first.timestamp(), last.timestamp()


@pytest.mark.parametrize("minutes", [1, 5, 15, 60])
def test_every_period_makes_an_hour_complete(minutes: int) -> None:
    assert hour_complete(H, slots(H, minutes), None, [])
    assert not hour_complete(H, slots(H, minutes, skip=(0,)), None, [])
    assert not hour_complete(H, [], minutes * 60.0, [])


def test_the_periods_own_length_and_phase() -> None:
    # Seven-minute periods from 09:03: 09:03, 09:10 ... 09:59 (nine of them).
    start = int(H.timestamp()) + 180
    periods = [(start + 420 * n, 420.0) for n in range(9)]
    assert hour_complete(H, periods, None, [])
    assert not hour_complete(H, periods[:-1], None, [])
    # Without a length of their own, the instrument's is taken.
    bare = [(start, 0.0) for start, _ in slots(H, 15)]
    assert hour_complete(H, bare, 900.0, [])
    assert not hour_complete(H, bare[:3], 900.0, [])


def test_not_measuring_hours_are_complete_when_empty() -> None:
    # Reported not measuring the whole hour, and beyond.
    whole = [span(H - HOUR, H + 2 * HOUR)]
    assert hour_complete(H, [], 300.0, whole)
    assert hour_complete(H, [], None, whole)
    # Not measuring from 09:17: the slots it measured must be there.
    after = [span(H + timedelta(minutes=17), H + 2 * HOUR)]
    assert hour_complete(H, slots(H, 5)[:3], 300.0, after)
    assert not hour_complete(H, slots(H, 5)[:2], 300.0, after)
    # Part of the hour, with no period length known: incomplete.
    assert not hour_complete(H, [], None, after)


async def test_offline_counts_as_measuring(hass: HomeAssistant) -> None:
    gaps = GapTracker(hass, "entry")
    gaps.status(A, online=False, measuring=False, now=H)
    assert gaps.not_measuring(A, H + HOUR) == []
    gaps.status(A, online=True, measuring=False, now=H)
    assert gaps.not_measuring(A, H + HOUR) == [span(H, H + HOUR)]
    gaps.status(A, online=True, measuring=True, now=H + HOUR)
    assert gaps.not_measuring(A, H + 3 * HOUR) == [span(H, H + HOUR)]


async def test_a_re_read_asks_for_the_gaps_span_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(H + 30 * 24 * HOUR)
    now = dt_util.utcnow()
    gaps = GapTracker(hass, "entry")
    old = H + 24 * HOUR
    gaps.judged(A, {old: False, old + HOUR: True, old + 2 * HOUR: False})
    gaps.judged(B, {now - 3 * HOUR: False})
    assert gaps.incomplete_ranges(A) == [
        (old, old + HOUR),
        (old + 2 * HOUR, old + 3 * HOUR),
    ]
    # The first is due at once, for every instrument with gaps, in one request.
    assert gaps.plan(now, [A, B]) == [ReRead(old, now - 2 * HOUR, (A, B))]
    # Nothing more until an hour has passed ...
    assert gaps.plan(now + REREAD_EVERY - timedelta(seconds=1), [A, B]) == []
    # ... unless an entity of it was updated: that instrument alone.
    gaps.ask(B)
    assert gaps.plan(now + timedelta(minutes=1), [A, B]) == [
        ReRead(now - 3 * HOUR, now - 2 * HOUR, (B,))
    ]
    assert gaps.plan(now + REREAD_EVERY, [B]) == [
        ReRead(now - 3 * HOUR, now - 2 * HOUR, (B,))
    ]


async def test_31_days_of_gaps_in_one_request_and_no_older(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(H)
    gaps = GapTracker(hass, "entry")
    first = H - MAX_AGE + HOUR
    gaps.judged(A, {first - 2 * HOUR: False, first: False, H - 2 * HOUR: False})
    gaps.judged(B, {first + HOUR: False})
    # An hour older than 31 days is not even kept.
    assert gaps.incomplete(A) == {first, H - 2 * HOUR}
    (request,) = gaps.plan(H, [A, B])
    assert request == ReRead(first, H - HOUR, (A, B))
    assert request.end - request.start <= timedelta(days=31)
    # A day later the oldest hours are forgotten: no longer read.
    assert gaps.plan(H + 25 * HOUR, [A, B]) == [ReRead(H - 2 * HOUR, H - HOUR, (A,))]
    assert gaps.incomplete(B) == set()


async def test_back_online_or_flowing_again_reads_at_every_refresh(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(H)
    gaps = GapTracker(hass, "entry")
    gaps.judged(A, {H - 5 * HOUR: False})
    assert gaps.plan(H, [A])  # the hourly one
    offline = InstrumentStatus(
        online=False,
        measuring=True,
        calibration_in_progress=None,
        sic_in_progress=None,
        last_calibration=None,
        last_sic=None,
    )
    online = offline.with_flags(online=True)
    assert not gaps.status_changed(A, offline, offline, H)
    # Back online with an incomplete hour: read now, and at every refresh.
    assert gaps.status_changed(A, offline, online, H + timedelta(minutes=1))
    for minutes in (1, 6, 11, 26):
        assert gaps.plan(H + timedelta(minutes=minutes), [A]), minutes
    assert not gaps.plan(H + timedelta(minutes=1) + RECOVERY, [A])
    # Complete: nothing to read, even when it comes back again.
    gaps.judged(A, {H - 5 * HOUR: True})
    assert not gaps.status_changed(A, offline, online, H + 2 * HOUR)
    # Periods flowing again after a refresh that brought none.
    later = H + 2 * HOUR
    gaps.judged(A, {H: False})
    assert gaps.plan(later, [A])  # the hourly one
    gaps.flowing(A, False, later)
    assert not gaps.plan(later + timedelta(minutes=1), [A])
    gaps.flowing(A, True, later + timedelta(minutes=5))
    assert gaps.plan(later + timedelta(minutes=10), [A])
    # Flowing all along does not start it again.
    gaps.flowing(A, True, later + timedelta(minutes=50))
    assert not gaps.plan(later + timedelta(minutes=55), [A])


async def test_the_gaps_outlast_a_restart(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(H)
    gaps = GapTracker(hass, "entry")
    gaps.judged(A, {H - 3 * HOUR: False, H - 2 * HOUR: False, H - 5 * HOUR: False})
    gaps.status(A, online=True, measuring=False, now=H - 10 * HOUR)
    gaps.status(A, online=True, measuring=True, now=H - 9 * HOUR)
    gaps.status(B, online=True, measuring=False, now=H - HOUR)
    await gaps.async_flush()
    again = GapTracker(hass, "entry")
    await again.async_load()
    assert again.incomplete(A) == gaps.incomplete(A)
    assert again.incomplete_ranges(A) == [
        (H - 5 * HOUR, H - 4 * HOUR),
        (H - 3 * HOUR, H - HOUR),
    ]
    assert again.not_measuring(A, H) == [span(H - 10 * HOUR, H - 9 * HOUR)]
    assert again.not_measuring(B, H) == [span(H - HOUR, H)]
    assert again.serials() == {A, B}
    again.forget(A)
    assert again.serials() == {B}
    await again.async_remove()
