"""Instruments added or removed and options changed while the entry runs.

None of these reloads the entry: the other instruments' websockets stay open
and no extra round polls them.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import (
    CONF_DRIFT_THRESHOLD,
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    CONF_SERIAL,
    DOMAIN,
    KEEP_ALIVE_INTERVAL,
    SUBENTRY_TYPE_INSTRUMENT,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
from simulator import ALL_SCOPES, SimInstrument, Simulator

from .conftest import API_KEY, CALIBRATING, NEVER_CALIBRATED, NO_SIC, ONLINE, SetUp
from .helpers import async_advance, async_settle, async_wait_pushing, device_of, until

THREE = (ONLINE, CALIBRATING, NEVER_CALIBRATED)


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Follow every instrument but the loading bay, which a test adds."""
    return [i for s, i in simulator.instruments.items() if s != NO_SIC]


async def set_up_three(set_up: SetUp) -> MockConfigEntry:
    entry = await set_up()
    await async_wait_pushing(entry, *THREE)
    return entry


def unique_ids(hass: HomeAssistant) -> set[str]:
    return {
        entity.unique_id
        for entity in er.async_get(hass).entities.values()
        if entity.platform == DOMAIN
    }


async def keep_alive_steps(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry, n: int
) -> None:
    """Move on a keep-alive at a time, waiting for every answer."""
    links = entry.runtime_data.push.links
    for _ in range(n):
        await async_advance(hass, freezer, KEEP_ALIVE_INTERVAL)
        now = dt_util.utcnow()
        await until(
            lambda now=now: all(
                link.last_message == now
                for link in links.values()
                if link.connection is not None
            ),
            "every keep-alive answered",
        )


async def test_adding_an_instrument_needs_no_reload(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up_three(set_up)
    hub = entry.runtime_data
    connects = dict(simulator.ws_connects)
    polled = dict(simulator.status_requests)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_INSTRUMENT), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_SERIAL: NO_SIC}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await async_settle(hass)
    await async_wait_pushing(entry, NO_SIC)
    assert entry.runtime_data is hub
    assert device_of(hass, NO_SIC) is not None
    assert hass.states.get("binary_sensor.loading_bay_online").state == "on"
    assert hass.states.get("sensor.loading_bay_last_calibration_result").state == (
        "failed"
    )
    assert hass.states.get("sensor.loading_bay_laeq") is not None
    # The others were neither reconnected nor asked again.
    assert {s: simulator.ws_connects[s] for s in connects} == connects
    assert {s: simulator.status_requests[s] for s in polled} == polled
    # Set-up asked the new one its status (checked against the account) and
    # so did the entry, once.
    assert simulator.status_requests[NO_SIC] == 2
    assert simulator.ws_connects[NO_SIC] == 1


async def test_removing_an_instrument_needs_no_reload(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_three(set_up)
    hub = entry.runtime_data
    connects = dict(simulator.ws_connects)
    subentry_id = hub.records[ONLINE].subentry_id
    hass.config_entries.async_remove_subentry(entry, subentry_id)
    await async_settle(hass)
    assert entry.runtime_data is hub
    assert ONLINE not in hub.records
    assert device_of(hass, ONLINE) is None
    assert hass.states.get("binary_sensor.site_gate_online") is None
    assert not {uid for uid in unique_ids(hass) if uid.startswith(ONLINE)}
    await simulator.wait_until(lambda: simulator.open_sockets(ONLINE) == 0)
    assert simulator.open_sockets() == 2
    assert dict(simulator.ws_connects) == connects
    asked = simulator.status_requests[ONLINE]
    await keep_alive_steps(hass, freezer, entry, 4)
    assert simulator.status_requests[ONLINE] == asked


async def test_options_apply_without_a_reload(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_three(set_up)
    hub = entry.runtime_data
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 3)
    connects = dict(simulator.ws_connects)
    drift = "binary_sensor.site_gate_calibration_drift"
    assert hass.states.get(drift).state == "off"  # offset 0.04 dB
    hass.config_entries.async_update_entry(
        entry,
        options={
            CONF_LIVE_VALUES: ["LAeq", "LAS"],
            CONF_LIVE_INTERVAL: 30,
            CONF_DRIFT_THRESHOLD: 0.03,
        },
    )
    await async_settle(hass)
    assert entry.runtime_data is hub
    assert hass.states.get(drift).state == "on"
    # The open connections are asked for the new levels; none reconnects.
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 6)
    assert dict(simulator.ws_connects) == connects
    ids = unique_ids(hass)
    assert f"{ONLINE}_las" in ids
    assert f"{ONLINE}_laf" not in ids
    assert f"{ONLINE}_laeq" in ids
    # Written every 30 s now, not every 5 s.
    simulator.send_live_data(ONLINE, {"LAeq": 50.0, "LAS": 51.0})
    links = hub.push.links
    await until(lambda: links[ONLINE].values.get("las") == 51.0, "the levels")
    await async_advance(hass, freezer, 10)
    assert hass.states.get("sensor.site_gate_las").state == "unknown"
    await async_advance(hass, freezer, 20)
    assert float(hass.states.get("sensor.site_gate_las").state) == 51.0

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LIVE_VALUES: []}
    )
    await async_settle(hass)
    await simulator.wait_until(lambda: simulator.ws_received["StopLiveData"] == 3)
    assert not {uid for uid in unique_ids(hass) if uid.endswith(("_las", "_laeq"))}
    assert dict(simulator.ws_connects) == connects


