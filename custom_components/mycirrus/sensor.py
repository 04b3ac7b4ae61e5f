"""Sensors: last calibration and SIC, monitor health and live noise levels."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    UnitOfSoundPressure,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import InstrumentStatus, MonitorHealth
from .const import (
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_LIVE_VALUES,
    DOMAIN,
)
from .coordinator import MyCirrusCoordinator
from .data import (
    RESULT_OPTIONS,
    InstrumentRecord,
    MyCirrusConfigEntry,
    MyCirrusRuntimeData,
    result_state,
)
from .entity import (
    MyCirrusEntity,
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
    supports_sic,
)
from .health import MyCirrusHealthCoordinator
from .levels import LevelWindow, level_kind, translation_key

PARALLEL_UPDATES = 0

# uptime is read a little later each time: a boot time this close is the same.
BOOT_TOLERANCE = timedelta(minutes=1)

type SensorValue = float | str | datetime | None


@dataclass(frozen=True, kw_only=True)
class MyCirrusSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a sensor of an instrument's status."""

    value_fn: Callable[[InstrumentStatus], SensorValue]


@dataclass(frozen=True, kw_only=True)
class MyCirrusHealthSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a sensor of an instrument's own health."""

    value_fn: Callable[[MonitorHealth], float | datetime | None]


@dataclass(frozen=True, kw_only=True)
class MyCirrusLiveSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a live noise level; ``key`` is the value's name in lower case."""

    value_name: str


def _tone(
    key: str, value_fn: Callable[[InstrumentStatus], float | None]
) -> MyCirrusSensorEntityDescription:
    return MyCirrusSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=value_fn,
        exists_fn=lambda record: (
            record.status is not None and value_fn(record.status) is not None
        ),
    )


SENSORS: tuple[MyCirrusSensorEntityDescription, ...] = (
    MyCirrusSensorEntityDescription(
        key="calibration_level",
        translation_key="calibration_level",
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        suggested_display_precision=1,
        value_fn=lambda s: s.last_calibration.level if s.last_calibration else None,
    ),
    MyCirrusSensorEntityDescription(
        key="calibration_offset",
        translation_key="calibration_offset",
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        suggested_display_precision=2,
        value_fn=lambda s: s.last_calibration.offset if s.last_calibration else None,
    ),
    MyCirrusSensorEntityDescription(
        key="last_calibration",
        translation_key="last_calibration",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda s: s.last_calibration.time if s.last_calibration else None,
    ),
    MyCirrusSensorEntityDescription(
        key="last_calibration_result",
        translation_key="last_calibration_result",
        device_class=SensorDeviceClass.ENUM,
        options=RESULT_OPTIONS,
        value_fn=lambda s: (
            result_state(s.last_calibration.status) if s.last_calibration else None
        ),
    ),
    MyCirrusSensorEntityDescription(
        key="last_sic",
        translation_key="last_sic",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda s: s.last_sic.time if s.last_sic else None,
        exists_fn=supports_sic,
    ),
    MyCirrusSensorEntityDescription(
        key="last_sic_result",
        translation_key="last_sic_result",
        device_class=SensorDeviceClass.ENUM,
        options=RESULT_OPTIONS,
        value_fn=lambda s: result_state(s.last_sic.status) if s.last_sic else None,
        exists_fn=supports_sic,
    ),
    _tone("sic_tone_500hz", lambda s: s.last_sic.tone_500hz if s.last_sic else None),
    _tone("sic_tone_1khz", lambda s: s.last_sic.tone_1khz if s.last_sic else None),
    _tone("sic_tone_8khz", lambda s: s.last_sic.tone_8khz if s.last_sic else None),
)


def _boot(health: MonitorHealth) -> datetime | None:
    if health.uptime is None:
        return None
    return (dt_util.utcnow() - timedelta(seconds=health.uptime)).replace(microsecond=0)


HEALTH_SENSORS: tuple[MyCirrusHealthSensorEntityDescription, ...] = (
    MyCirrusHealthSensorEntityDescription(
        key="cpu",
        translation_key="cpu",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda h: h.cpu,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="memory",
        translation_key="memory",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda h: h.memory,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="disk",
        translation_key="disk",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda h: h.disk,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda h: h.temperature,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda h: h.voltage,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="network",
        translation_key="network",
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.KILOBITS_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda h: h.network,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="sim_usage",
        translation_key="sim_usage",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        # The usage restarts with each billing period.
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda h: h.sim_usage,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="sim_quota",
        translation_key="sim_quota",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda h: h.sim_quota,
    ),
    MyCirrusHealthSensorEntityDescription(
        key="last_boot",
        translation_key="last_boot",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_boot,
    ),
)


