"""Sensors of a noise limit: its window's level, the headroom, today's count."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import UnitOfSoundPressure

from ..hub.limits import LimitState
from ..limit_entity import MyCirrusLimitEntity, local_time


@dataclass(frozen=True, kw_only=True)
class MyCirrusLimitSensorEntityDescription(SensorEntityDescription):
    """Describes a sensor of a noise limit."""

    value_fn: Callable[[LimitState], float | int | None]
    attributes_fn: Callable[[LimitState], Mapping[str, Any]] = lambda _state: {}


def window_attributes(state: LimitState) -> Mapping[str, Any]:
    """Return the window's times and coverage, or when the next one starts."""
    window = state.window
    if window is None:
        return {"next_window_start": local_time(state.next_start)}
    return {
        "window_start": local_time(window.start),
        "window_end": local_time(window.end),
        "shortened": window.shortened,
        "coverage": state.coverage,
        "source": state.source,
    }


LIMIT_SENSORS: tuple[MyCirrusLimitSensorEntityDescription, ...] = (
    # The window's LAeq (or highest level) so far: a level of a window that
    # starts again and again, not a measurement to keep statistics of.
    MyCirrusLimitSensorEntityDescription(
        key="level",
        translation_key="level",
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        suggested_display_precision=1,
        value_fn=lambda state: state.level,
        attributes_fn=window_attributes,
    ),
    # A level for LAeq, a difference for a maximum: no device class.
    MyCirrusLimitSensorEntityDescription(
        key="headroom",
        translation_key="headroom",
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        suggested_display_precision=1,
        value_fn=lambda state: state.headroom,
    ),
    MyCirrusLimitSensorEntityDescription(
        key="exceedances_today",
        translation_key="exceedances_today",
        value_fn=lambda state: state.exceedances_today,
    ),
)


class MyCirrusLimitSensorEntity(MyCirrusLimitEntity, SensorEntity):
    """A sensor of a noise limit."""

    entity_description: MyCirrusLimitSensorEntityDescription

    @property
    def native_value(self) -> float | int | None:
        """Return the value the limit shows."""
        return self.entity_description.value_fn(self.limit)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return the window the value is of."""
        return dict(self.entity_description.attributes_fn(self.limit)) or None

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        attributes = self.extra_state_attributes
        return (
            self.available,
            self.native_value,
            tuple(sorted(attributes.items())) if attributes else None,
        )
