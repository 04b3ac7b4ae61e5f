"""Where event audio is found: its media-source ids and the view's paths.

``media-source://mycirrus/QT100001/event/<audio id>`` names an event's audio,
``.../recording/<id>`` a recording, ``.../events`` and ``.../recordings`` the
folders of an instrument. The view serves the same item at
``/api/mycirrus/audio/QT100001/event/<audio id>``: a path without the API key,
which Home Assistant can sign. An id that is not plain text for a URL is
written as ``~`` and its base64 (URL alphabet, no padding).
"""

from __future__ import annotations

from base64 import urlsafe_b64decode, urlsafe_b64encode
import binascii
from dataclasses import dataclass
import re
from typing import Final

from ...api import MyCirrusInvalidSerialError, validate_serial
from ...const import DOMAIN

KIND_EVENT: Final = "event"
KIND_RECORDING: Final = "recording"
KINDS: Final = (KIND_EVENT, KIND_RECORDING)
FOLDER_EVENTS: Final = "events"
FOLDER_RECORDINGS: Final = "recordings"
FOLDERS: Final = (FOLDER_EVENTS, FOLDER_RECORDINGS)

AUDIO_VIEW_URL: Final = "/api/mycirrus/audio/{serial}/{kind}/{token}"
MEDIA_SOURCE_PREFIX: Final = f"media-source://{DOMAIN}"

_PLAIN: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}")
_ENCODED: Final = "~"


def encode_id(identifier: str) -> str:
    """Return an audio or recording id as one plain path segment."""
    if _PLAIN.fullmatch(identifier):
        return identifier
    encoded = urlsafe_b64encode(identifier.encode()).decode().rstrip("=")
    return f"{_ENCODED}{encoded}"


def decode_id(token: str) -> str | None:
    """Return the id a path segment names, else None."""
    if _PLAIN.fullmatch(token):
        return token
    if not token.startswith(_ENCODED):
        return None
    encoded = token[len(_ENCODED) :]
    try:
        decoded = urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded or None


@dataclass(frozen=True, slots=True)
class AudioRef:
    """One playable item: an event's audio or a recording of an instrument."""

    serial: str
    kind: str  # KIND_EVENT or KIND_RECORDING
    audio_id: str

    @property
    def identifier(self) -> str:
        """Return the media-source identifier (after ``mycirrus/``)."""
        return f"{self.serial}/{self.kind}/{encode_id(self.audio_id)}"

    @property
    def media_content_id(self) -> str:
        """Return the media-source id, for media players and the media browser."""
        return f"{MEDIA_SOURCE_PREFIX}/{self.identifier}"

    @property
    def path(self) -> str:
        """Return the path of the view that plays it (unsigned)."""
        return AUDIO_VIEW_URL.format(
            serial=self.serial, kind=self.kind, token=encode_id(self.audio_id)
        )

    @classmethod
    def from_parts(cls, serial: str, kind: str, token: str) -> AudioRef | None:
        """Return the item a serial, kind and path segment name, else None."""
        audio_id = decode_id(token)
        if audio_id is None or kind not in KINDS or not _is_serial(serial):
            return None
        return cls(serial, kind, audio_id)


@dataclass(frozen=True, slots=True)
class MediaTarget:
    """What a media-source identifier names: the root, an instrument, a folder, an item.

    ``serial`` None is the root; ``folder`` None with no ``ref`` the instrument.
    """

    serial: str | None = None
    folder: str | None = None
    ref: AudioRef | None = None


def parse_identifier(identifier: str) -> MediaTarget | None:
    """Return what a media-source identifier names, else None."""
    if not identifier:
        return MediaTarget()
    parts = identifier.split("/")
    if not _is_serial(parts[0]):
        return None
    if len(parts) == 1:
        return MediaTarget(serial=parts[0])
    if len(parts) == 2 and parts[1] in FOLDERS:
        return MediaTarget(serial=parts[0], folder=parts[1])
    if len(parts) == 3 and (ref := AudioRef.from_parts(*parts)) is not None:
        return MediaTarget(serial=ref.serial, ref=ref)
    return None


def folder_identifier(serial: str, folder: str | None = None) -> str:
    """Return the identifier of an instrument, or of one of its folders."""
    return serial if folder is None else f"{serial}/{folder}"


def _is_serial(text: str) -> bool:
    try:
        validate_serial(text)
    except MyCirrusInvalidSerialError:
        return False
    return True
