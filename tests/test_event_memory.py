"""Which noise events fire, remembered across restarts, checked on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.api import NoiseEvent
from custom_components.mycirrus.hub.stored.events import EventMemory
from homeassistant.core import HomeAssistant

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY = "mycirrus.events.entry"


def event(serial: str, start: datetime, name: str = "Trigger 1") -> NoiseEvent:
    return NoiseEvent(
        instrument=serial,
        start=start,
        end=start + timedelta(seconds=10),
        type="Level",
        name=name,
        level=85.0,
        audio_time=None,
        time_history_id=None,
        audio_id=None,
    )


async def saved(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let a delayed save happen."""
    freezer.tick(timedelta(seconds=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_an_event_from_the_moment_of_following_fires(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(T0)
    memory = EventMemory(hass, "entry")
    memory.follow(["QT100001"])
    memory.found(
        [
            event("QT100001", T0 - timedelta(seconds=1), "Before"),
            event("QT100001", T0, "At"),
            event("QT100003", T0, "Not followed"),
        ],
        forget_before=T0 - timedelta(days=2),
    )
    assert memory.waiting() == ["QT100001"]
    assert [e.name for e in memory.take("QT100001")] == ["At"]
    assert memory.take("QT100001") == []


async def test_following_is_saved_at_once_and_only_when_new(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(T0)
    memory = EventMemory(hass, "entry")
    memory.follow([])
    await saved(hass, freezer)
    assert KEY not in hass_storage
    followed_at = T0 + timedelta(seconds=2)
    memory.follow(["QT100001"])
    await saved(hass, freezer)
    assert hass_storage[KEY]["data"]["since"] == {"QT100001": followed_at.isoformat()}
    # Not moved by following again: a restart keeps the first moment.
    memory.follow(["QT100001"])
    again = EventMemory(hass, "entry")
    await again.async_load()
    assert again.since == {"QT100001": followed_at}


async def test_what_the_re_read_still_reaches_is_remembered(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(T0 - timedelta(hours=3))
    memory = EventMemory(hass, "entry")
    memory.follow(["QT100001"])
    edge = T0 - timedelta(hours=2)  # where the re-read starts
    first = event("QT100001", edge)
    memory.found([first], forget_before=edge)
    assert memory.take("QT100001") == [first]
    await saved(hass, freezer)
    assert list(hass_storage[KEY]["data"]["fired"]) != []
    # Read again from the same hour: it fired, and fires no more.
    for _ in range(2):
        memory.found([first], forget_before=edge)
        assert memory.waiting() == []
    # One waiting from that very hour still waits.
    second = event("QT100001", edge, "Trigger 2")
    memory.found([second], forget_before=edge)
    assert memory.take("QT100001") == [second]
    await saved(hass, freezer)
    # Once the re-read no longer reaches them, they are forgotten, and saved so.
    memory.found([], forget_before=edge + timedelta(hours=1))
    await saved(hass, freezer)
    assert hass_storage[KEY]["data"]["fired"] == {}


async def test_nothing_forgotten_saves_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(T0)
    memory = EventMemory(hass, "entry")
    memory.found([event("QT100001", T0)], forget_before=T0 - timedelta(days=2))
    await saved(hass, freezer)
    assert KEY not in hass_storage


async def test_what_fired_is_saved_and_nothing_when_none_did(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(T0)
    memory = EventMemory(hass, "entry")
    assert memory.take("QT100001") == []
    await saved(hass, freezer)
    assert KEY not in hass_storage
    memory.since["QT100001"] = T0 - timedelta(hours=1)
    memory.found([event("QT100001", T0)], forget_before=T0 - timedelta(days=2))
    memory.take("QT100001")
    await saved(hass, freezer)
    assert list(hass_storage[KEY]["data"]["fired"]) == [
        f"QT100001|{T0.isoformat()}|Level|Trigger 1"
    ]
