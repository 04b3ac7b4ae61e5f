"""One truth per instrument: what the dashboard shows is current or unavailable.

Each test here reproduces a finding of the review: a value frozen after a
refused key or during a pause, an older answer overwriting a newer one, a
check asked for that a stale round wiped, a refusal taken for an acceptance.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.const import DOMAIN, KEEP_ALIVE_INTERVAL
from custom_components.mycirrus.model import LinkState
from homeassistant.const import ATTR_ENTITY_ID, CONF_API_KEY, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator import ALL_SCOPES, Simulator

from .conftest import (
    API_KEY,
    OFFLINE,
    ONLINE,
    OTHER_KEY,
    PUSHING,
    SetUp,
    set_up_pushing,
)
from .helpers import async_advance, async_settle, async_wait_pushing, until

MEASURING = "binary_sensor.site_gate_measuring"
RUN_SIC = "button.site_gate_run_sic"
SIC_RUNNING = "binary_sensor.site_gate_sic_in_progress"
STATUS_KEYS = (
    "online",
    "measuring",
    "calibration_in_progress",
    "sic_in_progress",
    "calibration_drift",
    "calibration_level",
    "calibration_offset",
    "last_calibration",
    "last_calibration_result",
    "last_sic",
    "last_sic_result",
)


def status_states(hass: HomeAssistant) -> dict[str, str]:
    """Return the state of every status entity of every instrument."""
    return {
        entity.entity_id: hass.states.get(entity.entity_id).state
        for entity in er.async_get(hass).entities.values()
        if entity.platform == DOMAIN
        and entity.unique_id.rsplit("_", 1)[0] != entity.unique_id
        and any(entity.unique_id.endswith(f"_{key}") for key in STATUS_KEYS)
        and hass.states.get(entity.entity_id) is not None
    }


def reauth_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == "reauth"
    ]


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


# -- 1. nothing frozen after a refused key or during a pause ------------------


@pytest.mark.usefixtures("polling_only")
async def test_a_refused_key_leaves_nothing_frozen(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    assert hass.states.get(MEASURING).state == "on"
    simulator.revoke_key(API_KEY)
    simulator.instruments[ONLINE].measuring = False
    await async_advance(hass, freezer)
    states = status_states(hass)
    assert len(states) > 30
    assert set(states.values()) == {STATE_UNAVAILABLE}
    assert len(reauth_flows(hass)) == 1
    # Home Assistant asks nothing more; 13 minutes on, nothing says "on".
    for _ in range(13):
        await async_advance(hass, freezer)
    assert set(status_states(hass).values()) == {STATE_UNAVAILABLE}


async def test_a_key_refused_on_the_websocket_stops_every_link(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    simulator.revoke_key(API_KEY)
    simulator.drop_connections()
    for _ in range(15):  # 150 s
        await async_advance(hass, freezer, 10)
    assert set(status_states(hass).values()) == {STATE_UNAVAILABLE}
    tries = {serial: simulator.ws_refused[serial] for serial in PUSHING}
    assert all(1 <= count <= 3 for count in tries.values()), tries
    # No link tries again with the refused key.
    for _ in range(10):
        await async_advance(hass, freezer, 60)
    assert {serial: simulator.ws_refused[serial] for serial in PUSHING} == tries
    records = entry.runtime_data.records
    assert {records[serial].link for serial in PUSHING} == {LinkState.STOPPED}

    # A new key of the same account: everything is current again.
    simulator.add_key(OTHER_KEY)
    (flow,) = reauth_flows(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: OTHER_KEY}
    )
    assert result["reason"] == "reauth_successful"
    await async_settle(hass)
    await async_wait_pushing(entry, *PUSHING)
    assert hass.states.get(MEASURING).state == "on"
    assert (
        STATE_UNAVAILABLE
        not in {
            state
            for entity_id, state in status_states(hass).items()
            if not entity_id.startswith(("binary_sensor.roof", "sensor.roof"))
        }
        or hass.states.get("binary_sensor.roof_online").state == "off"
    )


@pytest.mark.usefixtures("polling_only")
async def test_a_long_pause_makes_the_status_stale(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Answered at 0 s, current until 150 s; the pause lasts 15 minutes."""
    await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="900", count=1)
    await async_advance(hass, freezer, 60)  # the round at 60 s is refused
    await async_advance(hass, freezer, 60)
    assert hass.states.get(MEASURING).state == "on"  # 120 s: still current
    simulator.instruments[ONLINE].measuring = False
    await async_advance(hass, freezer, 40)  # 160 s: stale
    assert set(status_states(hass).values()) == {STATE_UNAVAILABLE}
    for _ in range(14):  # the pause ends at 960 s
        await async_advance(hass, freezer, 60)
    assert hass.states.get(MEASURING).state == "off"


