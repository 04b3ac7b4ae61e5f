"""Push: the live websocket of each online instrument, against the simulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
import math
from types import SimpleNamespace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import DOMAIN
from custom_components.mycirrus.model import LinkState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STOP,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from simulator import ALL_SCOPES, Simulator

from .conftest import (
    API_KEY,
    CALIBRATING,
    NEVER_CALIBRATED,
    NO_SIC,
    OFFLINE,
    ONLINE,
    PUSHING,
    SetUp,
    set_up_pushing,
)
from .helpers import async_advance, async_settle, async_wait_pushing, until


def written(hass: HomeAssistant) -> list[str]:
    """Collect the entity ids whose state is written from now on."""
    changed: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        changed.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return changed


async def test_connects_to_online_instruments_after_setup(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    # Handshakes held: set-up must not wait for them.
    release = simulator.hold(endpoint="live")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    entry = config_entry
    assert entry.state is ConfigEntryState.LOADED
    assert simulator.open_sockets() == 0
    release.set()
    await async_wait_pushing(entry, *PUSHING)
    assert simulator.ws_connects == dict.fromkeys(PUSHING, 1)
    # Polling says the roof is offline: no attempt at all.
    assert simulator.ws_refused[OFFLINE] == 0
    assert simulator.requests["live"] == len(PUSHING)
    records = entry.runtime_data.records
    assert records[OFFLINE].link is LinkState.IDLE


async def test_pushed_status_updates_one_instrument_at_once(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    await set_up_pushing(set_up)
    changed = written(hass)
    polled = sum(simulator.status_requests.values())
    simulator.update(ONLINE, measuring=False)
    await until(
        lambda: hass.states.get("binary_sensor.site_gate_measuring").state == "off",
        "the pushed status",
    )
    await hass.async_block_till_done()
    # No poll was needed, and only the entity whose value changed was written.
    assert sum(simulator.status_requests.values()) == polled
    assert changed == ["binary_sensor.site_gate_measuring"]


async def test_push_replaces_polling_but_a_check_every_15_minutes(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_pushing(set_up)
    before = dict(simulator.status_requests)
    for _ in range(60):
        await async_advance(hass, freezer)
    asked = {s: simulator.status_requests[s] - before[s] for s in before}
    # The offline roof is polled every minute; the others at most 4 times an hour.
    assert asked[OFFLINE] == 60
    assert all(1 <= asked[serial] <= 4 for serial in PUSHING)


async def test_end_of_a_check_fetches_its_result(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_pushing(set_up)
    simulator.instruments[ONLINE].next_sic_status = "Failed"
    simulator.start_action(ONLINE, "SIC")
    sic = "binary_sensor.site_gate_sic_in_progress"
    await until(lambda: hass.states.get(sic).state == "on", "the SIC to start")
    polled = simulator.status_requests[ONLINE]
    freezer.tick(simulator.sic_duration)
    simulator.advance()
    await until(lambda: hass.states.get(sic).state == "off", "the SIC to end")
    await until(
        lambda: hass.states.get("sensor.site_gate_last_sic_result").state == "failed",
        "the new result",
    )
    # One status request, at once; no poll round was needed.
    assert simulator.status_requests[ONLINE] == polled + 1
    issues = [i.translation_key for i in ir.async_get(hass).issues.values()]
    assert "sic_failed" in issues


async def test_dropped_connections_poll_at_once(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 4)
    simulator.send_live_data(ONLINE, {"LAeq": 60.0})
    records = entry.runtime_data.records
    links = entry.runtime_data.push.links
    await until(lambda: bool(links[ONLINE].values), "a live value")
    simulator.add_fault("server_error", endpoint="live")  # no way back for now
    simulator.drop_connections()
    await until(lambda: not any(records[s].pushing for s in PUSHING), "the drop")
    # Live levels are unavailable at once rather than stale.
    assert hass.states.get("sensor.site_gate_laeq").state == STATE_UNAVAILABLE
    # The next round polls every instrument again.
    before = dict(simulator.status_requests)
    await async_advance(hass, freezer)
    assert all(simulator.status_requests[s] == before[s] + 1 for s in before)
    assert hass.states.get("binary_sensor.site_gate_online").state == "on"


async def test_reconnect_with_jitter(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    live = entry.runtime_data.push
    waits: list[float] = []
    uniform = live.random.uniform

    def recording(low: float, high: float) -> float:
        waits.append(value := uniform(low, high))
        return value

    live.random = SimpleNamespace(uniform=recording)  # type: ignore[assignment]
    records = entry.runtime_data.records
    simulator.drop_connections()
    await until(lambda: len(waits) == len(PUSHING), "the back-offs")
    # Each instrument waits its own random time up to 5 s: not in lock-step.
    assert all(0 <= wait <= 5 for wait in waits)
    assert len(set(waits)) == len(PUSHING)
    assert not any(records[s].pushing for s in PUSHING)
    await async_advance(hass, freezer, 5)
    await async_wait_pushing(entry, *PUSHING)
    assert simulator.ws_connects == dict.fromkeys(PUSHING, 2)
    assert all(live.links[s].connects == 2 for s in PUSHING)
    # Reconnected: live levels are unknown until the next value.
    assert hass.states.get("sensor.site_gate_laeq").state == STATE_UNKNOWN


async def test_backoff_grows_to_five_minutes(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    live = entry.runtime_data.push
    live.random = SimpleNamespace(uniform=lambda low, high: high)  # type: ignore[assignment]
    assert [live.backoff(attempt) for attempt in range(8)] == [
        5,
        10,
        20,
        40,
        80,
        160,
        300,
        300,
    ]
    # Full jitter: anything from nothing up to the cap, never below a second.
    asked: list[tuple[float, float]] = []

    def lowest(low: float, high: float) -> float:
        asked.append((low, high))
        return low

    live.random = SimpleNamespace(uniform=lowest)  # type: ignore[assignment]
    assert live.backoff(3) == 1
    assert asked == [(0, 40)]
    # Refused handshakes wait longer each time.
    live.random = SimpleNamespace(uniform=lambda low, high: high)  # type: ignore[assignment]
    simulator.add_fault("server_error", endpoint="live")
    simulator.drop_connections(ONLINE)
    records = entry.runtime_data.records
    await until(lambda: not records[ONLINE].pushing, "the drop")
    attempts = []
    for _ in range(80):
        before = simulator.ws_refused[ONLINE]
        await async_advance(hass, freezer, 5)
        if simulator.ws_refused[ONLINE] > before:
            attempts.append(len(attempts))
    refused = simulator.ws_refused[ONLINE]
    # At 5, 15, 35, 75, 155 and 315 s after the drop: six in 400 s.
    assert refused == 6


async def test_no_attempt_while_offline(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    records = entry.runtime_data.records
    simulator.update(ONLINE, online=False)
    await until(lambda: not records[ONLINE].pushing, "the close")
    assert hass.states.get("binary_sensor.site_gate_online").state == "off"
    assert hass.states.get("sensor.site_gate_laeq").state == STATE_UNAVAILABLE
    for _ in range(10):
        await async_advance(hass, freezer)
    assert simulator.ws_connects[ONLINE] == 1
    assert simulator.ws_refused[ONLINE] == 0
    assert records[ONLINE].link is LinkState.IDLE
    # Back online: the next poll sees it, and push resumes.
    simulator.update(ONLINE, online=True)
    await async_advance(hass, freezer)
    await async_wait_pushing(entry, ONLINE)
    assert simulator.ws_connects[ONLINE] == 2


async def test_unload_and_reload_close_every_socket(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up_pushing(set_up)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await async_wait_pushing(entry, *PUSHING)
    await simulator.wait_until(lambda: simulator.open_sockets() == len(PUSHING))
    assert await hass.config_entries.async_unload(entry.entry_id)
    await simulator.wait_until(lambda: simulator.open_sockets() == 0)
    await async_settle(hass)
    left = [
        task.get_name()
        for task in asyncio.all_tasks()
        if task.get_name().startswith(DOMAIN) and not task.done()
    ]
    assert left == []


async def test_home_assistant_stopping_closes_every_socket(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up_pushing(set_up)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await simulator.wait_until(lambda: simulator.open_sockets() == 0)
    # Unloading after the stop stops nothing twice, and says nothing of it.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "kind",
    [
        "not_json",
        "binary",
        "unknown_type",
        "no_type",
        "array",
        "wrong_types",
        "not_utf8",
    ],
)
async def test_garbage_frames_are_skipped(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    entry = await set_up_pushing(set_up)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 4)
    simulator.send_garbage(ONLINE, kind)
    simulator.update(ONLINE, measuring=False)
    await until(
        lambda: hass.states.get("binary_sensor.site_gate_measuring").state == "off",
        "the status after the garbage",
    )
    assert entry.runtime_data.records[ONLINE].pushing
    assert simulator.ws_connects[ONLINE] == 1
    assert not [
        r
        for r in caplog.records
        if r.levelno > logging.DEBUG
        and "mycirrus" in r.name
        and "Skipping" in r.getMessage()
    ]
    assert hass.states.get("sensor.site_gate_laeq").state == STATE_UNKNOWN


async def test_silent_socket_is_replaced(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    records = entry.runtime_data.records
    simulator.silence(ONLINE)
    for _ in range(3):  # keep-alives go unanswered for 75 s
        await async_advance(hass, freezer, 30)
    await until(lambda: not records[ONLINE].pushing, "the silent socket to go")
    assert simulator.ws_received["KeepAlive"] >= 2
    await async_advance(hass, freezer, 5)
    await async_wait_pushing(entry, ONLINE)
    assert simulator.ws_connects[ONLINE] == 2


async def test_key_without_live_scope(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.live:read"})
    entry = await set_up_pushing(set_up)
    scopes = entry.runtime_data.scopes
    await until(lambda: scopes.missing("data.live:read"), "the scope error")
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"missing_scope_{entry.entry_id}_data.live:read"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "scope": "data.live:read",
        "entry": "MyCirrus",
    }
    assert hass.states.get("sensor.site_gate_laeq").state == STATE_UNAVAILABLE
    # Status still pushes: instruments:read is all it needs.
    assert entry.runtime_data.records[ONLINE].pushing
    asked = simulator.ws_received["StartLiveData"]
    assert asked == len(PUSHING)
    # Reconnecting does not ask again and again...
    simulator.drop_connections()
    await async_advance(hass, freezer, 5)
    await async_wait_pushing(entry, *PUSHING)
    await async_advance(hass, freezer, 30)
    assert simulator.ws_received["StartLiveData"] == asked
    # ...nor is it logged above info, once.
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno >= logging.INFO
    ]
    assert lines == [
        "The MyCirrus API key lacks the data.live:read scope: no live levels"
    ]
    # An hour later it is asked once more; a key that gained the scope clears it.
    simulator.add_key(API_KEY)
    for _ in range(110):
        await async_advance(hass, freezer, 30)
    assert simulator.ws_received["StartLiveData"] == asked
    for _ in range(12):
        await async_advance(hass, freezer, 30)
    assert simulator.ws_received["StartLiveData"] == asked + len(PUSHING)
    simulator.send_live_data(ONLINE, {"LAeq": 50.0})
    await until(lambda: not scopes.missing("data.live:read"), "the scope granted")
    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"missing_scope_{entry.entry_id}_data.live:read"
        )
        is None
    )


async def test_live_levels_written_once_per_interval(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 4)
    links = entry.runtime_data.push.links
    changed = written(hass)
    seconds = [
        {"LAeq": 50.0, "LAF": 52.0, "LCPeak": 80.0},
        {"LAeq": 70.0, "LAF": 73.0, "LCPeak": 95.5},
        {"LAeq": 50.0, "LAF": 51.0, "LCPeak": 82.0},
        {"LAeq": 50.0, "LAF": 49.5, "LCPeak": 81.0},
    ]
    for values in seconds:
        simulator.send_live_data(ONLINE, values)
        lowered = {name.lower(): value for name, value in values.items()}
        await until(lambda v=lowered: links[ONLINE].values == v, "the values")
        freezer.tick(timedelta(seconds=1))
    assert changed == []
    await async_advance(hass, freezer, 1)
    # Energetic mean of 50, 70, 50, 50 dB; the maximum peak; the latest LAF.
    # 10·log10((10^5 + 10^7 + 10^5 + 10^5) / 4) = 64.1, not the mean 55.0,
    # written unrounded: the display precision (0.1 dB) rounds what is shown.
    laeq = float(hass.states.get("sensor.site_gate_laeq").state)
    assert laeq == pytest.approx(10 * math.log10((3e5 + 1e7) / 4))
    assert round(laeq, 1) == 64.1
    options = er.async_get(hass).async_get("sensor.site_gate_laeq").options
    assert options["sensor"]["suggested_display_precision"] == 1
    assert hass.states.get("sensor.site_gate_lcpeak").state == "95.5"
    assert hass.states.get("sensor.site_gate_laf").state == "49.5"
    assert sorted(changed) == [
        "sensor.site_gate_laeq",
        "sensor.site_gate_laf",
        "sensor.site_gate_lcpeak",
    ]
    attributes = hass.states.get("sensor.site_gate_laeq").attributes
    assert attributes["device_class"] == "sound_pressure"
    assert attributes["unit_of_measurement"] == "dB"
    # An equivalent level keeps no arithmetic statistics of its own: the
    # stored data's hourly statistics are energetic.
    assert "state_class" not in attributes
    for peak in ("sensor.site_gate_laf", "sensor.site_gate_lcpeak"):
        assert hass.states.get(peak).attributes["state_class"] == "measurement"
    # Nothing new in the next interval: nothing written.
    changed.clear()
    await async_advance(hass, freezer, 5)
    assert changed == []


async def test_rate_limited_handshake_pauses_everything(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    simulator.add_fault("rate_limit", endpoint="live", retry_after="600", count=1)
    simulator.drop_connections(ONLINE)
    for _ in range(10):
        await async_advance(hass, freezer, 1)
    assert simulator.ws_refused[ONLINE] == 1
    limiter = entry.runtime_data.client.limiter
    await until(lambda: limiter.paused, "the pause")
    sent = sum(simulator.requests.values())
    for _ in range(9):
        await async_advance(hass, freezer)
    # The key's pause holds polling and reconnects alike.
    assert sum(simulator.requests.values()) == sent
    for _ in range(3):
        await async_advance(hass, freezer)
    await async_wait_pushing(entry, ONLINE)


async def test_hundreds_of_sockets_leave_rest_its_connections(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With Home Assistant's shared session allowing only 2 connections per host,
    4 open websockets would leave REST none: they use a session of their own.
    """
    monkeypatch.setattr(
        "homeassistant.helpers.aiohttp_client.MAXIMUM_CONNECTIONS_PER_HOST", 2
    )
    entry = await set_up_pushing(set_up)
    simulator.add_fault("server_error", endpoint="live")  # no reconnect noise
    before = simulator.status_requests[OFFLINE]
    await async_advance(hass, freezer)
    assert simulator.status_requests[OFFLINE] == before + 1
    assert entry.runtime_data.coordinator.last_update_success
    assert simulator.open_sockets() == len(PUSHING)


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ({"kind": "rate_limit", "retry_after": "120"}, "paused"),
        ({"kind": "raw", "status": 401, "body": {"error": "TokenExpired"}}, "reauth"),
        ({"kind": "server_error"}, "invalid_response"),
    ],
)
async def test_fetch_after_a_check_that_fails(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: dict[str, Any],
    outcome: str,
) -> None:
    entry = await set_up_pushing(set_up)
    simulator.start_action(ONLINE, "SIC")
    sic = "binary_sensor.site_gate_sic_in_progress"
    await until(lambda: hass.states.get(sic).state == "on", "the SIC to start")
    simulator.add_fault(endpoint="status", serial=ONLINE, count=1, **fault)
    freezer.tick(simulator.sic_duration)
    simulator.advance()
    await until(lambda: hass.states.get(sic).state == "off", "the SIC to end")
    await async_settle(hass)
    record = entry.runtime_data.records[ONLINE]
    if outcome == "paused":
        assert entry.runtime_data.client.limiter.paused
        assert record.error is None
    elif outcome == "reauth":
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    else:
        assert record.error == outcome
        # Pushing, it stays available: the pushed flags are current.
        assert hass.states.get(sic).state == "off"


