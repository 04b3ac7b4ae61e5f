"""Stored noise data, noise events and weather: the models and their parsers.

The measurements answer is not documented. The parser accepts flat records
(``{"time", "instrument", "LAeq": 55.1}``), records with a ``values`` list of
``{"name", "value"}`` (or an object of name to value), and either of them
wrapped in an object, with keys in any letter case. A body in none of these
shapes raises MyCirrusBodyShapeError; single records that cannot be used are
left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
import json
import logging
from typing import Any, Final

from ._parse import Fields, as_datetime, as_duration, as_float, as_id, as_str
from .exceptions import MyCirrusBodyShapeError

_LOGGER = logging.getLogger(__name__)

MAX_DATA_SPAN: Final = timedelta(days=31)
DEFAULT_MEASUREMENT_VALUES: Final = ("LAeq", "LCPeak", "LAFMax")
MEASUREMENT_VALUES: Final[tuple[str, ...]] = (
    # Equivalent continuous levels, sound exposure levels, daily exposure.
    "LAeq",
    "LCeq",
    "LZeq",
    "LAE",
    "LCE",
    "LZE",
    "LEX8",
    # Peaks.
    "LAPeak",
    "LCPeak",
    "LZPeak",
    # Maxima: A, C or Z weighted, Fast, Slow or Impulse.
    "LAFMax",
    "LASMax",
    "LAIMax",
    "LCFMax",
    "LCSMax",
    "LCIMax",
    "LZFMax",
    "LZSMax",
    "LZIMax",
    # Statistical levels: exceeded for 1 % ... 99 % of the period.
    "LAF1",
    "LAF5",
    "LAF10",
    "LAF50",
    "LAF90",
    "LAF95",
    "LAF99",
    # The highest moving averages over the instrument's two set lengths.
    "LeqT1Max",
    "LeqT2Max",
)
EXCERPT_LENGTH: Final = 200

_CANONICAL: Final = {name.lower(): name for name in MEASUREMENT_VALUES}
_INSTRUMENT: Final = ("instrument", "serialNumber", "serial")
# Where a wrapping object may keep the records, after the endpoint's own name.
_WRAPPERS: Final = ("data", "records", "items", "results")
_MAX_WRAPPING: Final = 3
_WEATHER: Final = (
    "windSpeed",
    "windDirection",
    "temperature",
    "pressure",
    "humidity",
    "precipitation",
)


def canonical_value_name(name: str) -> str | None:
    """Return a stored value's name as the API documents it ("LAFmax" -> "LAFMax").

    None for a name that is not a stored value.
    """
    return _CANONICAL.get(name.lower()) if isinstance(name, str) else None


def requested_values(values: Iterable[str]) -> list[str]:
    """Return value names as the API documents them, each once, for a request.

    Raise ValueError for a name that is not a stored value, or for none at all.
    """
    names: list[str] = []
    for value in values:
        name = canonical_value_name(value)
        if name is None:
            raise ValueError(f"{value!r} is not a stored measurement value")
        names.append(name)
    if not names:
        raise ValueError("Ask for at least one value, or None for the default ones")
    return list(dict.fromkeys(names))


def as_utc(moment: datetime) -> datetime:
    """Return a moment in UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def api_time(moment: datetime) -> str:
    """Format a UTC moment as the API's times are: 2026-11-24T09:00:00Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def time_windows(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Split a time range into consecutive windows of at most MAX_DATA_SPAN."""
    while start < end:
        window_end = min(start + MAX_DATA_SPAN, end)
        yield start, window_end
        start = window_end


@dataclass(frozen=True, kw_only=True, slots=True)
class Measurement:
    """One stored measurement period of one instrument.

    ``start`` is the start of the period; ``period`` its length, where the
    answer says or its spacing shows; ``values`` maps canonical value names to
    levels in dB.
    """

    instrument: str
    start: datetime
    period: timedelta | None
    values: Mapping[str, float]


@dataclass(frozen=True, kw_only=True, slots=True)
class NoiseEvent:
    """A noise event an instrument recorded (a trigger level was crossed)."""

    instrument: str
    start: datetime
    end: datetime | None
    type: str | None
    name: str | None
    level: float | None
    audio_time: datetime | None
    time_history_id: str | None
    audio_id: str | None

    @property
    def duration(self) -> float | None:
        """Return the event's length in seconds, where its end is known."""
        return None if self.end is None else (self.end - self.start).total_seconds()

    @property
    def has_audio(self) -> bool:
        """Return whether audio was recorded with the event."""
        return self.audio_id is not None or self.audio_time is not None


@dataclass(frozen=True, kw_only=True, slots=True)
class WeatherRecord:
    """One weather reading of an instrument with the Weather feature."""

    instrument: str
    time: datetime
    wind_speed: float | None  # m/s
    wind_direction: float | None  # degrees
    temperature: float | None  # °C
    pressure: float | None  # bar
    humidity: float | None  # %
    precipitation: float | None  # mm/h


def parse_measurements(body: Any, *, text: str | None = None) -> list[Measurement]:
    """Return the measurements of a ``/data/noise/measurements`` answer.

    ``text`` is the body as received, for the excerpt of the error raised
    when the body is in no known shape.
    """
    items, wrapper = _records(body, "measurements", text)
    default_period = as_duration(wrapper.get("period"))
    rows: list[tuple[str, datetime, timedelta | None, dict[str, float]]] = []
    known = skipped = 0
    for item in items:
        fields = Fields(item)
        instrument = as_str(fields.get(*_INSTRUMENT))
        start = as_datetime(fields.get("time", "startTime", "start"))
        values, named = _values(fields)
        if instrument is None or start is None or not named:
            skipped += _something(item)
            continue
        known += 1
        if not values:
            skipped += 1
            continue
        period = as_duration(fields.get("period")) or default_period
        rows.append((instrument, start, period, values))
    _check(known, skipped, "measurements", body, text)
    spacing = _spacing(rows)
    return [
        Measurement(
            instrument=instrument,
            start=start,
            period=period or spacing.get(instrument),
            values=values,
        )
        for instrument, start, period, values in rows
    ]


