"""Diagnostics of the entry and of one instrument, with secrets redacted."""

from __future__ import annotations

import json

from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.mycirrus.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import JSONEncoder
from simulator import Simulator

from .conftest import API_KEY, NO_SIC, ONLINE, SetUp
from .helpers import device_of


def as_json(data: object) -> object:
    """Encode as Home Assistant serves diagnostics, then decode."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


async def test_entry_diagnostics(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    entry = await set_up()
    simulator.add_fault("server_error", serial=NO_SIC)
    await entry.runtime_data.async_refresh()
    diagnostics = as_json(await async_get_config_entry_diagnostics(hass, entry))
    assert API_KEY not in json.dumps(diagnostics)
    assert diagnostics == snapshot(
        exclude=props("api_url", "last_success", "last_update_success_time")
    )


async def test_device_diagnostics(
    hass: HomeAssistant, set_up: SetUp, snapshot: SnapshotAssertion
) -> None:
    entry = await set_up()
    device = device_of(hass, ONLINE)
    assert device is not None
    diagnostics = as_json(await async_get_device_diagnostics(hass, entry, device))
    assert API_KEY not in json.dumps(diagnostics)
    assert diagnostics == snapshot(exclude=props("last_success"))
