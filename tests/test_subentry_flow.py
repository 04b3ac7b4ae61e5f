"""The subentry flow that adds an instrument to an entry."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import (
    CONF_API_URL,
    CONF_SERIAL,
    DOMAIN,
    SUBENTRY_TYPE_INSTRUMENT,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from simulator import SimInstrument, Simulator

from .conftest import (
    CALIBRATING,
    NEVER_CALIBRATED,
    NO_SIC,
    OFFLINE,
    ONLINE,
    OTHER_KEY,
    SetUp,
    instrument_subentry,
)
from .helpers import async_settle


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
        (ONLINE.lower(), "already_followed"),
    ):
        result = await submit_subentry(hass, result, typed)
        assert result["errors"] == {CONF_SERIAL: error}
    # Typed in lower case, kept as MyCirrus spells it.
    result = await submit_subentry(hass, result, f" {OFFLINE.lower()} ")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Roof"
    assert result["data"] == {CONF_SERIAL: OFFLINE}
    assert {sub.unique_id for sub in entry.subentries.values()} == {ONLINE, OFFLINE}
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


def other_entry(hass: HomeAssistant, api_url: str, *serials: str) -> MockConfigEntry:
    """Add a second entry, of another key of the account, following ``serials``."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="MyCirrus",
        data={CONF_API_KEY: OTHER_KEY, CONF_API_URL: api_url},
        subentries_data=[instrument_subentry(serial, serial) for serial in serials],
    )
    entry.add_to_hass(hass)
    return entry


async def test_add_instrument_when_every_listed_one_is_followed(
    hass: HomeAssistant, set_up: SetUp, api_url: str
) -> None:
    # Followed by this entry or another one: nothing is left to pick.
    other_entry(hass, api_url, OFFLINE, CALIBRATING, NEVER_CALIBRATED, NO_SIC)
    entry = await set_up()
    result = await start_subentry_flow(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "all_followed"


async def test_add_instrument_when_the_list_is_empty(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    """An empty list of the account says nothing of what is followed: type it."""
    entry = await set_up()
    simulator.add_fault("raw", endpoint="instruments", body=[], count=1)
    result = await start_subentry_flow(hass, entry)
    assert result["step_id"] == "user"
    assert result["data_schema"].schema[CONF_SERIAL].config["options"] == []
    result = await submit_subentry(hass, result, OFFLINE)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_two_flows_add_the_same_instrument(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator, api_url: str
) -> None:
    """Of two flows open at once, on two entries, the first to finish follows it."""
    simulator.add_key(OTHER_KEY)
    second_entry = other_entry(hass, api_url, NO_SIC)
    entry = await set_up()  # the integration sets up both entries
    assert second_entry.state is ConfigEntryState.LOADED
    first = await start_subentry_flow(hass, entry)
    second = await start_subentry_flow(hass, second_entry)
    for result in (first, second):
        options = result["data_schema"].schema[CONF_SERIAL].config["options"]
        assert OFFLINE in [option["value"] for option in options]
    result = await submit_subentry(hass, first, OFFLINE)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await async_settle(hass)

    # Picked from the list it was shown, it is refused by name.
    result = await submit_subentry(hass, second, OFFLINE)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SERIAL: "already_followed"}
    assert result["description_placeholders"]["serial"] == OFFLINE
    options = result["data_schema"].schema[CONF_SERIAL].config["options"]
    assert OFFLINE not in [option["value"] for option in options]
    result = await submit_subentry(hass, result, CALIBRATING)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await async_settle(hass)
    assert sorted(s.unique_id for s in second_entry.subentries.values()) == [
        CALIBRATING,
        NO_SIC,
    ]
