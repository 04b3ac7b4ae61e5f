"""The base entity of the MyCirrus integration."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Instrument, InstrumentStatus
from .const import CONFIGURATION_URL, DOMAIN, MANUFACTURER
from .coordinator import MyCirrusConfigEntry, MyCirrusCoordinator


@dataclass(frozen=True, kw_only=True)
class MyCirrusEntityDescription(EntityDescription):
    """What every MyCirrus entity description has."""

    exists_fn: Callable[[Instrument | None, InstrumentStatus], bool] = lambda _i, _s: (
        True
    )


def supports_sic(instrument: Instrument | None, status: InstrumentStatus) -> bool:
    """Return whether an instrument can run a System Integrity Check."""
    return status.last_sic is not None or (
        instrument is not None and "SIC" in instrument.features
    )


class MyCirrusEntity(CoordinatorEntity[MyCirrusCoordinator]):
    """An entity of one followed instrument."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: MyCirrusCoordinator,
        serial: str,
        description: MyCirrusEntityDescription,
    ) -> None:
        """Initialise the entity and describe its device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.serial = serial
        self._attr_unique_id = f"{serial}_{description.key}"
        instrument = coordinator.instruments.get(serial)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, serial)},
            manufacturer=MANUFACTURER,
            model=instrument.model if instrument else None,
            name=(instrument and instrument.name) or coordinator.followed[serial].title,
            serial_number=serial,
            configuration_url=CONFIGURATION_URL,
        )

    @property
    def status(self) -> InstrumentStatus | None:
        """Return the instrument's latest status, None when the last call failed."""
        return self.coordinator.data.get(self.serial)

    @property
    def available(self) -> bool:
        """Return whether the cloud answered for this instrument."""
        return super().available and self.status is not None


def async_add_instrument_entities[DescriptionT: MyCirrusEntityDescription](
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[DescriptionT],
    entity_factory: Callable[[MyCirrusCoordinator, str, DescriptionT], MyCirrusEntity],
) -> None:
    """Add each instrument's entities, and later those its data starts to support.

    Entities such as the SIC tone levels only exist once the API reports them.
    """
    coordinator = entry.runtime_data
    descriptions = tuple(descriptions)
    added: set[tuple[str, str]] = set()

    @callback
    def add_new() -> None:
        for serial, followed in coordinator.followed.items():
            status = coordinator.data.get(serial)
            if status is None:
                continue
            instrument = coordinator.instruments.get(serial)
            new = [
                entity_factory(coordinator, serial, description)
                for description in descriptions
                if (serial, description.key) not in added
                and description.exists_fn(instrument, status)
            ]
            if new:
                added.update((serial, entity.entity_description.key) for entity in new)
                async_add_entities(new, config_subentry_id=followed.subentry_id)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
