"""Event audio, recordings and event time histories: models, parsers and calls.

Audio comes as bytes (``application/octet-stream``) in the format asked for.
It is read in chunks and never past ``max_bytes``; its type is told from its
first bytes, so that a body that is not audio (an error page, JSON) is refused
rather than handed on as sound.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from ._parse import Fields, as_datetime, as_float, as_id, as_str
from .body import decode_body
from .data import _check, _records, _shape_error, _something
from .exceptions import MyCirrusAudioTooLargeError, MyCirrusNotAudioError
from .stored import StoredDataCalls

# An event's audio is seconds to minutes long: 32 MiB is about ten minutes of
# FLAC at 48 kHz, and more than any clip a browser should be handed at once.
MAX_AUDIO_BYTES: Final = 32 * 1024 * 1024
AUDIO_TIMEOUT: Final = 60.0
_CHUNK: Final = 64 * 1024
_INSTRUMENT: Final = ("instrument", "serialNumber", "serial")


class AudioFormat(StrEnum):
    """The formats MyCirrus sends audio in (FLAC unless asked otherwise)."""

    FLAC = "FLAC"
    WAV = "WAV"
    AAC = "AAC"
    OGG = "OGG"


@dataclass(frozen=True, kw_only=True, slots=True)
class AudioClip:
    """Audio as received, and its content type as its first bytes say."""

    data: bytes
    content_type: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Recording:
    """An audio recording of an instrument (``/data/audio``)."""

    id: str
    instrument: str
    start: datetime
    end: datetime | None
    trigger_name: str | None
    trigger_start: datetime | None
    trigger_end: datetime | None


@dataclass(frozen=True, kw_only=True, slots=True)
class TimeHistoryBlock:
    """Consecutive samples of a time history: ``values[i]`` from start + i samples.

    A value that is not a number is None (a gap).
    """

    start: datetime
    end: datetime | None
    sample_duration: timedelta
    values: tuple[float | None, ...]

    def moments(self) -> list[datetime]:
        """Return when each value's sample starts."""
        return [self.start + self.sample_duration * i for i in range(len(self.values))]


@dataclass(frozen=True, kw_only=True, slots=True)
class TimeHistory:
    """One value's time history of one instrument (e.g. LAeq per second)."""

    instrument: str | None
    type: str | None
    blocks: tuple[TimeHistoryBlock, ...]


def preferred_history(histories: list[TimeHistory]) -> TimeHistory | None:
    """Return the LAeq time history of an answer, else its first."""
    for history in histories:
        if (history.type or "").casefold() == "laeq":
            return history
    return histories[0] if histories else None


def sniff_audio(head: bytes) -> str | None:
    """Return the content type of audio that begins with ``head``, else None."""
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # an ADTS header: 12 sync bits, layer 0
    if head.startswith(b"ID3") or (
        len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    ):
        return "audio/mpeg"
    return None


def parse_recordings(body: Any, *, text: str | None = None) -> list[Recording]:
    """Return the recordings of a ``/data/audio`` answer.

    Times without a zone are UTC, as the API's example writes them.
    """
    items, _ = _records(body, "recordings", text)
    recordings: list[Recording] = []
    skipped = 0
    for item in items:
        fields = Fields(item)
        identifier = as_id(fields.get("id", "audioId"))
        instrument = as_str(fields.get(*_INSTRUMENT))
        start = as_datetime(fields.get("startTime", "start"))
        if identifier is None or instrument is None or start is None:
            skipped += _something(item)
            continue
        end = as_datetime(fields.get("endTime", "end"))
        recordings.append(
            Recording(
                id=identifier,
                instrument=instrument,
                start=start,
                end=end if end is not None and end >= start else None,
                trigger_name=as_str(fields.get("triggerName")),
                trigger_start=as_datetime(fields.get("triggerStartTime")),
                trigger_end=as_datetime(fields.get("triggerEndTime")),
            )
        )
    _check(len(recordings), skipped, "recordings", body, text)
    return recordings


def parse_time_history(body: Any, *, text: str | None = None) -> list[TimeHistory]:
    """Return the time histories of an event's ``/data/events/timehistory`` answer.

    The documented shape is ``[{instrument, type, blocks: [{start, end,
    sampleDuration (ms), values}]}]``; a single object, or one wrapped under
    a key, is read too. A block needs a start, a positive sample duration and
    a list of values; an answer without any such block is in no known shape.
    """
    if isinstance(body, Mapping) and Fields(body).has("blocks"):
        body = [body]
    items, _ = _records(body, "timeHistory", text)
    histories: list[TimeHistory] = []
    for item in items:
        fields = Fields(item)
        raw_blocks = fields.get("blocks")
        if not isinstance(raw_blocks, list):
            continue
        blocks = tuple(
            block for raw in raw_blocks if (block := _block(raw)) is not None
        )
        if blocks:
            histories.append(
                TimeHistory(
                    instrument=as_str(fields.get(*_INSTRUMENT)),
                    type=as_str(fields.get("type", "name")),
                    blocks=tuple(sorted(blocks, key=lambda block: block.start)),
                )
            )
    if not histories:
        raise _shape_error("time history", body, text)
    return histories