def parse_events(body: Any, *, text: str | None = None) -> list[NoiseEvent]:
    """Return the noise events of a ``/data/events`` answer."""
    items, _ = _records(body, "events", text)
    events: list[NoiseEvent] = []
    skipped = 0
    for item in items:
        fields = Fields(item)
        instrument = as_str(fields.get(*_INSTRUMENT))
        start = as_datetime(fields.get("startTime", "start"))
        if instrument is None or start is None:
            skipped += _something(item)
            continue
        end = as_datetime(fields.get("endTime", "end"))
        events.append(
            NoiseEvent(
                instrument=instrument,
                start=start,
                # An end before the start is a broken field, not a length.
                end=end if end is not None and end >= start else None,
                type=as_str(fields.get("type")),
                name=as_str(fields.get("name")),
                level=as_float(fields.get("level")),
                audio_time=as_datetime(fields.get("audioTime")),
                time_history_id=as_id(fields.get("timeHistoryId")),
                audio_id=as_id(fields.get("audioId")),
            )
        )
    _check(len(events), skipped, "events", body, text)
    return events


def parse_weather(body: Any, *, text: str | None = None) -> list[WeatherRecord]:
    """Return the weather records of a ``/data/weather`` answer."""
    items, _ = _records(body, "weather", text)
    records: list[WeatherRecord] = []
    known = skipped = 0
    for item in items:
        fields = Fields(item)
        instrument = as_str(fields.get(*_INSTRUMENT))
        time = as_datetime(fields.get("time"))
        if instrument is None or time is None or not fields.has(*_WEATHER):
            skipped += _something(item)
            continue
        known += 1
        readings = [as_float(fields.get(name)) for name in _WEATHER]
        if all(reading is None for reading in readings):
            skipped += 1
            continue
        speed, direction, temperature, pressure, humidity, rain = readings
        records.append(
            WeatherRecord(
                instrument=instrument,
                time=time,
                wind_speed=speed,
                wind_direction=direction,
                temperature=temperature,
                pressure=pressure,
                humidity=humidity,
                precipitation=rain,
            )
        )
    _check(known, skipped, "weather", body, text)
    return records


def _records(body: Any, own: str, text: str | None) -> tuple[list[Any], Fields]:
    """Return the records of an answer and the object that wrapped them.

    Raise MyCirrusBodyShapeError when the answer is neither a list nor an
    object with a list under a known key.
    """
    wrapper = Fields(None)
    found = body
    for _ in range(_MAX_WRAPPING + 1):
        if isinstance(found, list):
            return found, wrapper
        if not isinstance(found, Mapping):
            break
        wrapper = Fields(found)
        found = next(
            (
                value
                for key in (own, *_WRAPPERS)
                if isinstance(value := wrapper.get(key), list | Mapping)
            ),
            None,
        )
    raise _shape_error(own, body, text)


def _values(fields: Fields) -> tuple[dict[str, float], bool]:
    """Return a record's known values, and whether it names any value at all.

    A record names values as flat keys, or in ``values``: a list of
    ``{"name", "value"}`` or an object of name to value.
    """
    values: dict[str, float] = {}
    named = False
    for key, value in fields.items():
        if (name := _CANONICAL.get(key)) is not None:
            named = True
            if (number := as_float(value)) is not None:
                values[name] = number
    nested = fields.get("values")
    pairs: list[tuple[Any, Any]] = []
    if isinstance(nested, list):
        named = True
        for entry in nested:
            entry_fields = Fields(entry)
            pairs.append((entry_fields.get("name", "type"), entry_fields.get("value")))
    elif isinstance(nested, Mapping):
        named = True
        pairs.extend(nested.items())
    for key, value in pairs:
        name = canonical_value_name(key)
        if name is not None and (number := as_float(value)) is not None:
            values[name] = number
    return values, named


def _spacing(
    rows: list[tuple[str, datetime, timedelta | None, dict[str, float]]],
) -> dict[str, timedelta]:
    """Return each instrument's most common gap between records (ties: the smaller)."""
    starts: defaultdict[str, set[datetime]] = defaultdict(set)
    for instrument, start, _, _ in rows:
        starts[instrument].add(start)
    spacing: dict[str, timedelta] = {}
    for instrument, moments in starts.items():
        ordered = sorted(moments)
        gaps = Counter(b - a for a, b in pairwise(ordered))
        if gaps:
            spacing[instrument] = min(gaps, key=lambda gap: (-gaps[gap], gap))
    return spacing


def _something(item: Any) -> bool:
    """Return whether a list item is more than an empty placeholder."""
    return item not in (None, "", [], {})


def _check(known: int, skipped: int, kind: str, body: Any, text: str | None) -> None:
    """Log the records left out; raise if none of the items was a record."""
    if skipped and not known:
        raise _shape_error(kind, body, text)
    if skipped:
        _LOGGER.debug(
            "Left out %d of the %s records: no time, no instrument or no value",
            skipped,
            kind,
        )


def _shape_error(kind: str, body: Any, text: str | None) -> MyCirrusBodyShapeError:
    if text is None:
        try:
            text = json.dumps(body, default=str)
        except (ValueError, RecursionError):  # a cycle, or nested beyond reason
            text = repr(type(body))
    return MyCirrusBodyShapeError(
        f"The {kind} answer is in none of the shapes the client knows",
        excerpt=text[:EXCERPT_LENGTH],
    )
