"""Push where it could go wrong: bugs, lagging answers, flapping sockets."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.mycirrus.api import LiveError
from custom_components.mycirrus.hub.link import error_subject
from custom_components.mycirrus.model import LinkState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from simulator import Simulator

from .conftest import NO_SIC, ONLINE, PUSHING, SetUp, set_up_pushing
from .helpers import async_advance, async_settle, async_wait_pushing, until


async def test_a_bug_ends_the_connection_not_the_push(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up_pushing(set_up)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 4)
    records = entry.runtime_data.records
    # A bug in handing the levels on: the handling of one message fails.
    with patch(
        "custom_components.mycirrus.hub.link.async_dispatcher_send",
        side_effect=RuntimeError("a bug"),
    ):
        simulator.send_live_data(ONLINE, {"LAeq": 50.0})
        await until(lambda: not records[ONLINE].pushing, "the connection to end")
    assert "Unexpected error in the live connection of QT100001" in caplog.text
    # The first reconnect waits 1 to 5 s, counted from when the socket has
    # closed, which a busy machine may only finish a step or two later.
    for _ in range(10):
        await async_advance(hass, freezer, 1)
        if records[ONLINE].pushing:
            break
    await async_wait_pushing(entry, ONLINE)
    assert simulator.ws_connects[ONLINE] == 2


async def test_implausible_levels_are_dropped(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 4)
    records = entry.runtime_data.records
    # A "no data" sentinel would overflow the energetic mean.
    simulator.send_live_data(ONLINE, {"LAeq": 99999.0, "LAF": 1e308, "LCPeak": 88.0})
    links = entry.runtime_data.push.links
    await until(lambda: links[ONLINE].values.get("lcpeak") == 88.0, "data")
    await async_advance(hass, freezer, 5)
    assert records[ONLINE].pushing
    assert hass.states.get("sensor.site_gate_laeq").state == "unknown"
    assert hass.states.get("sensor.site_gate_lcpeak").state == "88.0"


async def test_backoff_is_bounded_for_ever(hass: HomeAssistant, set_up: SetUp) -> None:
    entry = await set_up_pushing(set_up)
    live = entry.runtime_data.push
    live.random = SimpleNamespace(uniform=lambda low, high: high)  # type: ignore[assignment]
    assert live.backoff(5000) == 300


async def test_a_socket_that_drops_at_once_backs_off_more(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only a connection that lasted a minute resets the back-off."""
    entry = await set_up_pushing(set_up)
    live = entry.runtime_data.push
    waits: list[float] = []

    def upper(low: float, high: float) -> float:
        waits.append(high)
        return high

    live.random = SimpleNamespace(uniform=upper)  # type: ignore[assignment]
    for count, expected in enumerate((5, 10, 20), start=1):
        simulator.drop_connections(ONLINE)
        await until(lambda n=count: len(waits) == n, "the back-off")
        assert waits[-1] == expected
        await async_advance(hass, freezer, expected)
        await async_wait_pushing(entry, ONLINE)
    # A connection that stays up a minute starts over.
    await async_advance(hass, freezer, 61)
    simulator.drop_connections(ONLINE)
    await until(lambda: len(waits) == 4, "the back-off")
    assert waits[-1] == 5


async def test_pushed_flags_win_over_an_older_rest_answer(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
) -> None:
    entry = await set_up_pushing(set_up)
    coordinator = entry.runtime_data.coordinator
    # An answer that left MyCirrus's REST side before the change below.
    lagging = dict(simulator.instruments[ONLINE].status())
    release = simulator.hold(serial=ONLINE, endpoint="status")
    simulator.add_fault("raw", serial=ONLINE, endpoint="status", body=lagging)
    coordinator.async_schedule_fetch(ONLINE)
    held = simulator.status_requests[ONLINE] + 1
    await until(lambda: simulator.status_requests[ONLINE] == held, "the request")
    simulator.update(ONLINE, measuring=False)
    await until(
        lambda: hass.states.get("binary_sensor.site_gate_measuring").state == "off",
        "the push",
    )
    release.set()
    await async_settle(hass)
    assert hass.states.get("binary_sensor.site_gate_measuring").state == "off"


