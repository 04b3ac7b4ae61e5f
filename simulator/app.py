"""A MyCirrus cloud simulator: the documented API as an aiohttp web app.

Tests and ``scripts/develop`` talk to it over real HTTP and websockets.
Everything about it is set from Python (``Simulator`` methods) or from its
command line.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .control import ControlApi
from .data import DataApi
from .events import event_record, trigger_name
from .live import LiveHub
from .media import MediaApi
from .monitor import MonitorApi
from .rest import RestApi
from .shape import MeasurementShape
from .state import (
    ALL_SCOPES,
    DEFAULT_API_KEY,
    Cloud,
    Fault,
    FaultKind,
    SimInstrument,
    iso,
)
from .stored import track_uploads

__all__ = [
    "ALL_SCOPES",
    "DEFAULT_API_KEY",
    "Fault",
    "FaultKind",
    "MeasurementShape",
    "SimInstrument",
    "Simulator",
    "iso",
]


class Simulator(Cloud):
    """The simulated MyCirrus cloud: accounts, instruments, faults, counters.

    Status changes reach open live websockets through ``publish()``, which
    the simulator calls itself wherever it changes a status; a test that
    sets an instrument's attributes directly calls it afterwards.

    Stored data (``/data/noise/measurements``, ``/data/events``,
    ``/data/weather``, and the events' audio and time histories) is computed
    from each instrument's serial,
    ``measurement_period``, ``event_trigger`` and the clock, agrees with the
    live levels the websockets sent, and waits while an instrument is offline:
    see ``stop_uploads``. ``measurement_shape`` lays out the measurements
    answer; ``add_event`` stores a noise event.
    """

    def __init__(self, **kwargs: Any) -> None:
        """Create an empty cloud; add keys and instruments before use.

        Its arguments are ``Cloud``'s. ``live_period`` 0: live data only when
        ``send_live_data`` is called.
        """
        super().__init__(**kwargs)
        self._live = LiveHub(self)
        self.on_publish = self._live.publish
        self.on_finish = self._live.finish

    def make_app(self) -> web.Application:
        """Return the aiohttp application serving the API under /v1."""
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        rest.add_routes(app)
        MonitorApi(self).add_routes(app)
        DataApi(self).add_routes(app)
        MediaApi(self).add_routes(app)
        ControlApi(self, self._live.set_period).add_routes(app)
        app.router.add_get("/v1/live/{serial}", self._live.handle, name="live")
        app.on_startup.append(self._live.on_startup)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_shutdown(self, app: web.Application) -> None:
        # Nothing may keep the server from stopping: not a hold, not a socket.
        self.release_holds()
        await self._live.on_shutdown(app)

    # -- stored data -------------------------------------------------------

    def stop_uploads(self, serial: str, since: datetime | None = None) -> None:
        """Hold back the instrument's data that ends after ``since`` (None: now).

        The simulator does the same by itself when it sees an instrument
        offline: in ``update()``, ``publish()`` and at every request, so a test
        that sets ``online`` directly calls ``publish()`` at the moment it
        means. This also holds back an online instrument's data (a stuck
        modem), or moves the moment an offline one stopped, until
        ``resume_uploads``.
        """
        instrument = self.instruments[serial]
        instrument.uploads_held = True
        instrument.uploads_stopped = since or self.now()

    def resume_uploads(self, serial: str) -> None:
        """Let the instrument's held-back data appear, once it is online."""
        instrument = self.instruments[serial]
        instrument.uploads_held = False
        track_uploads([instrument], self.now())

    def add_event(
        self,
        serial: str,
        *,
        start: datetime,
        end: datetime | None = None,
        level: float = 85.0,
        type: str = "Level",
        name: str | None = None,
        audio: bool = True,
    ) -> dict[str, Any]:
        """Store a noise event of ``serial``, 10 s long unless ``end`` says.

        It appears, instead of any the simulator computes for its measurement
        period, once it has ended and is uploaded. Returns the record
        ``/data/events`` answers: change it to change the answer.
        """
        instrument = self.instruments[serial]
        end = end or start + timedelta(seconds=10)
        record = event_record(
            serial,
            start=start,
            end=end,
            level=level,
            type=type,
            name=name or trigger_name(instrument.event_trigger or 80.0),
            audio=audio,
        )
        self.stored.add_event(record, start, end)
        self.stored.remember([record])
        return record

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

    def live_types(self, serial: str) -> list[str] | None:
        """Return the live levels the instrument's newest open socket asked for."""
        return self._live.live_types(serial)

    def drop_connections(self, serial: str | None = None) -> None:
        """Abort the sockets (of ``serial``) without a close frame."""
        self._live.drop(serial)

    def send_garbage(self, serial: str, kind: str) -> None:
        """Queue malformed frames to the instrument's sockets.

        ``kind``: not_json, binary, unknown_type, no_type, array, wrong_types
        or not_utf8.
        """
        self._live.send_garbage(serial, kind)

    def silence(
        self, serial: str | None = None, on: bool = True, *, later: bool = False
    ) -> None:
        """Send nothing at all on the sockets (of ``serial``) until ``on=False``.

        What the silence swallows is lost; when it ends, a status that changed
        meanwhile is sent. ``later``: the sockets opened from now on start
        silent too (not even the status every connection begins with).
        """
        self._live.silence(serial, on, later=later)

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
    def ws_received(self) -> Counter[str]:
        """Client messages, by action ("invalid" for frames not understood)."""
        return self._live.received

    @property
    def ws_sent(self) -> Counter[str]:
        """Server messages, by type ("garbage" for malformed frames)."""
        return self._live.sent
