"""Bad answers about audio and time histories: a clear message, nothing else lost."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import logging

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from simulator import Simulator

from .conftest import API_KEY, ONLINE, SetUp
from .helpers import async_advance
from .media_helpers import (
    EVENT,
    IMAGE,
    NOW,
    ROOT,
    async_browse,
    async_fire_event,
    async_resolve,
    async_set_up_media,
    at_now,
    only_added_events,
)
from .test_event_image import picture, pixels

pytestmark = pytest.mark.usefixtures("polling_only")
# Autouse fixtures, for this module's tests.
__all__ = ["at_now", "only_added_events"]

# Entities of the site gate that have nothing to do with audio.
OTHERS = (
    "binary_sensor.site_gate_online",
    "sensor.site_gate_calibration_level",
    "sensor.site_gate_laeq_period",
    EVENT,
)


def states(hass: HomeAssistant) -> dict[str, str]:
    return {
        entity_id: state.state
        for entity_id in OTHERS
        if (state := hass.states.get(entity_id)) is not None
    }


async def test_bad_audio_answers(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    record = simulator.add_event(ONLINE, start=NOW - timedelta(hours=1))
    await async_fire_event(hass, simulator, freezer)
    before = states(hass)
    assert len(before) == len(OTHERS)
    assert STATE_UNAVAILABLE not in before.values()
    web = await hass_client_no_auth()

    async def play(audio_id: str) -> tuple[int, str]:
        resolved = await async_resolve(ws, f"{ROOT}/{ONLINE}/event/{audio_id}")
        answer = await web.get(resolved["result"]["url"])
        if answer.status == HTTPStatus.OK:
            assert (await answer.read()).startswith(b"fLaC")
            return answer.status, ""
        assert answer.content_type == "text/plain"
        text = await answer.text()
        assert API_KEY not in text
        return answer.status, text

    # A missing or expired audio id.
    status, text = await play("QT100001-00000000")
    assert status == HTTPStatus.NOT_FOUND
    assert text == (
        "MyCirrus has no such audio or time history of Site gate: its ID is "
        "unknown or has expired"  # Home Assistant drops the final stop
    )
    # A body that is not audio; the next try plays.
    simulator.add_fault("not_json", endpoint="event_audio", count=1)
    status, text = await play(record["audioId"])
    assert status == HTTPStatus.BAD_GATEWAY
    assert text.startswith(
        "MyCirrus answered the audio of Site gate with something that is not audio"
    )
    assert await play(record["audioId"]) == (HTTPStatus.OK, "")
    # A huge body, sent without a length: never more than 32 MiB is read.
    huge = simulator.add_event(ONLINE, start=NOW - timedelta(hours=2))
    simulator.add_fault("huge", endpoint="event_audio", count=1)
    status, text = await play(huge["audioId"])
    assert status == HTTPStatus.BAD_GATEWAY
    assert text == (
        "The audio of Site gate is larger than 32 MiB, more than Home Assistant "
        "plays from MyCirrus"
    )
    # MyCirrus failing, or rate limiting the key.
    simulator.add_fault("server_error", endpoint="event_audio", count=1)
    status, text = await play(huge["audioId"])
    assert status == HTTPStatus.BAD_GATEWAY
    assert text.startswith("Could not fetch the audio or time history of Site gate")
    simulator.add_fault("rate_limit", endpoint="event_audio", count=1)
    status, text = await play(huge["audioId"])
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert "rate limiting" in text
    # Nothing else changed.
    assert states(hass) == before
    assert hass.states.get(EVENT).attributes["media_content_id"] is not None


async def test_a_failed_list(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    simulator.add_fault("server_error", endpoint="events", count=1)
    browsed = await async_browse(ws, f"{ROOT}/{ONLINE}/events")
    assert not browsed["success"]
    assert browsed["error"]["message"].startswith(
        "Could not fetch the audio or time history of Site gate from MyCirrus"
    )
    simulator.add_fault("raw", endpoint="recordings", body={"what": "no list"})
    browsed = await async_browse(ws, f"{ROOT}/{ONLINE}/recordings")
    assert not browsed["success"]
    assert "shape this integration does not know" in browsed["error"]["message"]
    simulator.clear_faults()
    assert (await async_browse(ws, f"{ROOT}/{ONLINE}/events"))["success"]


async def test_a_time_history_in_no_known_shape(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    # An answer that would show the key, were it not blanked out.
    simulator.add_fault(
        "raw", endpoint="event_time_history", body={"echo": API_KEY}, count=2
    )
    await async_fire_event(hass, simulator, freezer)
    before = states(hass)
    drawn = pixels(await picture(hass, hass_client))
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("time history in a shape" in w and "***" in w for w in warnings)
    # Not asked again for that event: the shape will not change.
    await async_advance(hass, freezer, 300)
    assert pixels(await picture(hass, hass_client)) == drawn
    assert simulator.requests["event_time_history"] == 1
    # The next event's picture says the same, and the warning is not repeated.
    await async_fire_event(hass, simulator, freezer)
    await picture(hass, hass_client)
    assert sum("time history in a shape" in r.getMessage() for r in caplog.records) == 1
    assert states(hass) == before | {EVENT: hass.states.get(EVENT).state}
    assert hass.states.get(IMAGE).state != STATE_UNAVAILABLE
