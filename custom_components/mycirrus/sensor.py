"""Sensors: the last calibration and System Integrity Check of each instrument."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfSoundPressure
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

RESULT_OTHER = "other"
RESULT_OPTIONS = ["success", "failed", "error", "in_progress", RESULT_OTHER]
_RESULTS = {
    "success": "success",
    "successful": "success",
    "passed": "success",
    "pass": "success",
    "failed": "failed",
    "fail": "failed",
    "failure": "failed",
    "error": "error",
    "inprogress": "in_progress",
}


def result_state(status: str | None) -> str | None:
    """Map the API's free-text result to a state; unknown words become "other"."""
    if status is None:
        return None
    normalized = status.replace("_", "").replace(" ", "").lower()
    return _RESULTS.get(normalized, RESULT_OTHER)


type SensorValue = float | str | datetime | None


@dataclass(frozen=True, kw_only=True)
class MyCirrusSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus sensor."""

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
        exists_fn=lambda _instrument, status: value_fn(status) is not None,
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every followed instrument."""
    async_add_instrument_entities(
        entry, async_add_entities, SENSORS, MyCirrusSensorEntity
    )


class MyCirrusSensorEntity(MyCirrusEntity, SensorEntity):
    """A MyCirrus sensor."""

    entity_description: MyCirrusSensorEntityDescription

    @property
    def native_value(self) -> SensorValue:
        """Return the sensor's value; None where the API did not say."""
        status = self.status
        return None if status is None else self.entity_description.value_fn(status)
