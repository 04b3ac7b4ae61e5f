"""Monitor health: one request for every instrument, every 5 minutes."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import DOMAIN
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from simulator import ALL_SCOPES, Simulator

from .conftest import API_KEY, NO_SIC, OFFLINE, ONLINE, SetUp
from .helpers import async_advance

pytestmark = pytest.mark.usefixtures("polling_only")

HEALTH_KEYS = (
    "cpu",
    "memory",
    "disk",
    "enclosure_temperature",
    "voltage",
    "network",
    "sim_usage",
    "sim_quota",
    "last_boot",
)


def health_entities(hass: HomeAssistant, serial: str) -> dict[str, er.RegistryEntry]:
    registry = er.async_get(hass)
    found = {}
    for key in HEALTH_KEYS:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{serial}_{key}")
        if entity_id is not None:
            entry = registry.async_get(entity_id)
            assert entry is not None
            found[key] = entry
    return found


async def test_health_sensors(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    # A stopped clock: the last boot is now less the uptime, and the simulator
    # and Home Assistant would otherwise read now on either side of a second.
    simulator.instruments[NO_SIC].health = None  # not a Quantum: not reported
    await set_up()
    entities = health_entities(hass, ONLINE)
    assert set(entities) == set(HEALTH_KEYS)
    assert all(e.entity_category == "diagnostic" for e in entities.values())
    disabled = {k for k, e in entities.items() if e.disabled_by is not None}
    assert disabled == {"cpu", "memory", "network"}
    assert hass.states.get("sensor.site_gate_enclosure_temperature").state == "31.2"
    assert hass.states.get("sensor.site_gate_voltage").state == "12.31"
    assert hass.states.get("sensor.site_gate_disk_usage").state == "23.4"
    assert hass.states.get("sensor.site_gate_sim_data_used").state == "212.4"
    assert hass.states.get("sensor.site_gate_sim_data_quota").state == "1024.0"
    # The last boot, from the uptime: two days and three hours before NOW.
    assert hass.states.get("sensor.site_gate_last_boot").state == (
        "2026-11-22T06:00:00+00:00"
    )
    assert health_entities(hass, NO_SIC) == {}
    # The offline roof is still reported: its health is what MyCirrus last knew.
    assert "enclosure_temperature" in health_entities(hass, OFFLINE)
    # One request for every instrument.
    assert simulator.requests["monitor"] == 1


async def test_health_refresh_every_five_minutes(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    changed: list[str] = []
    hass.bus.async_listen(
        EVENT_STATE_CHANGED, lambda event: changed.append(event.data["entity_id"])
    )
    simulator.instruments[ONLINE].health = {
        **(simulator.instruments[ONLINE].health or {}),
        "temp": 35.5,
    }
    for _ in range(4):
        await async_advance(hass, freezer)
    assert simulator.requests["monitor"] == 1
    await async_advance(hass, freezer)
    assert simulator.requests["monitor"] == 2
    assert hass.states.get("sensor.site_gate_enclosure_temperature").state == "35.5"
    # Uptime grew by five minutes: the boot time is the same, nothing written.
    assert "sensor.site_gate_last_boot" not in changed
    # Besides the stored data's new periods, and the pictures' access tokens,
    # which Home Assistant renews every five minutes.
    health = [
        e for e in changed if not e.endswith("_period") and not e.startswith("image.")
    ]
    assert health == ["sensor.site_gate_enclosure_temperature"]
    # A reboot moves it.
    rebooted = simulator.now() - timedelta(minutes=1)
    simulator.instruments[ONLINE].boot_time = rebooted
    await async_advance(hass, freezer, 300)
    state = hass.states.get("sensor.site_gate_last_boot").state
    assert state.startswith(rebooted.isoformat(timespec="minutes")[:13])


async def test_the_last_boot_stays_put_between_reports(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Drawn again minutes later (a SIC starts), the boot time does not move."""
    await set_up()
    boot = hass.states.get("sensor.site_gate_last_boot").state
    for _ in range(2):
        await async_advance(hass, freezer, 90)
        # A new status: every entity of the instrument is drawn again.
        simulator.update(
            ONLINE, sic_in_progress=not simulator.instruments[ONLINE].sic_in_progress
        )
        await async_advance(hass, freezer, 1)
        assert hass.states.get("sensor.site_gate_last_boot").state == boot
    assert simulator.requests["monitor"] == 1


async def test_health_failure_and_recovery(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault("server_error", endpoint="monitor", count=1)
    await async_advance(hass, freezer, 300)
    assert (
        hass.states.get("sensor.site_gate_enclosure_temperature").state
        == STATE_UNAVAILABLE
    )
    # The status entities do not care.
    assert hass.states.get("binary_sensor.site_gate_online").state == "on"
    await async_advance(hass, freezer, 300)
    assert hass.states.get("sensor.site_gate_enclosure_temperature").state == "31.2"


async def test_key_without_the_system_scope(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.system:read"})
    entry = await set_up()
    assert health_entities(hass, ONLINE) == {}
    assert entry.runtime_data.scopes.as_dict()["data.system:read"] == "missing"
    # Asked again at most hourly.
    for _ in range(59):
        await async_advance(hass, freezer)
    assert simulator.requests["monitor"] == 1
    for _ in range(2):
        await async_advance(hass, freezer)
    assert simulator.requests["monitor"] == 2
    # Nothing above info, and that once.
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= logging.INFO
    ]
    assert lines == [
        "The MyCirrus API key lacks the data.system:read scope: no health sensors"
    ]
    # A key that gains it gets its sensors without a reload.
    simulator.add_key(API_KEY)
    await async_advance(hass, freezer, 3600)
    assert simulator.requests["monitor"] == 3
    assert set(health_entities(hass, ONLINE)) == set(HEALTH_KEYS)
    assert entry.runtime_data.scopes.as_dict()["data.system:read"] == "granted"
    await async_advance(hass, freezer, 300)
    assert simulator.requests["monitor"] == 4


async def test_health_waits_out_a_rate_limit_quietly(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="monitor", retry_after="600", count=1)
    await async_advance(hass, freezer, 300)
    assert simulator.requests["monitor"] == 2
    assert hass.states.get("sensor.site_gate_enclosure_temperature").state == "31.2"
    await async_advance(hass, freezer, 300)
    # Nothing was asked during the pause, of either endpoint.
    assert simulator.requests["monitor"] == 2
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("custom_components")
        and r.levelno >= logging.INFO
        and "health" in r.getMessage()
    ]


async def test_the_enclosure_temperature_of_an_earlier_version(
    hass: HomeAssistant, config_entry: MockConfigEntry, set_up: SetUp
) -> None:
    """Its unique id was {serial}_temperature, which the weather's now is."""
    registry = er.async_get(hass)
    old = registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{ONLINE}_temperature",
        config_entry=config_entry,
        suggested_object_id="site_gate_temperature",
    )
    assert config_entry.minor_version == 1
    await set_up()
    assert config_entry.minor_version == 2
    moved = registry.async_get(old.entity_id)
    assert moved is not None
    # The same entity, under the id that says what it is; its history stays.
    assert moved.unique_id == f"{ONLINE}_enclosure_temperature"
    assert hass.states.get("sensor.site_gate_temperature").state == "31.2"
    assert (
        registry.async_get_entity_id("sensor", DOMAIN, f"{ONLINE}_temperature") is None
    )
