"""The noise limit blueprints: an exceeded limit, a headroom running low."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component

from .test_blueprints import (  # noqa: F401 - fixtures of the blueprint tests
    HEADROOM,
    LIMIT_EVENT,
    RECORD,
    async_set_up_blueprint,
    calls,
    config_dir,
    quiet_log,
)

WINDOW = {
    "window_start": "2026-11-24T08:00:00+00:00",
    "window_end": "2026-11-24T09:00:00+00:00",
}


def limit_event(event_type: str, level: float, **more: Any) -> dict[str, Any]:
    """Return the attributes of a limit's event entity after an event."""
    return {
        "friendly_name": "Site gate Works",
        "event_types": ["exceeded", "window_closed"],
        "event_type": event_type,
        "level": level,
        "limit": 75.0,
        "value": "LAeq",
        "shortened": False,
        **WINDOW,
        **more,
    }


async def test_limit_exceeded(hass: HomeAssistant, calls: list[ServiceCall]) -> None:  # noqa: F811
    """An exceeded window is reported with its instrument and level; nothing else."""
    await hass.config.async_set_time_zone("Europe/London")
    entry = MockConfigEntry(domain="mycirrus")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("mycirrus", "QT100001")},
        name="Site gate",
    )
    entity = er.async_get(hass).async_get_or_create(
        "event", "mycirrus", "QT100001_limit_x_limit", device_id=device.id
    )
    event = entity.entity_id
    hass.states.async_set(event, "unknown", {"event_types": ["exceeded"]})
    inputs = {"limit_entities": [event], "actions": RECORD}
    await async_set_up_blueprint(hass, "limit_exceeded.yaml", inputs)

    hass.states.async_set(
        event, "2026-11-24T08:41:00.000+00:00", limit_event("exceeded", 75.42)
    )
    await hass.async_block_till_done()
    hass.states.async_set(
        event,
        "2026-11-24T09:05:00.000+00:00",
        limit_event("window_closed", 76.1, exceeded=True, coverage=100.0),
    )
    await hass.async_block_till_done()
    # Back after a restart: no new event.
    hass.states.async_set(event, "unavailable", {})
    await hass.async_block_till_done()
    hass.states.async_set(
        event, "2026-11-24T08:41:00.000+00:00", limit_event("exceeded", 75.42)
    )
    await hass.async_block_till_done()

    assert [c.data for c in calls] == [
        {
            "title": "MyCirrus limit exceeded: Site gate Works",
            "message": "Site gate: LAeq 08:00-09:00 is over its limit of 75.0 dB "
            "(75.42 dB so far).",
            "entity": event,
        }
    ]


async def test_limit_exceeded_by_default(hass: HomeAssistant) -> None:
    """Out of the box, an exceeded limit is a persistent notification."""
    assert await async_setup_component(hass, "persistent_notification", {})
    notes: list[persistent_notification.Notification] = []
    persistent_notification.async_register_callback(
        hass, lambda _kind, changed: notes.extend(changed.values())
    )
    hass.states.async_set(LIMIT_EVENT, "unknown", {"event_types": ["exceeded"]})
    await async_set_up_blueprint(
        hass, "limit_exceeded.yaml", {"limit_entities": [LIMIT_EVENT]}
    )
    hass.states.async_set(
        LIMIT_EVENT, "2026-11-24T08:41:00.000+00:00", limit_event("exceeded", 80.0)
    )
    await hass.async_block_till_done()
    assert [n["title"] for n in notes] == ["MyCirrus limit exceeded: Site gate Works"]


async def test_headroom_low(hass: HomeAssistant, calls: list[ServiceCall]) -> None:  # noqa: F811
    """Falling under the level warns once; unknown (exceeded) does not."""
    attributes = {
        "friendly_name": "Site gate Works headroom",
        "unit_of_measurement": "dB",
    }
    hass.states.async_set(HEADROOM, "75.0", attributes)
    inputs = {"headroom_sensors": [HEADROOM], "threshold": 68, "actions": RECORD}
    await async_set_up_blueprint(hass, "limit_headroom.yaml", inputs)
    for state in ("71.3", "69.0", "67.84", "66.0", "unknown", "74.0"):
        hass.states.async_set(HEADROOM, state, attributes)
        await hass.async_block_till_done()

    assert [c.data for c in calls] == [
        {
            "title": "MyCirrus limit headroom low: Site gate Works headroom",
            "message": "Site gate Works headroom: 67.8 dB of headroom left, "
            "under 68 dB.",
            "entity": HEADROOM,
        }
    ]
