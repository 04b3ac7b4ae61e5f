"""Polling, failures, rate limits and recovery, against the simulator's faults."""

from __future__ import annotations

from datetime import timedelta
import logging
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import OFFLINE, ONLINE, SetUp
from .helpers import async_advance

SITE_GATE = ("binary_sensor.site_gate_online", "sensor.site_gate_calibration_level")


def info_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the integration's log lines at info level and above."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.mycirrus")
        and record.levelno >= logging.INFO
    ]


async def refresh_now(hass: HomeAssistant, entity_id: str) -> None:
    """Ask for an update as a user's `homeassistant.update_entity` would."""
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("server_error", "HTTP 500"),
        ("not_json", "not JSON"),
        ("wrong_shape", "not a JSON object"),
        ("forbidden", "HTTP 403"),
        ("not_found", "HTTP 404"),
        ("reset", "Could not reach MyCirrus"),
    ],
)
async def test_one_instrument_fails_the_others_update(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    reason: str,
) -> None:
    await set_up()
    simulator.add_fault(fault, serial=ONLINE)  # type: ignore[arg-type]
    simulator.instruments[OFFLINE].online = True
    await async_advance(hass, freezer)
    for entity_id in SITE_GATE:
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    assert hass.states.get("binary_sensor.roof_online").state == "on"
    await async_advance(hass, freezer)
    # Logged once when it became unavailable, not on every round.
    unavailable = [line for line in info_logs(caplog) if "unavailable" in line]
    assert len(unavailable) == 1
    assert unavailable[0].startswith(f"MyCirrus instrument {ONLINE} is unavailable")
    assert reason in unavailable[0]

    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert hass.states.get(SITE_GATE[1]).state == "93.7"
    assert info_logs(caplog)[-1] == f"MyCirrus instrument {ONLINE} is available again"


async def test_timeout_on_one_instrument(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    """A real time-out (so no frozen clock here: the loop's time must run)."""
    entry = await set_up()
    coordinator = entry.runtime_data
    coordinator.client.request_timeout = 0.05
    simulator.add_fault("slow", serial=ONLINE, delay=0.5, count=1)
    await coordinator.async_refresh()
    assert hass.states.get(SITE_GATE[0]).state == STATE_UNAVAILABLE
    assert hass.states.get("binary_sensor.roof_online").state == "off"
    assert coordinator.errors == {ONLINE: "cannot_connect"}
    await coordinator.async_refresh()
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert coordinator.errors == {}


async def test_outage_of_the_whole_service(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    simulator.add_fault("server_error")
    await async_advance(hass, freezer)
    await async_advance(hass, freezer)
    assert not entry.runtime_data.last_update_success
    assert hass.states.get("binary_sensor.roof_online").state == STATE_UNAVAILABLE
    failures = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components")
    ]
    assert len(failures) == 1
    assert "Could not reach MyCirrus" in failures[0].getMessage()
    # No per-instrument lines during an outage: one line says it all.
    assert not [line for line in info_logs(caplog) if "unavailable" in line]

    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.roof_online").state == "off"
    assert entry.state is ConfigEntryState.LOADED


async def test_authentication_failure_starts_reauth(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.add_fault("raw", status=401, body={"error": "TokenExpired"}, count=1)
    await async_advance(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler("mycirrus")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id
    assert hass.states.get(SITE_GATE[0]).state == STATE_UNAVAILABLE


async def test_rate_limit_with_retry_after(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data
    coordinator.max_in_flight = 1
    sent = sum(simulator.status_requests.values())
    simulator.add_fault("rate_limit", retry_after="300", count=1)
    await async_advance(hass, freezer)
    assert coordinator.update_interval == timedelta(seconds=300)
    assert coordinator.backoff == timedelta(seconds=300)
    # The 429 ended the round: the instruments not asked yet were not asked.
    assert sum(simulator.status_requests.values()) == sent + 1
    # Entities keep their last states through a rate limit.
    assert hass.states.get(SITE_GATE[1]).state == "93.7"
    assert info_logs(caplog) == [
        "MyCirrus is rate limiting requests; polling paused for 300 s"
    ]

    # During the back-off nothing is sent, not even on request.
    sent = sum(simulator.requests.values())
    await async_advance(hass, freezer, 120)
    await refresh_now(hass, SITE_GATE[0])
    assert sum(simulator.requests.values()) == sent

    await async_advance(hass, freezer, 180)
    assert sum(simulator.requests.values()) == sent + len(simulator.instruments)
    assert coordinator.update_interval == timedelta(seconds=60)
    assert coordinator.backoff is None
    assert (
        info_logs(caplog)[-1] == "MyCirrus accepts requests again; polling every 60 s"
    )


async def test_rate_limit_without_retry_after_doubles(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data
    simulator.add_fault("rate_limit")
    waits = []
    wait = 60.0
    for _ in range(5):
        await async_advance(hass, freezer, wait)
        assert coordinator.update_interval is not None
        wait = coordinator.update_interval.total_seconds()
        waits.append(wait)
    assert waits == [120, 240, 480, 900, 900]
    # One line entering the back-off, none while it lasts.
    assert len(info_logs(caplog)) == 1
    simulator.clear_faults()
    await async_advance(hass, freezer, wait)
    assert coordinator.update_interval == timedelta(seconds=60)


async def test_one_request_per_instrument_per_interval(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    for _ in range(3):
        await async_advance(hass, freezer)
    assert simulator.status_requests == dict.fromkeys(simulator.instruments, 4)
    # The instrument details are fetched at set-up, then hourly.
    assert simulator.requests["instruments"] == 1
    await async_advance(hass, freezer, 3600)
    assert simulator.requests["instruments"] == 2


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ("rate_limit", ConfigEntryState.SETUP_RETRY),
        ("server_error", ConfigEntryState.SETUP_RETRY),
    ],
)
async def test_setup_failures_retry(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    fault: str,
    state: ConfigEntryState,
) -> None:
    simulator.add_fault(fault, endpoint="instruments")  # type: ignore[arg-type]
    entry = await set_up()
    assert entry.state is state


@pytest.mark.parametrize("fault", ["rate_limit", "server_error"])
async def test_first_status_round_fails(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator, fault: str
) -> None:
    simulator.add_fault(fault, endpoint="status")  # type: ignore[arg-type]
    entry = await set_up()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_hourly_details_survive_failures(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.add_fault("server_error", endpoint="instruments", count=1)
    await async_advance(hass, freezer, 3600)
    assert entry.runtime_data.last_update_success
    assert hass.states.get(SITE_GATE[0]).state == "on"
    # The next try is an hour later, not on every round.
    await async_advance(hass, freezer)
    assert simulator.requests["instruments"] == 2


async def test_hourly_details_rate_limited(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.add_fault("rate_limit", endpoint="instruments", count=1)
    await async_advance(hass, freezer, 3600)
    assert entry.runtime_data.backoff == timedelta(seconds=120)


async def test_unload_leaves_nothing_behind(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    sent = sum(simulator.requests.values())
    await async_advance(hass, freezer, 3600)
    assert sum(simulator.requests.values()) == sent
    assert not entry.update_listeners
    assert not ir.async_get(hass).issues


async def test_unexpected_error_is_contained(
    hass: HomeAssistant, set_up: SetUp, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data
    with patch.object(coordinator.client, "status", side_effect=RuntimeError("bug")):
        await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert "Unexpected error fetching mycirrus data" in caplog.text
    await coordinator.async_refresh()
    assert coordinator.last_update_success
