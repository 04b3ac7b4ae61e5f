"""The base entities of the MyCirrus integration."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONFIGURATION_URL, DOMAIN, MANUFACTURER
from .coordinator import MyCirrusCoordinator
from .data import InstrumentRecord, MyCirrusConfigEntry


@dataclass(frozen=True, kw_only=True)
class MyCirrusEntityDescription(EntityDescription):
    """What every MyCirrus entity description has."""

    exists_fn: Callable[[InstrumentRecord], bool] = lambda _record: True


class MyCirrusEntity(Entity):
    """An entity of one followed instrument, which writes only what changed."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: MyCirrusEntityDescription

    def __init__(
        self, record: InstrumentRecord, description: MyCirrusEntityDescription
    ) -> None:
        """Describe the entity and its device."""
        self.entity_description = description
        self.serial = record.serial
        self._attr_unique_id = f"{record.serial}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, record.serial)},
            manufacturer=MANUFACTURER,
            model=record.details.model if record.details else None,
            name=record.name,
            serial_number=record.serial,
            configuration_url=CONFIGURATION_URL,
        )
        self._written: Hashable = None

    def state_key(self) -> Hashable:
        """Return what the entity's written state depends on."""
        return self.available

    async def async_added_to_hass(self) -> None:
        """Remember the state Home Assistant writes when the entity is added."""
        await super().async_added_to_hass()
        self._written = self.state_key()

    @callback
    def async_write_if_changed(self) -> None:
        """Write the state if the entity's value or availability changed."""
        if (key := self.state_key()) != self._written:
            self._written = key
            self.async_write_ha_state()


class MyCirrusStatusEntity(MyCirrusEntity, CoordinatorEntity[MyCirrusCoordinator]):
    """An entity showing part of an instrument's status."""

    def __init__(
        self,
        coordinator: MyCirrusCoordinator,
        record: InstrumentRecord,
        description: MyCirrusEntityDescription,
    ) -> None:
        """Initialise the entity."""
        super().__init__(record, description)
        CoordinatorEntity.__init__(self, coordinator)

    @property
    def record(self) -> InstrumentRecord:
        """Return the instrument's record."""
        return self.coordinator.records[self.serial]

    @property
    def available(self) -> bool:
        """Return whether MyCirrus answered for this instrument.

        Not the coordinator's last update: a rate-limit pause keeps last states.
        """
        return self.coordinator.instrument_available(self.serial)

    async def async_added_to_hass(self) -> None:
        """Also listen to updates of this instrument alone (push)."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_instrument_listener(
                self.serial, self._handle_coordinator_update
            )
        )

    @callback
    def _handle_coordinator_update(self) -> None:
        self.async_write_if_changed()


def async_add_instrument_entities[DescriptionT: MyCirrusEntityDescription](
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[DescriptionT],
    entity_factory: Callable[[InstrumentRecord, DescriptionT], Entity],
    *,
    listen: Callable[[CALLBACK_TYPE], CALLBACK_TYPE] | None = None,
    exists: Callable[[InstrumentRecord, DescriptionT], bool] | None = None,
) -> None:
    """Add each instrument's entities, and later those it starts to support.

    Entities such as the SIC tone levels only exist once the API reports them;
    ``listen`` (default: the status coordinator's updates) says when to look.
    """
    coordinator = entry.runtime_data.coordinator
    descriptions = tuple(descriptions)
    added: set[tuple[str, str]] = set()

    def default_exists(record: InstrumentRecord, description: DescriptionT) -> bool:
        return description.exists_fn(record)

    check = exists or default_exists

    @callback
    def add_new() -> None:
        for serial, record in coordinator.records.items():
            new = [
                (description.key, entity_factory(record, description))
                for description in descriptions
                if (serial, description.key) not in added and check(record, description)
            ]
            if new:
                added.update((serial, key) for key, _ in new)
                async_add_entities(
                    [entity for _, entity in new],
                    config_subentry_id=record.subentry_id,
                )

    add_new()
    entry.async_on_unload((listen or coordinator.async_add_listener)(add_new))
