"""An event's audio and time history, made up from the event itself.

The time history is the event's LAeq per second, from five seconds before it
to five after: a background, then a swell whose energy over the event is the
event's own LAeq, and whose loudest second stays under its level (LAFMax).
The audio is a tone burst shaped like that time history, as FLAC (uncompressed
"verbatim" frames, which every FLAC decoder reads) or WAV.
"""

from __future__ import annotations

from array import array
from datetime import datetime, timedelta
import hashlib
import io
import math
import struct
import sys
from typing import Any
import wave

from .instrument import iso
from .periods import mix, units

SAMPLE_RATE = 8000
BLOCK_SIZE = 4096
# Before and after the event, in the time history and the audio.
MARGIN = timedelta(seconds=5)
SAMPLE_MS = 1000
# The event's loudest second plays at this share of full scale.
PEAK = 0.7
FORMATS = ("FLAC", "WAV", "AAC", "OGG")
MADE = ("FLAC", "WAV")  # the simulator makes these two


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def event_window(
    record: dict[str, Any],
) -> tuple[datetime, datetime, datetime, datetime]:
    """Return the window (from, to) and the event's start and end."""
    start = _moment(record["startTime"])
    assert start is not None
    end = _moment(record.get("endTime")) or start + timedelta(seconds=1)
    return start - MARGIN, end + MARGIN, start, end


def event_laeq(record: dict[str, Any]) -> float:
    """Return the event's LAeq, from its overall values (else its level - 4.5 dB)."""
    for value in record.get("overall") or []:
        if value.get("name") == "LAeq":
            return float(value["value"])
    return float(record["level"]) - 4.5


def time_history_values(record: dict[str, Any]) -> list[float]:
    """Return the LAeq of each second of the event's window (0.1 dB)."""
    first, last, start, end = event_window(record)
    seconds = int((last - first).total_seconds())
    inside = max(1, int((end - start).total_seconds()))
    offset = int((start - first).total_seconds())
    laeq = event_laeq(record)
    background = laeq - 18.0
    swell = [math.sin(math.pi * (i + 0.5) / inside) ** 2 for i in range(inside)]
    quiet = 10.0 ** (background / 10.0)
    # The energy the swell adds, so that the event's seconds average to its LAeq.
    added = max(0.0, 10.0 ** (laeq / 10.0) - quiet) / (sum(swell) / inside)
    draw = mix(int(start.timestamp()) ^ 0x7157)
    values: list[float] = []
    for second in range(seconds):
        index = second - offset
        energy = quiet + (added * swell[index] if 0 <= index < inside else 0.0)
        jitter = 0.0 if 0 <= index < inside else units(mix(draw ^ second))[0] - 0.5
        values.append(round(10.0 * math.log10(energy) + jitter, 1))
    return values


