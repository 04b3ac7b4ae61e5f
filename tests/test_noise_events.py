"""Noise events: each fires once, in time order, and none is lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from simulator import SimInstrument, Simulator

from .conftest import CALIBRATING, NOW, ONLINE, SetUp, instrument_subentry
from .helpers import async_advance, async_settle

pytestmark = pytest.mark.usefixtures("polling_only")

EVENT = "event.site_gate_noise_event"
FIVE_MINUTES = 300


@pytest.fixture(autouse=True)
def no_computed_events(simulator: Simulator) -> None:
    """Only the events a test adds: none computed from the levels."""
    for instrument in simulator.instruments.values():
        instrument.event_trigger = None


async def set_up_at_now(
    set_up: SetUp, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    freezer.move_to(NOW)
    return await set_up()


def fired(hass: HomeAssistant, entity_id: str = EVENT) -> list[dict[str, Any]]:
    """Collect the attributes of each noise event as it fires."""
    seen: list[dict[str, Any]] = []

    @callback
    def listener(event: Event) -> None:
        new = event.data["new_state"]
        old = event.data["old_state"]
        if (
            event.data["entity_id"] == entity_id
            and new is not None
            and new.attributes.get("event_type") is not None
            # Fired, not the entity coming back (restored) after a reload.
            and old is not None
            and old.state != STATE_UNAVAILABLE
        ):
            seen.append(dict(new.attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    return seen


async def test_each_noise_event_fires_once_in_time_order(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_event(ONLINE, start=NOW - timedelta(hours=2), name="Before set-up")
    entry = await set_up_at_now(set_up, freezer)
    events = fired(hass)
    simulator.add_event(
        ONLINE, start=NOW + timedelta(minutes=2), level=92.5, name="Horn"
    )
    lorry = simulator.add_event(
        ONLINE, start=NOW + timedelta(minutes=1), level=88.0, name="Lorry", audio=False
    )
    lorry["timeHistoryId"] = None  # its time history is not uploaded yet
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert [e["name"] for e in events] == ["Lorry", "Horn"]
    lorry["timeHistoryId"] = 4711
    assert events[0] | {"friendly_name": None} == {
        "event_types": ["noise_event"],
        "event_type": "noise_event",
        "name": "Lorry",
        "level": 88.0,
        "start": (NOW + timedelta(minutes=1)).isoformat(),
        "end": (NOW + timedelta(minutes=1, seconds=10)).isoformat(),
        "duration": 10.0,
        "audio": False,
        "media_content_id": None,
        "audio_url": None,
        "time_history_id": None,
        "friendly_name": None,
    }
    # When the sound started comes first, after what every event entity says.
    assert list(events[0])[:3] == ["event_types", "event_type", "start"]
    # Uploaded hours late: it fires when it comes, once.
    simulator.stop_uploads(ONLINE, since=NOW + timedelta(minutes=6))
    simulator.add_event(ONLINE, start=NOW + timedelta(minutes=7), name="Late")
    for _ in range(24):
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert len(events) == 2
    simulator.resume_uploads(ONLINE)
    for _ in range(24):  # two hours: two re-reads of the last two days
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert [e["name"] for e in events] == ["Lorry", "Horn", "Late"]
    # A reload fires none again.
    await hass.config_entries.async_reload(entry.entry_id)
    await async_settle(hass)
    for _ in range(13):
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert [e["name"] for e in events] == ["Lorry", "Horn", "Late"]


async def test_events_during_a_restart_fire_after_it(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    events = fired(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    await async_settle(hass)
    simulator.add_event(ONLINE, start=NOW + timedelta(minutes=3), name="Meanwhile")
    freezer.tick(timedelta(minutes=10))
    await hass.config_entries.async_setup(entry.entry_id)
    await async_settle(hass)
    assert [e["name"] for e in events] == ["Meanwhile"]
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert [e["name"] for e in events] == ["Meanwhile"]


async def test_events_of_an_outage_fire_when_it_ends(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_at_now(set_up, freezer)
    events = fired(hass)
    for endpoint in ("measurements", "events"):
        simulator.add_fault("server_error", endpoint=endpoint)
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE
    simulator.add_event(ONLINE, start=NOW + timedelta(minutes=6), name="First")
    simulator.add_event(ONLINE, start=NOW + timedelta(minutes=7), name="Second")
    simulator.clear_faults()
    await async_advance(hass, freezer, FIVE_MINUTES)
    # Each fires, after the entity is available again: not from unavailable.
    assert [e["name"] for e in events] == ["First", "Second"]


async def test_an_instrument_added_fires_none_of_its_past_events(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    followed: list[SimInstrument],
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    freezer.tick(timedelta(hours=3))
    simulator.add_event(CALIBRATING, start=NOW + timedelta(hours=2), name="Before")
    events = fired(hass, "event.stage_left_noise_event")
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(**instrument_subentry(CALIBRATING, "Stage left")),
    )
    await async_settle(hass)
    simulator.add_event(
        CALIBRATING, start=NOW + timedelta(hours=3, minutes=1), name="After"
    )
    for _ in range(13):
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert [e["name"] for e in events] == ["After"]


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """The site gate only: a test adds another."""
    return [simulator.instruments[ONLINE]]


async def test_an_instrument_removed_while_unloaded_starts_anew_when_followed_again(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    followed: list[SimInstrument],
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    stage_left = ConfigSubentry(**instrument_subentry(CALIBRATING, "Stage left"))
    hass.config_entries.async_add_subentry(entry, stage_left)
    await async_settle(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Removed while the entry is not loaded: no listener hears of it.
    hass.config_entries.async_remove_subentry(entry, stage_left.subentry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await async_settle(hass)
    freezer.tick(timedelta(hours=3))
    simulator.add_event(CALIBRATING, start=NOW + timedelta(hours=2), name="Unfollowed")
    events = fired(hass, "event.stage_left_noise_event")
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(**instrument_subentry(CALIBRATING, "Stage left")),
    )
    await async_settle(hass)
    simulator.add_event(
        CALIBRATING, start=NOW + timedelta(hours=3, minutes=1), name="After"
    )
    for _ in range(13):
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert [e["name"] for e in events] == ["After"]
