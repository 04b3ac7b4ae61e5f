"""The subentry flow that adds an instrument to an entry."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import CONF_SERIAL, SUBENTRY_TYPE_INSTRUMENT
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from simulator import SimInstrument, Simulator

from .conftest import CALIBRATING, NEVER_CALIBRATED, NO_SIC, OFFLINE, ONLINE, SetUp


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Follow only the first instrument, so that others can be added."""
    return [simulator.instruments[ONLINE]]


async def start_subentry_flow(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_INSTRUMENT),
        context={"source": SOURCE_USER},
    )


async def submit_subentry(
    hass: HomeAssistant, result: ConfigFlowResult, serial: str
) -> ConfigFlowResult:
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_SERIAL: serial}
    )


async def test_add_instrument(hass: HomeAssistant, set_up: SetUp) -> None:
    entry = await set_up()
    result = await start_subentry_flow(hass, entry)
    assert result["step_id"] == "user"
    config = result["data_schema"].schema[CONF_SERIAL].config
    assert config["custom_value"] is True
    assert [o["value"] for o in config["options"]] == [
        OFFLINE,
        CALIBRATING,
        NEVER_CALIBRATED,
        NO_SIC,
    ]
    for typed, error in (
        ("bad serial!", "invalid_serial"),
        ("QT999999", "unknown_serial"),
        (ONLINE, "already_followed"),
    ):
        result = await submit_subentry(hass, result, typed)
        assert result["errors"] == {CONF_SERIAL: error}
    result = await submit_subentry(hass, result, f" {OFFLINE} ")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Roof"
    assert result["data"] == {CONF_SERIAL: OFFLINE}
    await hass.async_block_till_done()
    # The entry reloads and the new instrument has its device and entities.
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("binary_sensor.roof_online").state == "off"


async def test_add_instrument_when_not_loaded(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    result = await start_subentry_flow(hass, config_entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_add_instrument_when_rate_limited(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    simulator.add_fault("rate_limit", endpoint="instruments", count=1)
    result = await start_subentry_flow(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "rate_limited"
