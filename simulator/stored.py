"""What the simulated cloud has stored: measurement periods, noise events, weather.

Nothing is kept but what cannot be computed: the levels the live websocket
sent (``live``) and the events tests add. Everything else is computed from
the instrument and the time (``periods``, ``events``, ``weather``).

Uploads: an instrument that is offline uploads nothing. What ends after its
uploads stopped (``SimInstrument.uploads_stopped``) waits until it is online
again, then appears at once, as a real instrument uploads its backlog; or,
with a ``backlog_delay``, its last hour at once and the rest that much later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
import math
from typing import Any

from .events import event_of
from .instrument import SimInstrument
from .periods import DEFAULT_VALUES, LiveLog, Site, may_exceed, period, recalculate
from .weather import reading

# Events remembered for their audio and time history, per kind of id.
REMEMBERED = 100_000
# A row of the measurements answer: serial, period start (POSIX s), length (s), values.
type Row = tuple[str, int, int, dict[str, float]]


@lru_cache(maxsize=65536)
def iso_at(moment: int) -> str:
    """Format a POSIX time as the API does: 2026-11-24T09:00:00Z."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# What a monitor back from an outage sends first, before its backlog.
NEWEST_FIRST = 3600.0


def track_uploads(instruments: Iterable[SimInstrument], now: datetime) -> None:
    """Note when each instrument's uploads stop (offline or held) and resume."""
    for instrument in instruments:
        stopped = not instrument.online or instrument.uploads_held
        if stopped and instrument.uploads_stopped is None:
            instrument.uploads_stopped = now
        elif not stopped and instrument.uploads_stopped is not None:
            back = now.timestamp()
            held = instrument.uploads_stopped.timestamp()
            if instrument.backlog_delay > 0 and back - NEWEST_FIRST > held:
                instrument.backlog = (
                    held,
                    back - NEWEST_FIRST,
                    back + instrument.backlog_delay,
                )
            instrument.uploads_stopped = None


def uploaded(
    instrument: SimInstrument, now: datetime
) -> tuple[float, tuple[float, float] | None]:
    """Return up to when the instrument's data has reached the cloud.

    POSIX seconds; and the span (from, to) of a backlog still on its way,
    whose data has not reached it either.
    """
    limit = now
    if instrument.uploads_stopped is not None:
        limit = min(limit, instrument.uploads_stopped)
    backlog = instrument.backlog
    if backlog is not None and now.timestamp() >= backlog[2]:
        instrument.backlog = backlog = None
    return limit.timestamp(), (backlog[0], backlog[1]) if backlog else None


def _arrived(end: float, limit: float, backlog: tuple[float, float] | None) -> bool:
    """Return whether data ending at ``end`` has reached the cloud."""
    return end <= limit and (backlog is None or not backlog[0] < end <= backlog[1])


def _first(start: float, step: int) -> int:
    """Return the first multiple of ``step`` at or after ``start``."""
    return math.ceil(start / step) * step


