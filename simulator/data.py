"""The stored data endpoints: measurements, noise events and weather.

Each takes ``instruments`` (repeated and/or comma-separated), ``start`` and
``end`` (ISO 8601; without a zone, UTC), at most 31 days apart, and answers
what starts from ``start`` up to (not including) ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
import json
import re
from typing import TYPE_CHECKING

from aiohttp import web

from .monitor import requested_serials
from .periods import BY_LOWER, DEFAULT_VALUES, STATISTICAL
from .rest import KEY, json_error

if TYPE_CHECKING:
    from .instrument import SimInstrument
    from .state import Cloud

MAX_SPAN = timedelta(days=31)
MAX_PERIOD = 86400
_DURATION = re.compile(
    r"P(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)
_dumps = partial(json.dumps, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Asked:
    """What a stored data request asks for."""

    instruments: list[SimInstrument]
    span: tuple[float, float]  # POSIX seconds


def parse_time(text: str) -> datetime | None:
    """Return an ISO 8601 time in UTC (naive: UTC), else None."""
    # A '+' the client did not encode arrives as a space.
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_period(text: str) -> int | None:
    """Return a whole-second ISO 8601 duration ("PT15M") in seconds, else None."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or text.strip().upper() in ("P", "PT"):
        return None
    parts = {unit: int(n) for unit, n in match.groupdict().items() if n is not None}
    seconds = int(timedelta(**parts).total_seconds())
    return seconds or None


class DataApi:
    """The stored data endpoints of a simulator."""

    def __init__(self, cloud: Cloud) -> None:
        """Serve ``cloud``'s stored data."""
        self._sim = cloud

    def add_routes(self, app: web.Application) -> None:
        """Add the endpoints, named as the counters and faults know them."""
        app.router.add_get(
            "/v1/data/noise/measurements", self._measurements, name="measurements"
        )
        app.router.add_get("/v1/data/events", self._events, name="events")
        app.router.add_get("/v1/data/weather", self._weather, name="weather")

    async def _measurements(self, request: web.Request) -> web.Response:
        asked = self._asked(request)
        if isinstance(asked, web.Response):
            return asked
        names = _value_names(request)
        if names is None:
            return json_error(
                400, "InvalidParam", "values: none of the value names is known"
            )
        length: int | None = None
        if (text := _param(request, "period")) is not None:
            length = parse_period(text)
            refusal = _refuse_period(length, names, asked.instruments)
            if refusal is not None:
                return json_error(400, "InvalidParam", refusal)
        now = self._sim.now()
        rows = [
            row
            for instrument in asked.instruments
            for row in self._sim.stored.measurements(
                instrument, asked.span, now, names, length
            )
        ]
        body = self._sim.measurement_shape.render(rows, names)
        return web.json_response(body, dumps=_dumps)

    async def _events(self, request: web.Request) -> web.Response:
        asked = self._asked(request)
        if isinstance(asked, web.Response):
            return asked
        now = self._sim.now()
        stored = self._sim.stored
        body = [
            event
            for instrument in asked.instruments
            for event in stored.events(instrument, asked.span, now)
        ]
        return web.json_response(body, dumps=_dumps)

    async def _weather(self, request: web.Request) -> web.Response:
        asked = self._asked(request)
        if isinstance(asked, web.Response):
            return asked
        now = self._sim.now()
        stored = self._sim.stored
        body = [
            record
            for instrument in asked.instruments
            for record in stored.weather(instrument, asked.span, now)
        ]
        return web.json_response(body, dumps=_dumps)

    def _asked(self, request: web.Request) -> Asked | web.Response:
        """Return what the request asks for, or the API's refusal of it."""
        serials = requested_serials(request.query)
        texts = {name: _param(request, name) for name in ("start", "end")}
        missing = [name for name, text in texts.items() if not text]
        if not serials:
            missing.insert(0, "instruments")
        if missing:
            return json_error(404, "MissingParam", f"Missing: {', '.join(missing)}")
        times = {name: parse_time(text or "") for name, text in texts.items()}
        start, end = times["start"], times["end"]
        if start is None or end is None:
            wrong = ", ".join(name for name, time in times.items() if time is None)
            return json_error(
                400, "InvalidParam", f"{wrong}: not an ISO 8601 date and time"
            )
        if not start < end <= start + MAX_SPAN:
            return json_error(
                400, "InvalidRange", "end must follow start by at most 31 days"
            )
        instruments: list[SimInstrument] = []
        for serial in serials:
            instrument = self._sim.instruments.get(serial)
            if instrument is None:
                return json_error(404, "NotFound", f"Unknown instrument {serial}")
            if not self._sim.can_see(request[KEY], serial):
                return json_error(
                    403, "AccessDenied", "The instrument is not on this account"
                )
            instruments.append(instrument)
        endpoint = request.match_info.route.name or ""
        self._sim.data_requests.append((endpoint, tuple(serials), start, end))
        return Asked(instruments, (start.timestamp(), end.timestamp()))


def _param(request: web.Request, name: str) -> str | None:
    """Return a query parameter, its name in any letter case."""
    return next((v for k, v in request.query.items() if k.lower() == name), None)


def _value_names(request: web.Request) -> list[str] | None:
    """Return the known value names asked for (default: three); None if none is."""
    asked = [
        name.strip()
        for key, value in request.query.items()
        if key.lower() == "values"
        for name in value.split(",")
        if name.strip()
    ]
    if not asked:
        return list(DEFAULT_VALUES)
    known = [BY_LOWER[n.lower()] for n in asked if n.lower() in BY_LOWER]
    return list(dict.fromkeys(known)) or None


def _refuse_period(
    length: int | None, names: list[str], instruments: list[SimInstrument]
) -> str | None:
    """Return why a recalculation period cannot be served, or None if it can."""
    if length is None or length > MAX_PERIOD:
        return "period: an ISO 8601 duration of whole seconds, at most P1D"
    if any(name in STATISTICAL for name in names):
        return "period: statistical levels cannot be recalculated"
    for instrument in instruments:
        own = instrument.measurement_period * 60
        if length < own or length % own:
            return (
                f"period: a multiple of {instrument.serial}'s measurement "
                f"period of {instrument.measurement_period} minutes"
            )
    return None
