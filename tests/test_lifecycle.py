"""Instruments that come and go, get renamed or lose access; repair issues.

Polling only: tests/test_live.py covers push.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

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
from .helpers import async_advance, async_settle, device_of

pytestmark = pytest.mark.usefixtures("polling_only")

INSTRUMENT_ISSUES = ("instrument_gone", "instrument_forbidden")


def issues(hass: HomeAssistant) -> list[tuple[str, str, bool]]:
    """Return (kind, serial, fixable) of every gone or forbidden repair issue."""
    return sorted(
        (issue.translation_key, str((issue.data or {})["serial"]), issue.is_fixable)
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN and issue.translation_key in INSTRUMENT_ISSUES
    )


async def fix_issue(
    hass: HomeAssistant, client: ClientSessionGenerator, issue: ir.IssueEntry
) -> dict[str, Any]:
    """Run the repair's fix flow through the repairs HTTP API, as the UI does."""
    assert await async_setup_component(hass, "repairs", {})
    http = await client()
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    assert response.status == 200
    result = await response.json()
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"] == {
        "serial": (issue.data or {})["serial"]
    }
    response = await http.post(f"/api/repairs/issues/fix/{result['flow_id']}", json={})
    assert response.status == 200
    return await response.json()  # type: ignore[no-any-return]


async def remove_device(
    hass: HomeAssistant,
    ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    device: dr.DeviceEntry,
) -> dict[str, Any]:
    """Delete a device from its page, through the websocket command the UI uses."""
    assert await async_setup_component(hass, "config", {})
    client = await ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device.id,
        }
    )
    return await client.receive_json()  # type: ignore[no-any-return]


