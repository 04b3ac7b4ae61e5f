"""Sensors: calibration and SIC, health, live levels, stored data, noise limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval

from ..acoustics import STORED_VALUES
from ..const import DOMAIN
from ..entity import async_add_instrument_entities
from ..hub.limits.runner import LimitRunner
from ..hub.signals import entities_signal, tick_signal
from ..levels import LIVE_VALUES
from ..limit_entity import Link, async_add_limit_entities
from ..model import InstrumentRecord
from ..runtime import MyCirrusConfigEntry
from .health import (
    HEALTH_SENSORS,
    MyCirrusHealthSensorEntity,
    MyCirrusHealthSensorEntityDescription,
    health_value,
)
from .limits import (
    LIMIT_SENSORS,
    MyCirrusLimitSensorEntity,
    MyCirrusLimitSensorEntityDescription,
)
from .live import (
    MyCirrusLiveSensorEntity,
    MyCirrusLiveSensorEntityDescription,
    live_sensor,
)
from .noise import (
    RATING_SENSORS,
    WEATHER_SENSORS,
    MyCirrusNoiseSensorEntity,
    MyCirrusNoiseSensorEntityDescription,
    period_sensor,
)
from .status import SENSORS, MyCirrusSensorEntity, MyCirrusSensorEntityDescription

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every followed instrument."""
    hub = entry.runtime_data

    def status_factory(
        record: InstrumentRecord, description: MyCirrusSensorEntityDescription
    ) -> MyCirrusSensorEntity:
        return MyCirrusSensorEntity(hub, record, description)

    def health_factory(
        record: InstrumentRecord, description: MyCirrusHealthSensorEntityDescription
    ) -> MyCirrusHealthSensorEntity:
        return MyCirrusHealthSensorEntity(hub, record, description)

    def health_exists(
        record: InstrumentRecord, description: MyCirrusHealthSensorEntityDescription
    ) -> bool:
        return health_value(hub, record.serial, description) is not None

    def noise_factory(
        record: InstrumentRecord, description: MyCirrusNoiseSensorEntityDescription
    ) -> MyCirrusNoiseSensorEntity:
        return MyCirrusNoiseSensorEntity(hub, record, description)

    def noise_descriptions() -> list[MyCirrusNoiseSensorEntityDescription]:
        return [
            *(period_sensor(name) for name in hub.options.stored_values),
            *RATING_SENSORS,
            *WEATHER_SENSORS,
        ]

    def live_factory(
        record: InstrumentRecord, description: MyCirrusLiveSensorEntityDescription
    ) -> MyCirrusLiveSensorEntity:
        return MyCirrusLiveSensorEntity(hub, record, description)

    async_add_instrument_entities(
        entry, async_add_entities, lambda: SENSORS, status_factory
    )
    async_add_instrument_entities(
        entry, async_add_entities, noise_descriptions, noise_factory
    )
    async_add_instrument_entities(
        entry,
        async_add_entities,
        lambda: HEALTH_SENSORS,
        health_factory,
        exists=health_exists,
    )

    @callback
    def remove_unchosen_levels() -> None:
        """Remove the live and period sensors the options no longer choose.

        Otherwise they would stay in the registry as "no longer provided".
        """
        options = hub.options
        chosen = {name.lower() for name in options.live_types} | {
            period_sensor(name).key for name in options.stored_values
        }
        unchosen = {name.lower() for name in LIVE_VALUES} | {
            period_sensor(name).key for name in STORED_VALUES
        }
        unchosen -= chosen
        # Whole unique ids: a serial may itself contain "_".
        unique_ids = {f"{serial}_{name}" for serial in hub.records for name in unchosen}
        registry = er.async_get(hass)
        for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
            if registered.domain == "sensor" and registered.unique_id in unique_ids:
                registry.async_remove(registered.entity_id)

    tick: CALLBACK_TYPE | None = None
    interval: timedelta | None = None
    # The live and stored values the registry was last cleared for.
    levels: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    @callback
    def write_live_levels(_now: datetime) -> None:
        async_dispatcher_send(hass, tick_signal(entry.entry_id))

    @callback
    def options_changed() -> None:
        """Follow the chosen levels and the live levels' write interval.

        The hub says to look again every round: the registry is searched only
        when the chosen levels changed (or at set-up).
        """
        nonlocal tick, interval, levels
        chosen = (hub.options.live_types, hub.options.stored_values)
        if chosen != levels:
            levels = chosen
            remove_unchosen_levels()
        if hub.options.live_interval == interval:
            return
        if tick is not None:
            tick()
        interval = hub.options.live_interval
        tick = async_track_time_interval(
            hass,
            write_live_levels,
            interval,
            name=f"{DOMAIN} live levels",
            cancel_on_shutdown=True,
        )

    @callback
    def stop_tick() -> None:
        if tick is not None:
            tick()

    options_changed()
    entry.async_on_unload(stop_tick)
    entry.async_on_unload(
        async_dispatcher_connect(hass, entities_signal(entry.entry_id), options_changed)
    )
    async_add_instrument_entities(
        entry,
        async_add_entities,
        lambda: [live_sensor(name) for name in hub.options.live_types],
        live_factory,
    )

    def limit_factory(
        runner: LimitRunner,
        description: MyCirrusLimitSensorEntityDescription,
        link: Link,
    ) -> MyCirrusLimitSensorEntity:
        return MyCirrusLimitSensorEntity(hub, runner, description, link)

    await async_add_limit_entities(
        entry, async_add_entities, LIMIT_SENSORS, limit_factory
    )
