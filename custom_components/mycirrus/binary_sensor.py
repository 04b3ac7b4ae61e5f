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
from .const import CONF_DRIFT_THRESHOLD, DEFAULT_DRIFT_THRESHOLD
from .coordinator import MyCirrusCoordinator
from .data import InstrumentRecord, MyCirrusConfigEntry
from .entity import (
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyCirrusBinarySensorEntityDescription(
    BinarySensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus binary sensor."""

    value_fn: Callable[[InstrumentStatus], bool | None]


def drifted(status: InstrumentStatus, threshold: float) -> bool | None:
    """Return whether the last calibration strayed too far from the factory's.

    None when there is no calibration offset to judge.
    """
    calibration = status.last_calibration
    if calibration is None or calibration.offset is None:
        return None
    return abs(calibration.offset) > threshold


def binary_sensors(
    drift_threshold: float,
) -> tuple[MyCirrusBinarySensorEntityDescription, ...]:
    """Return the descriptions; drift is judged against the entry's threshold."""
    return (
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
            exists_fn=lambda record: record.supports_sic,
        ),
        MyCirrusBinarySensorEntityDescription(
            key="calibration_drift",
            translation_key="calibration_drift",
            device_class=BinarySensorDeviceClass.PROBLEM,
            value_fn=lambda status: drifted(status, drift_threshold),
        ),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every followed instrument."""
    coordinator = entry.runtime_data.coordinator

    def factory(
        record: InstrumentRecord, description: MyCirrusBinarySensorEntityDescription
    ) -> MyCirrusBinarySensorEntity:
        return MyCirrusBinarySensorEntity(coordinator, record, description)

    threshold = float(entry.options.get(CONF_DRIFT_THRESHOLD, DEFAULT_DRIFT_THRESHOLD))
    async_add_instrument_entities(
        entry, async_add_entities, binary_sensors(threshold), factory
    )


class MyCirrusBinarySensorEntity(MyCirrusStatusEntity, BinarySensorEntity):
    """A MyCirrus binary sensor."""

    entity_description: MyCirrusBinarySensorEntityDescription

    def __init__(
        self,
        coordinator: MyCirrusCoordinator,
        record: InstrumentRecord,
        description: MyCirrusBinarySensorEntityDescription,
    ) -> None:
        """Initialise the binary sensor."""
        super().__init__(coordinator, record, description)

    @property
    def is_on(self) -> bool | None:
        """Return the flag's state; None where the API did not say."""
        status = self.record.status
        return None if status is None else self.entity_description.value_fn(status)

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self.is_on)