def live_sensor(name: str) -> MyCirrusLiveSensorEntityDescription:
    """Return the description of the live level called ``name`` (e.g. LAeq)."""
    return MyCirrusLiveSensorEntityDescription(
        key=name.lower(),
        translation_key=translation_key(name),
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_name=name,
        exists_fn=lambda record: record.measures_noise,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every followed instrument."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    health = runtime.health

    def status_factory(
        record: InstrumentRecord, description: MyCirrusSensorEntityDescription
    ) -> MyCirrusSensorEntity:
        return MyCirrusSensorEntity(coordinator, record, description)

    def health_factory(
        record: InstrumentRecord, description: MyCirrusHealthSensorEntityDescription
    ) -> MyCirrusHealthSensorEntity:
        return MyCirrusHealthSensorEntity(health, record, description)

    def health_exists(
        record: InstrumentRecord, description: MyCirrusHealthSensorEntityDescription
    ) -> bool:
        reported = (health.data or {}).get(record.serial)
        return reported is not None and description.value_fn(reported) is not None

    live_sensors: set[MyCirrusLiveSensorEntity] = set()

    def live_factory(
        record: InstrumentRecord, description: MyCirrusLiveSensorEntityDescription
    ) -> MyCirrusLiveSensorEntity:
        return MyCirrusLiveSensorEntity(runtime, record, description, live_sensors)

    async_add_instrument_entities(entry, async_add_entities, SENSORS, status_factory)
    async_add_instrument_entities(
        entry,
        async_add_entities,
        HEALTH_SENSORS,
        health_factory,
        listen=health.async_add_listener,
        exists=health_exists,
    )
    names = entry.options.get(CONF_LIVE_VALUES, DEFAULT_LIVE_VALUES)
    async_add_instrument_entities(
        entry, async_add_entities, [live_sensor(n) for n in names], live_factory
    )

    @callback
    def write_live_levels(_now: datetime) -> None:
        for sensor in list(live_sensors):
            sensor.async_write_interval()

    interval = timedelta(
        seconds=entry.options.get(CONF_LIVE_INTERVAL, DEFAULT_LIVE_INTERVAL)
    )
    entry.async_on_unload(
        async_track_time_interval(
            hass,
            write_live_levels,
            interval,
            name=f"{DOMAIN} live levels",
            cancel_on_shutdown=True,
        )
    )


class MyCirrusSensorEntity(MyCirrusStatusEntity, SensorEntity):
    """A sensor of an instrument's status."""

    entity_description: MyCirrusSensorEntityDescription

    def __init__(
        self,
        coordinator: MyCirrusCoordinator,
        record: InstrumentRecord,
        description: MyCirrusSensorEntityDescription,
    ) -> None:
        """Initialise the sensor."""
        super().__init__(coordinator, record, description)

    @property
    def native_value(self) -> SensorValue:
        """Return the sensor's value; None where the API did not say."""
        status = self.record.status
        return None if status is None else self.entity_description.value_fn(status)

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self.native_value)


class MyCirrusHealthSensorEntity(
    MyCirrusEntity, CoordinatorEntity[MyCirrusHealthCoordinator], SensorEntity
):
    """A sensor of an instrument's own health."""

    entity_description: MyCirrusHealthSensorEntityDescription

    def __init__(
        self,
        coordinator: MyCirrusHealthCoordinator,
        record: InstrumentRecord,
        description: MyCirrusHealthSensorEntityDescription,
    ) -> None:
        """Initialise the sensor with the health last reported."""
        super().__init__(record, description)
        CoordinatorEntity.__init__(self, coordinator)
        self._attr_native_value = None
        self._read()

    @property
    def available(self) -> bool:
        """Return whether MyCirrus reported the instrument's health last time."""
        return super().available and self.serial in (self.coordinator.data or {})

    def _read(self) -> None:
        reported = (self.coordinator.data or {}).get(self.serial)
        value = self.entity_description.value_fn(reported) if reported else None
        previous = self._attr_native_value
        if (
            isinstance(value, datetime)
            and isinstance(previous, datetime)
            and abs(value - previous) < BOOT_TOLERANCE
        ):
            return
        self._attr_native_value = value

    @callback
    def _handle_coordinator_update(self) -> None:
        self._read()
        self.async_write_if_changed()

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self._attr_native_value)


class MyCirrusLiveSensorEntity(MyCirrusEntity, SensorEntity):
    """A live noise level, written at most once per interval."""

    entity_description: MyCirrusLiveSensorEntityDescription

    def __init__(
        self,
        runtime: MyCirrusRuntimeData,
        record: InstrumentRecord,
        description: MyCirrusLiveSensorEntityDescription,
        registry: set[MyCirrusLiveSensorEntity],
    ) -> None:
        """Initialise the sensor with no level yet."""
        super().__init__(record, description)
        self._runtime = runtime
        self._registry = registry
        self._window = LevelWindow(level_kind(description.value_name))
        self._attr_native_value = None

    @property
    def available(self) -> bool:
        """Return whether the instrument's live levels can be current."""
        return self._runtime.live.live_available(self.serial)

    async def async_added_to_hass(self) -> None:
        """Listen to the instrument's live levels and its connection."""
        await super().async_added_to_hass()
        self._registry.add(self)
        self.async_on_remove(lambda: self._registry.discard(self))
        self.async_on_remove(
            self._runtime.live.async_add_level_listener(self.serial, self._take)
        )
        self.async_on_remove(
            self._runtime.coordinator.async_add_instrument_listener(
                self.serial, self._connection_changed
            )
        )

    @callback
    def _take(self, values: Mapping[str, float]) -> None:
        if (level := values.get(self.entity_description.value_name)) is not None:
            self._window.add(level)

    @callback
    def _connection_changed(self) -> None:
        """Show no stale level: an instrument offline or cut off has none."""
        if not self.available:
            self._window.clear()
            self._attr_native_value = None
        self.async_write_if_changed()

    @callback
    def async_write_interval(self) -> None:
        """Write the level of the interval that ended, if any value came."""
        if (level := self._window.take()) is not None:
            self._attr_native_value = round(level, 1)
        self.async_write_if_changed()

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self._attr_native_value)
