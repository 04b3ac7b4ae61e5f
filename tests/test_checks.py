"""Calibration drift, failed calibrations and SICs, and the options that set them."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import (
    CONF_DRIFT_THRESHOLD,
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    CONF_SERIAL,
    DOMAIN,
    SUBENTRY_TYPE_INSTRUMENT,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from simulator import ALL_SCOPES, Simulator

from .conftest import API_KEY, NEVER_CALIBRATED, NO_SIC, ONLINE, SetUp
from .helpers import async_advance, async_settle, async_wait_pushing

DRIFT = "binary_sensor.site_gate_calibration_drift"


def check_issues(hass: HomeAssistant) -> list[tuple[str, str]]:
    return sorted(
        (i.translation_key, str((i.data or {})["serial"]))
        for i in ir.async_get(hass).issues.values()
        if i.translation_key in ("calibration_failed", "sic_failed")
    )


@pytest.mark.usefixtures("polling_only")
async def test_calibration_drift(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    assert hass.states.get(DRIFT).state == "off"
    assert hass.states.get(DRIFT).attributes["device_class"] == "problem"
    assert hass.states.get("binary_sensor.car_park_calibration_drift").state == (
        "unknown"  # never calibrated
    )
    for offset, state in ((-0.51, "on"), (0.5, "off"), (0.62, "on")):
        simulator.instruments[ONLINE].last_calibration = {
            **(simulator.instruments[ONLINE].last_calibration or {}),
            "offset": offset,
        }
        await async_advance(hass, freezer)
        assert hass.states.get(DRIFT).state == state, offset


@pytest.mark.usefixtures("polling_only")
async def test_failed_checks_raise_issues_that_clear(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    # The loading bay's last calibration failed; the car park's SIC ended with
    # a word MyCirrus has not documented, which is not called a failure.
    assert check_issues(hass) == [("calibration_failed", NO_SIC)]
    issue = next(
        i
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "calibration_failed"
    )
    assert issue.translation_placeholders == {
        "serial": NO_SIC,
        "name": "Loading bay",
        "result": "Failed",
        # In Home Assistant's time zone (the tests' is US/Pacific).
        "time": "2026-11-19 01:00 PST",
    }
    assert not issue.is_fixable
    simulator.instruments[NEVER_CALIBRATED].last_sic = {"status": "ERROR"}
    await async_advance(hass, freezer)
    issue = next(
        i
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "sic_failed"
    )
    assert issue.translation_placeholders["time"] == "?"  # MyCirrus gave none
    # The result as the sensor names it, in Home Assistant's language.
    assert issue.translation_placeholders["result"] == "Error"
    assert check_issues(hass) == [
        ("calibration_failed", NO_SIC),
        ("sic_failed", NEVER_CALIBRATED),
    ]
    # A later check that succeeds withdraws it; one in progress does not.
    simulator.instruments[NO_SIC].last_calibration = {
        "time": "2026-11-24T08:30:00Z",
        "status": "InProgress",
    }
    await async_advance(hass, freezer)
    assert ("calibration_failed", NO_SIC) in check_issues(hass)
    simulator.instruments[NO_SIC].last_calibration = {
        "time": "2026-11-24T08:40:00Z",
        "level": 93.8,
        "offset": 0.01,
        "status": "Success",
    }
    await async_advance(hass, freezer)
    assert check_issues(hass) == [("sic_failed", NEVER_CALIBRATED)]


@pytest.mark.usefixtures("polling_only")
async def test_a_result_without_a_name_is_quoted_as_mycirrus_says_it(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With no names loaded for Home Assistant's language, MyCirrus's own word."""
    await set_up()
    hass.config.language = "pt"  # changed behind the translations' back
    simulator.instruments[NEVER_CALIBRATED].last_sic = {"status": "FAILURE"}
    await async_advance(hass, freezer)
    issue = next(
        i
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "sic_failed"
    )
    assert issue.translation_placeholders["result"] == "FAILURE"


NOISE_DATA_DEFAULTS = {
    "stored_values": ["LAeq", "LAFMax", "LCPeak", "LAF90"],
    "data_interval": 5,
    "backfill_days": 7,
    "day_start": 7,
    "evening_start": 19,
    "night_start": 23,
    "wind_limit": 5.0,
}


