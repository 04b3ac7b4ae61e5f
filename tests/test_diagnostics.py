"""Diagnostics of the entry and of one instrument, with secrets redacted."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.mycirrus.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import JSONEncoder
from simulator import Simulator

from .conftest import API_KEY, CALIBRATING, NO_SIC, NOW, ONLINE, SetUp
from .helpers import async_settle, async_wait_pushing, device_of, until

# Times that change from run to run.
VOLATILE = props(
    "api_url",
    "last_success",
    "last_message",
    "last_update_success_time",
    "last_boot",
    "rate_limit_pause_seconds",
    "uptime",
)


def as_json(data: object) -> object:
    """Encode as Home Assistant serves diagnostics, then decode."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


@pytest.mark.usefixtures("polling_only")
async def test_entry_diagnostics(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)  # the stored data's periods and days follow the clock
    entry = await set_up()
    simulator.add_fault("server_error", serial=NO_SIC, endpoint="status")
    await entry.runtime_data.coordinator.async_refresh()
    await async_settle(hass)
    diagnostics = as_json(await async_get_config_entry_diagnostics(hass, entry))
    text = json.dumps(diagnostics)
    assert API_KEY not in text
    assert "51.97" not in text  # the instruments' positions
    assert diagnostics == snapshot(exclude=VOLATILE)


async def test_device_diagnostics_with_push(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE, CALIBRATING)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 4)
    simulator.send_live_data(ONLINE, {"LAeq": 55.5, "LAF": 58.1, "LCPeak": 90.2})
    links = entry.runtime_data.push.links
    await until(lambda: bool(links[ONLINE].values), "live values")
    device = device_of(hass, ONLINE)
    assert device is not None
    diagnostics = as_json(await async_get_device_diagnostics(hass, entry, device))
    assert API_KEY not in json.dumps(diagnostics)
    instrument = diagnostics["instrument"]  # type: ignore[index]
    assert instrument["live"]["connection"] == "pushing"
    assert instrument["live"]["connects"] == 1
    assert instrument["live"]["last_message"] is not None
    assert diagnostics == snapshot(exclude=VOLATILE)
