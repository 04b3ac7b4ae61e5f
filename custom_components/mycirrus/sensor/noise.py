"""Sensors of the stored noise data: the last period, rating levels, weather."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import timedelta
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
from homeassistant.util import dt as dt_util

from ..acoustics import StoredKind, stored_kind
from ..api import WeatherRecord
from ..const import SCOPE_ENVIRO, SCOPE_NOISE
from ..entity import MyCirrusDataEntity, MyCirrusEntityDescription
from ..hub.stored.coordinator import NoiseState
from ..model import InstrumentRecord
from ..rating import RatingLevels, WindowLevel

# A last period that ended longer ago than this is no current value: its
# sensor is unavailable until the next period comes.
PERIOD_STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True, kw_only=True)
class MyCirrusNoiseSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a sensor of an instrument's stored data."""

    value_fn: Callable[[NoiseState], float | None]
    attributes_fn: Callable[[NoiseState], Mapping[str, Any]] = lambda _state: {}
    # Whether what the state says is current (else the entity is unavailable).
    current_fn: Callable[[NoiseState], bool] = lambda _state: True


def has_weather(record: InstrumentRecord) -> bool:
    """Return whether the instrument has the Weather feature."""
    return record.details is not None and "Weather" in record.details.features


def _level(
    key: str, state_class: SensorStateClass | None, **kwargs: Any
) -> MyCirrusNoiseSensorEntityDescription:
    """Describe a level in dB of a noise monitor's stored data."""
    return MyCirrusNoiseSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=state_class,
        suggested_display_precision=1,
        scope=SCOPE_NOISE,
        exists_fn=lambda record: record.measures_noise,
        **kwargs,
    )


def state_class_of(name: str) -> SensorStateClass | None:
    """Return the state class of a stored value's sensor.

    None for equivalent levels (LAeq ...): Home Assistant's own statistics
    would average their decibels arithmetically beside the integration's
    energetic hourly statistics. A maximum of maxima is right, and the
    statistical levels are averaged as the hourly statistics average them.
    """
    return (
        None
        if stored_kind(name) is StoredKind.ENERGETIC
        else (SensorStateClass.MEASUREMENT)
    )


def _period_current(state: NoiseState) -> bool:
    """Return whether the last period ended within PERIOD_STALE_AFTER."""
    return state.period_end is None or (
        dt_util.utcnow() - state.period_end <= PERIOD_STALE_AFTER
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
        state_class_of(name),
        value_fn=lambda state: state.period.values.get(name) if state.period else None,
        attributes_fn=period,
        current_fn=_period_current,
    )


def _rating(
    key: str, window: Callable[[RatingLevels], WindowLevel]
) -> MyCirrusNoiseSensorEntityDescription:
    """Describe a rating level: the LAeq of a window, or Lden.

    A level over hours is no measurement to average: no state class.
    """

    def attributes(state: NoiseState) -> Mapping[str, Any]:
        if state.rating is None:
            return {}
        level = window(state.rating)
        return {
            "day": level.day.isoformat(),
            "start": dt_util.as_local(level.start).isoformat(),
            "end": dt_util.as_local(level.end).isoformat(),
            "coverage": round(100 * level.coverage, 1),
        }

    return _level(
        key,
        None,
        value_fn=lambda state: window(state.rating).level if state.rating else None,
        attributes_fn=attributes,
    )


RATING_SENSORS: tuple[MyCirrusNoiseSensorEntityDescription, ...] = (
    _rating("laeq_day", lambda r: r.laeq_day),
    _rating("laeq_evening", lambda r: r.laeq_evening),
    _rating("laeq_night", lambda r: r.laeq_night),
    _rating("lden", lambda r: r.lden),
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
    def available(self) -> bool:
        """Return whether the stored data answered and its value is current."""
        state = self.hub.stored.state(self.serial)
        return (
            super().available
            and state is not None
            and self.entity_description.current_fn(state)
        )

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
