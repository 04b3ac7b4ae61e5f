"""A MyCirrus cloud simulator: the documented API as an aiohttp web app.

Tests and ``scripts/develop`` talk to it over real HTTP and websockets.
Everything about it is set from Python (``Simulator`` methods) or from its
command line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .control import ControlApi
from .live import LiveHub
from .monitor import MonitorApi
from .rest import RestApi
from .state import (
    ALL_SCOPES,
    DEFAULT_API_KEY,
    Cloud,
    Fault,
    FaultKind,
    Finished,
    SimInstrument,
    iso,
)

__all__ = [
    "ALL_SCOPES",
    "DEFAULT_API_KEY",
    "Fault",
    "FaultKind",
    "SimInstrument",
    "Simulator",
    "iso",
]


class Simulator(Cloud):
    """The simulated MyCirrus cloud: accounts, instruments, faults, counters.

    Status changes reach open live websockets through ``publish()``, which
    the simulator calls itself wherever it changes a status; a test that
    sets an instrument's attributes directly calls it afterwards.
    """

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        latency: float = 0.0,
        calibration_duration: timedelta = timedelta(seconds=90),
        sic_duration: timedelta = timedelta(seconds=45),
        live_period: float = 0.0,
    ) -> None:
        """Create an empty cloud; add keys and instruments before use.

        ``live_period``: seconds between live data messages (0: only when
        ``send_live_data`` is called).
        """
        super().__init__(
            now=now,
            latency=latency,
            calibration_duration=calibration_duration,
            sic_duration=sic_duration,
        )
        self.live_period = live_period
        self._live = LiveHub(self)

    def make_app(self) -> web.Application:
        """Return the aiohttp application serving the API under /v1."""
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        rest.add_routes(app)
        MonitorApi(self).add_routes(app)
        ControlApi(self).add_routes(app)
        app.router.add_get("/v1/live/{serial}", self._live.handle, name="live")
        app.on_startup.append(self._live.on_startup)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_shutdown(self, app: web.Application) -> None:
        # Nothing may keep the server from stopping: not a hold, not a socket.
        self.release_holds()
        await self._live.on_shutdown(app)

    # -- status changes reach the websockets -------------------------------

    def start_action(self, serial: str, action: str) -> str:
        """Start an action as the API would; return its immediate status."""
        status = super().start_action(serial, action)
        self.publish(serial)
        return status

    def advance(self) -> list[Finished]:
        """Finish the calibrations and SICs whose time has come."""
        finished = super().advance()
        # Also pushes changes made directly since the last publish().
        self.publish()
        for item in finished:
            self._live.finish(item)
        return finished

    def remove_instrument(self, serial: str) -> None:
        """Delete an instrument: its calls answer 404, its sockets close."""
        super().remove_instrument(serial)
        self.publish(serial)

    def update(self, serial: str, **changes: Any) -> SimInstrument:
        """Set attributes of an instrument and push its new status."""
        instrument = self.instruments[serial]
        for name, value in changes.items():
            if not hasattr(instrument, name):
                raise AttributeError(f"SimInstrument has no attribute {name!r}")
            setattr(instrument, name, value)
        self.publish(serial)
        return instrument

    def publish(self, serial: str | None = None) -> None:
        """Queue the status to each open socket (of ``serial``) that lacks it.

        An instrument that is offline (or gone) then has its sockets closed
        with code 4000.
        """
        self._live.publish(serial)

    # -- the live websocket ------------------------------------------------

    def set_live_period(self, period: float) -> None:
        """Send live data every ``period`` seconds from now on (0: stop).

        Before the app starts this only sets ``live_period``.
        """
        self._live.set_period(period)

    def send_live_data(self, serial: str, values: dict[str, Any] | None = None) -> None:
        """Queue one LiveData message to the instrument's listening sockets.

        ``values`` None: generated levels of the types each socket asked for;
        otherwise exactly ``values``, asked for or not.
        """
        self._live.send_live_data(serial, values)

    def drop_connections(self, serial: str | None = None) -> None:
        """Abort the sockets (of ``serial``) without a close frame."""
        self._live.drop(serial)

    def send_garbage(self, serial: str, kind: str) -> None:
        """Queue malformed frames to the instrument's sockets.

        ``kind``: not_json, binary, unknown_type, no_type, array, wrong_types
        or not_utf8.
        """
        self._live.send_garbage(serial, kind)

    def silence(self, serial: str | None = None, on: bool = True) -> None:
        """Send nothing at all on the sockets (of ``serial``) until ``on=False``.

        What the silence swallows is lost; when it ends, a status that changed
        meanwhile is sent.
        """
        self._live.silence(serial, on)

    def open_sockets(self, serial: str | None = None) -> int:
        """Return the number of open sockets of ``serial`` (None: all)."""
        return self._live.open_sockets(serial)

    async def wait_sockets(self, count: int, serial: str | None = None) -> None:
        """Wait until exactly ``count`` sockets (of ``serial``) are open.

        Wrap it in a timeout: it waits as long as it takes.
        """
        await self._live.wait_sockets(count, serial)

    @property
    def ws_open(self) -> int:
        """The number of open live sockets."""
        return self._live.open_sockets()

    @property
    def ws_connects(self) -> Counter[str]:
        """Accepted websocket upgrades, by serial."""
        return self._live.connects

    @property
    def ws_refused(self) -> Counter[str]:
        """Refused websocket handshakes, by serial."""
        return self._live.refused

    @property
    def ws_received(self) -> Counter[str]:
        """Client messages, by action ("invalid" for frames not understood)."""
        return self._live.received

    @property
    def ws_sent(self) -> Counter[str]:
        """Server messages, by type ("garbage" for malformed frames)."""
        return self._live.sent
