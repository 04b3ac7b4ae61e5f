"""What the tests of event audio, the event picture and the action share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import MockHAClientWebSocket

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from simulator import Simulator

from .conftest import ONLINE, SetUp
from .helpers import async_advance

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FIVE_MINUTES = 300
EVENT = "event.site_gate_noise_event"
IMAGE = "image.site_gate_last_noise_event"
ROOT = "media-source://mycirrus"


def no_computed_events(simulator: Simulator) -> None:
    """Only the events a test adds: none computed from the levels."""
    for instrument in simulator.instruments.values():
        instrument.event_trigger = None


@pytest.fixture(autouse=True)
def only_added_events(simulator: Simulator) -> None:
    """Only the events a test adds, in a module that imports this fixture."""
    no_computed_events(simulator)


@pytest.fixture(autouse=True)
def at_now(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Stop the clock at NOW before the test's users and tokens are made.

    A token made at the real time would not be valid yet at NOW.
    """
    freezer.move_to(NOW)
    return freezer


async def async_set_up_media(
    hass: HomeAssistant, set_up: SetUp, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Set up the media browser and the entry, at NOW."""
    freezer.move_to(NOW)
    # Before a test's HTTP client starts the server: its routes are fixed then.
    assert await async_setup_component(hass, "websocket_api", {})
    assert await async_setup_component(hass, "media_source", {})
    return await set_up()


async def async_fire_event(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    *,
    serial: str = ONLINE,
    minutes: float = 1,
    **kwargs: Any,
) -> dict[str, Any]:
    """Add an event starting ``minutes`` from now, and refresh until it fires.

    Return its record as MyCirrus answers it.
    """
    record = simulator.add_event(
        serial, start=dt_util.utcnow() + timedelta(minutes=minutes), **kwargs
    )
    await async_advance(hass, freezer, FIVE_MINUTES)
    return record


async def async_ws(
    ws: MockHAClientWebSocket, message: dict[str, Any]
) -> dict[str, Any]:
    """Send one websocket command; return its answer.

    One connection serves a test: its token would expire as the clock moves.
    """
    await ws.send_json_auto_id(message)
    answer: dict[str, Any] = await ws.receive_json()
    return answer


async def async_browse(
    ws: MockHAClientWebSocket, media_content_id: str
) -> dict[str, Any]:
    """Browse through Home Assistant's media-source websocket command."""
    return await async_ws(
        ws, {"type": "media_source/browse_media", "media_content_id": media_content_id}
    )


async def async_resolve(
    ws: MockHAClientWebSocket, media_content_id: str
) -> dict[str, Any]:
    """Resolve through Home Assistant's media-source websocket command."""
    return await async_ws(
        ws, {"type": "media_source/resolve_media", "media_content_id": media_content_id}
    )
