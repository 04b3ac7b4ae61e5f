"""The stored data calls of the client: measurements, noise events, weather."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any

from .body import decode_body
from .data import (
    Measurement,
    NoiseEvent,
    WeatherRecord,
    api_time,
    as_utc,
    parse_events,
    parse_measurements,
    parse_weather,
    requested_values,
    time_windows,
)
from .serial import validate_serial

type _Parser[RecordT] = Callable[..., list[RecordT]]


class StoredDataCalls(ABC):
    """The stored data calls of ``MyCirrusClient``, which makes the requests."""

    _run_blocking: Callable[..., Awaitable[Any]]

    @abstractmethod
    async def _fetch_raw(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[bytes, int]:
        """Make one request; return its body as received and its status."""

    @abstractmethod
    def _excerpt(self, text: str) -> str:
        """Return the start of a body for an error message, without the API key."""

    async def measurements(
        self,
        serials: Iterable[str],
        start: datetime,
        end: datetime,
        values: Iterable[str] | None = None,
    ) -> list[Measurement]:
        """Return the stored measurement periods that start from ``start`` to ``end``.

        ``values`` names the values to ask for, in any letter case (None: the
        API's default, LAeq, LCPeak and LAFMax); a name that is not a stored
        value raises ValueError. See ``_stored`` for the rest.
        """
        params: dict[str, str] = {}
        if values is not None:
            params["values"] = ",".join(requested_values(values))
        return await self._stored(
            "measurements",
            "/data/noise/measurements",
            serials,
            start,
            end,
            params=params,
            parse=parse_measurements,
            identity=lambda measurement: (measurement.instrument, measurement.start),
        )

    async def events(
        self, serials: Iterable[str], start: datetime, end: datetime
    ) -> list[NoiseEvent]:
        """Return the noise events that start from ``start`` to ``end``.

        See ``_stored``.
        """
        return await self._stored(
            "events",
            "/data/events",
            serials,
            start,
            end,
            parse=parse_events,
            identity=lambda event: event,
        )

    async def weather(
        self, serials: Iterable[str], start: datetime, end: datetime
    ) -> list[WeatherRecord]:
        """Return the weather records from ``start`` to ``end``.

        Only instruments with the Weather feature have any. See ``_stored``.
        """
        return await self._stored(
            "weather",
            "/data/weather",
            serials,
            start,
            end,
            parse=parse_weather,
            identity=lambda record: (record.instrument, record.time),
        )

    async def _stored[RecordT](
        self,
        name: str,
        path: str,
        serials: Iterable[str],
        start: datetime,
        end: datetime,
        *,
        parse: _Parser[RecordT],
        identity: Callable[[RecordT], Hashable],
        params: Mapping[str, str] | None = None,
    ) -> list[RecordT]:
        """Ask a stored-data endpoint about several instruments over a time range.

        One request asks for every serial, per window of at most MAX_DATA_SPAN
        (the API refuses longer ones); the records follow in window order. A
        record that a window shares with the one before (a period starting on
        the boundary) is kept once. No serial, or ``end == start``: no
        request. Naive times are UTC; ``end`` before ``start`` is a ValueError.
        Each answer is decoded and parsed by ``_run_blocking``: a month of
        periods is megabytes of JSON.
        """
        wanted = list(dict.fromkeys(validate_serial(serial) for serial in serials))
        start, end = as_utc(start), as_utc(end)
        if end < start:
            raise ValueError("The end of a time range comes before its start")
        records: list[RecordT] = []
        if not wanted:
            return records
        previous: set[Hashable] = set()
        for window_start, window_end in time_windows(start, end):
            answer = await self._fetch_raw(
                name,
                "GET",
                path,
                params={
                    "instruments": ",".join(wanted),
                    "start": api_time(window_start),
                    "end": api_time(window_end),
                    **(params or {}),
                },
            )
            found, previous = await self._run_blocking(
                _parse_new, answer, parse, identity, previous, self._excerpt
            )
            records.extend(found)
        return records


def _parse_new[RecordT](
    answer: tuple[bytes, int],
    parse: _Parser[RecordT],
    identity: Callable[[RecordT], Hashable],
    previous: set[Hashable],
    excerpt: Callable[[str], str],
) -> tuple[list[RecordT], set[Hashable]]:
    """Return an answer's new records (not in ``previous``) and every record's key.

    ``answer`` is the body and its HTTP status. Decoding and parsing:
    CPU-bound for a large answer.
    """
    body, text = decode_body(*answer)
    found = parse(body, text=excerpt(text))
    keys = [identity(record) for record in found]
    new = [
        record for record, key in zip(found, keys, strict=True) if key not in previous
    ]
    return new, set(keys)
