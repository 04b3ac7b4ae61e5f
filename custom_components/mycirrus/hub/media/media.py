"""Event audio and time histories of a loaded entry: what plays, what is drawn.

The media browser, the audio view, the picture of the last event and the
time history action ask here. MyCirrus is asked with the entry's client (the
key stays in its header); what it answers is kept a while (cache.py), and
which instruments have audio is access.py's to say.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
import logging
from typing import Protocol

from homeassistant.components.http.auth import async_sign_path
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ...api import (
    MAX_DATA_SPAN,
    AudioClip,
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusPermissionError,
    NoiseEvent,
    Recording,
    TimeHistory,
)
from ...const import AUDIO_LINK_VALIDITY, DOMAIN, SCOPE_EVENTS, SCOPE_RECHECK_INTERVAL
from ...model import InstrumentRecord
from ...scopes import DataScopes
from ..signals import last_event_signal
from ..stored import StoredData
from .access import AudioAccess
from .cache import LruCache
from .ids import KIND_EVENT, AudioRef

_LOGGER = logging.getLogger(__package__)

# The clips kept for byte-range requests and replays, and time histories kept.
CLIP_CACHE_BYTES = 64 * 1024 * 1024
TIME_HISTORIES_KEPT = 64
# What the media browser lists: the last 31 days, the newest first.
LISTED_SPAN = MAX_DATA_SPAN
# An event found by its start: MyCirrus is asked this far either side.
FIND_MARGIN = timedelta(seconds=1)


class MediaHub(Protocol):
    """What of the entry's hub the media use."""

    hass: HomeAssistant
    entry: ConfigEntry
    client: MyCirrusClient
    stored: StoredData

    @property
    def records(self) -> Mapping[str, InstrumentRecord]:
        """Return the record of each followed instrument, by serial."""

    def async_auth_failed(self, reason: str | None) -> None:
        """Say that MyCirrus refused the key."""