async def test_options_flow(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.system:read"})
    simulator.instruments[ONLINE].last_calibration = {
        **(simulator.instruments[ONLINE].last_calibration or {}),
        "offset": 0.3,
    }
    entry = await set_up()
    assert hass.states.get(DRIFT).state == "off"
    await async_wait_pushing(entry, ONLINE)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {
        "scopes": "This API key was seen to have: instruments:read, "
        "data.noise:read, data.events:read, data.audio:read.\n"
        "Seen to lack: data.system:read.\n"
        # No live data has flowed, no button was pressed, no weather asked.
        "Not used yet: data.live:read, instruments:action, data.enviro:read."
    }
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if str(key) != "noise_data"}
    assert defaults == {
        CONF_LIVE_VALUES: ["LAeq", "LAF", "LCPeak"],
        CONF_LIVE_INTERVAL: 5,
        CONF_DRIFT_THRESHOLD: 0.5,
    }
    stored = schema["noise_data"].schema.schema
    assert {str(key): key.default() for key in stored} == NOISE_DATA_DEFAULTS
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_LIVE_VALUES: ["LCPeak", "31.5Hz", "LAeq"],
            CONF_LIVE_INTERVAL: 10.0,
            CONF_DRIFT_THRESHOLD: 0.25,
            "noise_data": {**NOISE_DATA_DEFAULTS, "stored_values": ["LCPeak", "LAeq"]},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Kept in the documented order, whatever order they were picked in.
    assert entry.options == {
        CONF_LIVE_VALUES: ["LAeq", "LCPeak", "31.5Hz"],
        CONF_LIVE_INTERVAL: 10,
        CONF_DRIFT_THRESHOLD: 0.25,
        **NOISE_DATA_DEFAULTS,
        "stored_values": ["LAeq", "LCPeak"],
    }
    await async_settle(hass)
    await async_wait_pushing(entry, ONLINE)
    assert entry.runtime_data.push.live_types == ("LAeq", "LCPeak", "31.5Hz")
    assert hass.states.get("sensor.site_gate_octave_band_31_5_hz") is not None
    # The new threshold: an offset of 0.04 dB is drift now.
    assert hass.states.get(DRIFT).state == "on"
    ids = {
        registered.unique_id
        for registered in er.async_get(hass).entities.values()
        if registered.platform == DOMAIN
    }
    assert f"{ONLINE}_31.5hz" in ids
    assert f"{ONLINE}_laf" not in ids  # no longer chosen: gone, not left behind


async def test_unchosen_levels_go_for_a_serial_with_an_underscore(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    mast = "QT_200001"
    simulator.add_instrument(mast, "Mast")
    entry = await set_up()
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data={CONF_SERIAL: mast},
            subentry_type=SUBENTRY_TYPE_INSTRUMENT,
            title="Mast",
            unique_id=mast,
        ),
    )
    await async_settle(hass)
    await async_wait_pushing(entry, mast)
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{mast}_laf") is not None
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LIVE_VALUES: ["LAeq", "LCPeak"]}
    )
    await async_settle(hass)
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{mast}_laf") is None
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{ONLINE}_laf") is None
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{mast}_laeq") is not None


async def test_options_of_an_entry_that_is_not_set_up(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """The options can be changed before set-up; the key is then unknown."""
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    # Only the line that has something to say.
    assert result["description_placeholders"] == {
        "scopes": "Not used yet: instruments:read, data.live:read, "
        "instruments:action, data.system:read, data.noise:read, "
        "data.events:read, data.enviro:read, data.audio:read."
    }


async def test_options_say_nothing_of_scopes_the_key_does_not_lack(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    entry = await set_up()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The health sensors have used data.system:read; nothing was refused.
    assert result["description_placeholders"] == {
        "scopes": "This API key was seen to have: instruments:read, "
        "data.system:read, data.noise:read, data.events:read, data.audio:read.\n"
        "Not used yet: data.live:read, instruments:action, data.enviro:read."
    }


async def test_rating_hours_out_of_order_are_refused(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    entry = await set_up()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["data_schema"].schema["noise_data"].options == {"collapsed": True}
    answer = {
        CONF_LIVE_VALUES: ["LAeq"],
        CONF_LIVE_INTERVAL: 5,
        CONF_DRIFT_THRESHOLD: 0.5,
        "noise_data": {**NOISE_DATA_DEFAULTS, "evening_start": 6},
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["errors"] == {"base": "rating_hours"}
    # The section with the error shows open, with what was typed.
    section = result["data_schema"].schema["noise_data"]
    assert section.options == {"collapsed": False}
    typed = {str(key): key.default() for key in section.schema.schema}
    assert typed["evening_start"] == 6
    answer["noise_data"] = {**NOISE_DATA_DEFAULTS, "evening_start": 23}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["evening_start"] == entry.options["night_start"] == 23
