"""The noise limit subentry: its form, its errors, and changes without a reload."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.mycirrus.const import DOMAIN, SUBENTRY_TYPE_LIMIT
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator import ALL_SCOPES, SimInstrument, Simulator

from .conftest import API_KEY, CALIBRATING, OFFLINE, ONLINE, SetUp
from .helpers import async_settle, async_wait_pushing, device_of, until
from .limit_helpers import (
    FORM,
    MORNING,
    ZONE,
    async_add_limit,
    async_start_limit_flow,
    limit_entities,
)


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Follow two online instruments and an offline one."""
    return [simulator.instruments[s] for s in (ONLINE, CALIBRATING, OFFLINE)]


async def set_up_at_morning(
    hass: HomeAssistant, set_up: SetUp, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE, CALIBRATING)
    return entry


async def test_the_form(
    hass: HomeAssistant, set_up: SetUp, freezer: FrozenDateTimeFactory
) -> None:
    """The fields in the issue's order, the defaults, the followed instruments."""
    entry = await set_up_at_morning(hass, set_up, freezer)
    result = await async_start_limit_flow(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [
        "name",
        "instrument",
        "value",
        "window",
        "days",
        "start",
        "end",
        "level",
        "margin",
    ]
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    assert defaults == {
        "value": "LAeq",
        "window": "60",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "start": "00:00",
        "end": "00:00",
        "margin": 3.0,
    }
    instruments = schema[next(k for k in schema if str(k) == "instrument")]
    assert [o["value"] for o in instruments.config["options"]] == [
        ONLINE,
        CALIBRATING,
        OFFLINE,
    ]
    # The defaults make a limit: the form needs a name, an instrument, a level.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": " Night ", "instrument": ONLINE, "level": "65"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Night"
    assert result["data"] == {
        "name": "Night",
        "instrument": ONLINE,
        "value": "LAeq",
        "window": 60,
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "start": "00:00",
        "end": "00:00",
        "level": 65.0,
        "margin": 3.0,
    }


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"days": []}, {"days": "no_days"}),
        (
            {"window": 60, "start": "08:00", "end": "08:30"},
            {"window": "window_too_long"},
        ),
        ({"window": "7"}, {"window": "invalid_window"}),
        ({"level": 150}, {"level": "level_out_of_range"}),
        ({"level": 19.9}, {"level": "level_out_of_range"}),
        ({"instrument": "QT999999"}, {"instrument": "instrument_not_followed"}),
        ({"name": "  "}, {"name": "no_name"}),
        ({"margin": -1}, {"margin": "margin_out_of_range"}),
        ({"value": "LCeq"}, {"value": "invalid_value"}),
        (
            {"days": [], "level": 200, "instrument": "nope"},
            {
                "days": "no_days",
                "level": "level_out_of_range",
                "instrument": "instrument_not_followed",
            },
        ),
    ],
)
async def test_form_errors(
    hass: HomeAssistant,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
    change: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each bad field gets its translated error; the form keeps what was typed."""
    entry = await set_up_at_morning(hass, set_up, freezer)
    result = await async_start_limit_flow(hass, entry)
    typed = {**FORM, "instrument": ONLINE, **change}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], typed
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    schema = result["data_schema"].schema
    suggested = {str(k): (k.description or {}).get("suggested_value") for k in schema}
    assert suggested["level"] == typed["level"]
    # Put right, the same flow creates the limit.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FORM, "instrument": ONLINE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_values_in_any_letter_case(
    hass: HomeAssistant, set_up: SetUp, freezer: FrozenDateTimeFactory
) -> None:
    """A value or day in another letter case is taken in the form's own."""
    entry = await set_up_at_morning(hass, set_up, freezer)
    result = await async_start_limit_flow(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {**FORM, "instrument": ONLINE, "value": "lafmax", "days": ["Sat", "MON"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["value"] == "LAFMax"
    assert result["data"]["days"] == ["mon", "sat"]


async def test_stored_periods_alone_need_a_window_on_them(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without live levels, windows and their start must fall on 15-minute periods."""
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.live:read"})
    simulator.instruments[ONLINE].measurement_period = 15
    entry = await set_up_at_morning(hass, set_up, freezer)
    hub = entry.runtime_data
    await until(lambda: hub.scopes.missing("data.live:read"), "live refused")
    assert hub.stored.period_seconds(ONLINE) == 900
    for change in ({"window": 10}, {"window": 15, "start": "08:05"}, {"window": 5}):
        result = await async_start_limit_flow(hass, entry)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**FORM, "instrument": ONLINE, **change}
        )
        assert result["errors"] == {"window": "window_not_multiple"}, change
    for change in ({"window": 30}, {"window": 0}, {"window": 15, "start": "07:45"}):
        await async_add_limit(hass, entry, ONLINE, **change)
    # An instrument whose period is not known yet is not held to it.
    await async_add_limit(hass, entry, OFFLINE, window=10)


async def test_no_form_without_the_entry(
    hass: HomeAssistant, set_up: SetUp, freezer: FrozenDateTimeFactory
) -> None:
    """A limit needs a running entry that follows an instrument."""
    entry = await set_up_at_morning(hass, set_up, freezer)
    await hass.config_entries.async_unload(entry.entry_id)
    result = await async_start_limit_flow(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_change_and_remove_without_a_reload(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A limit added, changed (even to another instrument) and removed in place."""
    entry = await set_up_at_morning(hass, set_up, freezer)
    hub = entry.runtime_data
    connects = dict(simulator.ws_connects)
    subentry_id = await async_add_limit(hass, entry, ONLINE)
    ids = limit_entities(hass, ONLINE, subentry_id)
    assert hass.states.get(ids["headroom"]).state == "70.0"

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_LIMIT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["step_id"] == "reconfigure"
    schema = result["data_schema"].schema
    suggested = {str(k): (k.description or {}).get("suggested_value") for k in schema}
    assert suggested["window"] == "5"
    assert suggested["level"] == 70.0
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FORM, "instrument": ONLINE, "name": "Day", "level": 72}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await async_settle(hass)
    assert entry.subentries[subentry_id].title == "Day"
    # The same entities, with the new limit; their ids stay.
    assert limit_entities(hass, ONLINE, subentry_id) == ids
    assert hass.states.get(ids["headroom"]).state == "72.0"

    # To another instrument: new entities there, none left on the first.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_LIMIT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FORM, "instrument": CALIBRATING, "name": "Day"}
    )
    await async_settle(hass)
    registry = er.async_get(hass)
    assert all(registry.async_get(entity_id) is None for entity_id in ids.values())
    moved = limit_entities(hass, CALIBRATING, subentry_id)
    assert moved["level"] == "sensor.stage_left_day_level"
    assert hass.states.get(moved["headroom"]).state == "70.0"

    hass.config_entries.async_remove_subentry(entry, subentry_id)
    await async_settle(hass)
    assert all(registry.async_get(entity_id) is None for entity_id in moved.values())
    assert all(hass.states.get(entity_id) is None for entity_id in moved.values())
    assert not hub.limits.runners
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is hub
    assert dict(simulator.ws_connects) == connects


async def test_a_limit_whose_instrument_goes(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unavailable with a repair issue; followed again it runs; the fix deletes it."""
    entry = await set_up_at_morning(hass, set_up, freezer)
    subentry_id = await async_add_limit(hass, entry, CALIBRATING)
    ids = limit_entities(hass, CALIBRATING, subentry_id)
    instrument = entry.runtime_data.records[CALIBRATING].subentry_id
    issue_id = f"limit_orphaned_{entry.entry_id}_{subentry_id}"

    hass.config_entries.async_remove_subentry(entry, instrument)
    await async_settle(hass)
    assert all(hass.states.get(i).state == STATE_UNAVAILABLE for i in ids.values())
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"limit": "Works", "serial": CALIBRATING}

    # Followed again: the limit runs again, the notice goes.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "instrument"), context={"source": "user"}
    )
    await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"serial": CALIBRATING}
    )
    await async_settle(hass)
    assert limit_entities(hass, CALIBRATING, subentry_id) == ids
    assert hass.states.get(ids["headroom"]).state == "70.0"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    device = device_of(hass, CALIBRATING)
    assert device is not None
    registry = er.async_get(hass)
    assert all(registry.async_get(i).device_id == device.id for i in ids.values())

    # Gone again, and deleted from the repair.
    instrument = entry.runtime_data.records[CALIBRATING].subentry_id
    hass.config_entries.async_remove_subentry(entry, instrument)
    await async_settle(hass)
    assert await async_setup_component(hass, "repairs", {})
    # A token of this (frozen) moment: one made before it would not be valid yet.
    refresh = await hass.auth.async_create_refresh_token(
        hass_admin_user, "https://example.com/app"
    )
    http = await hass_client(hass.auth.async_create_access_token(refresh))
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"] == {"limit": "Works"}
    response = await http.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await response.json())["type"] == "create_entry"
    await async_settle(hass)
    assert subentry_id not in entry.subentries
    assert all(er.async_get(hass).async_get(i) is None for i in ids.values())
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
