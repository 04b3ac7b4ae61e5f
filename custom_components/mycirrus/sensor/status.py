"""Sensors of an instrument's status: its last calibration and SIC."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfSoundPressure

from ..api import InstrumentStatus
from ..entity import MyCirrusEntityDescription, MyCirrusStatusEntity
from ..results import RESULT_OPTIONS, result_state

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
        # Long-term statistics show how the calibration level moves over months.
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda s: s.last_calibration.level if s.last_calibration else None,
    ),
    MyCirrusSensorEntityDescription(
        key="calibration_offset",
        translation_key="calibration_offset",
        # A level difference, not a sound pressure level: no device class.
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=SensorStateClass.MEASUREMENT,
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


class MyCirrusSensorEntity(MyCirrusStatusEntity, SensorEntity):
    """A sensor of an instrument's status."""

    entity_description: MyCirrusSensorEntityDescription

    @property
    def native_value(self) -> SensorValue:
        """Return the sensor's value; None where the API did not say."""
        status = self.record.shown
        return None if status is None else self.entity_description.value_fn(status)

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self.native_value)
