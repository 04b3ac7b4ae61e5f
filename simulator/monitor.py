"""GET /v1/data/monitor/current: the health of Quantum instruments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .rest import KEY, json_error

if TYPE_CHECKING:
    from multidict import MultiMapping

    from .state import Cloud


def requested_serials(query: MultiMapping[str]) -> list[str]:
    """Return the serials of ``instruments``, comma-separated and/or repeated."""
    serials = (
        serial.strip()
        for value in query.getall("instruments", [])
        for serial in value.split(",")
    )
    return list(dict.fromkeys(serial for serial in serials if serial))


class MonitorApi:
    """The monitor endpoint of a simulator."""

    def __init__(self, cloud: Cloud) -> None:
        """Serve ``cloud``'s instruments' health."""
        self._sim = cloud

    def add_routes(self, app: web.Application) -> None:
        """Add the endpoint, named "monitor" for counters and faults."""
        app.router.add_get("/v1/data/monitor/current", self._current, name="monitor")

    async def _current(self, request: web.Request) -> web.Response:
        serials = requested_serials(request.query)
        if not serials:
            return json_error(
                400, "MissingParam", "instruments: one or more serial numbers"
            )
        now = self._sim.now()
        answer: list[dict[str, Any]] = []
        for serial in serials:
            instrument = self._sim.instruments.get(serial)
            # Unknown and other accounts' instruments are left out, not refused.
            if instrument is None or not self._sim.can_see(request[KEY], serial):
                continue
            if (report := instrument.health_report(now)) is not None:
                answer.append(report)
        return web.json_response(answer)
