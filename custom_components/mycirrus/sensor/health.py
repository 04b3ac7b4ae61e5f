"""Monitor health sensors: what /data/monitor/current reports of an instrument."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfDataRate,
    UnitOfElectricPotential,
    UnitOfInformation,
    UnitOfTemperature,
)
from homeassistant.core import callback

from ..api import MonitorHealth
from ..entity import MyCirrusEntity, MyCirrusEntityDescription
from ..hub.signals import health_signal
from ..model import InstrumentRecord
from ..runtime import MyCirrusHub


class HealthReading(NamedTuple):
    """What MyCirrus last reported of an instrument's health, and when it booted."""

    health: MonitorHealth
    boot: datetime | None  # worked out when the uptime was measured


@dataclass(frozen=True, kw_only=True)
class MyCirrusHealthSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a sensor of an instrument's own health."""

    value_fn: Callable[[HealthReading], float | datetime | None]


HEALTH_SENSORS: tuple[MyCirrusHealthSensorEntityDescription, ...] = (
    MyCirrusHealthSensorEntityDescription(
        key="cpu",
        translation_key="cpu",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.health.cpu,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="memory",
        translation_key="memory",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.health.memory,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="disk",
        translation_key="disk",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.health.disk,
    ),
    MyCirrusHealthSensorEntityDescription(
        # The enclosure's own: the weather's temperature is the air's.
        key="enclosure_temperature",
        translation_key="enclosure_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.health.temperature,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="voltage",
        # For an icon of its own: the device class's sine wave is the SIC tones'.
        translation_key="voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.health.voltage,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="network",
        translation_key="network",
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.KILOBITS_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda r: r.health.network,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="sim_usage",
        translation_key="sim_usage",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        # The usage restarts with each billing period.
        state_class=SensorStateClass.TOTAL_INCREASING,
        # As the quota beside it.
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.health.sim_usage,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="sim_quota",
        translation_key="sim_quota",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.health.sim_quota,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="last_boot",
        translation_key="last_boot",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda r: r.boot,
    ),
)


def health_value(
    hub: MyCirrusHub, serial: str, description: MyCirrusHealthSensorEntityDescription
) -> float | datetime | None:
    """Return what a health sensor shows of the health last reported."""
    health = hub.health
    reported = (health.data or {}).get(serial)
    if reported is None:
        return None
    return description.value_fn(HealthReading(reported, health.boots.get(serial)))


class MyCirrusHealthSensorEntity(MyCirrusEntity, SensorEntity):
    """A sensor of an instrument's own health."""

    entity_description: MyCirrusHealthSensorEntityDescription
    data_signal = staticmethod(health_signal)

    def __init__(
        self,
        hub: MyCirrusHub,
        record: InstrumentRecord,
        description: MyCirrusHealthSensorEntityDescription,
    ) -> None:
        """Initialise the sensor with the health last reported."""
        super().__init__(hub, record, description)
        self._attr_native_value = None
        self._read()

    @property
    def available(self) -> bool:
        """Return whether the health last reported is the instrument's current one.

        Not while the instrument is offline: it reports nothing new then.
        """
        health = self.hub.health
        return (
            health.last_update_success
            and self.serial in (health.data or {})
            and self.hub.reachable(self.serial)
        )

    async def async_update(self) -> None:
        """Ask for the health now (homeassistant.update_entity)."""
        await self.hub.health.async_request_refresh()

    def _read(self) -> None:
        self._attr_native_value = health_value(
            self.hub, self.serial, self.entity_description
        )

    @callback
    def _handle_instrument_update(self) -> None:
        self._read()
        self.async_write_if_changed()

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self._attr_native_value)
