"""The simulator's control endpoints, for a benchmark that drives it from afar.

Like the counters, they are the simulator's own, outside the API: no key, no
latency, not counted.

- ``POST /_simulator/instruments/{serial}`` with a JSON object of
  ``SimInstrument`` attributes (e.g. ``{"measuring": false}``) sets them and
  pushes the new status to the open websockets; it answers the status.
- ``POST /_simulator/live`` with ``{"period": seconds}`` sends live data every
  ``period`` seconds from now on (0: stop); with ``"values": {name: dB}`` it
  sends those values, steady, instead of the generated ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .instrument import SimInstrument
from .rest import json_error

if TYPE_CHECKING:
    from .state import Cloud

# What a JSON body may set: not the serial (the key of the instrument), nor the
# moments the simulator keeps as datetimes.
SETTABLE = frozenset(f.name for f in fields(SimInstrument)) - {
    "serial",
    "calibration_ends",
    "sic_ends",
    "boot_time",
    "uploads_stopped",
    "backlog",
}


class ControlApi:
    """The control endpoints of a simulator."""

    def __init__(
        self,
        cloud: Cloud,
        set_live_period: Callable[[float, dict[str, float] | None], None],
    ) -> None:
        """Drive ``cloud``; ``set_live_period`` starts or stops the live data."""
        self._sim = cloud
        self._set_live_period = set_live_period

    def add_routes(self, app: web.Application) -> None:
        """Add the endpoints under /_simulator."""
        app.router.add_post(
            "/_simulator/instruments/{serial}", self._update, name="control"
        )
        app.router.add_post("/_simulator/live", self._live_period, name="live_period")

    async def _update(self, request: web.Request) -> web.Response:
        serial = request.match_info["serial"]
        body = await _json_object(request)
        if body is None:
            return json_error(
                400, "BadRequest", "Body must be a JSON object of attributes"
            )
        if serial not in self._sim.instruments:
            return json_error(404, "NotFound", f"Unknown instrument {serial}")
        if unknown := sorted(set(body) - SETTABLE):
            return json_error(400, "BadRequest", f"Cannot set {', '.join(unknown)}")
        return web.json_response(self._sim.update(serial, **body).status())

    async def _live_period(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        period = None if body is None else body.get("period")
        values = None if body is None else body.get("values")
        if (
            not isinstance(period, int | float)
            or isinstance(period, bool)
            or period < 0
            or not (values is None or _levels(values))
        ):
            return json_error(
                400,
                "BadRequest",
                'Body must be {"period": seconds >= 0, "values": {name: dB}}',
            )
        self._set_live_period(float(period), values)
        return web.json_response({"period": self._sim.live_period})


def _levels(values: Any) -> bool:
    """Return whether ``values`` names levels: {"LAeq": 70.0, ...}."""
    return isinstance(values, dict) and all(
        isinstance(name, str)
        and isinstance(level, int | float)
        and not isinstance(level, bool)
        for name, level in values.items()
    )


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    """Return the request's body if it is a JSON object, else None."""
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
