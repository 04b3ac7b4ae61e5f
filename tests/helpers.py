"""Helpers shared by the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.mycirrus.compat import async_get_entry_device
from custom_components.mycirrus.const import DOMAIN
from custom_components.mycirrus.model import LinkState
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er


def device_subentry_id(device: dr.DeviceEntry) -> str | None:
    """Return the subentry a device belongs to, on every supported release."""
    if hasattr(device, "config_subentry_id"):  # Home Assistant 2026.10 and newer
        return device.config_subentry_id  # type: ignore[no-any-return]
    subentries = set().union(*device.config_entries_subentries.values())
    return next(iter(subentries))  # type: ignore[no-any-return]


def device_of(hass: HomeAssistant, serial: str) -> dr.DeviceEntry | None:
    """Return the device of an instrument of the (only) MyCirrus entry."""
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return async_get_entry_device(dr.async_get(hass), (DOMAIN, serial), entry.entry_id)


def dump_devices(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """Return every device of an entry with its entities, in a stable shape."""
    device_registry = dr.async_get(hass)
    entity_registry = er.async_get(hass)
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    result: dict[str, Any] = {}
    for device in dr.async_entries_for_config_entry(device_registry, entry_id):
        (serial,) = (i for d, i in device.identifiers if d == DOMAIN)
        subentry = entry.subentries[device_subentry_id(device)]  # type: ignore[index]
        entities: dict[str, Any] = {}
        for entity in er.async_entries_for_device(
            entity_registry, device.id, include_disabled_entities=True
        ):
            assert entity.config_subentry_id == subentry.subentry_id
            state = hass.states.get(entity.entity_id)
            entities[entity.entity_id] = {
                "unique_id": entity.unique_id,
                "translation_key": entity.translation_key,
                "device_class": entity.original_device_class,
                "entity_category": entity.entity_category,
                "disabled_by": entity.disabled_by,
                "state": state.state if state else None,
                # Newer releases key attributes by a StrEnum: compare as text.
                "attributes": (
                    {str(k): _stable(str(k), v) for k, v in state.attributes.items()}
                    if state
                    else None
                ),
            }
        result[serial] = {
            "name": device.name,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "serial_number": device.serial_number,
            "configuration_url": device.configuration_url,
            "subentry": subentry.unique_id,
            "entities": dict(sorted(entities.items())),
        }
    return dict(sorted(result.items()))


def _stable(key: str, value: Any) -> Any:
    """Return an attribute without what changes from run to run (an image's token)."""
    if key == "access_token":
        return "<token>"
    if key == "entity_picture" and isinstance(value, str):
        return value.partition("?")[0]
    return value


# Tasks that live as long as their entry: waiting for them would never end.
# Every other task of the integration (a refresh, a status fetch) ends.
LONG_LIVED = ("mycirrus live ", "mycirrus keep-alive ", "mycirrus check ")


def _busy() -> list[asyncio.Task[Any]]:
    """Return the integration's unfinished tasks that end by themselves.

    Home Assistant names the tasks it starts for a coordinator after it
    ("mycirrus - MyCirrus - refresh"); the integration names its own.
    """
    current = asyncio.current_task()
    return [
        task
        for task in asyncio.all_tasks()
        if task is not current
        and not task.done()
        and "mycirrus" in task.get_name()
        and not task.get_name().startswith(LONG_LIVED)
    ]


async def async_settle(hass: HomeAssistant) -> None:
    """Wait until everything started has finished, HTTP included.

    Coordinators refresh in background tasks, which a plain
    ``async_block_till_done`` does not wait for; the live connections' tasks
    never finish, so ``wait_background_tasks=True`` would wait forever.
    """
    while True:
        await hass.async_block_till_done()
        if busy := _busy():
            await asyncio.wait(busy)
        elif connecting(hass):
            # A handshake under way must finish before time moves on, or the
            # frozen clock's next step would time it out.
            await asyncio.sleep(0)
        else:
            return


def connecting(hass: HomeAssistant) -> bool:
    """Return whether a live websocket of any loaded entry is being opened."""
    return any(
        record.link is LinkState.CONNECTING
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
        for record in entry.runtime_data.records.values()
    )


async def until(predicate: Callable[[], bool], what: str) -> None:
    """Let the event loop run until ``predicate()`` holds (loopback I/O included).

    No clock is involved: the loop turns until the condition holds or a generous
    number of turns has passed.
    """
    for _ in range(200_000):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"Never happened: {what}")


async def async_wait_pushing(entry: MockConfigEntry, *serials: str) -> None:
    """Wait until the instruments' live websockets are open and have spoken."""
    hub = entry.runtime_data
    await until(
        lambda: all(
            hub.records[s].pushing
            and (link := hub.push.links.get(s)) is not None
            and link.last_message is not None
            for s in serials
        ),
        f"live connections to {', '.join(serials)}",
    )


async def async_advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 60
) -> None:
    """Move time on and wait for what it triggers (refreshes, reconnects)."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await async_settle(hass)
