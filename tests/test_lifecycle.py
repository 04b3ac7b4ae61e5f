"""Instruments that come and go, get renamed or lose access; repair issues."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus import async_remove_config_entry_device
from custom_components.mycirrus.const import DOMAIN
from custom_components.mycirrus.repairs import async_create_fix_flow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import API_KEY, NO_SIC, OFFLINE, ONLINE, SetUp
from .helpers import async_advance, device_of


def issues(hass: HomeAssistant) -> list[tuple[str, str, bool]]:
    """Return (kind, serial, fixable) of every MyCirrus repair issue."""
    return sorted(
        (issue.translation_key, str((issue.data or {})["serial"]), issue.is_fixable)
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN
    )


async def fix_issue(hass: HomeAssistant, issue: ir.IssueEntry) -> dict[str, Any]:
    """Run the repair's fix flow through the repairs component, as the UI does."""
    assert await async_setup_component(hass, "repairs", {})
    from homeassistant.components.repairs import DOMAIN as REPAIRS  # noqa: PLC0415

    manager = hass.data[REPAIRS]["flow_manager"]
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"] == {
        "serial": (issue.data or {})["serial"]
    }
    return await manager.async_configure(result["flow_id"], {})  # type: ignore[no-any-return]


async def test_instrument_gone_after_three_rounds(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.remove_instrument(NO_SIC)
    for _ in range(2):
        await async_advance(hass, freezer)
    assert issues(hass) == []
    await async_advance(hass, freezer)
    assert issues(hass) == [("instrument_gone", NO_SIC, True)]
    (issue,) = ir.async_get(hass).issues.values()
    assert issue.translation_placeholders == {"serial": NO_SIC, "name": "Loading bay"}

    result = await fix_issue(hass, issue)
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert NO_SIC not in {s.unique_id for s in entry.subentries.values()}
    assert device_of(hass, NO_SIC) is None
    assert (
        er.async_get(hass).async_get_entity_id(
            "binary_sensor", DOMAIN, f"{NO_SIC}_online"
        )
        is None
    )
    assert issues(hass) == []


async def test_gone_instrument_that_comes_back(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault("not_found", serial=ONLINE)
    for _ in range(3):
        await async_advance(hass, freezer)
    assert issues(hass) == [("instrument_gone", ONLINE, True)]
    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert issues(hass) == []


async def test_instrument_gone_from_the_account_list(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The hourly look-up notices a deleted instrument before three rounds pass."""
    entry = await set_up()
    simulator.remove_instrument(OFFLINE)
    await async_advance(hass, freezer, 3600)
    assert simulator.requests["instrument"] == 1
    assert issues(hass) == [("instrument_gone", OFFLINE, True)]
    # Unloading keeps the issue; deleting the entry withdraws it.
    await hass.config_entries.async_unload(entry.entry_id)
    assert issues(hass) == [("instrument_gone", OFFLINE, True)]
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issues(hass) == []


async def test_instrument_moved_to_another_account(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_key(API_KEY, instruments=set(simulator.instruments) - {OFFLINE})
    await async_advance(hass, freezer, 3600)
    assert issues(hass) == [("instrument_forbidden", OFFLINE, False)]
    assert hass.states.get("binary_sensor.roof_online").state == STATE_UNAVAILABLE


async def test_failed_look_up_of_an_unlisted_instrument(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    info = [i.info() for s, i in simulator.instruments.items() if s != OFFLINE]
    simulator.add_fault("raw", endpoint="instruments", body=info)
    simulator.add_fault("server_error", endpoint="instrument", serial=OFFLINE)
    await async_advance(hass, freezer, 3600)
    assert simulator.requests["instrument"] == 1
    assert issues(hass) == []
    assert hass.states.get("binary_sensor.roof_online").state == "off"


async def test_lost_access_raises_an_issue_not_reauth(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.instruments[ONLINE].name = "Main gate"
    await async_advance(hass, freezer, 3600)
    simulator.add_fault("forbidden", serial=ONLINE)
    await async_advance(hass, freezer)
    assert issues(hass) == [("instrument_forbidden", ONLINE, False)]
    # The issue names the instrument as MyCirrus calls it now.
    (issue,) = ir.async_get(hass).issues.values()
    assert issue.translation_placeholders == {"serial": ONLINE, "name": "Main gate"}
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    simulator.clear_faults()
    await async_advance(hass, freezer)
    assert issues(hass) == []


async def test_fix_flow_when_the_subentry_is_already_gone(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    entry = await set_up()
    flow = await async_create_fix_flow(
        hass,
        f"instrument_gone_{entry.entry_id}_QT9",
        {"entry_id": entry.entry_id, "subentry_id": "missing", "serial": "QT9"},
    )
    flow.hass = hass
    result = await flow.async_step_confirm({})
    assert result["type"] == "create_entry"
    assert len(entry.subentries) == 5


async def test_fix_flow_needs_data(hass: HomeAssistant) -> None:
    with pytest.raises(ValueError, match="No fix flow"):
        await async_create_fix_flow(hass, "instrument_forbidden_x_y", None)


async def test_removing_a_subentry_removes_its_device(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    subentry_id = next(
        s.subentry_id for s in entry.subentries.values() if s.unique_id == ONLINE
    )
    entity_id = "binary_sensor.site_gate_online"
    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert device_of(hass, ONLINE) is None
    assert er.async_get(hass).async_get(entity_id) is None
    assert hass.states.get(entity_id) is None
    # The reloaded entry no longer asks for the instrument.
    before = simulator.status_requests[ONLINE]
    await entry.runtime_data.async_refresh()
    assert simulator.status_requests[ONLINE] == before
    assert entry.state is ConfigEntryState.LOADED


async def test_title_change_does_not_reload(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    coordinator = entry.runtime_data
    subentry = next(iter(entry.subentries.values()))
    hass.config_entries.async_update_subentry(entry, subentry, title="Another title")
    await hass.async_block_till_done()
    assert entry.runtime_data is coordinator


async def test_rename_in_mycirrus_renames_the_device(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    registry = dr.async_get(hass)
    roof = device_of(hass, OFFLINE)
    assert roof is not None
    registry.async_update_device(roof.id, name_by_user="My roof")
    simulator.instruments[ONLINE].name = "Main gate"
    simulator.instruments[ONLINE].model = "CR:915"
    simulator.instruments[OFFLINE].name = "Roof north"
    await async_advance(hass, freezer, 3600)
    gate = device_of(hass, ONLINE)
    assert gate is not None
    assert (gate.name, gate.model) == ("Main gate", "CR:915")
    titles = {s.unique_id: s.title for s in entry.subentries.values()}
    assert titles[ONLINE] == "Main gate"
    # A name the user gave the device stays what the UI shows.
    roof = device_of(hass, OFFLINE)
    assert roof is not None
    assert (roof.name_by_user, roof.name) == ("My roof", "Roof north")
    # The entity ids stay: history is kept.
    assert hass.states.get("binary_sensor.site_gate_online").state == "on"
    assert entry.runtime_data is not None


async def test_remove_device_by_hand(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    gate = device_of(hass, ONLINE)
    assert gate is not None
    # A followed instrument that answers is not stale.
    assert not await async_remove_config_entry_device(hass, entry, gate)

    # One the cloud no longer knows can go, and stops being followed.
    simulator.remove_instrument(ONLINE)
    await async_advance(hass, freezer)
    assert await async_remove_config_entry_device(hass, entry, gate)
    await hass.async_block_till_done()
    assert ONLINE not in {s.unique_id for s in entry.subentries.values()}

    # A device left over from an instrument no longer followed can go.
    stale = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "QT424242")}
    )
    assert await async_remove_config_entry_device(hass, entry, stale)


async def test_remove_device_of_an_entry_not_set_up(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    gate = device_of(hass, ONLINE)
    assert gate is not None
    await hass.config_entries.async_unload(entry.entry_id)
    assert not await async_remove_config_entry_device(hass, entry, gate)


async def test_setup_prunes_issues_of_unfollowed_instruments(
    hass: HomeAssistant, config_entry: MockConfigEntry, set_up: SetUp
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"instrument_gone_{config_entry.entry_id}_QT424242",
        data={
            "entry_id": config_entry.entry_id,
            "subentry_id": "x",
            "serial": "QT424242",
        },
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="instrument_gone",
        translation_placeholders={"serial": "QT424242", "name": "Old"},
    )
    await set_up()
    assert issues(hass) == []


async def test_details_change_without_a_rename(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    registry = dr.async_get(hass)
    gate = device_of(hass, ONLINE)
    assert gate is not None
    # A new feature changes the details but not the device's name or model.
    simulator.instruments[ONLINE].features.append("Weather")
    # The details of an instrument whose device was deleted change nothing.
    roof = device_of(hass, OFFLINE)
    assert roof is not None
    registry.async_remove_device(roof.id)
    simulator.instruments[OFFLINE].name = "Roof north"
    await async_advance(hass, freezer, 3600)
    assert device_of(hass, ONLINE) == gate
    assert device_of(hass, OFFLINE) is None