async def test_unchosen_levels_are_searched_for_only_when_the_choice_changes(
    hass: HomeAssistant,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every round tells the platforms to look again; the registry is not read."""
    entry = await set_up_three(set_up)
    searches: list[str] = []
    search = er.async_entries_for_config_entry

    def counting(registry: er.EntityRegistry, entry_id: str) -> list[er.RegistryEntry]:
        if entry_id == entry.entry_id:
            searches.append(entry_id)
        return search(registry, entry_id)

    monkeypatch.setattr(er, "async_entries_for_config_entry", counting)
    for _ in range(3):
        await async_advance(hass, freezer)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LIVE_INTERVAL: 30}
    )
    await async_settle(hass)
    assert not searches
    assert f"{ONLINE}_laf" in unique_ids(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LIVE_VALUES: ["LAeq"]}
    )
    await async_settle(hass)
    assert len(searches) == 1
    assert f"{ONLINE}_laf" not in unique_ids(hass)
    assert f"{ONLINE}_laeq" in unique_ids(hass)


async def test_the_live_scope_notice_goes_with_the_live_levels(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.live:read"})
    entry = await set_up_three(set_up)
    issues = ir.async_get(hass).issues

    def notices() -> list[str]:
        return [i.translation_key for i in issues.values() if i.domain == DOMAIN]

    await until(lambda: "missing_scope" in notices(), "the notice")
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LIVE_VALUES: []}
    )
    await async_settle(hass)
    assert "missing_scope" not in notices()
    # Chosen again, with the key still lacking the scope: the notice is back.
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LIVE_VALUES: ["LAeq"]}
    )
    await async_settle(hass)
    assert "missing_scope" in notices()
    assert hass.states.get("sensor.site_gate_laeq").state == STATE_UNAVAILABLE


async def test_a_refused_live_data_request_is_asked_again_hourly(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MyCirrus refuses the levels asked for (not for want of a scope)."""
    monkeypatch.setattr("simulator.live.NAMES", ("LZeq",))
    entry = await set_up_three(set_up)
    await simulator.wait_until(lambda: simulator.ws_sent["Error"] == 3)
    assert simulator.ws_received["StartLiveData"] == 3
    await keep_alive_steps(hass, freezer, entry, 20)  # ten minutes
    assert simulator.ws_received["StartLiveData"] == 3
    await keep_alive_steps(hass, freezer, entry, 110)  # past the hour
    assert simulator.ws_received["StartLiveData"] == 6


async def test_live_level_names_in_any_letter_case(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_three(set_up)
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 3)
    simulator.send_live_data(ONLINE, {"laeq": 50.0, "LCPEAK": 90.0, "Laf": 55.5})
    links = entry.runtime_data.push.links
    await until(lambda: links[ONLINE].values.get("lcpeak") == 90.0, "the levels")
    await async_advance(hass, freezer, 5)
    assert float(hass.states.get("sensor.site_gate_laeq").state) == 50.0
    assert float(hass.states.get("sensor.site_gate_lcpeak").state) == 90.0
    assert float(hass.states.get("sensor.site_gate_laf").state) == 55.5