async def test_an_answer_asked_after_a_push_is_newer(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With the clock frozen, order comes from the stamps, not from the time."""
    entry = await set_up_pushing(set_up)
    simulator.update(ONLINE, measuring=False)
    await until(
        lambda: hass.states.get("binary_sensor.site_gate_measuring").state == "off",
        "the push",
    )
    # Asked after the push arrived, in the same frozen instant: its answer is
    # what MyCirrus says now.
    simulator.instruments[ONLINE].measuring = True
    entry.runtime_data.coordinator.async_schedule_fetch(ONLINE)
    await async_settle(hass)
    assert hass.states.get("binary_sensor.site_gate_measuring").state == "on"


async def test_result_fetched_until_rest_has_it(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    old = dict(simulator.instruments[ONLINE].status())
    simulator.start_action(ONLINE, "SIC")
    sic = "binary_sensor.site_gate_sic_in_progress"
    await until(lambda: hass.states.get(sic).state == "on", "the SIC to start")
    # MyCirrus's REST view lags: the first answer still has the old result.
    simulator.add_fault(
        "raw",
        serial=ONLINE,
        endpoint="status",
        count=1,
        body={**old, "sicInProgress": False},
    )
    freezer.tick(simulator.sic_duration)
    simulator.advance()
    await until(lambda: hass.states.get(sic).state == "off", "the SIC to end")
    await async_settle(hass)
    before = simulator.status_requests[ONLINE]
    last_sic = "sensor.site_gate_last_sic"
    assert hass.states.get(last_sic).state == "2026-11-24T03:00:00+00:00"
    await async_advance(hass, freezer, 10)
    assert simulator.status_requests[ONLINE] == before + 1
    assert hass.states.get(last_sic).state != "2026-11-24T03:00:00+00:00"
    # Then it stops asking.
    await async_advance(hass, freezer, 10)
    assert simulator.status_requests[ONLINE] == before + 1
    assert entry.runtime_data.records[ONLINE].pushing


async def test_a_check_already_running_is_not_started_again(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    await set_up_pushing(set_up)
    simulator.start_action(ONLINE, "SIC")
    sic = "binary_sensor.site_gate_sic_in_progress"
    await until(lambda: hass.states.get(sic).state == "on", "the SIC to start")
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.site_gate_run_sic"}, blocking=True
        )
    assert raised.value.translation_key == "action_running"
    assert simulator.ws_received["SIC"] == 0
    # Identify is not held back by a running check.
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.site_gate_identify"}, blocking=True
    )
    assert simulator.ws_received["Identify"] == 1


async def test_actions_wait_out_the_keys_pause(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up_pushing(set_up)
    entry.runtime_data.client.limiter.pause(600)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.site_gate_identify"}, blocking=True
        )
    assert raised.value.translation_key == "action_rate_limited"
    assert simulator.ws_received["Identify"] == 0


@pytest.mark.usefixtures("polling_only")
async def test_refused_key_on_a_press_asks_for_a_new_one(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    await set_up()
    simulator.add_fault("raw", endpoint="action", status=401, body={"error": "x"})
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.site_gate_identify"}, blocking=True
        )
    assert raised.value.translation_key == "action_invalid_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler("mycirrus")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


def test_errors_go_to_what_they_are_about() -> None:
    """Errors name no request: one about live data is not an action's."""
    live_scope = LiveError(
        time=None,
        code="AccessDenied",
        description="The API key lacks the data.live:read scope",
    )
    other = LiveError(time=None, code="AccessDenied", description="No action scope")
    assert error_subject(live_scope, live_asked=True, action_waiting=True) == "live"
    assert error_subject(other, live_asked=True, action_waiting=True) == "action"
    assert error_subject(other, live_asked=True, action_waiting=False) == "live"
    # Live data asked for and flowing (or not asked): the waiting action's.
    assert error_subject(live_scope, live_asked=False, action_waiting=True) == (
        "action"
    )
    # Neither an action nor live data waits: it is only logged.
    assert error_subject(other, live_asked=False, action_waiting=False) is None


async def test_live_session_made_after_set_up_and_closed_on_unload(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    sessions: list[Any] = []
    from custom_components import mycirrus  # noqa: PLC0415

    original = mycirrus._live_session

    def recording() -> Any:
        sessions.append(session := original())
        return session

    with (
        patch.object(mycirrus, "_live_session", recording),
        patch.object(
            hass.config_entries,
            "async_forward_entry_setups",
            side_effect=RuntimeError("platforms failed"),
        ),
    ):
        entry = await set_up()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    # Made only once the platforms are set up: a failed set-up leaks none.
    assert sessions == []

    with patch.object(mycirrus, "_live_session", recording):
        await hass.config_entries.async_reload(entry.entry_id)
        await async_wait_pushing(entry, *PUSHING)
    (session,) = sessions
    assert not session.closed
    await hass.config_entries.async_unload(entry.entry_id)
    assert session.closed


async def test_connection_state_idle_while_offline_after_a_drop(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    records = entry.runtime_data.records
    simulator.update(NO_SIC, online=False)
    await until(lambda: records[NO_SIC].link is LinkState.IDLE, "idle")
    assert hass.states.get("sensor.loading_bay_laeq").state == STATE_UNAVAILABLE


async def test_an_open_socket_is_current_only_from_its_first_status(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A status gone stale in a pause stays so until a reconnected socket pushes."""
    entry = await set_up_pushing(set_up)
    records = entry.runtime_data.records
    links = entry.runtime_data.push.links
    measuring = "binary_sensor.site_gate_measuring"
    # The roof's poll at 60 s is refused for 15 minutes; then MyCirrus fails.
    simulator.add_fault("rate_limit", endpoint="status", retry_after="900", count=1)
    simulator.add_fault("server_error", endpoint="status")
    await async_advance(hass, freezer)
    assert entry.runtime_data.client.limiter.paused
    # The gate's socket drops; the next ones open silent (no status at all).
    simulator.silence(ONLINE, later=True)
    simulator.drop_connections(ONLINE)
    await until(lambda: not records[ONLINE].pushing, "the drop")
    await async_advance(hass, freezer, 240)  # 300 s: stale since 210 s
    assert hass.states.get(measuring).state == STATE_UNAVAILABLE
    for _ in range(11):  # the pause ends at 960 s
        await async_advance(hass, freezer, 60)
    await async_advance(hass, freezer, 10)  # the socket opens by 965 s
    await until(lambda: links[ONLINE].connects == 2, "the socket")
    await async_settle(hass)
    assert hass.states.get(measuring).state == STATE_UNAVAILABLE
    assert not records[ONLINE].pushing
    assert records[ONLINE].link is LinkState.OPEN  # as diagnostics say
    # It is asked over REST meanwhile, as any instrument that does not push.
    asked = simulator.status_requests[ONLINE]
    await async_advance(hass, freezer, 50)  # the round of 1020 s
    assert simulator.status_requests[ONLINE] == asked + 1
    assert hass.states.get(measuring).state == STATE_UNAVAILABLE
    # The first status pushed makes it current.
    simulator.update(ONLINE, measuring=False)
    simulator.silence(ONLINE, on=False)
    await until(lambda: records[ONLINE].pushing, "the first status")
    assert hass.states.get(measuring).state == "off"
