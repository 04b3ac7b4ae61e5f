"""Buttons: Identify, Run SIC and Start calibration, over push or REST."""

from __future__ import annotations

import asyncio
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
from simulator import ALL_SCOPES, Simulator

from .conftest import API_KEY, ONLINE, PUSHING, SetUp
from .helpers import async_advance, async_settle, async_wait_pushing, until

RUN_SIC = "button.site_gate_run_sic"
IDENTIFY = "button.site_gate_identify"
SIC_RUNNING = "binary_sensor.site_gate_sic_in_progress"


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def press_fails(hass: HomeAssistant, entity_id: str) -> HomeAssistantError:
    with pytest.raises(HomeAssistantError) as raised:
        await press(hass, entity_id)
    assert raised.value.translation_domain == DOMAIN
    return raised.value


def test_start_calibration_is_disabled_by_default(
    hass: HomeAssistant,
) -> None:
    from custom_components.mycirrus.button import BUTTONS  # noqa: PLC0415

    enabled = {d.key: d.entity_registry_enabled_default for d in BUTTONS}
    assert enabled == {"identify": True, "run_sic": True, "start_calibration": False}


async def test_buttons_exist_without_a_status(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    """Buttons need no status: an instrument that fails still gets them."""
    simulator.add_fault("server_error", serial=ONLINE, endpoint="status")
    await set_up()
    assert hass.states.get(IDENTIFY) is not None
    assert hass.states.get(RUN_SIC) is not None
    assert hass.states.get("button.loading_bay_run_sic") is None  # no SIC
    registry = er.async_get(hass)
    calibrate = registry.async_get("button.site_gate_start_calibration")
    assert calibrate is not None
    assert calibrate.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get("button.roof_identify").state == "unavailable"  # offline


async def test_start_calibration_says_what_it_needs(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    """The requirement is an attribute whose value the frontend translates."""
    entry = await set_up()
    er.async_get(hass).async_update_entity(
        "button.site_gate_start_calibration", disabled_by=None
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await async_settle(hass)
    state = hass.states.get("button.site_gate_start_calibration")
    assert state.attributes["requirement"] == "acoustic_calibrator"
    assert "requirement" not in hass.states.get(IDENTIFY).attributes
    translations = await async_get_translations(hass, "en", "entity", {DOMAIN})
    requirement = (
        f"component.{DOMAIN}.entity.button.start_calibration"
        ".state_attributes.requirement"
    )
    assert translations[f"{requirement}.name"] == "Requires"
    assert (
        "acoustic calibrator fitted"
        in (translations[f"{requirement}.state.acoustic_calibrator"])
    )


@pytest.mark.usefixtures("polling_only")
async def test_run_sic_over_rest_shows_at_once_and_follows_it(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    polled = simulator.status_requests[ONLINE]
    await press(hass, RUN_SIC)
    assert simulator.requests["action"] == 1
    assert hass.states.get(SIC_RUNNING).state == "on"
    # Asked every 10 s until it ends (45 s), then the new result shows.
    simulator.instruments[ONLINE].next_sic_status = "Failed"
    for _ in range(5):
        await async_advance(hass, freezer, 10)
    assert hass.states.get(SIC_RUNNING).state == "off"
    assert hass.states.get("sensor.site_gate_last_sic_result").state == "failed"
    assert simulator.status_requests[ONLINE] == polled + 5
    # Then only the normal polling: one round a minute.
    for _ in range(6):
        await async_advance(hass, freezer, 10)
    assert simulator.status_requests[ONLINE] == polled + 6


@pytest.mark.usefixtures("polling_only")
async def test_an_answer_that_only_informs_is_no_refusal(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 200 answer's ``description`` informs; only ``error`` refuses."""
    await set_up()
    simulator.add_fault(
        "raw",
        endpoint="action",
        body={"action": "SIC", "status": "InProgress", "description": "Queued"},
        count=1,
    )
    await press(hass, RUN_SIC)
    assert hass.states.get(SIC_RUNNING).state == "on"
    polled = simulator.status_requests[ONLINE]
    await async_advance(hass, freezer, 10)
    assert simulator.status_requests[ONLINE] == polled + 1  # followed


@pytest.mark.usefixtures("polling_only")
async def test_a_press_answered_after_unload_starts_nothing(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    release = simulator.hold(serial=ONLINE, endpoint="action")
    pressed = hass.async_create_task(press(hass, RUN_SIC))
    await until(lambda: simulator.requests["action"] == 1, "the press")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    release.set()  # MyCirrus accepts the SIC after all
    await pressed
    await async_settle(hass)
    # No follower of the SIC outlives the entry (it would ask for 15 minutes).
    assert not [
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith(f"{DOMAIN} check") and not task.done()
    ]


async def test_identify_and_sic_over_the_websocket(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    await async_wait_pushing(entry, *PUSHING)
    await press(hass, IDENTIFY)
    await press(hass, RUN_SIC)
    assert simulator.ws_received["Identify"] == 1
    assert simulator.ws_received["SIC"] == 1
    assert simulator.requests["action"] == 0
    assert hass.states.get(SIC_RUNNING).state == "on"
    polled = simulator.status_requests[ONLINE]
    freezer.tick(simulator.sic_duration)
    simulator.advance()
    await until(lambda: hass.states.get(SIC_RUNNING).state == "off", "the SIC end")
    await async_settle(hass)
    assert simulator.status_requests[ONLINE] == polled + 1
    assert hass.states.get("sensor.site_gate_last_sic").state == (
        simulator.instruments[ONLINE].last_sic["time"].replace("Z", "+00:00")  # type: ignore[index]
    )
    assert entry.runtime_data.scopes.as_dict()["instruments:action"] == "granted"


@pytest.mark.parametrize("push", [False, True])
async def test_refused_action(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    push: bool,
) -> None:
    if not push:
        monkeypatch.setattr(
            "custom_components.mycirrus.hub.push.MAX_LIVE_CONNECTIONS", 0
        )
    entry = await set_up()
    if push:
        await async_wait_pushing(entry, *PUSHING)
    # The instrument has lost its SIC: MyCirrus answers Failed.
    simulator.instruments[ONLINE].features.remove("SIC")
    error = await press_fails(hass, RUN_SIC)
    assert error.translation_key == "action_refused"
    assert error.translation_placeholders["name"] == "Site gate"
    assert error.translation_placeholders["action"] == "SIC"
    assert hass.states.get(SIC_RUNNING).state == "off"


@pytest.mark.parametrize("push", [False, True])
async def test_key_without_the_action_scope(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    push: bool,
) -> None:
    if not push:
        monkeypatch.setattr(
            "custom_components.mycirrus.hub.push.MAX_LIVE_CONNECTIONS", 0
        )
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"instruments:action"})
    entry = await set_up()
    if push:
        await async_wait_pushing(entry, *PUSHING)
    error = await press_fails(hass, IDENTIFY)
    assert error.translation_key == "action_forbidden"
    assert error.translation_placeholders["detail"] == "instruments:action"
    assert entry.runtime_data.scopes.missing("instruments:action")
    assert "instruments:action" in str(error)


@pytest.mark.usefixtures("polling_only")
@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"kind": "rate_limit", "retry_after": "60"}, "action_rate_limited"),
        ({"kind": "reset"}, "action_cannot_connect"),
        ({"kind": "not_found"}, "action_not_found"),
        ({"kind": "server_error"}, "action_failed"),
        ({"kind": "not_json"}, "action_failed"),
    ],
)
async def test_failed_action_over_rest(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    fault: dict[str, Any],
    key: str,
) -> None:
    await set_up()
    simulator.add_fault(endpoint="action", **fault)
    error = await press_fails(hass, IDENTIFY)
    assert error.translation_key == key
    # Said in words, never a traceback.
    assert "Traceback" not in str(error)


async def test_action_without_an_answer_over_the_websocket(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    await async_wait_pushing(entry, *PUSHING)
    simulator.silence(ONLINE)
    pressing = hass.async_create_task(press_fails(hass, IDENTIFY))
    await simulator.wait_until(lambda: simulator.ws_received["Identify"] == 1)
    freezer.tick(11)
    async_fire_time_changed(hass)
    error = await pressing
    assert error.translation_key == "action_cannot_connect"


async def test_connection_lost_while_waiting_for_the_answer(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    await async_wait_pushing(entry, *PUSHING)
    simulator.silence(ONLINE)
    pressing = hass.async_create_task(press_fails(hass, IDENTIFY))
    await simulator.wait_until(lambda: simulator.ws_received["Identify"] == 1)
    simulator.drop_connections(ONLINE)
    error = await pressing
    assert error.translation_key == "action_cannot_connect"