class EventMedia:
    """Audio, recordings and time histories of one entry's instruments."""

    def __init__(self, hub: MediaHub) -> None:
        """Wire the parts; nothing is asked of MyCirrus yet."""
        self.hass = hub.hass
        self.entry = hub.entry
        self.client = hub.client
        self._scopes: Callable[[], DataScopes] = lambda: hub.stored.scopes
        self._on_auth_failed = hub.async_auth_failed
        self.access = AudioAccess(
            hub.client,
            lambda: hub.records,
            self._scopes,
            on_auth_failed=hub.async_auth_failed,
        )
        self.clips: LruCache[AudioRef, AudioClip] = LruCache(
            CLIP_CACHE_BYTES, lambda clip: len(clip.data)
        )
        self.time_histories: LruCache[str, list[TimeHistory]] = LruCache(
            TIME_HISTORIES_KEPT, lambda _histories: 1
        )
        self._last: dict[str, NoiseEvent] = {}
        self._shape_logged = False

    # -- life ---------------------------------------------------------------

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Ask the key's audio scope now, in the background, and hourly.

        The returned callback stops it and forgets what was kept.
        """
        self._async_check_scope()
        stop_checking = async_track_time_interval(
            self.hass, self._async_check_scope, SCOPE_RECHECK_INTERVAL
        )

        @callback
        def stop() -> None:
            stop_checking()
            self.clips.clear()
            self.time_histories.clear()

        return stop

    @callback
    def _async_check_scope(self, *_: object) -> None:
        self.entry.async_create_background_task(
            self.hass, self.access.async_check_scope(), f"{DOMAIN} audio scope"
        )

    # -- noise events fired -------------------------------------------------

    def event_audio(self, serial: str, event: NoiseEvent) -> AudioRef | None:
        """Return the event's audio, where the instrument's can be played."""
        if event.audio_id is None or not self.access.available(serial):
            return None
        return AudioRef(serial, KIND_EVENT, event.audio_id)

    def signed_path(self, ref: AudioRef) -> str:
        """Return the path that plays ``ref``, signed by Home Assistant.

        For a notification: it works without logging in, for a week, or until
        Home Assistant restarts (a restart makes a new signing secret). Signed
        for Home Assistant's read-only content user, whoever's event fired it.
        """
        return async_sign_path(
            self.hass, ref.path, AUDIO_LINK_VALIDITY, use_content_user=True
        )

    @callback
    def async_fired(self, serial: str, event: NoiseEvent) -> None:
        """Note the event an instrument's entity fired; its picture follows."""
        self._last[serial] = event
        async_dispatcher_send(
            self.hass, last_event_signal(self.entry.entry_id, serial), event
        )

    def last_event(self, serial: str) -> NoiseEvent | None:
        """Return the event the instrument's entity fired last in this run."""
        return self._last.get(serial)

    # -- what MyCirrus keeps ------------------------------------------------

    async def async_clip(self, ref: AudioRef) -> AudioClip:
        """Return the audio ``ref`` names, fetched once while it is kept.

        A 403 means only that this instrument has no audio (for an hour).
        """
        read = (
            self.client.event_audio
            if ref.kind == KIND_EVENT
            else self.client.recording_audio
        )

        async def fetch() -> AudioClip:
            try:
                clip = await self._ask(lambda: read(ref.audio_id))
            except MyCirrusPermissionError:
                self.access.note_refused(ref.serial)
                raise
            self.access.note_served(ref.serial)
            return clip

        return await self.clips.async_get(ref, fetch)

    async def async_time_history(self, time_history_id: str) -> list[TimeHistory]:
        """Return an event's time history, fetched once while it is kept."""

        async def fetch() -> list[TimeHistory]:
            try:
                return await self._ask(
                    lambda: self.client.event_time_history(time_history_id)
                )
            except MyCirrusBodyShapeError as err:
                if not self._shape_logged:
                    self._shape_logged = True
                    _LOGGER.warning(
                        "MyCirrus answered an event's time history in a shape "
                        "this integration does not know; please report it. "
                        "It begins: %s",
                        err.excerpt,
                    )
                raise

        return await self.time_histories.async_get(time_history_id, fetch)

    async def async_audio_events(self, serial: str) -> list[NoiseEvent]:
        """Return the instrument's events with audio of the last 31 days, newest first.

        None is asked while the key was seen to lack data.events:read.
        """
        if self._scopes().missing(SCOPE_EVENTS):
            return []
        now = dt_util.utcnow()
        events = await self._ask(
            lambda: self.client.events([serial], now - LISTED_SPAN, now)
        )
        return sorted(
            (e for e in events if e.audio_id is not None and e.instrument == serial),
            key=lambda event: event.start,
            reverse=True,
        )

    async def async_recordings(self, serial: str) -> list[Recording]:
        """Return the instrument's recordings of the last 31 days, newest first."""
        now = dt_util.utcnow()
        try:
            recordings = await self._ask(
                lambda: self.client.recordings([serial], now - LISTED_SPAN, now)
            )
        except MyCirrusPermissionError:
            self.access.note_refused(serial)
            raise
        return sorted(
            (r for r in recordings if r.instrument == serial),
            key=lambda recording: recording.start,
            reverse=True,
        )

    async def async_find_event(self, serial: str, start: datetime) -> NoiseEvent | None:
        """Return the instrument's event that started at ``start`` (to the second)."""
        start = dt_util.as_utc(start)
        events = await self._ask(
            lambda: self.client.events(
                [serial], start - FIND_MARGIN, start + FIND_MARGIN
            )
        )
        matching = [
            event
            for event in events
            if event.instrument == serial
            and abs((event.start - start).total_seconds()) < 1
        ]
        return min(matching, key=lambda e: abs(e.start - start), default=None)

    async def _ask[T](self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except MyCirrusAuthenticationError:
            self._on_auth_failed(None)
            raise
        except MyCirrusError as err:
            _LOGGER.debug("MyCirrus media request failed: %s", err)
            raise
