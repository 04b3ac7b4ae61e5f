"""Events: a noise monitor's noise events; a noise limit's exceedances and windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .api import NoiseEvent
from .const import EVENT_EXCEEDED, EVENT_NOISE, EVENT_WINDOW_CLOSED, SCOPE_EVENTS
from .entity import (
    MyCirrusDataEntity,
    MyCirrusEntityDescription,
    async_add_instrument_entities,
)
from .hub.limits.runner import LimitRunner
from .hub.signals import event_signal, limit_event_signal
from .limit_entity import Link, MyCirrusLimitEntity, async_add_limit_entities
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyCirrusEventEntityDescription(EventEntityDescription, MyCirrusEntityDescription):
    """Describes a MyCirrus event entity."""


NOISE_EVENT = MyCirrusEventEntityDescription(
    key="noise_event",
    translation_key="noise_event",
    event_types=[EVENT_NOISE],
    scope=SCOPE_EVENTS,
    exists_fn=lambda record: record.measures_noise,
)


# A noise limit's window: exceeded (once, the moment it is certain), closed.
LIMIT_EVENT = EventEntityDescription(
    key="limit",
    translation_key="limit",
    event_types=[EVENT_EXCEEDED, EVENT_WINDOW_CLOSED],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the noise event entity of every noise monitor."""
    hub = entry.runtime_data

    def factory(
        record: InstrumentRecord, description: MyCirrusEventEntityDescription
    ) -> MyCirrusNoiseEventEntity:
        return MyCirrusNoiseEventEntity(hub, record, description)

    async_add_instrument_entities(
        entry, async_add_entities, lambda: (NOISE_EVENT,), factory
    )

    def limit_factory(
        runner: LimitRunner, description: EventEntityDescription, link: Link
    ) -> MyCirrusLimitEventEntity:
        return MyCirrusLimitEventEntity(hub, runner, description, link)

    await async_add_limit_entities(
        entry, async_add_entities, (LIMIT_EVENT,), limit_factory
    )


def event_attributes(
    hub: MyCirrusHub, serial: str, event: NoiseEvent
) -> dict[str, str | float | bool | None]:
    """Return what an automation reads of a noise event.

    When the sound started comes first: it is what the more-info dialog
    shows first. ``media_content_id`` plays the audio on a media player;
    ``audio_url`` is the same audio at a path Home Assistant signed, for a
    link in a notification; both are None where the audio cannot be played.
    """
    audio = hub.media.event_audio(serial, event)
    return {
        "start": event.start.isoformat(),
        "end": event.end.isoformat() if event.end else None,
        "duration": event.duration,
        "name": event.name,
        "level": event.level,
        "audio": event.has_audio,
        "media_content_id": audio.media_content_id if audio else None,
        "audio_url": hub.media.signed_path(audio) if audio else None,
        "time_history_id": event.time_history_id,
    }


class MyCirrusNoiseEventEntity(MyCirrusDataEntity, EventEntity):
    """Fires when the instrument recorded a noise event (a level crossed a trigger).

    It takes its instrument's events after each refresh, and when it is added
    (at start-up, events found before it existed wait for it): each fires
    once, oldest first, and only while the entity is available.
    """

    entity_description: MyCirrusEventEntityDescription
    # A signed link is a credential of a week: not for the history.
    _unrecorded_attributes = frozenset({"audio_url"})

    async def async_added_to_hass(self) -> None:
        """Listen to the instrument's new events; fire those waiting."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                event_signal(self.hub.entry.entry_id, self.serial),
                self._async_fire_waiting,
            )
        )
        # After the state written when added: each event is a state of its own.
        self.async_on_remove(async_call_later(self.hass, 0, self._async_fire_waiting))

    @callback
    def _async_fire_waiting(self, *_: Any) -> None:
        if not self.available:
            return  # they wait until the entity can show them
        # Available again is said first: an automation that ignores a change
        # from unavailable sees each event.
        self.async_write_if_changed()
        for event in self.hub.stored.take_events(self.serial):
            self._trigger_event(
                EVENT_NOISE, event_attributes(self.hub, self.serial, event)
            )
            self.async_write_ha_state()
            self.hub.media.async_fired(self.serial, event)


class MyCirrusLimitEventEntity(MyCirrusLimitEntity, EventEntity):
    """Fires when a noise limit's window is exceeded, and when it closes."""

    async def async_added_to_hass(self) -> None:
        """Listen to the limit's events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                limit_event_signal(self.hub.entry.entry_id, self.runner.subentry_id),
                self._async_fire,
            )
        )

    @callback
    def _async_fire(self, event_type: str, data: dict[str, Any]) -> None:
        if not self.available:
            return
        self.async_write_if_changed()
        self._trigger_event(event_type, data)
        self.async_write_ha_state()
