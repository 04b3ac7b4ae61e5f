"""Binary sensors: online, measuring, checks in progress and calibration drift."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import InstrumentStatus
from .entity import (
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
)
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyCirrusBinarySensorEntityDescription(
    BinarySensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus binary sensor."""

    # The hub gives what the options decide, such as the drift threshold.
    value_fn: Callable[[InstrumentStatus, MyCirrusHub], bool | None]


def drifted(status: InstrumentStatus, threshold: float) -> bool | None:
    """Return whether the last calibration strayed too far from the factory's.

    None when there is no calibration offset to judge.
    """
    calibration = status.last_calibration
    if calibration is None or calibration.offset is None:
        return None
    return abs(calibration.offset) > threshold


BINARY_SENSORS: tuple[MyCirrusBinarySensorEntityDescription, ...] = (
    MyCirrusBinarySensorEntityDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda status, _hub: status.online,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="measuring",
        translation_key="measuring",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status, _hub: status.measuring,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="calibration_in_progress",
        translation_key="calibration_in_progress",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status, _hub: status.calibration_in_progress,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="sic_in_progress",
        translation_key="sic_in_progress",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status, _hub: status.sic_in_progress,
        exists_fn=lambda record: record.supports_sic,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="calibration_drift",
        translation_key="calibration_drift",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda status, hub: drifted(status, hub.options.drift_threshold),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every followed instrument."""
    hub = entry.runtime_data

    def factory(
        record: InstrumentRecord, description: MyCirrusBinarySensorEntityDescription
    ) -> MyCirrusBinarySensorEntity:
        return MyCirrusBinarySensorEntity(hub, record, description)

    async_add_instrument_entities(
        entry, async_add_entities, lambda: BINARY_SENSORS, factory
    )


class MyCirrusBinarySensorEntity(MyCirrusStatusEntity, BinarySensorEntity):
    """A MyCirrus binary sensor."""

    entity_description: MyCirrusBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the flag's state; None where the API did not say."""
        status = self.record.shown
        if status is None:
            return None
        return self.entity_description.value_fn(status, self.hub)

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self.is_on)