async def test_instrument_gone_after_three_rounds(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
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
    issue = next(
        i
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "instrument_gone"
    )
    assert issue.translation_placeholders == {"serial": NO_SIC, "name": "Loading bay"}

    result = await fix_issue(hass, hass_client, issue)
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
    # Every issue about the instrument went with it.
    assert not [
        i
        for i in ir.async_get(hass).issues.values()
        if (i.data or {}).get("serial") == NO_SIC
    ]


@pytest.mark.parametrize("between", ["success", "server_error"])
async def test_not_found_rounds_must_be_in_a_row(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    between: str,
) -> None:
    """Scattered 404s, with an answer or another failure between, are not 'gone'."""
    await set_up()
    for _ in range(2):
        simulator.add_fault("not_found", serial=ONLINE, endpoint="status", count=1)
        await async_advance(hass, freezer)
    if between == "server_error":
        simulator.add_fault("server_error", serial=ONLINE, endpoint="status", count=1)
    await async_advance(hass, freezer)
    for _ in range(2):
        simulator.add_fault("not_found", serial=ONLINE, endpoint="status", count=1)
        await async_advance(hass, freezer)
    assert issues(hass) == []
    simulator.add_fault("not_found", serial=ONLINE, endpoint="status", count=1)
    await async_advance(hass, freezer)
    assert issues(hass) == [("instrument_gone", ONLINE, True)]


async def test_gone_instrument_that_comes_back(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up()
    simulator.add_fault("not_found", serial=ONLINE, endpoint="status")
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
    assert not ir.async_get(hass).issues


async def test_instrument_moved_to_another_account(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    simulator.add_key(API_KEY, instruments=set(simulator.instruments) - {OFFLINE})
    await async_advance(hass, freezer, 3600)
    assert issues(hass) == [("instrument_forbidden", OFFLINE, False)]
    assert entry.runtime_data.records[OFFLINE].error == "forbidden"
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
    simulator.add_fault("forbidden", serial=ONLINE, endpoint="status")
    await async_advance(hass, freezer)
    assert issues(hass) == [("instrument_forbidden", ONLINE, False)]
    # The issue names the instrument as MyCirrus calls it now.
    issue = next(
        i
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "instrument_forbidden"
    )
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
    await entry.runtime_data.coordinator.async_refresh()
    assert simulator.status_requests[ONLINE] == before
    assert entry.state is ConfigEntryState.LOADED


async def test_title_change_does_not_reload(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    runtime = entry.runtime_data
    subentry = next(iter(entry.subentries.values()))
    hass.config_entries.async_update_subentry(entry, subentry, title="Another title")
    await hass.async_block_till_done()
    assert entry.runtime_data is runtime


async def test_rename_in_mycirrus_renames_the_device(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    runtime = entry.runtime_data
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
    # The entity ids stay (history is kept) and the rename needed no reload.
    assert hass.states.get("binary_sensor.site_gate_online").state == "on"
    assert entry.runtime_data is runtime


@pytest.mark.parametrize(
    ("fault", "removable"),
    [
        (None, False),
        ("server_error", False),
        ("forbidden", False),
        ("reset", False),
        ("not_found", True),
    ],
)
async def test_remove_device_from_its_page(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: str | None,
    removable: bool,
) -> None:
    """Only an instrument MyCirrus no longer knows can be deleted by hand.

    One that answers, or is only unreachable or forbidden, stays followed.
    """
    entry = await set_up()
    if fault is not None:
        simulator.add_fault(fault, serial=ONLINE, endpoint="status")  # type: ignore[arg-type]
        await async_advance(hass, freezer)
    gate = device_of(hass, ONLINE)
    assert gate is not None
    response = await remove_device(hass, hass_ws_client, entry, gate)
    assert response["success"] is removable
    await hass.async_block_till_done()
    followed = {s.unique_id for s in entry.subentries.values()}
    assert (ONLINE in followed) is not removable
    assert (device_of(hass, ONLINE) is None) is removable


async def test_remove_a_device_no_longer_followed(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    set_up: SetUp,
) -> None:
    entry = await set_up()
    stale = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "QT424242")}
    )
    response = await remove_device(hass, hass_ws_client, entry, stale)
    assert response["success"]
    assert len(entry.subentries) == 5


async def test_remove_device_of_an_entry_not_set_up(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    set_up: SetUp,
) -> None:
    entry = await set_up()
    gate = device_of(hass, ONLINE)
    assert gate is not None
    stale = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "QT424242")}
    )
    await hass.config_entries.async_unload(entry.entry_id)
    # Nothing is known to be gone: a followed instrument's device stays...
    response = await remove_device(hass, hass_ws_client, entry, gate)
    assert not response["success"]
    assert len(entry.subentries) == 5
    # ...and one of an instrument no longer followed can go.
    response = await remove_device(hass, hass_ws_client, entry, stale)
    assert response["success"]


async def test_issues_of_unfollowed_instruments_are_pruned(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At set-up and when the followed set changes; another entry's stay."""
    other = MockConfigEntry(domain=DOMAIN, data={})
    other.add_to_hass(hass)

    def raise_gone(entry_id: str, serial: str) -> None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"instrument_gone_{entry_id}_{serial}",
            data={"entry_id": entry_id, "subentry_id": "x", "serial": serial},
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,
            translation_key="instrument_gone",
            translation_placeholders={"serial": serial, "name": "Old"},
        )

    raise_gone(config_entry.entry_id, "QT424242")
    raise_gone(other.entry_id, "QT424242")
    await set_up()
    assert issues(hass) == [("instrument_gone", "QT424242", True)]
    (left,) = (
        i
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "instrument_gone"
    )
    assert (left.data or {})["entry_id"] == other.entry_id

    # The registry is not scanned every round: the followed set changes only
    # with the subentries, and the issues are pruned then.
    raise_gone(config_entry.entry_id, "QT434343")
    await async_advance(hass, freezer)
    assert len(issues(hass)) == 2
    removed = next(iter(config_entry.subentries.values()))
    hass.config_entries.async_remove_subentry(config_entry, removed.subentry_id)
    await async_settle(hass)
    assert [
        (i.data or {})["entry_id"]
        for i in ir.async_get(hass).issues.values()
        if i.translation_key == "instrument_gone"
    ] == [other.entry_id]


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
