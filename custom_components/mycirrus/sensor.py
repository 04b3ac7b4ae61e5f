"""Sensors: last calibration and SIC, monitor health and live noise levels."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfSoundPressure
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval

from .api import InstrumentStatus
from .const import (
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_LIVE_VALUES,
    DOMAIN,
)
from .coordinator import MyCirrusCoordinator
from .data import RESULT_OPTIONS, InstrumentRecord, MyCirrusConfigEntry, result_state
from .entity import (
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
)
from .health_sensor import (
    HEALTH_SENSORS,
    MyCirrusHealthSensorEntity,
    MyCirrusHealthSensorEntityDescription,
)
from .levels import LIVE_VALUES
from .live_sensor import (
    MyCirrusLiveSensorEntity,
    MyCirrusLiveSensorEntityDescription,
    live_sensor,
)

PARALLEL_UPDATES = 0

type SensorValue = float | str | datetime | None


@dataclass(frozen=True, kw_only=True)
class MyCirrusSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a sensor of an instrument's status."""

    value_fn: Callable[[InstrumentStatus], SensorValue]


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
        exists_fn=lambda record: record.supports_sic,
    ),
    MyCirrusSensorEntityDescription(
        key="last_sic_result",
        translation_key="last_sic_result",
        device_class=SensorDeviceClass.ENUM,
        options=RESULT_OPTIONS,
        value_fn=lambda s: result_state(s.last_sic.status) if s.last_sic else None,
        exists_fn=lambda record: record.supports_sic,
    ),
    _tone("sic_tone_500hz", lambda s: s.last_sic.tone_500hz if s.last_sic else None),
    _tone("sic_tone_1khz", lambda s: s.last_sic.tone_1khz if s.last_sic else None),
    _tone("sic_tone_8khz", lambda s: s.last_sic.tone_8khz if s.last_sic else None),
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
    _async_remove_unchosen_levels(hass, entry, names)
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


def _async_remove_unchosen_levels(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, names: list[str]
) -> None:
    """Remove the live level sensors the options no longer choose.

    Otherwise they would stay in the registry as "no longer provided".
    """
    unchosen = {name.lower() for name in LIVE_VALUES} - {n.lower() for n in names}
    # Whole unique ids: a serial may itself contain "_".
    unique_ids = {
        f"{serial}_{name}"
        for serial in entry.runtime_data.coordinator.records
        for name in unchosen
    }
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain == "sensor" and registered.unique_id in unique_ids:
            registry.async_remove(registered.entity_id)


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
