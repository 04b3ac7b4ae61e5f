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
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from ..entity import MyCirrusEntity, MyCirrusEntityDescription
from ..hub.signals import levels_signal, tick_signal
from ..levels import LevelKind, LevelWindow, level_kind, plausible, translation_key
from ..model import InstrumentRecord
from ..runtime import MyCirrusHub


@dataclass(frozen=True, kw_only=True)
class MyCirrusLiveSensorEntityDescription(
    SensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a live noise level; ``key`` is the value's name in lower case."""


def live_sensor(name: str) -> MyCirrusLiveSensorEntityDescription:
    """Return the description of the live level called ``name`` (e.g. LAeq).

    Equivalent levels (LAeq, LCeq, LZeq, the octave bands) have no state
    class: Home Assistant's statistics would average their decibels
    arithmetically. The stored data's hourly statistics are the record.
    """
    energetic = level_kind(name) is LevelKind.ENERGETIC_MEAN
    return MyCirrusLiveSensorEntityDescription(
        key=name.lower(),
        translation_key=translation_key(name),
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=None if energetic else SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        exists_fn=lambda record: record.measures_noise,
    )


class MyCirrusLiveSensorEntity(MyCirrusEntity, SensorEntity):
    """A live noise level, written at most once per interval."""

    entity_description: MyCirrusLiveSensorEntityDescription

    def __init__(
        self,
        hub: MyCirrusHub,
        record: InstrumentRecord,
        description: MyCirrusLiveSensorEntityDescription,
    ) -> None:
        """Initialise the sensor with no level yet."""
        super().__init__(hub, record, description)
        self._window = LevelWindow(level_kind(description.key))
        self._attr_native_value = None

    @property
    def available(self) -> bool:
        """Return whether the instrument's live levels can be current."""
        return self.hub.live_available(self.serial)

    async def async_added_to_hass(self) -> None:
        """Listen to the instrument's live levels and the write interval."""
        await super().async_added_to_hass()
        entry_id = self.hub.entry.entry_id
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, levels_signal(entry_id, self.serial), self._take
            )
        )
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, tick_signal(entry_id), self.async_write_interval
            )
        )

    @callback
    def _take(self, values: Mapping[str, float]) -> None:
        """Take one live message; its names are in lower case, as the key."""
        level = values.get(self.entity_description.key)
        if level is not None and plausible(level):
            self._window.add(level)

    @callback
    def _handle_instrument_update(self) -> None:
        """Show no stale level: an instrument offline or cut off has none."""
        if not self.available:
            self._window.clear()
            self._attr_native_value = None
        self.async_write_if_changed()

    @callback
    def async_write_interval(self) -> None:
        """Write the level of the interval that ended, if any value came.

        Unrounded: the display precision rounds what is shown.
        """
        if (level := self._window.take()) is not None:
            self._attr_native_value = level
        self.async_write_if_changed()

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self._attr_native_value)