async def test_a_pushing_instrument_stays_current_through_a_pause(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_pushing(set_up)
    simulator.add_fault("rate_limit", endpoint="status", retry_after="900")
    links = entry.runtime_data.push.links
    for _ in range(6):  # three minutes, a keep-alive at a time
        await async_advance(hass, freezer, KEEP_ALIVE_INTERVAL)
        now = dt_util.utcnow()
        await until(
            lambda now=now: all(
                links[serial].last_message == now for serial in PUSHING
            ),
            "every keep-alive answered",
        )
    assert hass.states.get(MEASURING).state == "on"
    # The offline instrument is polled only, and its status went stale.
    assert hass.states.get("binary_sensor.roof_online").state == STATE_UNAVAILABLE
    simulator.update(ONLINE, measuring=False)
    await until(lambda: hass.states.get(MEASURING).state == "off", "the push")


# -- 2. no older answer overwrites a newer one ---------------------------------


@pytest.mark.usefixtures("polling_only")
async def test_an_instrument_being_asked_is_not_asked_again(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    release = simulator.add_fault("hold", serial=ONLINE, endpoint="status", count=1)
    assert release.release is not None
    asked = simulator.status_requests[ONLINE] + 1
    coordinator = entry.runtime_data.coordinator
    coordinator.async_schedule_fetch(ONLINE)
    await until(lambda: simulator.status_requests[ONLINE] == asked, "the held fetch")
    # A round (as homeassistant.update_entity asks for) while it is held; no
    # time passes, which would end the held request by its time-out.
    others = simulator.status_requests[OFFLINE] + 1
    await coordinator.async_refresh()
    assert simulator.status_requests[OFFLINE] == others
    # Neither the round nor a second fetch asked for it while it is asked.
    coordinator.async_schedule_fetch(ONLINE)
    release.release.set()
    await async_settle(hass)
    assert simulator.status_requests[ONLINE] == asked


# -- 3. a check asked for is not wiped by a round asked before -----------------


@pytest.mark.usefixtures("polling_only")
async def test_a_round_asked_before_the_press_does_not_wipe_it(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    before = simulator.instruments[ONLINE].status()  # no SIC running
    held = simulator.add_fault("hold", serial=ONLINE, endpoint="status", count=1)
    simulator.add_fault("raw", serial=ONLINE, endpoint="status", body=before, count=1)
    asked = simulator.status_requests[ONLINE] + 1
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await until(lambda: simulator.status_requests[ONLINE] == asked, "the round")
    await press(hass, RUN_SIC)
    assert hass.states.get(SIC_RUNNING).state == "on"
    assert held.release is not None
    held.release.set()  # it answers what it was asked before the press
    await async_settle(hass)
    assert hass.states.get(SIC_RUNNING).state == "on"
    freezer.tick(timedelta(seconds=1))
    with pytest.raises(ServiceValidationError) as refused:
        await press(hass, RUN_SIC)
    assert refused.value.translation_key == "action_running"
    assert simulator.requests["action"] == 1


async def test_two_presses_a_second_apart_send_one_sic(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_pushing(set_up)
    await press(hass, RUN_SIC)
    freezer.tick(timedelta(seconds=1))
    with pytest.raises(ServiceValidationError):
        await press(hass, RUN_SIC)
    assert simulator.ws_received["SIC"] == 1
    assert simulator.requests["action"] == 0


@pytest.mark.usefixtures("polling_only")
async def test_a_press_while_the_first_is_on_its_way_is_refused(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    await set_up()
    release = simulator.hold(serial=ONLINE, endpoint="action")
    first = hass.async_create_task(press(hass, RUN_SIC))
    await until(lambda: simulator.requests["action"] == 1, "the first press")
    assert hass.states.get(SIC_RUNNING).state == "on"
    with pytest.raises(ServiceValidationError):
        await press(hass, RUN_SIC)
    release.set()
    await first
    assert simulator.requests["action"] == 1


@pytest.mark.usefixtures("polling_only")
async def test_a_failed_press_is_not_shown_running(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    await set_up()
    simulator.add_fault("server_error", endpoint="action", count=1)
    with pytest.raises(HomeAssistantError) as failed:
        await press(hass, RUN_SIC)
    assert not isinstance(failed.value, ServiceValidationError)
    assert hass.states.get(SIC_RUNNING).state == "off"
    await press(hass, RUN_SIC)  # may be pressed again at once
    assert simulator.requests["action"] == 2


@pytest.mark.usefixtures("polling_only")
async def test_a_check_mycirrus_never_shows_running_stops_showing(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    # MyCirrus accepts, and then never shows the SIC running or ending.
    simulator.add_fault(
        "raw", endpoint="action", body={"action": "SIC", "status": "InProgress"}
    )
    await press(hass, RUN_SIC)
    assert hass.states.get(SIC_RUNNING).state == "on"
    for _ in range(11):
        await async_advance(hass, freezer, 10)
    assert hass.states.get(SIC_RUNNING).state == "on"
    await async_advance(hass, freezer, 20)
    assert hass.states.get(SIC_RUNNING).state == "off"
    polled = simulator.status_requests[ONLINE]
    for _ in range(6):
        await async_advance(hass, freezer, 10)
    assert simulator.status_requests[ONLINE] == polled + 1  # rounds only


# -- 6. an answer with an error is a refusal -----------------------------------


@pytest.mark.usefixtures("polling_only")
async def test_an_answer_with_an_error_is_a_refusal(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault(
        "raw",
        endpoint="action",
        body={"action": "SIC", "status": None, "error": "The instrument is busy"},
        count=1,
    )
    with pytest.raises(ServiceValidationError) as refused:
        await press(hass, RUN_SIC)
    assert refused.value.translation_key == "action_refused"
    assert refused.value.translation_placeholders["detail"] == "The instrument is busy"
    assert hass.states.get(SIC_RUNNING).state == "off"
    polled = simulator.status_requests[ONLINE]
    for _ in range(6):
        await async_advance(hass, freezer, 10)
    assert simulator.status_requests[ONLINE] == polled + 1  # no follow-up


# -- 9. the user's situation is refused without a traceback --------------------


@pytest.mark.usefixtures("polling_only")
@pytest.mark.parametrize(
    ("scopes", "fault", "key"),
    [
        (ALL_SCOPES - {"instruments:action"}, None, "action_forbidden"),
        (ALL_SCOPES, {"kind": "not_found"}, "action_not_found"),
        (
            ALL_SCOPES,
            {"kind": "raw", "body": {"action": "SIC", "status": "Failed"}},
            "action_refused",
        ),
    ],
)
async def test_refusals_are_the_users_situation(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    hass_ws_client: Any,
    caplog: pytest.LogCaptureFixture,
    scopes: frozenset[str],
    fault: dict[str, Any] | None,
    key: str,
) -> None:
    simulator.add_key(API_KEY, scopes=scopes)
    await set_up()
    if fault is not None:
        simulator.add_fault(endpoint="action", **fault)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": "button",
            "service": "press",
            "target": {"entity_id": RUN_SIC},
        }
    )
    answer = await client.receive_json()
    assert not answer["success"]
    assert answer["error"]["code"] == "service_validation_error"
    assert answer["error"]["translation_key"] == key
    # Home Assistant logs the refusal as one line; a traceback only at debug.
    assert not [
        record
        for record in caplog.records
        if record.exc_info and record.levelno >= logging.INFO
    ]


@pytest.mark.usefixtures("polling_only")
async def test_a_failure_of_mycirrus_is_an_error(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="action", retry_after="60", count=1)
    with pytest.raises(HomeAssistantError) as failed:
        await press(hass, RUN_SIC)
    assert not isinstance(failed.value, ServiceValidationError)
    assert failed.value.translation_key == "action_rate_limited"


# -- 10. health of an offline instrument ----------------------------------------


async def test_health_is_unavailable_while_offline(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_pushing(set_up)
    gate, roof = (
        "sensor.site_gate_enclosure_temperature",
        "sensor.roof_enclosure_temperature",
    )
    assert hass.states.get(gate).state == "31.2"
    assert hass.states.get(roof).state == STATE_UNAVAILABLE
    simulator.update(ONLINE, online=False)
    await until(lambda: hass.states.get(gate).state == STATE_UNAVAILABLE, "the push")
    simulator.update(OFFLINE, online=True)
    await async_advance(hass, freezer)
    assert hass.states.get(roof).state == "31.2"
