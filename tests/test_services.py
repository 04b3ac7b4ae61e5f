"""The action that answers a noise event's time history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.mycirrus.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from simulator import Simulator
from simulator.audio import time_history_values

from .conftest import CALIBRATING, ONLINE, SetUp
from .media_helpers import (
    EVENT,
    IMAGE,
    NOW,
    async_fire_event,
    async_set_up_media,
    at_now,
    only_added_events,
)

pytestmark = pytest.mark.usefixtures("polling_only")
# Autouse fixtures, for this module's tests.
__all__ = ["at_now", "only_added_events"]

ACTION = "get_event_time_history"


async def ask(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, ACTION, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_by_time_history_id(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    record = await async_fire_event(hass, simulator, freezer, level=90.0)
    time_history_id = hass.states.get(EVENT).attributes["time_history_id"]
    response = await ask(hass, time_history_id=time_history_id)
    start = NOW + timedelta(minutes=1)
    assert response == {
        "time_history_id": time_history_id,
        "instrument": ONLINE,
        "type": "LAeq",
        "blocks": [
            {
                "start": (start - timedelta(seconds=5)).isoformat(),
                "end": (start + timedelta(seconds=15)).isoformat(),
                "sample_duration": 1000.0,
                "values": time_history_values(record),
            }
        ],
        "time_histories": [
            {
                "instrument": ONLINE,
                "type": "LAeq",
                "blocks": response["blocks"],
            }
        ],
    }
    # Asked again (or drawn), it is not fetched again.
    assert await ask(hass, time_history_id=time_history_id) == response
    assert simulator.requests["event_time_history"] == 1


async def test_by_entity_and_start(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    first = await async_fire_event(hass, simulator, freezer, name="First")
    second = await async_fire_event(hass, simulator, freezer, name="Second")
    events_asked = simulator.requests["events"]
    # The event the entity shows: its attributes say which.
    shown = hass.states.get(EVENT).attributes["start"]
    response = await ask(hass, entity_id=EVENT, start=shown)
    assert response["time_history_id"] == str(second["timeHistoryId"])
    assert simulator.requests["events"] == events_asked
    # An earlier one: MyCirrus is asked, with any entity of the instrument.
    response = await ask(hass, entity_id=IMAGE, start=first["startTime"])
    assert response["time_history_id"] == str(first["timeHistoryId"])
    assert simulator.requests["events"] == events_asked + 1


async def test_what_it_refuses(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    record = await async_fire_event(hass, simulator, freezer)
    with pytest.raises(ServiceValidationError) as caught:
        await ask(hass, start=record["startTime"])  # whose?
    assert caught.value.translation_key == "service_entity_needed"
    with pytest.raises(ServiceValidationError) as caught:
        await ask(hass, entity_id=EVENT, start=(NOW - timedelta(days=2)).isoformat())
    assert caught.value.translation_key == "service_no_event"
    assert "Site gate" in str(caught.value)
    hass.states.async_set("sensor.other", "1")
    with pytest.raises(ServiceValidationError) as caught:
        await ask(hass, entity_id="sensor.other", start=record["startTime"])
    assert caught.value.translation_key == "service_not_an_instrument"
    # A time history MyCirrus does not know (or no longer).
    with pytest.raises(ServiceValidationError) as caught:
        await ask(hass, time_history_id="4711")
    assert caught.value.translation_key == "media_not_found"
    # Neither an id nor a start.
    with pytest.raises(vol.Invalid, match="time_history_id"):
        await ask(hass, entity_id=EVENT)


async def test_an_event_without_a_time_history(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    start = NOW - timedelta(hours=1)
    simulator.add_event(CALIBRATING, start=start)["timeHistoryId"] = None
    with pytest.raises(ServiceValidationError) as caught:
        await ask(
            hass, entity_id="event.stage_left_noise_event", start=start.isoformat()
        )
    assert caught.value.translation_key == "service_no_time_history"


async def test_a_time_history_in_no_known_shape(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    simulator.add_fault("raw", endpoint="event_time_history", body=[{"values": 1}])
    with pytest.raises(HomeAssistantError) as caught:
        await ask(hass, time_history_id="4711")
    assert not isinstance(caught.value, ServiceValidationError)
    assert caught.value.translation_key == "media_unknown_shape"
    assert "please report it" in str(caught.value)


async def test_several_entries_need_an_entity(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    await hass.config_entries.async_unload(config_entry.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await ask(hass, time_history_id="4711")
    assert caught.value.translation_key == "service_which_entry"
    # An entity of an entry not loaded is no instrument's either.
    assert er.async_get(hass).async_get(EVENT) is not None
    with pytest.raises(ServiceValidationError) as caught:
        await ask(hass, entity_id=EVENT, time_history_id="4711")
    assert caught.value.translation_key == "service_not_an_instrument"
