"""Sensors of the stored noise data: the last period, rating levels, weather."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    DEGREE,
    PERCENTAGE,
    UnitOfPressure,
    UnitOfSoundPressure,
    UnitOfSpeed,
    UnitOfTemperature,
    UnitOfVolumetricFlux,
)

from ..acoustics import RatingLevels
from ..api import WeatherRecord
from ..const import SCOPE_ENVIRO, SCOPE_NOISE
from ..entity import MyCirrusDataEntity, MyCirrusEntityDescription
from ..hub.stored.coordinator import NoiseState
from ..model import InstrumentRecord


@dataclass(frozen=True, kw_only=True)
class MyCirrusNoiseSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a sensor of an instrument's stored data."""

    value_fn: Callable[[NoiseState], float | None]
    attributes_fn: Callable[[NoiseState], Mapping[str, Any]] = lambda _state: {}


def has_weather(record: InstrumentRecord) -> bool:
    """Return whether the instrument has the Weather feature."""
    return record.details is not None and "Weather" in record.details.features


def _level(key: str, **kwargs: Any) -> MyCirrusNoiseSensorEntityDescription:
    """Describe a level in dB of a noise monitor's stored data."""
    return MyCirrusNoiseSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        scope=SCOPE_NOISE,
        exists_fn=lambda record: record.measures_noise,
        **kwargs,
    )


def period_sensor(name: str) -> MyCirrusNoiseSensorEntityDescription:
    """Describe the last complete period's value of ``name`` (e.g. LAeq)."""

    def period(state: NoiseState) -> Mapping[str, Any]:
        if state.period is None:
            return {}
        return {
            "start": state.period.start.isoformat(),
            "end": state.period_end.isoformat() if state.period_end else None,
        }

    return _level(
        f"{name.lower()}_period",
        value_fn=lambda state: state.period.values.get(name) if state.period else None,
        attributes_fn=period,
    )


def _rating(
    key: str, level: Callable[[RatingLevels], float | None], window: str | None
) -> MyCirrusNoiseSensorEntityDescription:
    """Describe one of yesterday's rating levels; ``window`` None is Lden."""

    def attributes(state: NoiseState) -> Mapping[str, Any]:
        if state.rating is None:
            return {}
        coverage = state.rating.coverage
        # Lden needs all three windows: the least covered one limits it.
        share = coverage[window] if window else min(coverage.values())
        return {"day": state.rating.day.isoformat(), "coverage": round(100 * share, 1)}

    return _level(
        key,
        value_fn=lambda state: level(state.rating) if state.rating else None,
        attributes_fn=attributes,
    )


RATING_SENSORS: tuple[MyCirrusNoiseSensorEntityDescription, ...] = (
    _rating("laeq_day", lambda r: r.laeq_day, "day"),
    _rating("laeq_evening", lambda r: r.laeq_evening, "evening"),
    _rating("laeq_night", lambda r: r.laeq_night, "night"),
    _rating("lden", lambda r: r.lden, None),
)


def _weather(
    key: str, value_fn: Callable[[WeatherRecord], float | None], **kwargs: Any
) -> MyCirrusNoiseSensorEntityDescription:
    return MyCirrusNoiseSensorEntityDescription(
        key=key,
        scope=SCOPE_ENVIRO,
        exists_fn=has_weather,
        value_fn=lambda state: value_fn(state.weather) if state.weather else None,
        **kwargs,
    )


WEATHER_SENSORS: tuple[MyCirrusNoiseSensorEntityDescription, ...] = (
    _weather(
        "wind_speed",
        lambda w: w.wind_speed,
        device_class=SensorDeviceClass.WIND_SPEED,
        native_unit_of_measurement=UnitOfSpeed.METERS_PER_SECOND,
        # As noise guidance gives its wind limits (5 m/s), not km/h.
        suggested_unit_of_measurement=UnitOfSpeed.METERS_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _weather(
        "wind_direction",
        lambda w: w.wind_direction,
        device_class=SensorDeviceClass.WIND_DIRECTION,
        native_unit_of_measurement=DEGREE,
        state_class=SensorStateClass.MEASUREMENT_ANGLE,
        suggested_display_precision=0,
    ),
    _weather(
        "temperature",
        lambda w: w.temperature,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _weather(
        "humidity",
        lambda w: w.humidity,
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    _weather(
        "pressure",
        lambda w: w.pressure,
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.BAR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
    ),
    _weather(
        "precipitation_intensity",
        lambda w: w.precipitation,
        device_class=SensorDeviceClass.PRECIPITATION_INTENSITY,
        native_unit_of_measurement=UnitOfVolumetricFlux.MILLIMETERS_PER_HOUR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
)


class MyCirrusNoiseSensorEntity(MyCirrusDataEntity, SensorEntity):
    """A sensor of an instrument's stored data."""

    entity_description: MyCirrusNoiseSensorEntityDescription

    @property
    def native_value(self) -> float | None:
        """Return the value; None where the stored data says nothing."""
        state = self.hub.stored.state(self.serial)
        return None if state is None else self.entity_description.value_fn(state)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return the period or day the value is of."""
        state = self.hub.stored.state(self.serial)
        if state is None:
            return None
        return dict(self.entity_description.attributes_fn(state)) or None

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        attributes = self.extra_state_attributes
        return (
            self.available,
            self.native_value,
            tuple(sorted(attributes.items())) if attributes else None,
        )
