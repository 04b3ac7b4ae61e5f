"""How far each statistic was read: a gap stays a gap, and a restart keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.hub.stored.progress import ReadProgress
from homeassistant.core import HomeAssistant

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LAEQ = ("QT100001", "LAeq")
LAFMAX = ("QT100001", "LAFMax")
OTHER = ("QT100003", "LAeq")


async def test_a_point_moves_only_where_a_read_joins_it(hass: HomeAssistant) -> None:
    progress = ReadProgress(hass, "entry")
    assert progress.missing([LAEQ, OTHER]) == [LAEQ, OTHER]
    progress.begin({LAEQ: T0 + timedelta(minutes=30), OTHER: T0 - 5 * HOUR})
    progress.begin({LAEQ: T0 - 9 * HOUR})  # a point given stays
    assert progress.until(LAEQ) == T0  # whole hours
    assert progress.missing([LAEQ, OTHER, LAFMAX]) == [LAFMAX]
    # A read from after the point leaves a gap: no point moves.
    progress.read([LAEQ, OTHER], T0 + HOUR, T0 + 3 * HOUR)
    assert (progress.until(LAEQ), progress.until(OTHER)) == (T0, T0 - 5 * HOUR)
    # One that starts at or before it moves it to its end's hour.
    progress.read([LAEQ, OTHER], T0 - 5 * HOUR, T0 + 2 * HOUR + timedelta(minutes=5))
    assert progress.until(LAEQ) == progress.until(OTHER) == T0 + 2 * HOUR
    # Never back.
    progress.read([LAEQ], T0 - 9 * HOUR, T0 - 8 * HOUR)
    assert progress.until(LAEQ) == T0 + 2 * HOUR
    assert progress.until(LAFMAX) is None
    progress.read([LAFMAX], T0, T0 + HOUR)  # no point, nothing to move
    assert progress.until(LAFMAX) is None


async def test_older_points_skip_to_the_oldest_read(hass: HomeAssistant) -> None:
    progress = ReadProgress(hass, "entry")
    progress.begin({LAEQ: T0 - 40 * 24 * HOUR, OTHER: T0})
    progress.skip([LAEQ, OTHER], T0 - 31 * 24 * HOUR)
    assert progress.until(LAEQ) == T0 - 31 * 24 * HOUR
    assert progress.until(OTHER) == T0


async def test_the_points_outlast_a_restart(hass: HomeAssistant) -> None:
    progress = ReadProgress(hass, "entry")
    progress.begin({LAEQ: T0, OTHER: T0 - HOUR})
    await progress.async_flush()
    again = ReadProgress(hass, "entry")
    await again.async_load()
    assert again.as_dict() == {
        "QT100001|LAeq": T0.isoformat(),
        "QT100003|LAeq": (T0 - HOUR).isoformat(),
    }
    # An instrument no longer followed starts anew when it comes back.
    again.forget("QT100001")
    assert again.missing([LAEQ, OTHER]) == [LAEQ]
    await again.async_remove()
    last = ReadProgress(hass, "entry")
    await last.async_load()
    assert last.as_dict() == {}


async def test_an_unreadable_point_is_left_out(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage["mycirrus.progress.entry"] = {
        "version": 1,
        "key": "mycirrus.progress.entry",
        "data": {
            "read_until": {
                "QT100001|LAeq": "yesterday",
                "no separator": T0.isoformat(),
                "QT100003|LAeq": T0.isoformat(),
            }
        },
    }
    progress = ReadProgress(hass, "entry")
    await progress.async_load()
    assert progress.as_dict() == {"QT100003|LAeq": T0.isoformat()}


async def test_a_point_is_saved_when_it_moves_and_only_then(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    key = "mycirrus.progress.entry"

    async def saved() -> dict[str, str] | None:
        freezer.tick(timedelta(seconds=2))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        stored = hass_storage.pop(key, None)
        return None if stored is None else stored["data"]["read_until"]

    progress = ReadProgress(hass, "entry")
    progress.begin({})
    progress.read([LAEQ], T0, T0 + HOUR)  # no point yet
    progress.skip([LAEQ], T0)
    assert await saved() is None
    progress.begin({LAEQ: T0})
    assert await saved() == {"QT100001|LAeq": T0.isoformat()}
    progress.read([LAEQ], T0 + HOUR, T0 + 2 * HOUR)  # a gap: no move
    progress.skip([LAEQ], T0 - HOUR)  # older than the point: no move
    progress.skip([LAEQ], T0)  # the point itself: no move
    assert await saved() is None
    progress.read([LAEQ], T0, T0 + HOUR)
    assert await saved() == {"QT100001|LAeq": (T0 + HOUR).isoformat()}
    # One that ends in the point's hour does not move it.
    progress.read([LAEQ], T0, T0 + HOUR + timedelta(minutes=5))
    assert await saved() is None
    progress.skip([LAEQ], T0 + 3 * HOUR)
    assert await saved() == {"QT100001|LAeq": (T0 + 3 * HOUR).isoformat()}
