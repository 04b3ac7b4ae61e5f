"""Failures found in review: a key without its scope, pauses that must outlive
reloads and restarts, refreshes that outlive their entry, stepped wall clocks,
details-only changes and replaced subentries.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mycirrus.const import DOMAIN
from custom_components.mycirrus.diagnostics import async_get_device_diagnostics
from custom_components.mycirrus.hub.ratelimit import (
    DATA_LIMITERS,
    STORAGE_KEY,
    _remaining,
)
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
from simulator import ALL_SCOPES, Simulator

from .conftest import API_KEY, NO_SIC, OFFLINE, ONLINE, SetUp
from .helpers import async_advance, async_settle, device_of, device_subentry_id, until

pytestmark = pytest.mark.usefixtures("polling_only")

NO_READ = ALL_SCOPES - {"instruments:read"}


def reauth_steps(hass: HomeAssistant) -> list[str]:
    return [
        flow["step_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == "reauth"
    ]


def instrument_issues(hass: HomeAssistant) -> list[tuple[str, str]]:
    return sorted(
        (i.translation_key, str((i.data or {}).get("serial")))
        for i in ir.async_get(hass).issues.values()
        if i.translation_key in ("instrument_gone", "instrument_forbidden")
    )


# -- a key that loses instruments:read ------------------------------------


async def test_key_without_read_scope_at_setup_asks_for_a_new_key(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    simulator.add_key(API_KEY, scopes=NO_READ)
    entry = await set_up()
    # Not a set-up retry forever: the key is what is wrong.
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert reauth_steps(hass) == ["reauth_permission"]
    assert entry.reason == "The MyCirrus API key lacks the instruments:read scope: " + (
        "MyCirrus answered HTTP 403 AccessDenied: The API key lacks the required scope"
    )

    # A key with the scope ends it.
    simulator.add_key("mycirrus-111111-0000000000000000")
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "mycirrus-111111-0000000000000000"}
    )
    assert result["reason"] == "reauth_successful"
    await async_settle(hass)
    assert entry.state is ConfigEntryState.LOADED


async def test_key_losing_read_scope_while_running(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_key(API_KEY, scopes=NO_READ)
    await async_advance(hass, freezer)
    assert reauth_steps(hass) == ["reauth_permission"]
    # Not one "no access" issue per instrument telling the user to remove it.
    assert instrument_issues(hass) == []


async def test_every_instrument_forbidden_but_the_list_answers(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The key can read: each instrument has moved away, not the key's scope."""
    await set_up()
    simulator.add_fault("forbidden", endpoint="status")
    await async_advance(hass, freezer)
    assert reauth_steps(hass) == []
    assert instrument_issues(hass) == [
        ("instrument_forbidden", serial) for serial in sorted(simulator.instruments)
    ]


# -- the rate-limit pause belongs to the key -------------------------------


async def test_pause_survives_a_reload(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="900", count=1)
    await async_advance(hass, freezer)
    sent = sum(simulator.requests.values())
    assert await hass.config_entries.async_reload(entry.entry_id) is False
    await async_settle(hass)
    # Set-up asked nothing; Home Assistant retries set-up, which asks nothing
    # either until the pause is over.
    assert entry.state is ConfigEntryState.SETUP_RETRY
    for _ in range(14):
        await async_advance(hass, freezer)
    assert sum(simulator.requests.values()) == sent
    for _ in range(3):
        await async_advance(hass, freezer)
    assert entry.state is ConfigEntryState.LOADED
    assert sum(simulator.requests.values()) > sent


async def test_pause_survives_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    set_up: SetUp,
    simulator: Simulator,
    config_entry: MockConfigEntry,
) -> None:
    """A pause saved by the previous run holds the first requests of this one."""
    until_ = dt_util.utcnow() + timedelta(seconds=600)
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {config_entry.entry_id: {"until": until_.isoformat(), "seconds": 900}},
    }
    entry = await set_up()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert sum(simulator.requests.values()) == 0


@pytest.mark.parametrize("set_up_first", [True, False])
async def test_deleting_an_entry_forgets_its_pause(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    set_up: SetUp,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    set_up_first: bool,
) -> None:
    """Set up or not in this run, a deleted entry leaves no saved pause."""
    until_ = dt_util.utcnow() + timedelta(seconds=600)
    other = {"until": until_.isoformat(), "seconds": 900}
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {config_entry.entry_id: other, "another-entry": other},
    }
    if set_up_first:
        await set_up()
    await hass.config_entries.async_remove(config_entry.entry_id)
    await async_advance(hass, freezer, 2)  # the store writes a second later
    assert hass_storage[STORAGE_KEY]["data"] == {"another-entry": other}
    assert config_entry.entry_id not in hass.data[DATA_LIMITERS].by_entry