async def test_start_calibration_over_rest(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("custom_components.mycirrus.hub.push.MAX_LIVE_CONNECTIONS", 0)
    entry = await set_up()
    registry = er.async_get(hass)
    registry.async_update_entity("button.site_gate_start_calibration", disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await async_settle(hass)
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.site_gate_start_calibration"},
        blocking=True,
    )
    assert simulator.instruments[ONLINE].calibration_in_progress
    assert (
        hass.states.get("binary_sensor.site_gate_calibration_in_progress").state == "on"
    )


async def test_connections_are_capped(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Instruments beyond the cap are polled, as without push."""
    monkeypatch.setattr("custom_components.mycirrus.hub.push.MAX_LIVE_CONNECTIONS", 2)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE, CALIBRATING)
    before = dict(simulator.status_requests)
    await async_advance(hass, freezer)
    assert simulator.open_sockets() == 2
    asked = {s for s in before if simulator.status_requests[s] > before[s]}
    assert asked == {OFFLINE, NEVER_CALIBRATED, NO_SIC}


async def test_the_check_of_a_pushing_instrument_every_20_minutes(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_pushing(set_up)
    asked = []
    for minute in range(1, 41):
        before = simulator.status_requests[ONLINE]
        await async_advance(hass, freezer)
        if simulator.status_requests[ONLINE] > before:
            asked.append(minute)
    assert asked == [20, 40]