def _block(raw: Any) -> TimeHistoryBlock | None:
    fields = Fields(raw)
    start = as_datetime(fields.get("start", "startTime"))
    milliseconds = as_float(fields.get("sampleDuration"))
    values = fields.get("values")
    if (
        start is None
        or milliseconds is None
        or milliseconds <= 0
        or not isinstance(values, list)
    ):
        return None
    end = as_datetime(fields.get("end", "endTime"))
    try:
        sample = timedelta(milliseconds=milliseconds)
    except OverflowError:
        return None
    return TimeHistoryBlock(
        start=start,
        end=end if end is not None and end >= start else None,
        sample_duration=sample,
        values=tuple(as_float(value) for value in values),
    )


class AudioCalls(StoredDataCalls):
    """The audio and time history calls of ``MyCirrusClient``."""

    @abstractmethod
    def _open(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "application/json",
        time_limit: float | None = None,
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """Send one request; give its answer once it is known to be no error."""

    async def recordings(
        self, serials: Iterable[str], start: datetime, end: datetime
    ) -> list[Recording]:
        """Return the audio recordings that start from ``start`` to ``end``."""
        return await self._stored(
            "recordings",
            "/data/audio",
            serials,
            start,
            end,
            parse=parse_recordings,
            identity=lambda recording: recording.id,
        )

    async def event_time_history(self, time_history_id: str) -> list[TimeHistory]:
        """Return a noise event's time history (each value's, usually LAeq)."""
        answer = await self._fetch_raw(
            "event_time_history",
            "GET",
            f"/data/events/timehistory/{_segment(time_history_id)}",
        )
        result: list[TimeHistory] = await self._run_blocking(
            _parse_history, answer, self._excerpt
        )
        return result

    async def event_audio(
        self,
        audio_id: str,
        *,
        audio_format: AudioFormat = AudioFormat.FLAC,
        max_bytes: int = MAX_AUDIO_BYTES,
    ) -> AudioClip:
        """Return a noise event's audio; see ``_audio``."""
        return await self._audio(
            "event_audio",
            f"/data/events/audio/{_segment(audio_id)}",
            audio_format,
            max_bytes,
        )

    async def recording_audio(
        self,
        recording_id: str,
        *,
        audio_format: AudioFormat = AudioFormat.FLAC,
        max_bytes: int = MAX_AUDIO_BYTES,
    ) -> AudioClip:
        """Return a recording's audio; see ``_audio``."""
        return await self._audio(
            "recording_audio",
            f"/data/audio/{_segment(recording_id)}",
            audio_format,
            max_bytes,
        )

    async def _audio(
        self, name: str, path: str, audio_format: AudioFormat, max_bytes: int
    ) -> AudioClip:
        """Read audio, at most ``max_bytes`` of it.

        Raises MyCirrusAudioTooLargeError as soon as the answer says or shows
        that it is longer (nothing more is read), MyCirrusNotAudioError when
        its first bytes are no audio format's.
        """
        async with self._open(
            name,
            "GET",
            path,
            params={"format": AudioFormat(audio_format).value},
            accept="application/octet-stream, audio/*",
            time_limit=AUDIO_TIMEOUT,
        ) as response:
            if (length := response.content_length) is not None and length > max_bytes:
                raise MyCirrusAudioTooLargeError(
                    f"MyCirrus announced {length} bytes of audio, over the "
                    f"limit of {max_bytes}",
                    limit=max_bytes,
                )
            data = bytearray()
            async for chunk in _chunks(response):
                data += chunk
                if len(data) > max_bytes:
                    raise MyCirrusAudioTooLargeError(
                        f"MyCirrus sent more than the limit of {max_bytes} bytes "
                        "of audio",
                        limit=max_bytes,
                    )
        content_type = sniff_audio(bytes(data[:16]))
        if content_type is None:
            head = bytes(data[:200]).decode("utf-8", "replace")
            raise MyCirrusNotAudioError(
                "MyCirrus answered the audio with a body that is not audio",
                excerpt=self._excerpt(head),
            )
        return AudioClip(data=bytes(data), content_type=content_type)


def _parse_history(
    answer: tuple[bytes, int], excerpt: Callable[[str], str]
) -> list[TimeHistory]:
    """Decode and parse a time history answer (its body and HTTP status)."""
    body, text = decode_body(*answer)
    return parse_time_history(body, text=excerpt(text))


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for chunk in response.content.iter_chunked(_CHUNK):
        yield chunk


def _segment(identifier: str) -> str:
    """Return an identifier as one path segment."""
    if not identifier:
        raise ValueError("An empty identifier")
    return quote(identifier, safe="")
