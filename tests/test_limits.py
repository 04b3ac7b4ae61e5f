"""Noise limits in a running entry, on live levels and stored periods of the simulator."""

from __future__ import annotations

import math

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.compat import async_get_entry_device
from custom_components.mycirrus.const import DOMAIN
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from simulator import SimInstrument, Simulator

from .conftest import ONLINE, SetUp
from .helpers import async_advance, async_wait_pushing
from .limit_helpers import (
    MORNING,
    ZONE,
    async_add_limit,
    async_pause,
    async_send_for,
    energetic,
    fired,
    limit_entities,
    number,
)


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Follow the online instrument only."""
    return [simulator.instruments[ONLINE]]


@pytest.fixture(autouse=True)
def only_added_events(simulator: Simulator) -> None:
    """No noise events: the stored data's refreshes stay small."""
    for instrument in simulator.instruments.values():
        instrument.event_trigger = None


async def test_a_live_limit(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """LAeq,5min 70 dB from the live LAeq, then closed by the stored record.

    Budget 300·10^7 = 3e9. 30 s at 65 dB spend 30·10^6.5 = 9.49e7; each
    second at 80 dB then 1e8: over budget with the 30th.
    """
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE)
    subentry_id = await async_add_limit(hass, entry, ONLINE)
    ids = limit_entities(hass, ONLINE, subentry_id)
    registry = er.async_get(hass)
    device = async_get_entry_device(dr.async_get(hass), (DOMAIN, ONLINE), entry.entry_id)
    assert device is not None
    for entity_id in ids.values():
        registered = registry.async_get(entity_id)
        assert registered is not None
        assert registered.config_subentry_id == subentry_id
        assert registered.device_id == device.id
    assert ids["level"] == "sensor.site_gate_works_level"
    assert ids["limit"] == "event.site_gate_works"
    events = async_capture_events(hass, EVENT_STATE_CHANGED)

    assert hass.states.get(ids["level"]).state == STATE_UNKNOWN
    assert number(hass.states.get(ids["headroom"])) == pytest.approx(70.0)

    await async_send_for(hass, freezer, simulator, entry, ONLINE, {"LAeq": 65.0}, 30)
    await async_pause(hass, freezer)
    level = hass.states.get(ids["level"])
    assert number(level) == pytest.approx(65.0)
    assert level.attributes["window_start"] == "2026-11-24T08:00:00+00:00"
    assert level.attributes["window_end"] == "2026-11-24T08:05:00+00:00"
    assert level.attributes["source"] == "live"
    headroom = hass.states.get(ids["headroom"])
    left = MORNING.timestamp() + 300 - headroom.last_updated.timestamp()
    assert number(headroom) == pytest.approx(
        10 * math.log10((3e9 - 30 * 10**6.5) / left)
    )
    assert hass.states.get(ids["warning"]).state == "off"
    assert hass.states.get(ids["exceeded"]).state == "off"

    await async_send_for(hass, freezer, simulator, entry, ONLINE, {"LAeq": 80.0}, 29)
    assert hass.states.get(ids["exceeded"]).state == "off"
    assert hass.states.get(ids["warning"]).state == "on"
    await async_send_for(hass, freezer, simulator, entry, ONLINE, {"LAeq": 80.0}, 1)
    assert hass.states.get(ids["exceeded"]).state == "on"
    assert number(hass.states.get(ids["exceedances_today"])) == 1
    assert hass.states.get(ids["headroom"]).state == STATE_UNKNOWN
    (exceeded,) = fired(events, ids["limit"])
    assert exceeded["event_type"] == "exceeded"
    assert exceeded["level"] == pytest.approx(
        energetic([(65.0, 30), (80.0, 30)]), abs=0.01
    )
    assert exceeded["window_start"] == "2026-11-24T08:00:00+00:00"

    # The next window: nothing exceeded yet; the last one waits for its record.
    freezer.move_to(MORNING.replace(minute=5))
    await async_advance(hass, freezer, 0)
    assert hass.states.get(ids["exceeded"]).state == "off"
    assert hass.states.get(ids["level"]).state == STATE_UNKNOWN
    assert number(hass.states.get(ids["exceedances_today"])) == 1
    # The stored period of 08:00-08:05 arrives with the next refresh.
    (period,) = await client.measurements(
        [ONLINE], MORNING, MORNING.replace(minute=5), values=["LAeq"]
    )
    await async_advance(hass, freezer, 60)
    closed = fired(events, ids["limit"])[-1]
    assert closed["event_type"] == "window_closed"
    assert closed["source"] == "stored"
    assert closed["coverage"] == 100.0
    assert closed["exceeded"] is True
    assert closed["level"] == pytest.approx(period.values["LAeq"], abs=0.01)
    # The record of the live levels: their energetic mean, a message each.
    assert closed["level"] == pytest.approx(
        energetic([(65.0, 30), (80.0, 30)]), abs=0.01
    )
    assert [e["event_type"] for e in fired(events, ids["limit"])] == [
        "exceeded",
        "window_closed",
    ]
    assert dt_util.utcnow() < MORNING.replace(minute=10)
