"""Noise limits in a running entry, on the simulator's live levels and periods."""

from __future__ import annotations

from datetime import UTC, datetime
import math

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.compat import async_get_entry_device
from custom_components.mycirrus.const import DOMAIN
from custom_components.mycirrus.diagnostics import async_get_config_entry_diagnostics
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from simulator import ALL_SCOPES, SimInstrument, Simulator

from .conftest import API_KEY, ONLINE, SetUp
from .helpers import async_advance, async_settle, async_wait_pushing
from .limit_helpers import (
    MORNING,
    ZONE,
    async_add_limit,
    async_pause,
    async_send,
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
    device = async_get_entry_device(
        dr.async_get(hass), (DOMAIN, ONLINE), entry.entry_id
    )
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


def record(
    simulator: Simulator, levels: dict[int, float], *, serial: str = ONLINE
) -> None:
    """Make the stored LAeq of the 5-minute periods from 08:00 (by minute) these."""
    for minute, level in levels.items():
        start = int(MORNING.timestamp()) + 60 * minute
        simulator.instruments[serial].period_values[start] = {"LAeq": level}


async def test_a_limit_on_stored_periods_alone(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without live levels, LAeq,15min from the 5-minute periods as they arrive."""
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.live:read"})
    record(simulator, {0: 66.0, 5: 72.0, 10: 74.0})
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    subentry_id = await async_add_limit(hass, entry, ONLINE, window=15)
    ids = limit_entities(hass, ONLINE, subentry_id)
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    assert hass.states.get(ids["level"]).state == STATE_UNKNOWN

    await async_advance(hass, freezer, 5 * 60)  # the 08:00-08:05 period comes
    level = hass.states.get(ids["level"])
    assert number(level) == pytest.approx(66.0)
    assert level.attributes["source"] == "stored"
    assert level.attributes["coverage"] == 100.0
    headroom = hass.states.get(ids["headroom"])
    left = MORNING.timestamp() + 900 - headroom.last_updated.timestamp()
    assert number(headroom) == pytest.approx(
        10 * math.log10((900 * 1e7 - 300 * 10**6.6) / left)
    )
    await async_advance(hass, freezer, 5 * 60)
    assert number(hass.states.get(ids["level"])) == pytest.approx(
        energetic([(66.0, 300), (72.0, 300)])
    )
    assert hass.states.get(ids["warning"]).state == "on"  # 70.0 dB, within 3
    assert hass.states.get(ids["exceeded"]).state == "off"
    # The last period comes after the window's end: exceeded, then closed.
    await async_advance(hass, freezer, 5 * 60)
    assert [e["event_type"] for e in fired(events, ids["limit"])] == [
        "exceeded",
        "window_closed",
    ]
    closed = fired(events, ids["limit"])[-1]
    assert closed["level"] == pytest.approx(
        energetic([(66.0, 300), (72.0, 300), (74.0, 300)]), abs=0.01
    )
    assert (closed["source"], closed["coverage"], closed["exceeded"]) == (
        "stored",
        100.0,
        True,
    )
    assert number(hass.states.get(ids["exceedances_today"])) == 1
    # The window that runs now has nothing yet; it was never exceeded.
    assert hass.states.get(ids["exceeded"]).state == "off"


async def test_the_record_corrects_the_live_levels(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Live says 78 dB, then 60; the record of 08:00-08:05 says 64 dB.

    Live: 120·10^7.8 + 180·10^6 = 7.8e9 < 9e9, not certain. The record
    replaces what live said of its five minutes; live goes on after them.
    """
    record(simulator, {0: 64.0})
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE)
    subentry_id = await async_add_limit(hass, entry, ONLINE, window=15)
    ids = limit_entities(hass, ONLINE, subentry_id)
    await async_send_for(hass, freezer, simulator, entry, ONLINE, {"LAeq": 78.0}, 120)
    await async_pause(hass, freezer)
    assert number(hass.states.get(ids["level"])) == pytest.approx(78.0)
    assert hass.states.get(ids["warning"]).state == "on"
    assert hass.states.get(ids["exceeded"]).state == "off"
    # On to 08:05:10 at 60 dB; the refresh of 08:05 brings the record.
    freezer.move_to(MORNING.replace(minute=2, second=4))
    await async_send_for(hass, freezer, simulator, entry, ONLINE, {"LAeq": 60.0}, 186)
    await async_pause(hass, freezer)
    level = hass.states.get(ids["level"])
    assert number(level) == pytest.approx(energetic([(64.0, 300), (60.0, 10)]))
    assert level.attributes["source"] == "live"
    assert hass.states.get(ids["warning"]).state == "off"


async def test_the_limits_ask_for_the_live_levels_they_follow(
    hass: HomeAssistant,
    set_up: SetUp,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Options that keep only LAeq live: a LAFMax limit asks for LAF too."""
    hass.config_entries.async_update_entry(
        config_entry, options={"live_values": ["LAeq"]}
    )
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE)
    await simulator.wait_until(lambda: simulator.live_types(ONLINE) == ["LAeq"])
    subentry_id = await async_add_limit(
        hass, entry, ONLINE, value="LAFMax", window=0, level=85
    )
    await simulator.wait_until(lambda: simulator.live_types(ONLINE) == ["LAeq", "LAF"])
    assert hass.states.get("sensor.site_gate_laf") is None  # no sensor for it
    ids = limit_entities(hass, ONLINE, subentry_id)
    await async_send(
        hass, freezer, simulator, entry, ONLINE, {"LAeq": 60.0, "LAF": 79.0}
    )
    await async_send(
        hass, freezer, simulator, entry, ONLINE, {"LAeq": 61.0, "LAF": 83.5}
    )
    await async_pause(hass, freezer)
    assert number(hass.states.get(ids["level"])) == 83.5
    assert number(hass.states.get(ids["headroom"])) == pytest.approx(1.5)
    assert hass.states.get(ids["warning"]).state == "on"
    await async_send(
        hass, freezer, simulator, entry, ONLINE, {"LAeq": 61.0, "LAF": 85.2}
    )
    assert hass.states.get(ids["exceeded"]).state == "on"
    assert hass.states.get(ids["headroom"]).state == STATE_UNKNOWN
    hass.config_entries.async_remove_subentry(entry, subentry_id)
    await async_settle(hass)
    await simulator.wait_until(lambda: simulator.live_types(ONLINE) == ["LAeq"])


async def test_the_day_is_read_back_and_starts_again_at_midnight(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Windows exceeded before the limit ran count, after a reload too; midnight: 0."""
    record(simulator, {0: 75.0, 20: 76.0, 35: 64.0})
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING.replace(hour=9, minute=2))
    entry = await set_up()
    events = async_capture_events(hass, EVENT_STATE_CHANGED)
    subentry_id = await async_add_limit(hass, entry, ONLINE, window=15)
    ids = limit_entities(hass, ONLINE, subentry_id)
    # 08:00-08:15: 75 dB for 5 minutes: 300·10^7.5 = 9.5e9 > 9e9; 08:15-08:30
    # likewise at 76; the others are the simulator's quiet morning.
    assert number(hass.states.get(ids["exceedances_today"])) == 2
    assert fired(events, ids["limit"]) == []
    await hass.config_entries.async_reload(entry.entry_id)
    await async_settle(hass)
    assert number(hass.states.get(ids["exceedances_today"])) == 2
    freezer.move_to(datetime(2026, 11, 24, 23, 59, 50, tzinfo=UTC))
    await async_advance(hass, freezer, 0)
    assert number(hass.states.get(ids["exceedances_today"])) == 2
    await async_advance(hass, freezer, 15)
    assert number(hass.states.get(ids["exceedances_today"])) == 0


async def test_diagnostics_show_the_limits(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each limit as configured, whether it runs, and what it shows."""
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE)
    subentry_id = await async_add_limit(hass, entry, ONLINE)
    await async_send_for(hass, freezer, simulator, entry, ONLINE, {"LAeq": 71.0}, 5)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    limit = diagnostics["limits"][subentry_id]
    assert {k: v for k, v in limit.items() if k != "state"} == {
        "name": "Works",
        "serial": ONLINE,
        "value": "LAeq",
        "window": 5,
        "days": [0, 1, 2, 3, 4],
        "start": "08:00",
        "end": "18:00",
        "level": 70.0,
        "margin": 3.0,
        "running": True,
    }
    assert limit["state"]["window"]["start"] == MORNING.timestamp()
    assert limit["state"]["level"] == pytest.approx(71.0)
    assert limit["state"]["warning"] is True
