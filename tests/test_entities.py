"""The devices and entities on an account with instruments in many states."""

from __future__ import annotations

import json
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
import pytest
from syrupy.assertion import SnapshotAssertion

import custom_components.mycirrus
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from simulator import Simulator

from .conftest import NEVER_CALIBRATED, NO_SIC, NOW, OFFLINE, ONLINE, SetUp
from .helpers import async_advance, dump_devices

pytestmark = pytest.mark.usefixtures("polling_only")


async def test_devices_and_entities(
    hass: HomeAssistant,
    set_up: SetUp,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    # A stopped clock, at the account's own moment: the last boot is now less
    # the uptime, and the stored periods and yesterday's levels depend on it.
    freezer.move_to(NOW)
    entry = await set_up()
    assert dump_devices(hass, entry.entry_id) == snapshot


async def test_tone_levels_are_disabled_by_default(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    await set_up()
    registry = er.async_get(hass)
    entry = registry.async_get("sensor.site_gate_sic_tone_1_khz")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # Instruments whose SIC reports no tone levels get no tone sensors.
    assert (
        registry.async_get_entity_id("sensor", "mycirrus", "QT100003_sic_tone_1khz")
        is None
    )


async def test_no_sic_feature_means_no_sic_entities(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    await set_up()
    registry = er.async_get(hass)
    for key in ("sic_in_progress", "last_sic", "last_sic_result"):
        platform = "binary_sensor" if key == "sic_in_progress" else "sensor"
        assert (
            registry.async_get_entity_id(platform, "mycirrus", f"{NO_SIC}_{key}")
            is None
        )
        assert registry.async_get_entity_id(platform, "mycirrus", f"{ONLINE}_{key}")


async def test_entities_follow_the_instrument(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    instrument = simulator.instruments[ONLINE]
    instrument.measuring = False
    instrument.sic_in_progress = True
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.site_gate_measuring").state == "off"
    assert hass.states.get("binary_sensor.site_gate_sic_in_progress").state == "on"


async def test_tone_sensors_appear_when_reported(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An instrument whose SIC starts reporting tone levels gets their sensors."""
    await set_up()
    registry = er.async_get(hass)
    serial = "QT100003"
    assert (
        registry.async_get_entity_id("sensor", "mycirrus", f"{serial}_sic_tone_8khz")
        is None
    )
    simulator.instruments[serial].last_sic = {
        "time": "2026-11-24T08:00:00Z",
        "status": "Success",
        "_8KHz": 93.0,
    }
    await async_advance(hass, freezer)
    assert registry.async_get_entity_id("sensor", "mycirrus", f"{serial}_sic_tone_8khz")
    assert (
        registry.async_get_entity_id("sensor", "mycirrus", f"{serial}_sic_tone_1khz")
        is None
    )


async def test_offline_instrument_keeps_its_results(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    before = hass.states.get("sensor.roof_calibration_level").state
    assert before == "93.7"
    # An offline instrument whose status leaves out its results keeps them.
    simulator.instruments[OFFLINE].last_calibration = None
    simulator.instruments[OFFLINE].last_sic = None
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.roof_online").state == "off"
    assert hass.states.get("sensor.roof_calibration_level").state == before
    assert hass.states.get("sensor.roof_last_sic_result").state == "success"
    # An online instrument that reports no calibration has none.
    simulator.instruments[ONLINE].last_calibration = None
    await async_advance(hass, freezer)
    assert hass.states.get("sensor.site_gate_calibration_level").state == STATE_UNKNOWN


async def test_missing_fields_are_unknown(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault("missing_fields", serial=NEVER_CALIBRATED, endpoint="status")
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.car_park_online").state == "on"
    assert hass.states.get("binary_sensor.car_park_measuring").state == STATE_UNKNOWN
    assert hass.states.get("sensor.car_park_last_sic").state == STATE_UNKNOWN
    simulator.add_fault("wrong_types", serial=NEVER_CALIBRATED, endpoint="status")
    simulator.faults.reverse()
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.car_park_online").state == STATE_UNKNOWN
    assert hass.states.get("sensor.car_park_last_sic_result").state == STATE_UNKNOWN
    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert hass.states.get("sensor.car_park_last_sic_result").state == "other"


def test_each_entity_has_an_icon_of_its_own() -> None:
    """No icon stands for two things; the icons name translated entities."""
    package = Path(custom_components.mycirrus.__file__).parent
    icons = json.loads((package / "icons.json").read_text())["entity"]
    names = json.loads((package / "translations" / "en.json").read_text())["entity"]
    by_icon: dict[str, set[str]] = {}
    for platform, entities in icons.items():
        for key, icon in entities.items():
            assert key in names[platform], f"{platform}.{key} has no name"
            for name in (icon["default"], *icon.get("state", {}).values()):
                by_icon.setdefault(name, set()).add(key)
    shared = {icon: keys for icon, keys in by_icon.items() if len(keys) > 1}
    # The same kind of value in each: one icon for the last periods' Leq
    # values, one for their maxima, one for their peaks, one for their
    # statistical levels.
    periods = {
        icon: keys
        for icon, keys in shared.items()
        if all(key.endswith("_period") for key in keys)
    }
    assert len(periods) == 4
    assert periods["mdi:chart-bar"] == {"laeq_period", "lceq_period", "lzeq_period"}
    # The same thing in each: the three SIC tones, and the two results' states.
    assert {icon: keys for icon, keys in shared.items() if icon not in periods} == {
        "mdi:sine-wave": {"sic_tone_500hz", "sic_tone_1khz", "sic_tone_8khz"},
        **{
            icon: {"last_calibration_result", "last_sic_result"}
            for icon in (
                "mdi:check-decagram",
                "mdi:alert-decagram",
                "mdi:close-octagon",
                "mdi:progress-clock",
            )
        },
    }