class StoredData:
    """The stored data of every instrument of the simulated cloud."""

    def __init__(self) -> None:
        """Start with nothing sent and nothing added."""
        self.live = LiveLog()
        # serial -> (start, end, record) of the events tests added.
        self.added: dict[str, list[tuple[float, float, dict[str, Any]]]] = {}
        # The events answered, by audio id and by time history id, as MyCirrus
        # finds an event's audio and time history (the oldest forgotten).
        self.by_audio: dict[str, dict[str, Any]] = {}
        self.by_time_history: dict[str, dict[str, Any]] = {}

    def remember(self, records: list[dict[str, Any]]) -> None:
        """Keep the events answered, for their audio and time history."""
        for record in records:
            for ids, key in (
                (self.by_audio, record.get("audioId")),
                (self.by_time_history, record.get("timeHistoryId")),
            ):
                if key is not None:
                    ids.pop(str(key), None)
                    ids[str(key)] = record
                    if len(ids) > REMEMBERED:
                        del ids[next(iter(ids))]

    def add_event(self, record: dict[str, Any], start: datetime, end: datetime) -> None:
        """Store an event a test made; it shows once it has ended and is uploaded."""
        self.added.setdefault(record["instrument"], []).append(
            (start.timestamp(), end.timestamp(), record)
        )

    def measurements(
        self,
        instrument: SimInstrument,
        span: tuple[float, float],
        now: datetime,
        names: list[str],
        length: int | None = None,
    ) -> list[Row]:
        """Return the uploaded periods that start within ``span`` (POSIX s).

        ``length``: recalculate to periods of that many seconds (a multiple of
        the instrument's own), else the instrument's own periods.
        """
        start, end = span
        serial = instrument.serial
        site = Site.of(serial)
        own = instrument.measurement_period * 60
        step = length or own
        limit, backlog = uploaded(instrument, now)
        full = any(name not in DEFAULT_VALUES for name in names)
        live = self.live.periods(serial, own, _first(start, step), end)
        rows: list[Row] = []
        moment = _first(start, step) - step
        while (moment := moment + step) < end and moment + step <= limit:
            if not _arrived(moment + step, limit, backlog):
                continue
            if step == own:
                values = period(site, moment, own, full=full, live=live.get(moment))
                values.values.update(instrument.period_values.get(moment, {}))
                chosen = {name: values.values[name] for name in names}
            else:
                parts = (
                    period(site, part, own, full=full, live=live.get(part)).values
                    for part in range(moment, moment + step, own)
                )
                chosen = recalculate(parts, names)
            rows.append((serial, moment, step, chosen))
        return rows

    def events(
        self, instrument: SimInstrument, span: tuple[float, float], now: datetime
    ) -> list[dict[str, Any]]:
        """Return the uploaded noise events that start within ``span`` (POSIX s).

        A period whose LAFMax is over the instrument's trigger holds one,
        unless a test added one to it.
        """
        start, end = span
        serial = instrument.serial
        own = instrument.measurement_period * 60
        limit, backlog = uploaded(instrument, now)
        found: list[tuple[float, dict[str, Any]]] = []
        taken: set[int] = set()
        for begins, ends, record in self.added.get(serial, []):
            taken.add(int(begins // own * own))
            if start <= begins < end and _arrived(ends, limit, backlog):
                found.append((begins, record))
        trigger = instrument.event_trigger
        if trigger is not None:
            site = Site.of(serial)
            first = int(start // own * own)
            live = self.live.periods(serial, own, first, end)
            for moment in range(first, math.ceil(end), own):
                if moment + own > limit:
                    break
                if not _arrived(moment + own, limit, backlog):
                    continue
                bucket = live.get(moment)
                if moment in taken or (
                    bucket is None and not may_exceed(site, moment, own, trigger)
                ):
                    continue
                source = period(site, moment, own, live=bucket)
                if source.values["LAFMax"] > trigger:
                    begins, event = event_of(
                        serial, trigger, source, audio=instrument.has_audio
                    )
                    if start <= begins < end:
                        found.append((begins, event))
        found.sort(key=lambda item: item[0])
        records = [record for _, record in found]
        self.remember(records)
        return records

    def weather(
        self, instrument: SimInstrument, span: tuple[float, float], now: datetime
    ) -> list[dict[str, Any]]:
        """Return the uploaded weather minutes that start within ``span`` (POSIX s).

        Only an instrument with the Weather feature has any;
        ``weather_override`` replaces the values it names.
        """
        if "Weather" not in instrument.features:
            return []
        start, end = span
        serial = instrument.serial
        site = Site.of(serial)
        limit, backlog = uploaded(instrument, now)
        records: list[dict[str, Any]] = []
        minute = _first(start, 60) - 60
        while (minute := minute + 60) < end and minute + 60 <= limit:
            if not _arrived(minute + 60, limit, backlog):
                continue
            record: dict[str, Any] = {"time": iso_at(minute), "instrument": serial}
            record.update(reading(site, minute))
            record.update(instrument.weather_override)
            records.append(record)
        return records
