"""Live noise level sensors, written at most once per interval."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfSoundPressure
from homeassistant.core import callback

from .data import InstrumentRecord, MyCirrusRuntimeData
from .entity import MyCirrusEntity, MyCirrusEntityDescription
from .levels import LevelWindow, level_kind, plausible, translation_key


@dataclass(frozen=True, kw_only=True)
class MyCirrusLiveSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a live noise level; ``key`` is the value's name in lower case."""

    value_name: str


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
        level = values.get(self.entity_description.value_name)
        if level is not None and plausible(level):
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
