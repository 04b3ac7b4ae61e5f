"""The entities of a noise limit: on its instrument's device, in its own subentry.

A limit's entities belong to the limit's subentry, so that deleting the limit
deletes them, and sit on the device of the instrument it watches. They show
what the limit's runner publishes. A limit changed in its form gets a new
runner: its entities are replaced (their registry entries, and so their
entity ids, stay). A limit whose instrument is no longer followed has none
running: its entities are removed from the state machine, which shows them
unavailable, until the instrument is followed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .compat import DEVICES_HAVE_ONE_SUBENTRY
from .const import DOMAIN
from .entity import instrument_device_info
from .hub.limits import LimitState
from .hub.limits.runner import LimitRunner
from .hub.signals import entities_signal, instrument_signal, limit_signal
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub

type Link = tuple[dr.DeviceInfo | None, dr.DeviceEntry | None]
"""How an entity names its device: by device info, or by registry entry."""


def local_time(moment: float | None) -> str | None:
    """Return a POSIX time in Home Assistant's time zone, ISO 8601."""
    if moment is None:
        return None
    return dt_util.as_local(datetime.fromtimestamp(moment, dt_util.UTC)).isoformat()


class MyCirrusLimitEntity(Entity):
    """An entity of one noise limit, which writes only what changed."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        hub: MyCirrusHub,
        runner: LimitRunner,
        description: EntityDescription,
        link: Link,
    ) -> None:
        """Describe the entity: its limit, name and device."""
        self.hub = hub
        self.runner = runner
        self.entity_description = description
        config = runner.config
        self._attr_unique_id = (
            f"{config.serial}_limit_{runner.subentry_id}_{description.key}"
        )
        self._attr_translation_placeholders = {"limit": config.name}
        info, device = link
        if info is not None:
            self._attr_device_info = info
        else:
            self.device_entry = device
        self._written: Hashable = None

    @property
    def limit(self) -> LimitState:
        """Return what the limit shows now."""
        return self.runner.state

    @property
    def available(self) -> bool:
        """Return whether the limit runs (its instrument is followed, the key works)."""
        return (
            not self.hub.store.auth_failed
            and self.hub.limits.runners.get(self.runner.subentry_id) is self.runner
        )

    def state_key(self) -> Hashable:
        """Return what the entity's written state depends on."""
        return self.available

    async def async_added_to_hass(self) -> None:
        """Listen to the limit and to its instrument (for the key's refusal)."""
        await super().async_added_to_hass()
        self._written = self.state_key()
        entry_id = self.hub.entry.entry_id
        for signal in (
            limit_signal(entry_id, self.runner.subentry_id),
            instrument_signal(entry_id, self.runner.config.serial),
        ):
            self.async_on_remove(
                async_dispatcher_connect(self.hass, signal, self.async_write_if_changed)
            )

    @callback
    def async_write_if_changed(self) -> None:
        """Write the state if what it shows changed."""
        if (key := self.state_key()) != self._written:
            self._written = key
            self.async_write_ha_state()


def _link(hub: MyCirrusHub, record: InstrumentRecord) -> Link:
    """Return how a limit's entities reach their instrument's device."""
    info = instrument_device_info(record)
    if not DEVICES_HAVE_ONE_SUBENTRY:
        return info, None
    # The instrument's entities may not have made it yet: made the same way,
    # in the instrument's own subentry.
    device = dr.async_get(hub.hass).async_get_or_create(
        config_entry_id=hub.entry.entry_id,
        config_subentry_id=record.subentry_id,
        **info,
    )
    return None, device


async def async_add_limit_entities[DescriptionT: EntityDescription](
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Sequence[DescriptionT],
    factory: Callable[[LimitRunner, DescriptionT, Link], Entity],
) -> None:
    """Add the entities of each running limit, and replace them as limits change."""
    hub = entry.runtime_data
    added: dict[str, tuple[LimitRunner, list[Entity]]] = {}
    lock = asyncio.Lock()

    async def async_sync() -> None:
        async with lock:
            runners = dict(hub.limits.runners)
            for subentry_id, (runner, entities) in list(added.items()):
                if runners.get(subentry_id) is runner:
                    continue
                del added[subentry_id]
                for entity in entities:
                    if entity.hass is not None:
                        await entity.async_remove()
            for subentry_id, runner in runners.items():
                record = hub.records.get(runner.config.serial)
                if subentry_id in added or record is None:
                    continue
                link = _link(hub, record)
                entities = [factory(runner, d, link) for d in descriptions]
                added[subentry_id] = (runner, entities)
                async_add_entities(entities, config_subentry_id=subentry_id)

    @callback
    def look_again(*_: Any) -> None:
        entry.async_create_background_task(
            hub.hass, async_sync(), f"{DOMAIN} limit entities"
        )

    await async_sync()
    entry.async_on_unload(
        async_dispatcher_connect(hub.hass, entities_signal(entry.entry_id), look_again)
    )
