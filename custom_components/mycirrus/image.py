"""The last noise event of each noise monitor, drawn: its time history as a chart.

The picture changes when the instrument's event entity fires; its state is
when that event's sound started. The time history is fetched once per event,
when the picture is first asked for, and the picture is drawn once, in the
executor; a notification can attach it (``/api/image_proxy/<entity id>``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
import time
from typing import Any

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import (
    ExtraStoredData,
    RestoredExtraData,
    RestoreEntity,
)
from homeassistant.util import dt as dt_util

from .api import (
    MyCirrusBodyShapeError,
    MyCirrusError,
    MyCirrusNotFoundError,
    NoiseEvent,
    TimeHistory,
    preferred_history,
)
from .const import SCOPE_EVENTS
from .drawing import EventPicture, draw_event
from .entity import (
    MyCirrusDataEntity,
    MyCirrusEntityDescription,
    async_add_instrument_entities,
)
from .errors import media_failure
from .hub.signals import last_event_signal
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub
from .strings import async_common_strings

PARALLEL_UPDATES = 0

# A time history that could not be fetched (MyCirrus unreachable, busy) is
# asked for again at the first request for the picture after this long.
RETRY_AFTER = 60.0


@dataclass(frozen=True, kw_only=True)
class MyCirrusImageEntityDescription(ImageEntityDescription, MyCirrusEntityDescription):
    """Describes a MyCirrus image entity."""


LAST_NOISE_EVENT = MyCirrusImageEntityDescription(
    key="last_noise_event",
    translation_key="last_noise_event",
    scope=SCOPE_EVENTS,
    exists_fn=lambda record: record.measures_noise,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the picture of the last noise event of every noise monitor."""
    hub = entry.runtime_data

    def factory(
        record: InstrumentRecord, description: MyCirrusImageEntityDescription
    ) -> MyCirrusEventImageEntity:
        return MyCirrusEventImageEntity(hub, record, description)

    async_add_instrument_entities(
        entry, async_add_entities, lambda: (LAST_NOISE_EVENT,), factory
    )


class MyCirrusEventImageEntity(MyCirrusDataEntity, ImageEntity, RestoreEntity):
    """The last noise event an instrument's entity fired, as a picture."""

    _attr_content_type = "image/png"
    entity_description: MyCirrusImageEntityDescription

    def __init__(
        self,
        hub: MyCirrusHub,
        record: InstrumentRecord,
        description: MyCirrusImageEntityDescription,
    ) -> None:
        """Show the last event fired in this run, if any (else the restored one)."""
        MyCirrusDataEntity.__init__(self, hub, record, description)
        ImageEntity.__init__(self, hub.hass)
        self._event: NoiseEvent | None = None
        # The event the picture was drawn for, the picture, and when a picture
        # drawn without its time history (a passing failure) is redrawn.
        self._drawn: tuple[Hashable, bytes, float | None] | None = None
        self._lock = asyncio.Lock()
        if (event := hub.media.last_event(record.serial)) is not None:
            self._show(event)

    async def async_added_to_hass(self) -> None:
        """Restore the last event; hear of each event fired."""
        await super().async_added_to_hass()
        extra = None if self._event else await self.async_get_last_extra_data()
        if extra is not None and (event := event_from_dict(extra.as_dict())):
            self._show(event)
            self.async_write_ha_state()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                last_event_signal(self.hub.entry.entry_id, self.serial),
                self._async_fired,
            )
        )

    @property
    def extra_restore_state_data(self) -> ExtraStoredData | None:
        """Keep the event shown, for the picture after a restart."""
        if self._event is None:
            return None
        return RestoredExtraData(event_to_dict(self._event))

    @callback
    def _async_fired(self, event: NoiseEvent) -> None:
        self._show(event)
        self.async_write_ha_state()

    def _show(self, event: NoiseEvent) -> None:
        self._event = event
        # The state says when the sound started, not when it reached MyCirrus.
        self._attr_image_last_updated = event.start

    async def async_image(self) -> bytes | None:
        """Return the picture of the last event, drawn once per event."""
        event = self._event
        key = _key(event) if event is not None else None
        async with self._lock:
            drawn = self._drawn
            if (
                drawn is not None
                and drawn[0] == key
                and (drawn[2] is None or time.monotonic() < drawn[2])
            ):
                return drawn[1]
            picture, retry = await self._async_picture(event)
            self._drawn = (key, picture, retry)
            return picture

    async def _async_picture(
        self, event: NoiseEvent | None
    ) -> tuple[bytes, float | None]:
        """Return the picture of ``event``, and when to draw it again (None: never)."""
        words = await async_common_strings(self.hass)
        if event is None:
            spec = EventPicture(heading=words["picture_no_event"])
            return await self.hass.async_add_executor_job(draw_event, spec), None
        histories: list[TimeHistory] = []
        message: str | None = None
        retry: float | None = None
        if event.time_history_id is None:
            message = words["picture_no_time_history"]
        else:
            try:
                histories = await self.hub.media.async_time_history(
                    event.time_history_id
                )
            except MyCirrusError as err:
                name = self.record.name
                message = str(
                    media_failure(err, name, error_class=HomeAssistantError)[0]
                )
                if not isinstance(err, MyCirrusNotFoundError | MyCirrusBodyShapeError):
                    retry = time.monotonic() + RETRY_AFTER
        spec = event_picture(event, histories, words, message)
        return await self.hass.async_add_executor_job(draw_event, spec), retry


