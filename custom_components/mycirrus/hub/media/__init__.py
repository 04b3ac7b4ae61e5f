"""Event audio and time histories: ids, access, caching and the entry's part."""

from .access import AudioAccess, has_audio_addon
from .ids import (
    AUDIO_VIEW_URL,
    FOLDER_EVENTS,
    FOLDER_RECORDINGS,
    KIND_EVENT,
    KIND_RECORDING,
    AudioRef,
    MediaTarget,
    folder_identifier,
    parse_identifier,
)
from .media import EventMedia

__all__ = [
    "AUDIO_VIEW_URL",
    "FOLDER_EVENTS",
    "FOLDER_RECORDINGS",
    "KIND_EVENT",
    "KIND_RECORDING",
    "AudioAccess",
    "AudioRef",
    "EventMedia",
    "MediaTarget",
    "folder_identifier",
    "has_audio_addon",
    "parse_identifier",
]
