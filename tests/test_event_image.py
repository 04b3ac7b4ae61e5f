"""The picture of each noise monitor's last noise event."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import io

from freezegun.api import FrozenDateTimeFactory
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from simulator import Simulator

from .conftest import API_KEY, SetUp
from .helpers import async_advance, async_settle
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


async def picture(hass: HomeAssistant, web_client: ClientSessionGenerator) -> bytes:
    """Fetch the picture as a notification would, with the entity's token."""
    state = hass.states.get(IMAGE)
    assert state is not None
    web = await web_client()
    answer = await web.get(state.attributes["entity_picture"])
    assert answer.status == HTTPStatus.OK, await answer.text()
    assert answer.content_type == "image/png"
    return await answer.read()


def pixels(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png))
    assert image.size == (800, 450)
    return image.convert("RGB").tobytes()


async def test_the_picture_follows_the_last_event(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    state = hass.states.get(IMAGE)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    waiting = pixels(await picture(hass, hass_client_no_auth))  # "no event yet"

    horn = await async_fire_event(hass, simulator, freezer, name="Horn", level=95.0)
    state = hass.states.get(IMAGE)
    assert state is not None
    # Its state is when the sound started, as the event's first attribute says.
    start = NOW + timedelta(minutes=1)
    assert state.state == start.isoformat()
    assert hass.states.get(EVENT).attributes["start"] == start.isoformat()
    first = await picture(hass, hass_client_no_auth)
    assert pixels(first) != waiting
    # Drawn once: the time history was fetched once, the picture is the same.
    web = await hass_client()
    again = await web.get(f"/api/image_proxy/{IMAGE}")
    assert await again.read() == first
    assert simulator.requests["event_time_history"] == 1
    assert simulator.data_requests  # events were read; nothing else

    lorry = await async_fire_event(hass, simulator, freezer, name="Lorry", level=83.0)
    assert lorry["timeHistoryId"] != horn["timeHistoryId"]
    second = await picture(hass, hass_client_no_auth)
    assert pixels(second) != pixels(first)
    assert simulator.requests["event_time_history"] == 2
    assert API_KEY not in str(hass.states.get(IMAGE))


async def test_the_picture_survives_a_restart(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    entry = await async_set_up_media(hass, set_up, freezer)
    await async_fire_event(hass, simulator, freezer, name="Horn")
    before = await picture(hass, hass_client)
    await hass.config_entries.async_reload(entry.entry_id)
    await async_settle(hass)
    state = hass.states.get(IMAGE)
    assert state is not None
    assert state.state == (NOW + timedelta(minutes=1)).isoformat()
    assert pixels(await picture(hass, hass_client)) == pixels(before)
    # The reloaded entry fetched the time history again, once.
    assert simulator.requests["event_time_history"] == 2


async def test_an_event_without_a_time_history(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    simulator.add_event("QT100001", start=NOW + timedelta(minutes=1), name="Horn")[
        "timeHistoryId"
    ] = None
    await async_advance(hass, freezer, 300)
    assert hass.states.get(EVENT).attributes["time_history_id"] is None
    blank = pixels(await picture(hass, hass_client))
    assert simulator.requests["event_time_history"] == 0
    await async_fire_event(hass, simulator, freezer, name="Horn")
    assert pixels(await picture(hass, hass_client)) != blank


async def test_a_passing_failure_is_drawn_again(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    simulator.add_fault("server_error", endpoint="event_time_history", count=1)
    await async_fire_event(hass, simulator, freezer)
    failed = pixels(await picture(hass, hass_client))
    assert pixels(await picture(hass, hass_client)) == failed
    assert simulator.requests["event_time_history"] == 1
    freezer.tick(timedelta(seconds=61))
    drawn = pixels(await picture(hass, hass_client))
    assert drawn != failed
    assert simulator.requests["event_time_history"] == 2


async def test_the_picture_needs_events(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    without = {s for s in simulator.keys[API_KEY] if s != "data.events:read"}
    simulator.add_key(API_KEY, scopes=without)
    await async_set_up_media(hass, set_up, freezer)
    assert hass.states.get(IMAGE) is None
    simulator.add_key(API_KEY)
    await async_advance(hass, freezer, 3600)
    state = hass.states.get(IMAGE)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    # Unavailable while the events cannot be read, as the event entity.
    simulator.add_fault("server_error", endpoint="events")
    await async_advance(hass, freezer, 300)
    assert hass.states.get(IMAGE).state == STATE_UNAVAILABLE


async def test_one_entity_per_noise_monitor(
    hass: HomeAssistant,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry: MockConfigEntry = await async_set_up_media(hass, set_up, freezer)
    images = sorted(hass.states.async_entity_ids("image"))
    assert images == [
        "image.car_park_last_noise_event",
        "image.loading_bay_last_noise_event",
        "image.roof_last_noise_event",
        "image.site_gate_last_noise_event",
        "image.stage_left_last_noise_event",
    ]
    state = hass.states.get(IMAGE)
    assert state.attributes["friendly_name"] == "Site gate Last noise event"
    assert entry.runtime_data.media.last_event("QT100001") is None
