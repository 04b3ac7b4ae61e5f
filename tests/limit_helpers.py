"""Helpers of the noise limit tests: the subentry form, live levels, entities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mycirrus.const import SUBENTRY_TYPE_LIMIT
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator import Simulator

from .helpers import async_settle, until

ZONE = "Europe/London"
# A Tuesday in November: London keeps GMT, so local times are UTC.
MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
KEYS = ("level", "headroom", "exceedances_today", "exceeded", "warning", "limit")
FORM: dict[str, Any] = {
    "name": "Works",
    "value": "LAeq",
    "window": 5,
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "start": "08:00",
    "end": "18:00",
    "level": 70,
    "margin": 3,
}


def energetic(pairs: list[tuple[float, float]]) -> float:
    """Return the energetic mean of (level dB, seconds), worked out plainly."""
    total = sum(seconds for _, seconds in pairs)
    return 10 * math.log10(sum(s * 10 ** (lv / 10) for lv, s in pairs) / total)


async def async_start_limit_flow(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    result: dict[str, Any] = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE_LIMIT), context={"source": SOURCE_USER}
    )
    return result


async def async_add_limit(
    hass: HomeAssistant, entry: MockConfigEntry, serial: str, **fields: Any
) -> str:
    """Add a limit through its form; return its subentry id."""
    before = set(entry.subentries)
    result = await async_start_limit_flow(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FORM, "instrument": serial, **fields}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await async_settle(hass)
    (subentry_id,) = set(entry.subentries) - before
    return subentry_id


def limit_entities(
    hass: HomeAssistant, serial: str, subentry_id: str
) -> dict[str, str]:
    """Return the entity id of each of a limit's entities, by key."""
    registry = er.async_get(hass)
    found = {}
    for key in KEYS:
        platform = {"exceeded": "binary_sensor", "warning": "binary_sensor"}.get(
            key, "event" if key == "limit" else "sensor"
        )
        entity_id = registry.async_get_entity_id(
            platform, "mycirrus", f"{serial}_limit_{subentry_id}_{key}"
        )
        assert entity_id is not None, key
        found[key] = entity_id
    return found


async def async_send(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    entry: MockConfigEntry,
    serial: str,
    values: dict[str, float],
    *,
    seconds: float = 1.0,
) -> None:
    """Move the clock on, send one live message and wait until it is taken."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    simulator.send_live_data(serial, values)
    link = entry.runtime_data.push.links[serial]
    now = dt_util.utcnow()
    await until(lambda: link.last_message == now, "the live message")


async def async_send_for(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    entry: MockConfigEntry,
    serial: str,
    values: dict[str, float],
    count: int,
) -> None:
    """Send ``count`` messages a second apart."""
    for _ in range(count):
        await async_send(hass, freezer, simulator, entry, serial, values)


async def async_pause(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the live messages pause, so that the limits show what they left."""
    for _ in range(2):
        freezer.tick(timedelta(seconds=2))
        async_fire_time_changed(hass)
        await async_settle(hass)


def number(state: State | None) -> float:
    assert state is not None
    return float(state.state)


def fired(events: list[Event], entity_id: str) -> list[dict[str, Any]]:
    """Return the attributes of each event an event entity fired, in order."""
    found = []
    for event in events:
        old, new = event.data["old_state"], event.data["new_state"]
        if (
            event.data["entity_id"] == entity_id
            and new is not None
            and new.attributes.get("event_type")
            # Not the entity coming back with the last event it fired.
            and (old is None or old.state != STATE_UNAVAILABLE)
            and (
                old is None
                or (old.state, old.attributes) != (new.state, new.attributes)
            )
        ):
            found.append(dict(new.attributes))
    return found
