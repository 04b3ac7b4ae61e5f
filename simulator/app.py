"""A MyCirrus cloud simulator: the documented API as an aiohttp web app.

Tests and ``scripts/develop`` talk to it over real HTTP. Everything about it is
set from Python (``Simulator`` methods) or from its command line.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web

ALL_SCOPES = frozenset(
    {
        "instruments:read",
        "instruments:write",
        "instruments:action",
    }
)
DEFAULT_API_KEY = "mycirrus-000001-0123456789ABCDEF"

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "not_json",
    "wrong_shape",
    "missing_fields",
    "wrong_types",
    "slow",
    "not_found",
    "forbidden",
    "raw",
    "reset",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def iso(moment: datetime) -> str:
    """Format a moment the way the API does: ISO 8601 UTC with Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SimInstrument:
    """One simulated instrument and its state."""

    serial: str
    name: str
    model: str = "CR:900"
    type: str = "Noise"
    features: list[str] = field(default_factory=lambda: ["SIC", "Modem"])
    online: bool = True
    measuring: bool = True
    calibration_in_progress: bool = False
    sic_in_progress: bool = False
    last_calibration: dict[str, Any] | None = None
    last_sic: dict[str, Any] | None = None
    # What the next calibration or SIC will report, and when each one ends.
    next_calibration_status: str = "Success"
    next_sic_status: str = "Success"
    calibration_ends: datetime | None = None
    sic_ends: datetime | None = None
    latitude: float | None = 51.97
    longitude: float | None = -0.25

    def info(self) -> dict[str, Any]:
        """Return the instrument as the API's Instrument object."""
        position: dict[str, float] = {}
        if self.latitude is not None and self.longitude is not None:
            position = {"latitude": self.latitude, "longitude": self.longitude}
        return {
            "type": self.type,
            "serialNumber": self.serial,
            "model": self.model,
            "name": self.name,
            "image": f"https://mycirrus.cloud/images/{self.model.replace(':', '')}.png",
            "subscription": {"status": "Active", "tier": "Pro", "addons": ["Audio"]},
            "position": position,
            "feature": list(self.features),
        }

    def status(self) -> dict[str, Any]:
        """Return the instrument's Status object."""
        return {
            "online": self.online,
            "measuring": self.measuring,
            "calibrationInProgress": self.calibration_in_progress,
            "sicInProgress": self.sic_in_progress,
            "lastCalibration": self.last_calibration,
            "lastSic": self.last_sic,
        }


@dataclass
class Fault:
    """A fault the simulator injects into matching requests."""

    kind: FaultKind
    serial: str | None = None
    endpoint: str | None = None
    remaining: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    # For "raw": the HTTP status and JSON body to answer with (None: empty body).
    status: int = 200
    body: Any = None

    def matches(self, endpoint: str, serial: str | None) -> bool:
        """Return whether this fault applies to a request."""
        return (self.serial is None or self.serial == serial) and (
            self.endpoint is None or self.endpoint == endpoint
        )


class Simulator:
    """The simulated MyCirrus cloud: accounts, instruments, faults, counters."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        latency: float = 0.0,
        calibration_duration: timedelta = timedelta(seconds=90),
        sic_duration: timedelta = timedelta(seconds=45),
    ) -> None:
        """Create an empty cloud; add keys and instruments before use."""
        self._now = now or (lambda: datetime.now(UTC))
        self.latency = latency
        self.calibration_duration = calibration_duration
        self.sic_duration = sic_duration
        self.instruments: dict[str, SimInstrument] = {}
        self.keys: dict[str, frozenset[str]] = {}
        self.key_instruments: dict[str, set[str] | None] = {}
        self.faults: list[Fault] = []
        self.requests: Counter[str] = Counter()
        self.status_requests: Counter[str] = Counter()
        self.seen_keys: Counter[str] = Counter()

    # -- set-up ------------------------------------------------------------

    def add_key(
        self,
        key: str = DEFAULT_API_KEY,
        *,
        scopes: frozenset[str] | set[str] = ALL_SCOPES,
        instruments: set[str] | None = None,
    ) -> str:
        """Accept ``key`` with ``scopes``; it sees ``instruments`` (None: all)."""
        self.keys[key] = frozenset(scopes)
        self.key_instruments[key] = instruments
        return key

    def revoke_key(self, key: str) -> None:
        """Make every request with ``key`` answer 401."""
        self.keys.pop(key, None)

    def add_instrument(
        self, serial: str, name: str | None = None, **kwargs: Any
    ) -> SimInstrument:
        """Add an instrument to the cloud."""
        instrument = SimInstrument(
            serial=serial, name=name or f"Monitor {serial}", **kwargs
        )
        self.instruments[serial] = instrument
        return instrument

    def add_demo_instruments(self, count: int) -> None:
        """Add ``count`` instruments in a variety of plausible states."""
        now = self._now()
        for index in range(count):
            serial = f"QT{100001 + index}"
            instrument = self.add_instrument(serial, f"Noise monitor {index + 1}")
            instrument.last_calibration = {
                "time": iso(now - timedelta(days=3, hours=index)),
                "level": round(93.7 + 0.1 * (index % 5), 2),
                "offset": round(0.02 * (index % 7) - 0.04, 2),
                "status": "Success",
            }
            instrument.last_sic = {
                "time": iso(now - timedelta(hours=6 + index)),
                "status": "Success",
                "_500Hz": 94.0,
                "_1KHz": 94.1,
                "_8KHz": 93.9,
            }

    def remove_instrument(self, serial: str) -> None:
        """Delete an instrument: its calls answer 404 from now on."""
        self.instruments.pop(serial, None)

    def add_fault(
        self,
        kind: FaultKind,
        *,
        serial: str | None = None,
        endpoint: str | None = None,
        count: int | None = None,
        retry_after: str | None = None,
        delay: float = 0.0,
        status: int = 200,
        body: Any = None,
    ) -> Fault:
        """Inject a fault into matching requests ``count`` times (None: always)."""
        fault = Fault(kind, serial, endpoint, count, retry_after, delay, status, body)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    # -- behaviour over time -----------------------------------------------

    def start_action(self, serial: str, action: str) -> str:
        """Start an action as the API would; return its immediate status."""
        instrument = self.instruments[serial]
        now = self._now()
        if action == "Identify":
            return "Success"
        if not instrument.online:
            return "Failed"
        if action == "SIC":
            if "SIC" not in instrument.features:
                return "Failed"
            instrument.sic_in_progress = True
            instrument.sic_ends = now + self.sic_duration
        else:
            instrument.calibration_in_progress = True
            instrument.calibration_ends = now + self.calibration_duration
        return "InProgress"

    def advance(self) -> None:
        """Finish the calibrations and SICs whose time has come."""
        now = self._now()
        for instrument in self.instruments.values():
            if instrument.calibration_ends and now >= instrument.calibration_ends:
                instrument.calibration_in_progress = False
                instrument.calibration_ends = None
                previous = instrument.last_calibration or {}
                instrument.last_calibration = {
                    "time": iso(now),
                    "level": previous.get("level", 93.8),
                    "offset": previous.get("offset", 0.0),
                    "status": instrument.next_calibration_status,
                }
            if instrument.sic_ends and now >= instrument.sic_ends:
                instrument.sic_in_progress = False
                instrument.sic_ends = None
                failed = instrument.next_sic_status != "Success"
                instrument.last_sic = {
                    "time": iso(now),
                    "status": instrument.next_sic_status,
                    "_500Hz": 71.2 if failed else 94.0,
                    "_1KHz": 94.1,
                    "_8KHz": 93.9,
                }

    # -- the web app -------------------------------------------------------

    def make_app(self) -> web.Application:
        """Return the aiohttp application serving the API under /v1."""
        app = web.Application(middlewares=[self._middleware])
        base = "/v1/control/instruments"
        app.router.add_get(base, self._list, name="instruments")
        app.router.add_get(base + "/{serial}", self._get, name="instrument")
        app.router.add_put(base + "/{serial}", self._rename, name="rename")
        app.router.add_get(base + "/{serial}/status", self._status, name="status")
        app.router.add_get(
            base + "/{serial}/calibration", self._calibration, name="calibration"
        )
        app.router.add_post(base + "/{serial}/action", self._action, name="action")
        app.router.add_get("/_simulator/requests", self._counters, name="counters")
        return app

    _SCOPES = {
        "instruments": "instruments:read",
        "instrument": "instruments:read",
        "status": "instruments:read",
        "calibration": "instruments:read",
        "rename": "instruments:write",
        "action": "instruments:action",
    }

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        endpoint = request.match_info.route.name
        if endpoint is None:
            return _error(404, "NotFound", "No such endpoint")
        if endpoint == "counters":  # the simulator's own, outside the API
            return await handler(request)
        serial = request.match_info.get("serial")
        key = request.headers.get("X-Api-Key", "")
        self._count(endpoint, serial, key)
        if self.latency:
            await asyncio.sleep(self.latency)
        self.advance()
        # Authentication and scope come first, then faults, then the instrument.
        if (answer := self._refuse_key(key, endpoint)) is not None:
            return answer
        if (answer := await self._answer_fault(request, endpoint, serial)) is not None:
            return answer
        if (answer := self._refuse_instrument(key, serial)) is not None:
            return answer
        return await handler(request)

    def _count(self, endpoint: str, serial: str | None, key: str) -> None:
        self.requests[endpoint] += 1
        if endpoint == "status" and serial is not None:
            self.status_requests[serial] += 1
        self.seen_keys[key] += 1

    async def _answer_fault(
        self, request: web.Request, endpoint: str, serial: str | None
    ) -> web.Response | None:
        """Return the answer an injected fault gives, or None to answer normally."""
        fault = self._take_fault(endpoint, serial)
        if fault is None:
            return None
        if fault.kind == "slow":
            # A slow answer is a normal one, later than the client will wait.
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "reset":
            # Drop the connection without an answer, as a failing proxy would.
            if request.transport is not None:
                request.transport.abort()
            return web.Response()
        return self._faulty(fault, serial)

    def _refuse_key(self, key: str, endpoint: str) -> web.Response | None:
        """Return the API's refusal of an unknown key or a missing scope."""
        if key not in self.keys:
            return _error(401, "TokenExpired", "The API key is invalid or has expired")
        if self._SCOPES[endpoint] not in self.keys[key]:
            return _error(403, "AccessDenied", "The API key lacks the required scope")
        return None

    def _refuse_instrument(self, key: str, serial: str | None) -> web.Response | None:
        """Return the API's refusal of an unknown or another account's instrument."""
        if serial is None:
            return None
        if serial not in self.instruments:
            return _error(404, "NotFound", f"Unknown instrument {serial}")
        visible = self.key_instruments.get(key)
        if visible is not None and serial not in visible:
            return _error(403, "AccessDenied", "The instrument is not on this account")
        return None

    def _take_fault(self, endpoint: str, serial: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.matches(endpoint, serial):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _faulty(fault: Fault, serial: str | None) -> web.Response:
        if fault.kind == "rate_limit":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return _error(429, "TooManyRequests", "Slow down", headers=headers)
        if fault.kind == "server_error":
            return _error(500, "InternalError", "Something went wrong")
        if fault.kind == "not_found":
            return _error(404, "NotFound", f"Unknown instrument {serial}")
        if fault.kind == "forbidden":
            return _error(403, "AccessDenied", "The instrument is not on this account")
        if fault.kind == "not_json":
            return web.Response(
                text="<html>Bad gateway</html>", content_type="text/html"
            )
        if fault.kind == "raw":
            if fault.body is None:
                return web.Response(status=fault.status)
            return web.json_response(fault.body, status=fault.status)
        if fault.kind == "wrong_shape":
            return web.json_response(["not", "an", "object"])
        if fault.kind == "missing_fields":
            return web.json_response({"online": True})
        return web.json_response(  # wrong_types
            {
                "online": "maybe",
                "measuring": 3,
                "calibrationInProgress": None,
                "sicInProgress": [],
                "lastCalibration": "yesterday",
                "lastSic": {"time": 12, "status": 5},
            }
        )

    def _visible(self, key: str) -> list[SimInstrument]:
        visible = self.key_instruments.get(key)
        return [
            instrument
            for serial, instrument in self.instruments.items()
            if visible is None or serial in visible
        ]

    async def _counters(self, request: web.Request) -> web.Response:
        """Return the request counters, for benchmarks in another process."""
        return web.json_response(
            {"requests": self.requests, "status_requests": self.status_requests}
        )

    async def _list(self, request: web.Request) -> web.Response:
        key = request.headers["X-Api-Key"]
        return web.json_response([i.info() for i in self._visible(key)])

    async def _get(self, request: web.Request) -> web.Response:
        return web.json_response(self.instruments[request.match_info["serial"]].info())

    async def _rename(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return _error(400, "MissingParam", 'Body must be {"name": "..."}')
        self.instruments[request.match_info["serial"]].name = body["name"]
        return web.Response(status=204)

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(
            self.instruments[request.match_info["serial"]].status()
        )

    async def _calibration(self, request: web.Request) -> web.Response:
        instrument = self.instruments[request.match_info["serial"]]
        if instrument.last_calibration is None:
            return _error(404, "NotFound", "The instrument has never been calibrated")
        return web.json_response(instrument.last_calibration)

    async def _action(self, request: web.Request) -> web.Response:
        action = request.query.get("action")
        if action not in ("Identify", "Calibration", "SIC"):
            return _error(
                400, "MissingParam", "action must be Identify, Calibration or SIC"
            )
        status = self.start_action(request.match_info["serial"], action)
        return web.json_response({"action": action, "status": status})


def _error(
    status: int, code: str, description: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": code, "description": description}, status=status, headers=headers
    )
