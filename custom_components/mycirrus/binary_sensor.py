"""Binary sensors: online, measuring, calibration and SIC in progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import InstrumentStatus
from .coordinator import MyCirrusConfigEntry
from .entity import (
    MyCirrusEntity,
    MyCirrusEntityDescription,
    async_add_instrument_entities,
    supports_sic,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyCirrusBinarySensorEntityDescription(
    BinarySensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus binary sensor."""

    value_fn: Callable[[InstrumentStatus], bool | None]


BINARY_SENSORS: tuple[MyCirrusBinarySensorEntityDescription, ...] = (
    MyCirrusBinarySensorEntityDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda status: status.online,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="measuring",
        translation_key="measuring",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status: status.measuring,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="calibration_in_progress",
        translation_key="calibration_in_progress",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status: status.calibration_in_progress,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="sic_in_progress",
        translation_key="sic_in_progress",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status: status.sic_in_progress,
        exists_fn=supports_sic,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every followed instrument."""
    async_add_instrument_entities(
        entry, async_add_entities, BINARY_SENSORS, MyCirrusBinarySensorEntity
    )


class MyCirrusBinarySensorEntity(MyCirrusEntity, BinarySensorEntity):
    """A MyCirrus binary sensor."""

    entity_description: MyCirrusBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the flag's state; None where the API did not say."""
        status = self.status
        return None if status is None else self.entity_description.value_fn(status)