def time_history(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return ``/data/events/timehistory/{id}``'s answer for an event."""
    first, last, _, _ = event_window(record)
    return [
        {
            "instrument": record["instrument"],
            "type": "LAeq",
            "blocks": [
                {
                    "start": iso(first),
                    "end": iso(last),
                    "sampleDuration": SAMPLE_MS,
                    "values": time_history_values(record),
                }
            ],
        }
    ]


def samples(record: dict[str, Any]) -> array[int]:
    """Return the event's audio: 16-bit mono samples at SAMPLE_RATE."""
    levels = time_history_values(record)
    loudest = max(levels)
    gains = [PEAK * 10.0 ** ((level - loudest) / 20.0) for level in levels]
    seed = mix(
        int(hashlib.blake2b(str(record.get("audioId")).encode()).hexdigest()[:15], 16)
    )
    tone = 300.0 + 400.0 * units(seed)[0]
    out = array("h")
    noise = seed
    for n in range(len(levels) * SAMPLE_RATE):
        moment = n / SAMPLE_RATE
        # The gain between the middles of two seconds, linearly.
        position = min(max(moment - 0.5, 0.0), len(gains) - 1.0)
        low = int(position)
        high = min(low + 1, len(gains) - 1)
        gain = gains[low] + (gains[high] - gains[low]) * (position - low)
        noise = (noise * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        hiss = ((noise >> 33) / 2**31) - 0.5
        wave_value = 0.7 * math.sin(2 * math.pi * tone * moment) + 0.2 * math.sin(
            4 * math.pi * tone * moment
        )
        out.append(int(32767 * gain * (wave_value + 0.2 * hiss)))
    return out


def encode(record: dict[str, Any], audio_format: str) -> bytes:
    """Return the event's audio in ``audio_format`` (FLAC or WAV)."""
    pcm = samples(record)
    if audio_format == "WAV":
        return wav(pcm)
    return flac(pcm)


def wav(pcm: array[int]) -> bytes:
    """Return 16-bit mono samples as a WAV file."""
    output = io.BytesIO()
    with wave.open(output, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        little = array("h", pcm)
        if sys.byteorder == "big":
            little.byteswap()
        file.writeframes(little.tobytes())
    return output.getvalue()


def flac(pcm: array[int]) -> bytes:
    """Return 16-bit mono samples as a FLAC stream of verbatim frames."""
    little = array("h", pcm)
    if sys.byteorder == "big":
        little.byteswap()
    md5 = hashlib.md5(little.tobytes(), usedforsecurity=False).digest()
    frames: list[bytes] = []
    for number, first in enumerate(range(0, len(pcm), BLOCK_SIZE)):
        frames.append(_frame(number, pcm[first : first + BLOCK_SIZE]))
    info = _stream_info(len(pcm), frames, md5)
    # The last metadata block (1 bit), STREAMINFO (type 0), 34 bytes long.
    return b"fLaC" + bytes([0x80, 0, 0, 34]) + info + b"".join(frames)


def _stream_info(total: int, frames: list[bytes], md5: bytes) -> bytes:
    sizes = [len(frame) for frame in frames] or [0]
    packed = (SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | total
    return (
        struct.pack(">HH", BLOCK_SIZE, BLOCK_SIZE)
        + min(sizes).to_bytes(3, "big")
        + max(sizes).to_bytes(3, "big")
        + packed.to_bytes(8, "big")
        + md5
    )


def _frame(number: int, block: array[int]) -> bytes:
    """Return one FLAC frame: header, a verbatim subframe, CRC-16."""
    size = len(block)
    # Block size: 4096 has its own code (12); else 16 bits after the header (7).
    size_code = 12 if size == BLOCK_SIZE else 7
    header = bytearray(
        [0xFF, 0xF8, (size_code << 4) | 0x04, 0x08]
    )  # 8 kHz, mono, 16 bit
    header += _utf8_number(number)
    if size_code == 7:
        header += (size - 1).to_bytes(2, "big")
    header.append(_crc8(header))
    big = array("h", block)
    if sys.byteorder == "little":
        big.byteswap()
    frame = bytes(header) + bytes([0x02]) + big.tobytes()  # subframe: verbatim
    return frame + _crc16(frame).to_bytes(2, "big")


def _utf8_number(value: int) -> bytes:
    """Return a frame number as FLAC writes it (UTF-8's scheme, up to 36 bits)."""
    if value < 0x80:
        return bytes([value])
    length = 2
    while value >= 1 << (5 * length + 1):
        length += 1
    head = (0xFF00 >> length) & 0xFF
    out = [head | (value >> (6 * (length - 1)))]
    out += [0x80 | ((value >> (6 * i)) & 0x3F) for i in range(length - 2, -1, -1)]
    return bytes(out)


def _crc8(data: bytes | bytearray) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _table(bits: int, poly: int) -> list[int]:
    top = 1 << (bits - 1)
    mask = (1 << bits) - 1
    table = []
    for byte in range(256):
        crc = byte << (bits - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else crc << 1
        table.append(crc & mask)
    return table


_CRC8 = _table(8, 0x07)
_CRC16 = _table(16, 0x8005)
