"""Binary sensors: online, measuring, checks, drift, conditions, noise limits."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .acoustics import conditions_poor
from .api import InstrumentStatus
from .const import SCOPE_ENVIRO
from .entity import (
    MyCirrusDataEntity,
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
)
from .hub.limits import LimitState
from .hub.limits.runner import LimitRunner
from .limit_entity import (
    Link,
    MyCirrusLimitEntity,
    async_add_limit_entities,
    local_time,
)
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyCirrusBinarySensorEntityDescription(
    BinarySensorEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus binary sensor."""

    # The hub gives what the options decide, such as the drift threshold.
    value_fn: Callable[[InstrumentStatus, MyCirrusHub], bool | None]


def drifted(status: InstrumentStatus, threshold: float) -> bool | None:
    """Return whether the last calibration strayed too far from the factory's.

    None when there is no calibration offset to judge.
    """
    calibration = status.last_calibration
    if calibration is None or calibration.offset is None:
        return None
    return abs(calibration.offset) > threshold


BINARY_SENSORS: tuple[MyCirrusBinarySensorEntityDescription, ...] = (
    MyCirrusBinarySensorEntityDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda status, _hub: status.online,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="measuring",
        translation_key="measuring",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status, _hub: status.measuring,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="calibration_in_progress",
        translation_key="calibration_in_progress",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status, _hub: status.calibration_in_progress,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="sic_in_progress",
        translation_key="sic_in_progress",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda status, _hub: status.sic_in_progress,
        exists_fn=lambda record: record.supports_sic,
    ),
    MyCirrusBinarySensorEntityDescription(
        key="calibration_drift",
        translation_key="calibration_drift",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda status, hub: drifted(status, hub.options.drift_threshold),
    ),
)


# On while the weather spoils outdoor noise measurements: wind over the limit
# (5 m/s unless the options say otherwise) or rain.
@dataclass(frozen=True, kw_only=True)
class MyCirrusConditionsEntityDescription(
    BinarySensorEntityDescription, MyCirrusEntityDescription
):
    """Describes the measurement conditions binary sensor."""


MEASUREMENT_CONDITIONS = MyCirrusConditionsEntityDescription(
    key="measurement_conditions",
    translation_key="measurement_conditions",
    device_class=BinarySensorDeviceClass.PROBLEM,
    scope=SCOPE_ENVIRO,
    exists_fn=lambda record: (
        record.details is not None and "Weather" in record.details.features
    ),
)


@dataclass(frozen=True, kw_only=True)
class MyCirrusLimitBinaryEntityDescription(BinarySensorEntityDescription):
    """Describes a binary sensor of a noise limit."""

    value_fn: Callable[[LimitState], bool]
    attributes_fn: Callable[[LimitState], Mapping[str, Any]]


def _exceeded_attributes(state: LimitState) -> Mapping[str, Any]:
    window = state.window
    if window is None:
        return {}
    return {
        "window_start": local_time(window.start),
        "window_end": local_time(window.end),
        "level": None if state.level is None else round(state.level, 1),
    }


LIMIT_BINARY_SENSORS: tuple[MyCirrusLimitBinaryEntityDescription, ...] = (
    # On from the moment the window's exceedance is certain to the next window.
    MyCirrusLimitBinaryEntityDescription(
        key="exceeded",
        translation_key="exceeded",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda state: state.exceeded,
        attributes_fn=_exceeded_attributes,
    ),
    # On while the window is within the margin of its limit, or over it.
    MyCirrusLimitBinaryEntityDescription(
        key="warning",
        translation_key="warning",
        value_fn=lambda state: state.warning,
        attributes_fn=lambda _state: {},
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every followed instrument."""
    hub = entry.runtime_data

    def factory(
        record: InstrumentRecord, description: MyCirrusBinarySensorEntityDescription
    ) -> MyCirrusBinarySensorEntity:
        return MyCirrusBinarySensorEntity(hub, record, description)

    def conditions_factory(
        record: InstrumentRecord, description: MyCirrusConditionsEntityDescription
    ) -> MyCirrusConditionsBinarySensorEntity:
        return MyCirrusConditionsBinarySensorEntity(hub, record, description)

    async_add_instrument_entities(
        entry, async_add_entities, lambda: BINARY_SENSORS, factory
    )
    async_add_instrument_entities(
        entry, async_add_entities, lambda: (MEASUREMENT_CONDITIONS,), conditions_factory
    )

    def limit_factory(
        runner: LimitRunner,
        description: MyCirrusLimitBinaryEntityDescription,
        link: Link,
    ) -> MyCirrusLimitBinarySensorEntity:
        return MyCirrusLimitBinarySensorEntity(hub, runner, description, link)

    await async_add_limit_entities(
        entry, async_add_entities, LIMIT_BINARY_SENSORS, limit_factory
    )


class MyCirrusBinarySensorEntity(MyCirrusStatusEntity, BinarySensorEntity):
    """A MyCirrus binary sensor."""

    entity_description: MyCirrusBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the flag's state; None where the API did not say."""
        status = self.record.shown
        if status is None:
            return None
        return self.entity_description.value_fn(status, self.hub)

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self.is_on)


class MyCirrusConditionsBinarySensorEntity(MyCirrusDataEntity, BinarySensorEntity):
    """On while wind or rain spoil outdoor noise measurements."""

    entity_description: MyCirrusConditionsEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return whether the latest weather reading says so; None if none."""
        state = self.hub.stored.state(self.serial)
        weather = state.weather if state else None
        if weather is None:
            return None
        return conditions_poor(
            weather.wind_speed, weather.precipitation, self.hub.options.wind_limit
        )

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        return (self.available, self.is_on)


class MyCirrusLimitBinarySensorEntity(MyCirrusLimitEntity, BinarySensorEntity):
    """A binary sensor of a noise limit: exceeded, or on course to exceed."""

    entity_description: MyCirrusLimitBinaryEntityDescription

    @property
    def is_on(self) -> bool:
        """Return what the limit shows."""
        return self.entity_description.value_fn(self.limit)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return the window and its level so far."""
        return dict(self.entity_description.attributes_fn(self.limit)) or None

    def state_key(self) -> Hashable:
        """Return what the written state depends on."""
        attributes = self.extra_state_attributes
        return (
            self.available,
            self.is_on,
            tuple(sorted(attributes.items())) if attributes else None,
        )