def event_picture(
    event: NoiseEvent,
    histories: list[TimeHistory],
    words: dict[str, str],
    message: str | None,
) -> EventPicture:
    """Return what the picture of ``event`` shows, in Home Assistant's time zone."""
    zone = dt_util.get_default_time_zone()
    start = event.start.astimezone(zone)
    trigger = event.name or words["picture_no_trigger"]
    level = f"{event.level:.1f} dB" if event.level is not None else "-"
    times = f"{words['picture_start']} {start:%H:%M:%S}"
    if event.end is not None:
        times += f" · {words['picture_end']} {event.end.astimezone(zone):%H:%M:%S}"
        times += f" · {event.duration:g} s"
    history = preferred_history(histories)
    points: list[tuple[datetime, float | None]] = []
    label = ""
    if history is not None:
        sample = history.blocks[0].sample_duration
        label = f"{history.type or 'LAeq'} · {_duration(sample)}"
        for block in history.blocks:
            if points and points[-1][0] < block.start:
                points.append((block.start, None))  # a gap between blocks
            half = block.sample_duration / 2
            points += [
                (moment + half, value)
                for moment, value in zip(block.moments(), block.values, strict=True)
            ]
    return EventPicture(
        heading=f"{start:%Y-%m-%d %H:%M:%S}",
        lines=(
            f"{words['picture_trigger']}: {trigger}"
            f"    {words['picture_level']}: {level}",
            times,
        ),
        series_label=label,
        level=event.level,
        level_label=f"{words['picture_level']} {level}",
        span=(event.start, event.end or event.start),
        points=points,
        message=message or (None if points else words["picture_no_time_history"]),
        zone=zone,
    )


def _key(event: NoiseEvent) -> Hashable:
    """Return what tells the event drawn from another."""
    return (
        event.instrument,
        event.start,
        event.type,
        event.name,
        event.time_history_id,
    )


def _duration(sample: timedelta) -> str:
    seconds = sample.total_seconds()
    return f"{seconds:g} s" if seconds >= 1 else f"{seconds * 1000:g} ms"


def event_to_dict(event: NoiseEvent) -> dict[str, Any]:
    """Return a noise event as JSON, to be restored."""
    return {
        "instrument": event.instrument,
        "start": event.start.isoformat(),
        "end": event.end.isoformat() if event.end else None,
        "type": event.type,
        "name": event.name,
        "level": event.level,
        "audio_time": event.audio_time.isoformat() if event.audio_time else None,
        "time_history_id": event.time_history_id,
        "audio_id": event.audio_id,
    }


def event_from_dict(data: dict[str, Any]) -> NoiseEvent | None:
    """Return the noise event ``event_to_dict`` made, else None."""
    start = dt_util.parse_datetime(str(data.get("start")))
    if start is None or not isinstance(data.get("instrument"), str):
        return None

    def moment(key: str) -> datetime | None:
        value = data.get(key)
        return dt_util.parse_datetime(value) if isinstance(value, str) else None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    level = data.get("level")
    return NoiseEvent(
        instrument=data["instrument"],
        start=start,
        end=moment("end"),
        type=text("type"),
        name=text("name"),
        level=float(level) if isinstance(level, int | float) else None,
        audio_time=moment("audio_time"),
        time_history_id=text("time_history_id"),
        audio_id=text("audio_id"),
    )
