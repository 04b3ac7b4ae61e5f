"""Polling, failures, rate limits and recovery, against the simulator's faults.

Every test here refuses the live websocket, so the entry polls every instrument
as it does without push (tests/test_live.py covers push).
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.compat import UPDATE_FAILED_HAS_RETRY_AFTER
from custom_components.mycirrus.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import OFFLINE, ONLINE, SetUp
from .helpers import async_advance, async_settle, until

pytestmark = pytest.mark.usefixtures("polling_only")

SITE_GATE = ("binary_sensor.site_gate_online", "sensor.site_gate_calibration_level")


def info_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the integration's log lines at info level and above."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.mycirrus")
        and record.levelno >= logging.INFO
    ]


def status_requests(simulator: Simulator) -> int:
    return sum(simulator.status_requests.values())


async def refresh_now(hass: HomeAssistant, entity_id: str) -> None:
    """Ask for an update as a user's `homeassistant.update_entity` would."""
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": entity_id}, blocking=True
    )
    await async_settle(hass)


def site_gate_states(hass: HomeAssistant) -> set[str]:
    return {hass.states.get(entity_id).state for entity_id in SITE_GATE}


@pytest.mark.parametrize(
    ("fault", "reason", "error"),
    [
        ("server_error", "HTTP 500", "invalid_response"),
        ("not_json", "not JSON", "invalid_response"),
        ("not_utf8", "not UTF-8", "invalid_response"),
        ("wrong_shape", "not a JSON object", "invalid_response"),
        ("forbidden", "HTTP 403", "forbidden"),
        ("not_found", "HTTP 404", "not_found"),
        ("reset", "Could not reach MyCirrus", "cannot_connect"),
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
    error: str,
) -> None:
    """Gone or not ours ends the status at once; any other failure after 150 s."""
    entry = await set_up()  # answered at 0 s
    simulator.add_fault(fault, serial=ONLINE, endpoint="status")  # type: ignore[arg-type]
    simulator.instruments[OFFLINE].online = True
    gone = error in ("forbidden", "not_found")
    for _ in range(2):  # 60 s, 120 s
        await async_advance(hass, freezer)
        assert hass.states.get("binary_sensor.roof_online").state == "on"
        assert entry.runtime_data.records[ONLINE].error == error
        if gone:
            assert site_gate_states(hass) == {STATE_UNAVAILABLE}
        else:
            assert site_gate_states(hass) == {"on", "93.7"}
            assert not [line for line in info_logs(caplog) if "unavailable" in line]
    await async_advance(hass, freezer, 40)  # 160 s: the answer of 0 s is stale
    assert site_gate_states(hass) == {STATE_UNAVAILABLE}
    await async_advance(hass, freezer, 20)
    # Logged once when it became unavailable, not on every round; no traceback.
    unavailable = [line for line in info_logs(caplog) if "unavailable" in line]
    assert len(unavailable) == 1
    assert unavailable[0].startswith(f"MyCirrus instrument {ONLINE} is unavailable")
    assert reason in unavailable[0]
    assert not [r for r in caplog.records if r.exc_info and r.name.startswith("custom")]

    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert hass.states.get(SITE_GATE[1]).state == "93.7"
    assert info_logs(caplog)[-1] == f"MyCirrus instrument {ONLINE} is available again"


async def test_timeout_on_one_instrument(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The client gives up after its time-out; time is frozen and moved by hand."""
    entry = await set_up()
    coordinator = entry.runtime_data.coordinator
    # One at a time: the held request is the only one in flight.
    coordinator.max_in_flight = 1
    release = simulator.hold(serial=ONLINE, endpoint="status")
    held = simulator.status_requests[ONLINE] + 1
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await until(lambda: simulator.status_requests[ONLINE] == held, "the held request")
    assert hass.states.get(SITE_GATE[0]).state == "on"
    freezer.tick(timedelta(seconds=coordinator.client.request_timeout + 1))
    async_fire_time_changed(hass)
    await async_settle(hass)
    release.set()
    # A time-out ends nothing: the answer of 0 s is current until 150 s.
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert hass.states.get("binary_sensor.roof_online").state == "off"
    assert entry.runtime_data.records[ONLINE].error == "cannot_connect"
    await async_advance(hass, freezer)
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert entry.runtime_data.records[ONLINE].error is None


async def test_an_answer_is_current_for_150_s_from_when_it_was_asked(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    hold = simulator.add_fault("hold", serial=ONLINE, endpoint="status", count=1)
    assert hold.release is not None
    held = simulator.status_requests[ONLINE] + 1
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await until(lambda: simulator.status_requests[ONLINE] == held, "the held request")
    freezer.tick(timedelta(seconds=8))  # answered at 68 s, asked at 60 s
    hold.release.set()
    await async_settle(hass)
    assert entry.runtime_data.records[ONLINE].error is None
    simulator.add_fault("server_error", serial=ONLINE, endpoint="status")
    await async_advance(hass, freezer, 52)  # 120 s
    await async_advance(hass, freezer, 60)  # 180 s
    await async_advance(hass, freezer, 25)  # 205 s
    assert site_gate_states(hass) == {"on", "93.7"}
    await async_advance(hass, freezer, 10)  # 215 s: past 60 s + 150 s
    assert site_gate_states(hass) == {STATE_UNAVAILABLE}


async def test_outage_of_the_whole_service(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    simulator.add_fault("server_error", endpoint="status")
    await async_advance(hass, freezer)
    await async_advance(hass, freezer)
    coordinator = entry.runtime_data.coordinator
    assert not coordinator.last_update_success
    assert coordinator.outage
    # Answered at 0 s: current until 150 s, whatever failed since.
    assert hass.states.get("binary_sensor.roof_online").state == "off"
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.roof_online").state == STATE_UNAVAILABLE
    failures = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components")
    ]
    assert len(failures) == 1
    assert failures[0].getMessage() == (
        "Error fetching mycirrus data: Could not reach MyCirrus: "
        "MyCirrus answered HTTP 500 InternalError: Something went wrong"
    )
    # No per-instrument lines during an outage: one line says it all.
    assert not [line for line in info_logs(caplog) if "unavailable" in line]

    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.roof_online").state == "off"
    assert entry.state is ConfigEntryState.LOADED
    assert not coordinator.outage
    assert info_logs(caplog)[-1] == "Fetching mycirrus data recovered"


async def test_authentication_failure_starts_reauth(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    simulator.add_fault(
        "raw", endpoint="status", status=401, body={"error": "TokenExpired"}, count=1
    )
    await async_advance(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id
    assert flows[0]["step_id"] == "reauth_confirm"
    assert info_logs(caplog)[-1] == (
        "Authentication failed while fetching mycirrus data: MyCirrus refused "
        "the API key: MyCirrus answered HTTP 401 TokenExpired"
    )


async def minutes_with_requests(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    minutes: int,
) -> list[int]:
    """Advance minute by minute; return the minutes in which statuses were asked."""
    asked = []
    for minute in range(1, minutes + 1):
        before = status_requests(simulator)
        await async_advance(hass, freezer)
        if status_requests(simulator) > before:
            asked.append(minute)
    return asked


async def test_rate_limit_with_retry_after(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data.coordinator
    coordinator.max_in_flight = 1
    sent = status_requests(simulator)
    simulator.add_fault("rate_limit", endpoint="status", retry_after="300", count=1)
    await async_advance(hass, freezer)
    # The 429 ended the round: the instruments not asked yet were not asked.
    assert status_requests(simulator) == sent + 1
    assert coordinator.client.limiter.remaining() == pytest.approx(300, abs=1)
    # Entities keep their last states through a rate limit.
    assert hass.states.get(SITE_GATE[1]).state == "93.7"
    assert info_logs(caplog) == [
        "Error fetching mycirrus data: MyCirrus is rate limiting this API key; "
        "requests pause for 300 s"
    ]
    if UPDATE_FAILED_HAS_RETRY_AFTER:
        # Home Assistant defers the next refresh; the interval stays.
        assert coordinator.update_interval == timedelta(seconds=60)
    else:
        assert coordinator.update_interval == timedelta(seconds=300)

    # During the pause nothing is sent, not even on request.
    sent = sum(simulator.requests.values())
    await async_advance(hass, freezer, 120)
    await refresh_now(hass, SITE_GATE[0])
    assert sum(simulator.requests.values()) == sent

    before = status_requests(simulator)
    await async_advance(hass, freezer, 180)
    assert status_requests(simulator) == before + len(simulator.instruments)
    assert coordinator.update_interval == timedelta(seconds=60)
    assert info_logs(caplog)[-1] == "Fetching mycirrus data recovered"


def test_retry_after_is_used_where_home_assistant_has_it() -> None:
    year, month = (int(part) for part in HA_VERSION.split(".")[:2])
    assert UPDATE_FAILED_HAS_RETRY_AFTER is ((year, month) >= (2025, 12))


@pytest.mark.parametrize("retry_after", ["0", "-5", "soon"])
async def test_retry_after_zero_does_not_poll_in_a_loop(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    retry_after: str,
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after=retry_after)
    before = status_requests(simulator)
    asked = await minutes_with_requests(hass, freezer, simulator, 5)
    # "0" and "-5" mean a minute's pause (one round a minute, as without a
    # rate limit); an unreadable value means our own back-off.
    if retry_after == "soon":
        assert asked == [1, 3]
    else:
        assert asked == [1, 2, 3, 4, 5]
        assert status_requests(simulator) - before == 5 * len(simulator.instruments)


async def test_rate_limit_without_retry_after_doubles(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="status")
    asked = await minutes_with_requests(hass, freezer, simulator, 50)
    # Pauses of 2, 4, 8, then at most 15 minutes.
    assert asked == [1, 3, 7, 15, 30, 45]
    # One line entering the pause, none while it lasts.
    assert len(info_logs(caplog)) == 1
    simulator.clear_faults()
    # The pause that began at minute 45 ends at 60; then polling every minute.
    assert await minutes_with_requests(hass, freezer, simulator, 14) == [
        10,
        11,
        12,
        13,
        14,
    ]


async def test_an_answered_round_starts_the_backoff_over(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="status", count=1)
    assert await minutes_with_requests(hass, freezer, simulator, 4) == [1, 3, 4]
    # A round answered in between: the next pause is 2 minutes again, not 4.
    simulator.add_fault("rate_limit", endpoint="status", count=1)
    assert await minutes_with_requests(hass, freezer, simulator, 4) == [1, 3, 4]


async def test_polling_resumes_every_minute_after_a_pause_into_an_outage(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The pause's interval ends with the pause, whatever the next round meets."""
    entry = await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="300", count=1)
    simulator.add_fault("server_error", endpoint="status")
    # Refused at minute 1; the pause ends at minute 6, into an outage.
    assert await minutes_with_requests(hass, freezer, simulator, 9) == [1, 6, 7, 8, 9]
    coordinator = entry.runtime_data.coordinator
    assert coordinator.outage
    assert coordinator.update_interval == timedelta(seconds=60)


async def test_a_refused_key_ends_the_round(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    entry.runtime_data.coordinator.max_in_flight = 1
    sent = status_requests(simulator)
    simulator.add_fault(
        "raw", endpoint="status", status=401, body={"error": "TokenExpired"}
    )
    await async_advance(hass, freezer)
    # The first answer said the key is refused: the others were not asked.
    assert status_requests(simulator) == sent + 1


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


SETUP_REASONS = {
    "rate_limit": "MyCirrus is rate limiting this API key; requests pause for 120 s",
    "server_error": "Could not fetch the instruments from MyCirrus: MyCirrus "
    "answered HTTP 500 InternalError: Something went wrong",
    # The connection error's name depends on aiohttp's version.
    "reset": "Could not fetch the instruments from MyCirrus: Could not reach "
    "MyCirrus (",
    "raw": "MyCirrus refused the API key: MyCirrus answered HTTP 401 TokenExpired",
    "forbidden": "The MyCirrus API key lacks the instruments:read scope: MyCirrus "
    "answered HTTP 403 AccessDenied: The instrument is not on this account",
}


@pytest.mark.parametrize(
    ("fault", "state", "reauth_step"),
    [
        ({"kind": "rate_limit"}, ConfigEntryState.SETUP_RETRY, None),
        ({"kind": "server_error"}, ConfigEntryState.SETUP_RETRY, None),
        ({"kind": "reset"}, ConfigEntryState.SETUP_RETRY, None),
        (
            {"kind": "raw", "status": 401, "body": {"error": "TokenExpired"}},
            ConfigEntryState.SETUP_ERROR,
            "reauth_confirm",
        ),
        ({"kind": "forbidden"}, ConfigEntryState.SETUP_ERROR, "reauth_permission"),
    ],
)
async def test_setup_failures(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    fault: dict[str, Any],
    state: ConfigEntryState,
    reauth_step: str | None,
) -> None:
    simulator.add_fault(endpoint="instruments", **fault)
    entry = await set_up()
    assert entry.state is state
    assert entry.reason is not None
    assert entry.reason.startswith(SETUP_REASONS[fault["kind"]])
    assert fault["kind"] == "reset" or entry.reason == SETUP_REASONS[fault["kind"]]
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["step_id"] for flow in flows] == ([reauth_step] if reauth_step else [])


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
    assert entry.runtime_data.coordinator.last_update_success
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
    sent = status_requests(simulator)
    await async_advance(hass, freezer, 3600)
    assert entry.runtime_data.client.limiter.remaining() == pytest.approx(120, abs=1)
    # The details call ended the round: no status was asked.
    assert status_requests(simulator) == sent


@pytest.mark.parametrize("endpoint", ["instruments", "instrument"])
async def test_hourly_details_with_a_refused_key(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    endpoint: str,
) -> None:
    """A 401 on the list, or on an instrument it left out, ends the round."""
    await set_up()
    if endpoint == "instrument":
        listed = [i.info() for s, i in simulator.instruments.items() if s != OFFLINE]
        simulator.add_fault("raw", endpoint="instruments", body=listed)
    simulator.add_fault(
        "raw", endpoint=endpoint, status=401, body={"error": "TokenExpired"}
    )
    sent = status_requests(simulator)
    await async_advance(hass, freezer, 3600)
    assert status_requests(simulator) == sent
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unload_leaves_nothing_behind(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_fault("forbidden", serial=ONLINE, endpoint="status")
    entry = await set_up()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await async_settle(hass)
    assert entry.state is ConfigEntryState.LOADED
    issues = ir.async_get(hass).issues
    # The loading bay's last calibration failed: that raises an issue too.
    assert sorted(i.translation_key for i in issues.values()) == [
        "calibration_failed",
        "instrument_forbidden",
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await async_settle(hass)
    sent = sum(simulator.requests.values()) + sum(simulator.ws_connects.values())
    await async_advance(hass, freezer, 3600)
    assert sum(simulator.requests.values()) + sum(simulator.ws_connects.values()) == (
        sent
    )
    assert not entry.update_listeners
    # Unloading keeps what the user must still act on; removing withdraws it.
    assert len(issues) == 2
    await hass.config_entries.async_remove(entry.entry_id)
    assert not issues


async def test_unexpected_error_on_one_instrument_is_contained(
    hass: HomeAssistant,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data.coordinator
    original = MyCirrusClient.status

    async def status(client: MyCirrusClient, serial: str) -> Any:
        if serial == ONLINE:
            raise RuntimeError("bug")
        return await original(client, serial)

    with patch.object(MyCirrusClient, "status", status):
        await async_advance(hass, freezer)
        await async_advance(hass, freezer)
    assert coordinator.last_update_success
    assert entry.runtime_data.records[ONLINE].error == "unknown"
    # The answer of 0 s is still current; the bug is logged at once, once.
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert hass.states.get("binary_sensor.stage_left_online").state == "on"
    (line,) = [r for r in caplog.records if r.exc_info and r.name.startswith("custom")]
    assert line.getMessage() == (
        f"Unexpected error asking MyCirrus for the status of {ONLINE}"
    )
    assert line.levelno == logging.ERROR
    await async_advance(hass, freezer)
    assert hass.states.get(SITE_GATE[0]).state == "on"
    assert entry.runtime_data.records[ONLINE].error is None


async def test_unexpected_error_everywhere_fails_the_round(
    hass: HomeAssistant, set_up: SetUp, freezer: FrozenDateTimeFactory
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data.coordinator
    with patch.object(MyCirrusClient, "status", side_effect=RuntimeError("bug")):
        await async_advance(hass, freezer)
        assert not coordinator.last_update_success
        assert coordinator.outage
        assert {r.error for r in entry.runtime_data.records.values()} == {"unknown"}
        assert hass.states.get("binary_sensor.stage_left_online").state == "on"
        for _ in range(2):
            await async_advance(hass, freezer)
    assert hass.states.get("binary_sensor.stage_left_online").state == (
        STATE_UNAVAILABLE
    )
