"""Set-up, unload, reload and device removal."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from simulator import Simulator

from .conftest import SetUp


async def test_setup_and_unload(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    assert entry.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == len(simulator.instruments)
    # One list call for the details, then exactly one status call per instrument.
    assert simulator.requests["instruments"] == 1
    assert simulator.requests["instrument"] == 0
    assert simulator.status_requests == dict.fromkeys(simulator.instruments, 1)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("binary_sensor.site_gate_online").state == "unavailable"
