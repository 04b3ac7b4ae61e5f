"""The base entities of the MyCirrus integration, and how they are added."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONFIGURATION_URL, DOMAIN, MANUFACTURER
from .hub.signals import entities_signal, instrument_signal, stored_signal
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub


@dataclass(frozen=True, kw_only=True)
class MyCirrusEntityDescription(EntityDescription):
    """What every MyCirrus entity description has."""

    exists_fn: Callable[[InstrumentRecord], bool] = lambda _record: True
    # The scope of the stored data it shows: it exists once MyCirrus answered.
    scope: str | None = None


def instrument_device_info(record: InstrumentRecord) -> DeviceInfo:
    """Return the device of an instrument: its serial, model and name."""
    return DeviceInfo(
        identifiers={(DOMAIN, record.serial)},
        manufacturer=MANUFACTURER,
        model=record.details.model if record.details else None,
        name=record.name,
        serial_number=record.serial,
        configuration_url=CONFIGURATION_URL,
    )


class MyCirrusEntity(Entity):
    """An entity of one followed instrument, which writes only what changed.

    It hears of its instrument through the dispatcher: one signal per entry and
    instrument, sent when the record, its availability or its health changed.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: MyCirrusEntityDescription
    # The signal of what the entity shows beside the record (health, stored
    # data), sent when it was refreshed.
    data_signal: Callable[[str, str], str] | None = None

    def __init__(
        self,
        hub: MyCirrusHub,
        record: InstrumentRecord,
        description: MyCirrusEntityDescription,
    ) -> None:
        """Describe the entity and its device."""
        self.hub = hub
        self.entity_description = description
        self.serial = record.serial
        self._attr_unique_id = f"{record.serial}_{description.key}"
        self._attr_device_info = instrument_device_info(record)
        self._written: Hashable = None

    @property
    def record(self) -> InstrumentRecord:
        """Return the instrument's record as it is now."""
        return self.hub.records[self.serial]

    def state_key(self) -> Hashable:
        """Return what the entity's written state depends on."""
        return self.available

    async def async_added_to_hass(self) -> None:
        """Listen to the instrument; remember the state written when added."""
        await super().async_added_to_hass()
        self._written = self.state_key()
        entry_id = self.hub.entry.entry_id
        for signal in (instrument_signal, self.data_signal):
            if signal is not None:
                self.async_on_remove(
                    async_dispatcher_connect(
                        self.hass,
                        signal(entry_id, self.serial),
                        self._handle_instrument_update,
                    )
                )

    @callback
    def _handle_instrument_update(self) -> None:
        self.async_write_if_changed()

    @callback
    def async_write_if_changed(self) -> None:
        """Write the state if the entity's value or availability changed."""
        if self.serial not in self.hub.records:
            return  # no longer followed: the entity is being removed
        if (key := self.state_key()) != self._written:
            self._written = key
            self.async_write_ha_state()


class MyCirrusStatusEntity(MyCirrusEntity):
    """An entity showing part of an instrument's status."""

    @property
    def available(self) -> bool:
        """Return whether the instrument's status is current.

        Pushed over an open live connection, or answered over REST within the
        last 2.5 polling intervals; never while MyCirrus refuses the key.
        """
        return self.hub.status_available(self.serial)

    async def async_update(self) -> None:
        """Ask for the statuses now (homeassistant.update_entity)."""
        await self.hub.coordinator.async_request_refresh()


class MyCirrusDataEntity(MyCirrusEntity):
    """An entity showing an instrument's stored data (periods, events, weather)."""

    data_signal = staticmethod(stored_signal)

    @property
    def available(self) -> bool:
        """Return whether the last refresh answered what the entity shows.

        Each endpoint fails alone: the weather's failure leaves the periods.
        """
        return (
            not self.hub.store.auth_failed
            and self.hub.stored.available(self.entity_description.scope, self.serial)
            and self.hub.stored.state(self.serial) is not None
        )

    async def async_update(self) -> None:
        """Fetch the stored data now (homeassistant.update_entity).

        Then the instrument's incomplete hours are read again.
        """
        await self.hub.stored.async_update(self.serial)


def async_add_instrument_entities[DescriptionT: MyCirrusEntityDescription](
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Callable[[], Iterable[DescriptionT]],
    entity_factory: Callable[[InstrumentRecord, DescriptionT], Entity],
    *,
    exists: Callable[[InstrumentRecord, DescriptionT], bool] | None = None,
) -> None:
    """Add each instrument's entities, and later those that come to exist.

    Instruments added to the entry, entities such as the SIC tone levels that
    only exist once MyCirrus reports them, and live levels chosen in the
    options are added when the hub says to look again.
    """
    hub = entry.runtime_data
    # (subentry, key) of each entity added: an instrument followed again has
    # a new subentry, even if it went and came back between two looks.
    added: set[tuple[str, str]] = set()

    def default_exists(record: InstrumentRecord, description: DescriptionT) -> bool:
        scope = description.scope
        return description.exists_fn(record) and (
            scope is None or hub.stored.granted(scope)
        )

    check = exists or default_exists

    @callback
    def add_new() -> None:
        records = hub.records
        chosen = tuple(descriptions())
        keys = {description.key for description in chosen}
        # An instrument no longer followed lost its entities with its subentry,
        # a description no longer chosen its entities: either may come back.
        followed = {record.subentry_id for record in records.values()}
        added.intersection_update(
            {
                (subentry_id, key)
                for subentry_id, key in added
                if subentry_id in followed and key in keys
            }
        )
        batches: list[tuple[str, list[Entity]]] = []
        for record in records.values():
            new = [
                (description.key, entity_factory(record, description))
                for description in chosen
                if (record.subentry_id, description.key) not in added
                and check(record, description)
            ]
            if new:
                added.update((record.subentry_id, key) for key, _ in new)
                batches.append((record.subentry_id, [entity for _, entity in new]))
        if batches:
            hub.hass.async_create_task(
                add_in_turns(batches), f"{DOMAIN} add entities", eager_start=True
            )

    async def add_in_turns(batches: list[tuple[str, list[Entity]]]) -> None:
        """Add each instrument's entities in a turn of the event loop of its own.

        Home Assistant registers and writes them as they are added: fifty
        instruments' in one callback would hold the loop for a third of a
        second. Not for an instrument removed meanwhile, nor after unloading.
        """
        for index, (subentry_id, entities) in enumerate(batches):
            if index:
                await asyncio.sleep(0)
            if hub.store.closed or subentry_id not in {
                record.subentry_id for record in hub.records.values()
            }:
                continue
            async_add_entities(entities, config_subentry_id=subentry_id)

    add_new()
    entry.async_on_unload(
        async_dispatcher_connect(hub.hass, entities_signal(entry.entry_id), add_new)
    )