async def test_pause_is_saved_and_capped_by_what_was_asked(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="300", count=1)
    await async_advance(hass, freezer)
    await async_advance(hass, freezer, 2)  # the store writes a second later
    saved = hass_storage[STORAGE_KEY]["data"][config_entry.entry_id]
    assert saved["seconds"] == pytest.approx(300, abs=1)
    # A pause that has ended leaves nothing to restore.
    assert _remaining({**saved, "until": dt_util.utcnow().isoformat()}) == 0
    # A wall clock stepped back while Home Assistant was down cannot make the
    # restored pause longer than the one MyCirrus asked for.
    stepped = dt_util.utcnow() - timedelta(days=1)
    with patch(
        "custom_components.mycirrus.hub.ratelimit.dt_util.utcnow", return_value=stepped
    ):
        assert _remaining(saved) == pytest.approx(300, abs=1)
    assert _remaining({"until": "garbage", "seconds": 1}) == 0


async def test_the_saved_pauses_are_read_at_the_first_set_up_only(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    """Read again, the store could hand back what it held before a pause noted
    meanwhile (a 429 answered while the file is read), and the next write
    would drop that pause."""
    entry = await set_up()
    store = hass.data[DATA_LIMITERS].store
    with patch.object(store, "async_load", AsyncMock(return_value={})) as load:
        await hass.config_entries.async_reload(entry.entry_id)
        await async_settle(hass)
    assert entry.state is ConfigEntryState.LOADED
    load.assert_not_called()


async def test_a_new_key_drops_the_old_keys_pause(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="3600", count=1)
    await async_advance(hass, freezer)
    await async_advance(hass, freezer, 2)
    assert entry.entry_id in hass_storage[STORAGE_KEY]["data"]
    simulator.add_key("mycirrus-222222-0000000000000000")
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_API_KEY: "mycirrus-222222-0000000000000000"}
    )
    await async_settle(hass)
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.client.limiter.paused
    await async_advance(hass, freezer, 2)
    assert entry.entry_id not in hass_storage[STORAGE_KEY]["data"]


async def test_server_pause_is_not_capped(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="7200", count=1)
    await async_advance(hass, freezer)
    sent = simulator.requests["status"]
    for _ in range(3):
        await async_advance(hass, freezer, 2000)
    assert simulator.requests["status"] == sent
    await async_advance(hass, freezer, 1200)
    assert simulator.requests["status"] > sent


# -- a refresh that outlives its entry ------------------------------------


def serial_issues(hass: HomeAssistant, serial: str) -> list[str]:
    return [
        issue.issue_id
        for issue in ir.async_get(hass).issues.values()
        if (issue.data or {}).get("serial") == serial
    ]


