"""Event audio in the media browser: MyCirrus → instrument → noise events, recordings.

Only instruments whose audio can be played are listed: those with the Audio
add-on, while the key was not seen to lack data.audio:read. An item resolves
to the audio view's path (views.py); Home Assistant signs it for the player.
The audio is FLAC, which every current browser plays.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.media_player import BrowseError, MediaClass
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .api import MyCirrusError, NoiseEvent, Recording
from .const import DOMAIN
from .errors import media_failure
from .hub.media import (
    FOLDER_EVENTS,
    FOLDER_RECORDINGS,
    KIND_EVENT,
    KIND_RECORDING,
    AudioRef,
    MediaTarget,
    folder_identifier,
    parse_identifier,
)
from .runtime import MyCirrusHub, hub_following, loaded_hubs
from .strings import async_common_strings

# What is asked for, in the format every current browser plays.
AUDIO_MIME_TYPE = "audio/flac"
# The newest items a folder lists; the rest are counted as not shown.
MAX_LISTED = 200


async def async_get_media_source(hass: HomeAssistant) -> MyCirrusMediaSource:
    """Return the MyCirrus media source."""
    return MyCirrusMediaSource(hass)


class MyCirrusMediaSource(MediaSource):
    """Noise event audio and recordings of the followed instruments."""

    name = "MyCirrus"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the loaded entries' instruments."""
        super().__init__(DOMAIN)
        self.hass = hass

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Return the path of the audio view that plays the item."""
        target = parse_identifier(item.identifier)
        if target is None or target.ref is None:
            raise _error(Unresolvable, "media_unknown_item", item=item.identifier)
        ref = target.ref
        self._hub(ref.serial, Unresolvable)
        return PlayMedia(ref.path, AUDIO_MIME_TYPE)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the instruments, an instrument's folders, or a folder's audio."""
        target = parse_identifier(item.identifier)
        if target is None:
            raise _error(BrowseError, "media_unknown_item", item=item.identifier)
        strings = await async_common_strings(self.hass)
        if target.serial is None:
            return self._root()
        hub = self._hub(target.serial, BrowseError)
        name = hub.records[target.serial].name
        if target.ref is not None:
            return _playable(target.ref, name)
        if target.folder is None:
            return _instrument(target.serial, name, strings)
        try:
            children = await self._children(hub, target, strings)
        except MyCirrusError as err:
            raise media_failure(err, name, error_class=BrowseError)[0] from err
        folder = _folder(target.serial, target.folder, strings)
        folder.children = children[:MAX_LISTED]
        folder.not_shown = max(0, len(children) - MAX_LISTED)
        return folder

    def _root(self) -> BrowseMediaSource:
        children = [
            _folder_of(serial, hub.records[serial].name)
            for hub in loaded_hubs(self.hass)
            for serial in hub.records
            if hub.media.access.available(serial)
        ]
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=None,
            media_class=MediaClass.APP,
            media_content_type="",
            title=self.name,
            can_play=False,
            can_expand=True,
            children_media_class=MediaClass.DIRECTORY,
            children=sorted(children, key=lambda child: child.title),
        )

    def _hub(self, serial: str, error_class: type[HomeAssistantError]) -> MyCirrusHub:
        """Return the hub of an instrument whose audio can be played, else raise."""
        hub = hub_following(self.hass, serial)
        if hub is None:
            raise _error(error_class, "media_unknown_item", item=serial)
        if not hub.media.access.available(serial):
            raise _error(
                error_class, "audio_unavailable", name=hub.records[serial].name
            )
        return hub

    async def _children(
        self, hub: MyCirrusHub, target: MediaTarget, strings: dict[str, str]
    ) -> list[BrowseMediaSource]:
        serial = target.serial
        assert serial is not None
        name = hub.records[serial].name
        if target.folder == FOLDER_EVENTS:
            events = await hub.media.async_audio_events(serial)
            return [
                _playable(
                    AudioRef(serial, KIND_EVENT, event.audio_id),
                    _event_title(event, strings),
                )
                for event in events
                if event.audio_id is not None
            ]
        recordings = await hub.media.async_recordings(serial)
        return [
            _playable(
                AudioRef(serial, KIND_RECORDING, recording.id),
                _recording_title(recording, name, strings),
            )
            for recording in recordings
        ]


def _folder_of(serial: str, name: str) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=folder_identifier(serial),
        media_class=MediaClass.DIRECTORY,
        media_content_type="",
        title=name,
        can_play=False,
        can_expand=True,
    )


def _instrument(serial: str, name: str, strings: dict[str, str]) -> BrowseMediaSource:
    instrument = _folder_of(serial, name)
    instrument.children_media_class = MediaClass.DIRECTORY
    instrument.children = [
        _folder(serial, folder, strings)
        for folder in (FOLDER_EVENTS, FOLDER_RECORDINGS)
    ]
    return instrument


def _folder(serial: str, folder: str, strings: dict[str, str]) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=folder_identifier(serial, folder),
        media_class=MediaClass.DIRECTORY,
        media_content_type="",
        title=strings[f"media_{folder}"],
        can_play=False,
        can_expand=True,
        children_media_class=MediaClass.MUSIC,
    )


def _playable(ref: AudioRef, title: str) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=ref.identifier,
        media_class=MediaClass.MUSIC,
        media_content_type=AUDIO_MIME_TYPE,
        title=title,
        can_play=True,
        can_expand=False,
    )


def _event_title(event: NoiseEvent, strings: dict[str, str]) -> str:
    """Return "2026-11-24 10:02:03 · LAFMax over 80 dB · 92.4 dB"."""
    key = "media_event" if event.level is not None else "media_event_no_level"
    return _fill(
        strings[key],
        time=_local(event.start),
        trigger=event.name or strings["media_no_trigger"],
        level=f"{event.level:.1f}" if event.level is not None else "",
    )


def _recording_title(recording: Recording, name: str, strings: dict[str, str]) -> str:
    return _fill(
        strings["media_recording"],
        time=_local(recording.start),
        trigger=recording.trigger_name or name,
    )


def _local(moment: datetime) -> str:
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace(f"{{{key}}}", value)
    return template


def _error[ErrorT: HomeAssistantError](
    error_class: type[ErrorT], key: str, **placeholders: str
) -> ErrorT:
    return error_class(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )
