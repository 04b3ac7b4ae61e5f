"""The simulated REST API: the checks every call passes, the instrument calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from .state import Fault

if TYPE_CHECKING:
    from .state import Cloud

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Where the middleware leaves the request's API key for the handlers.
KEY = "mycirrus_api_key"

# The scopes each endpoint needs: one, or all of several.
SCOPES: dict[str, str | tuple[str, ...]] = {
    "instruments": "instruments:read",
    "instrument": "instruments:read",
    "status": "instruments:read",
    "calibration": "instruments:read",
    "rename": "instruments:write",
    "action": "instruments:action",
    "monitor": "data.system:read",
    "measurements": "data.noise:read",
    "events": "data.events:read",
    "weather": "data.enviro:read",
    "live": "instruments:read",
    "event_time_history": "data.events:read",
    "event_audio": ("data.events:read", "data.audio:read"),
    "recordings": "data.audio:read",
    "recording_audio": "data.audio:read",
}

# The pieces a "huge" answer is streamed in.
HUGE_CHUNK = 256 * 1024
# Valid JSON up to a byte that no UTF-8 text contains.
NOT_UTF8 = b'{"online": tr\xff\xfe}'


def json_error(
    status: int, code: str, description: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """Return the API's error answer."""
    return web.json_response(
        {"error": code, "description": description}, status=status, headers=headers
    )


def request_key(request: web.Request, endpoint: str) -> str:
    """Return the request's API key.

    The vendor's websocket examples pass it in the query string, with the
    parameter's name in any case.
    """
    key = request.headers.get("X-Api-Key")
    if key is None and endpoint == "live":
        key = next(
            (v for k, v in request.query.items() if k.lower() == "x-api-key"), None
        )
    return key or ""


class RestApi:
    """The REST endpoints of a simulator, and the checks every call passes."""

    def __init__(self, cloud: Cloud) -> None:
        """Serve ``cloud``'s state."""
        self._sim = cloud

    def add_routes(self, app: web.Application) -> None:
        """Add the instrument endpoints and the simulator's counters."""
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

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Count, delay, authenticate and break requests as configured."""
        endpoint = request.match_info.route.name
        if endpoint is None:
            return json_error(404, "NotFound", "No such endpoint")
        if request.path.startswith("/_simulator/"):
            # The simulator's own counters and controls, outside the API.
            return await handler(request)
        serial = request.match_info.get("serial")
        key = request_key(request, endpoint)
        request[KEY] = key
        self._sim.count_request(endpoint, serial, key)
        answer = await self._answer(request, handler, endpoint, serial, key)
        if endpoint == "live" and not isinstance(answer, web.WebSocketResponse):
            self._sim.ws_refused[request.match_info["serial"]] += 1
        return answer

    async def _answer(
        self,
        request: web.Request,
        handler: Handler,
        endpoint: str,
        serial: str | None,
        key: str,
    ) -> web.StreamResponse:
        await self._sim.wait_holds(endpoint, serial)
        if self._sim.latency:
            await asyncio.sleep(self._sim.latency)
        self._sim.advance()
        # Authentication and scope come first, then faults, then the instrument.
        if (answer := self._refuse_key(key, endpoint)) is not None:
            return answer
        if (answer := await self._answer_fault(request, endpoint, serial)) is not None:
            return answer
        if (answer := self._refuse_instrument(key, serial)) is not None:
            return answer
        return await handler(request)

    async def _answer_fault(
        self, request: web.Request, endpoint: str, serial: str | None
    ) -> web.Response | None:
        """Return the answer an injected fault gives, or None to answer normally."""
        fault = self._sim.take_fault(endpoint, serial)
        if fault is None:
            return None
        if fault.kind == "slow":
            # A slow answer is a normal one, later than the client will wait.
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "huge":
            return await huge_answer(request, fault.size)
        if fault.kind == "reset":
            # Drop the connection without an answer, as a failing proxy would.
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        return faulty(fault, serial)

    def _refuse_key(self, key: str, endpoint: str) -> web.Response | None:
        """Return the API's refusal of an unknown key or a missing scope."""
        if key not in self._sim.keys:
            return json_error(
                401, "TokenExpired", "The API key is invalid or has expired"
            )
        needed = SCOPES[endpoint]
        if not self._sim.keys[key].issuperset(
            (needed,) if isinstance(needed, str) else needed
        ):
            return json_error(
                403, "AccessDenied", "The API key lacks the required scope"
            )
        return None

    def _refuse_instrument(self, key: str, serial: str | None) -> web.Response | None:
        """Return the API's refusal of an unknown or another account's instrument."""
        if serial is None:
            return None
        if serial not in self._sim.instruments:
            return json_error(404, "NotFound", f"Unknown instrument {serial}")
        if not self._sim.can_see(key, serial):
            return json_error(
                403, "AccessDenied", "The instrument is not on this account"
            )
        return None

    async def _counters(self, request: web.Request) -> web.Response:
        """Return the request counters, for benchmarks in another process."""
        sim = self._sim
        return web.json_response(
            {
                "requests": sim.requests,
                "status_requests": sim.status_requests,
                "ws": {
                    "connects": sim.ws_connects,
                    "refused": sim.ws_refused,
                    "open": sim.ws_open,
                    "received": sim.ws_received,
                    "sent": sim.ws_sent,
                },
            }
        )

    async def _list(self, request: web.Request) -> web.Response:
        return web.json_response([i.info() for i in self._sim.visible(request[KEY])])

    async def _get(self, request: web.Request) -> web.Response:
        return web.json_response(
            self._sim.instruments[request.match_info["serial"]].info()
        )

    async def _rename(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return json_error(400, "MissingParam", 'Body must be {"name": "..."}')
        self._sim.instruments[request.match_info["serial"]].name = body["name"]
        return web.Response(status=204)

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(
            self._sim.instruments[request.match_info["serial"]].status()
        )

    async def _calibration(self, request: web.Request) -> web.Response:
        instrument = self._sim.instruments[request.match_info["serial"]]
        if instrument.last_calibration is None:
            return json_error(
                404, "NotFound", "The instrument has never been calibrated"
            )
        return web.json_response(instrument.last_calibration)

    async def _action(self, request: web.Request) -> web.Response:
        action = request.query.get("action")
        if action not in ("Identify", "Calibration", "SIC"):
            return json_error(
                400, "MissingParam", "action must be Identify, Calibration or SIC"
            )
        status = self._sim.start_action(request.match_info["serial"], action)
        return web.json_response({"action": action, "status": status})


async def huge_answer(request: web.Request, size: int) -> web.StreamResponse:
    """Stream ``size`` bytes of FLAC-looking audio without saying how long."""
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = bytes(HUGE_CHUNK)
    sent = 0
    try:
        await response.write(b"fLaC" + chunk[4:])
        sent = len(chunk)
        while sent < size:
            await response.write(chunk)
            sent += len(chunk)
        await response.write_eof()
    except ConnectionError:
        pass  # the client stopped reading, as it should past its limit
    return response


def faulty(fault: Fault, serial: str | None) -> web.Response:
    """Return the answer of a fault that replaces the normal one."""
    if fault.kind == "rate_limit":
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        return json_error(429, "TooManyRequests", "Slow down", headers=headers)
    if fault.kind == "server_error":
        return json_error(500, "InternalError", "Something went wrong")
    if fault.kind == "not_found":
        return json_error(404, "NotFound", f"Unknown instrument {serial}")
    if fault.kind == "forbidden":
        return json_error(403, "AccessDenied", "The instrument is not on this account")
    if fault.kind == "not_json":
        return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
    if fault.kind == "not_utf8":
        return web.Response(
            body=NOT_UTF8, content_type="application/json", charset="utf-8"
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
