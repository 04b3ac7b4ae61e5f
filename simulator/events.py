"""Noise event records: a loud moment of a period, with its spectra."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from typing import Any

from .instrument import iso
from .levels import OCTAVES, SPECTRUM
from .periods import Period, Site, mix, units

EVENT_TYPE = "Level"
# Each octave's three third-octave bands, lowest first.
THIRD_OCTAVES = (
    "25Hz",
    "31.5Hz",
    "40Hz",
    "50Hz",
    "63Hz",
    "80Hz",
    "100Hz",
    "125Hz",
    "160Hz",
    "200Hz",
    "250Hz",
    "315Hz",
    "400Hz",
    "500Hz",
    "630Hz",
    "800Hz",
    "1KHz",
    "1.25KHz",
    "1.6KHz",
    "2KHz",
    "2.5KHz",
    "3.15KHz",
    "4KHz",
    "5KHz",
    "6.3KHz",
    "8KHz",
    "10KHz",
    "12.5KHz",
    "16KHz",
    "20KHz",
)
_THIRD = 10.0 * math.log10(3.0)


def trigger_name(trigger: float) -> str:
    """Return the name of the trigger an instrument's events carry."""
    return f"LAFMax over {trigger:g} dB"


def event_of(
    serial: str, trigger: float, source: Period, *, audio: bool = True
) -> tuple[int, dict[str, Any]]:
    """Return the start (POSIX s) and the record of a loud period's noise event.

    The event lies inside the period: it is the period's loudest moment. Three
    in four have audio, where the instrument records it (``audio``).
    """
    spare = max(0.0, source.length - source.seconds)
    start = source.start + int(source.offset * spare)
    end = start + max(1, int(source.seconds))
    return start, event_record(
        serial,
        start=datetime.fromtimestamp(start, UTC),
        end=datetime.fromtimestamp(end, UTC),
        level=source.values["LAFMax"],
        name=trigger_name(trigger),
        audio=audio and source.hash & 3 != 0,
        seed=source.hash,
    )


def event_record(
    serial: str,
    *,
    start: datetime,
    end: datetime | None,
    level: float,
    type: str = EVENT_TYPE,
    name: str | None = None,
    audio: bool = True,
    seed: int | None = None,
) -> dict[str, Any]:
    """Return a noise event as ``/data/events`` answers it.

    ``seed`` draws its spectra and identifiers; None draws them from its
    instrument and start.
    """
    site = Site.of(serial)
    if seed is None:
        seed = mix(site.seed ^ int(start.timestamp()))
    draw = mix(seed ^ 0x5EED)
    a, b, c, _ = units(draw)
    leq = level - 3.0 - 3.0 * a
    octaves = _spectrum(leq + site.rumble + 1.0, draw)
    thirds = [
        round(band - _THIRD + 1.2 * (part - 1) * (b - 0.5), 1)
        for band in octaves
        for part in range(3)
    ]
    return {
        "type": type,
        "name": name,
        "level": round(level, 1),
        "startTime": iso(start),
        "endTime": iso(end) if end is not None else None,
        "audioTime": iso(start - timedelta(seconds=5)) if audio else None,
        "instrument": serial,
        "overall": [
            {"name": "LAFMax", "value": round(level, 1)},
            {"name": "LAeq", "value": round(leq, 1)},
            {"name": "LCPeak", "value": round(level + 13.0 + 4.0 * c, 1)},
        ],
        "octave": [
            {"name": band, "value": round(value, 1)}
            for band, value in zip(OCTAVES, octaves, strict=True)
        ],
        "thirdOctave": [
            {"name": band, "value": value}
            for band, value in zip(THIRD_OCTAVES, thirds, strict=True)
        ],
        "timeHistoryId": draw >> 34,
        "audioId": f"{serial}-{draw & 0xFFFFFFFF:08x}" if audio else None,
    }


def _spectrum(lzeq: float, draw: int) -> list[float]:
    """Return octave levels whose energy adds up to ``lzeq``."""
    raw = [
        shape + 2.0 * (units(mix(draw ^ index))[0] - 0.5)
        for index, shape in enumerate(SPECTRUM)
    ]
    total = 10.0 * math.log10(sum(10.0 ** (level / 10.0) for level in raw))
    return [level + lzeq - total for level in raw]