@pytest.mark.parametrize(
    ("fault", "extra"),
    [
        (None, {}),  # answers: its last calibration failed
        ("forbidden", {}),
        ("not_found", {}),
        ("raw", {"status": 401, "body": {"error": "TokenExpired"}}),
    ],
)
@pytest.mark.parametrize("ends", ["instrument", "entry"])
async def test_answer_outliving_its_instrument_or_entry_raises_nothing(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: str | None,
    extra: dict[str, Any],
    ends: str,
) -> None:
    entry = await set_up()
    if fault is not None:
        simulator.add_fault(fault, serial=NO_SIC, endpoint="status", **extra)  # type: ignore[arg-type]
    if fault == "not_found":
        for _ in range(2):  # one more 404 would say "gone"
            await async_advance(hass, freezer)
        assert entry.runtime_data.records[NO_SIC].not_found_rounds == 2
    release = simulator.hold(serial=NO_SIC, endpoint="status")
    held = simulator.status_requests[NO_SIC] + 1
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await until(lambda: simulator.status_requests[NO_SIC] == held, "the held request")
    # While it is held, the user stops following the instrument (or unloads).
    if ends == "instrument":
        subentry_id = entry.runtime_data.records[NO_SIC].subentry_id
        hass.config_entries.async_remove_subentry(entry, subentry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert NO_SIC not in entry.runtime_data.records
    else:
        await hass.config_entries.async_unload(entry.entry_id)
    assert serial_issues(hass, NO_SIC) == [] or ends == "entry"
    before = serial_issues(hass, NO_SIC)
    release.set()
    await async_settle(hass)
    assert serial_issues(hass, NO_SIC) == before
    assert instrument_issues(hass) == []
    # A 401 is about the key, whichever instrument it answers for: while the
    # entry runs with that key, it asks for a new one.
    refused = fault == "raw" and ends == "instrument"
    assert reauth_steps(hass) == (["reauth_confirm"] if refused else [])


# -- wall clock stepped -----------------------------------------------------


async def test_wall_clock_stepped_back_changes_no_deadline(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """NTP on a device without a real-time clock steps the wall clock a day back.

    The integration's wall clock is stepped; its deadlines must not move.
    """
    entry = await set_up()
    simulator.add_fault("rate_limit", endpoint="status", retry_after="300", count=1)
    await async_advance(hass, freezer)
    sent = simulator.requests["status"]
    real_utcnow = dt_util.utcnow
    stepped = SimpleNamespace(utcnow=lambda: real_utcnow() - timedelta(days=1))
    with patch("custom_components.mycirrus.hub.status.dt_util", stepped):
        await async_advance(hass, freezer, 300)
        assert simulator.requests["status"] > sent
        coordinator = entry.runtime_data.coordinator
        assert coordinator.update_interval == timedelta(seconds=60)
        # The hourly details still come an hour later, not a day and an hour.
        details = simulator.requests["instruments"]
        await async_advance(hass, freezer, 3600)
        assert simulator.requests["instruments"] == details + 1


# -- details-only changes, replaced subentries ------------------------------


async def test_gaining_the_sic_feature_adds_its_entities(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The status stays the same; only the hourly details change."""
    await set_up()
    assert hass.states.get("binary_sensor.loading_bay_sic_in_progress") is None
    assert hass.states.get("button.loading_bay_run_sic") is None
    simulator.instruments[NO_SIC].features.append("SIC")
    await async_advance(hass, freezer, 3600)
    assert hass.states.get("binary_sensor.loading_bay_sic_in_progress").state == "off"
    assert hass.states.get("sensor.loading_bay_last_sic").state == "unknown"
    assert hass.states.get("button.loading_bay_run_sic") is not None


async def test_replaced_subentry_with_the_same_serial(
    hass: HomeAssistant,
    set_up: SetUp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up()
    old = entry.runtime_data
    before = {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if state.entity_id.split(".")[1].startswith("site_gate_")
    }
    replaced = next(s for s in entry.subentries.values() if s.unique_id == ONLINE)
    hass.config_entries.async_remove_subentry(entry, replaced.subentry_id)
    new = ConfigSubentry(
        data=dict(replaced.data),
        subentry_type=replaced.subentry_type,
        title=replaced.title,
        unique_id=ONLINE,
    )
    hass.config_entries.async_add_subentry(entry, new)
    await async_settle(hass)
    # No reload: the same hub follows the instrument under its new subentry.
    assert entry.runtime_data is old
    assert entry.runtime_data.records[ONLINE].subentry_id == new.subentry_id
    device = device_of(hass, ONLINE)
    assert device is not None
    assert device_subentry_id(device) == new.subentry_id
    assert hass.states.get("binary_sensor.site_gate_online").state == "on"
    # Removed and added in one pass, it gets every entity back, as available
    # as it was.
    after = {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if state.entity_id.split(".")[1].startswith("site_gate_")
    }
    assert after.keys() == before.keys()
    registry = er.async_get(hass)
    assert {registry.async_get(e).config_subentry_id for e in after} == {
        new.subentry_id
    }
    assert {e for e, s in after.items() if s == "unavailable"} == {
        e for e, s in before.items() if s == "unavailable"
    }
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_device_diagnostics_of_a_device_no_longer_followed(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    entry = await set_up()
    stale = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "QT424242")}
    )
    assert await async_get_device_diagnostics(hass, entry, stale) == {
        "entry_state": "loaded",
        "instrument": {"serial": "QT424242", "followed": False},
    }
    gate = device_of(hass, OFFLINE)
    assert gate is not None
    await hass.config_entries.async_unload(entry.entry_id)
    assert (await async_get_device_diagnostics(hass, entry, gate))["instrument"] == {
        "serial": OFFLINE,
        "followed": False,
    }
