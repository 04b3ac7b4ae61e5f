"""The simulated cloud's state: accounts, instruments, faults and counters.

Nothing here touches the network or needs aiohttp.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from .instrument import Instruments, SimInstrument, demo_health, iso
from .shape import MeasurementShape
from .stored import StoredData, track_uploads

__all__ = [
    "ALL_SCOPES",
    "DEFAULT_API_KEY",
    "Cloud",
    "Fault",
    "FaultKind",
    "Finished",
    "SimInstrument",
    "iso",
]

ALL_SCOPES = frozenset(
    {
        "instruments:read",
        "instruments:write",
        "instruments:action",
        "data.live:read",
        "data.noise:read",
        "data.enviro:read",
        "data.events:read",
        "data.audio:read",
        "data.system:read",
        "webhooks:read",
        "webhooks:write",
    }
)
DEFAULT_API_KEY = "mycirrus-000001-0123456789ABCDEF"

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "not_json",
    "not_utf8",
    "wrong_shape",
    "missing_fields",
    "wrong_types",
    "slow",
    "hold",
    "not_found",
    "forbidden",
    "raw",
    "reset",
    "huge",
]


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
    # For "hold": matching requests wait until this is set.
    release: asyncio.Event | None = None
    # For "huge": how many bytes of audio are streamed (no Content-Length).
    size: int = 33 * 1024 * 1024

    def matches(self, endpoint: str, serial: str | None) -> bool:
        """Return whether this fault applies to a request."""
        return (self.serial is None or self.serial == serial) and (
            self.endpoint is None or self.endpoint == endpoint
        )


class Finished(NamedTuple):
    """A calibration or SIC that has just ended."""

    serial: str
    action: str
    status: str


class Cloud:
    """The mutable state of the simulated cloud and how it moves on."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        latency: float = 0.0,
        calibration_duration: timedelta = timedelta(seconds=90),
        sic_duration: timedelta = timedelta(seconds=45),
        live_period: float = 0.0,
        measurement_shape: MeasurementShape | str = "flat",
    ) -> None:
        """Create an empty cloud; add keys and instruments before use.

        ``live_period``: seconds between live data messages (0: only when
        asked). ``measurement_shape``: the layout of the measurements answer,
        or its words (see ``simulator.shape``).
        """
        self._now = now or (lambda: datetime.now(UTC))
        self.latency = latency
        self.calibration_duration = calibration_duration
        self.sic_duration = sic_duration
        self.instruments = Instruments()
        self.keys: dict[str, frozenset[str]] = {}
        self.key_instruments: dict[str, set[str] | None] = {}
        self.faults: list[Fault] = []
        self.requests: Counter[str] = Counter()
        # Each stored data request answered: endpoint, serials, start, end.
        self.data_requests: list[tuple[str, tuple[str, ...], datetime, datetime]] = []
        self.status_requests: Counter[str] = Counter()
        self.seen_keys: Counter[str] = Counter()
        self.stored = StoredData()
        self.live_period = live_period
        if isinstance(measurement_shape, str):
            measurement_shape = MeasurementShape.parse(measurement_shape)
        # Set it (e.g. MeasurementShape.parse("list,wrap=data")) at any time.
        self.measurement_shape = measurement_shape
        # Refused websocket handshakes, by serial.
        self.ws_refused: Counter[str] = Counter()
        # Who hears of a status to push (a serial, or None for every one) and of
        # a calibration or SIC that finished: the live websockets, once served.
        self.on_publish: Callable[[str | None], None] = lambda _serial: None
        self.on_finish: Callable[[Finished], None] = lambda _finished: None
        self._changed = asyncio.Event()

    def now(self) -> datetime:
        """Return the simulator's time (tests replace ``_now`` to move it)."""
        return self._now()

    def notify(self) -> None:
        """Wake ``wait_until``: a request or a frame came, a socket opened or closed."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds.

        It is checked again after every request and websocket event, so a test
        can wait for the counters without sleeping.
        """
        while not condition():
            await self._changed.wait()

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

    def can_see(self, key: str, serial: str) -> bool:
        """Return whether ``key`` may see the instrument ``serial``."""
        visible = self.key_instruments.get(key)
        return visible is None or serial.casefold() in {s.casefold() for s in visible}

    def visible(self, key: str) -> list[SimInstrument]:
        """Return the instruments ``key`` may see."""
        return [i for s, i in self.instruments.items() if self.can_see(key, s)]

    def add_instrument(
        self, serial: str, name: str | None = None, **kwargs: Any
    ) -> SimInstrument:
        """Add an instrument to the cloud, booted a day ago unless told."""
        kwargs.setdefault("boot_time", self.now() - timedelta(days=1))
        instrument = SimInstrument(
            serial=serial, name=name or f"Monitor {serial}", **kwargs
        )
        self.instruments[serial] = instrument
        track_uploads([instrument], self.now())
        return instrument

    def add_demo_instruments(
        self,
        count: int,
        *,
        measurement_period: int | None = None,
        name: str = "Noise monitor {n}",
    ) -> None:
        """Add ``count`` instruments in a variety of plausible states.

        Most measure in 5-minute periods, the second in 1-minute and the third
        in 15-minute ones, unless ``measurement_period`` sets them all; every
        fourth from the first has the Weather feature; all but every sixth have
        the Audio add-on. ``name`` names them, its ``{n}`` counting from 1 (the
        names users give them in MyCirrus).
        """
        now = self.now()
        for index in range(count):
            serial = f"QT{100001 + index}"
            features = ["SIC", "Modem"] + (["Weather"] if index % 4 == 0 else [])
            instrument = self.add_instrument(
                serial,
                name.format(n=index + 1),
                boot_time=now - timedelta(days=1 + 3 * (index % 4), hours=index),
                features=features,
                measurement_period=measurement_period or {1: 1, 2: 15}.get(index, 5),
                addons=[] if index % 6 == 5 else ["Audio"],
            )
            instrument.health = demo_health(index)
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
        """Delete an instrument: its calls answer 404, its sockets close."""
        self.instruments.pop(serial, None)
        self.publish(serial)

    # -- faults ------------------------------------------------------------

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
        size: int | None = None,
    ) -> Fault:
        """Inject a fault into matching requests ``count`` times (None: always)."""
        fault = Fault(kind, serial, endpoint, count, retry_after, delay, status, body)
        if size is not None:
            fault.size = size
        if kind == "hold":
            fault.release = asyncio.Event()
        self.faults.append(fault)
        return fault

    def hold(
        self, *, serial: str | None = None, endpoint: str | None = None
    ) -> asyncio.Event:
        """Hold matching requests until the returned event is set.

        A released hold stays released: later requests pass at once.
        """
        release = self.add_fault("hold", serial=serial, endpoint=endpoint).release
        assert release is not None
        return release

    def clear_faults(self) -> None:
        """Remove every injected fault, letting held requests go."""
        self.release_holds()
        self.faults.clear()

    def release_holds(self) -> None:
        """Let every held request go, so nothing waits forever."""
        for fault in self.faults:
            if fault.release is not None:
                fault.release.set()

    async def wait_holds(self, endpoint: str, serial: str | None) -> None:
        """Wait until every hold matching a request is released."""
        for fault in list(self.faults):
            if fault.kind == "hold" and fault.matches(endpoint, serial):
                self._use(fault)
                assert fault.release is not None
                await fault.release.wait()

    def take_fault(self, endpoint: str, serial: str | None) -> Fault | None:
        """Return the first fault (not a hold) matching a request, and use it."""
        for fault in self.faults:
            if fault.kind != "hold" and fault.matches(endpoint, serial):
                self._use(fault)
                return fault
        return None

    def _use(self, fault: Fault) -> None:
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.faults.remove(fault)

    def count_request(self, endpoint: str, serial: str | None, key: str) -> None:
        """Count a request to the API."""
        self.requests[endpoint] += 1
        if endpoint == "status" and serial is not None:
            self.status_requests[serial] += 1
        self.seen_keys[key] += 1
        self.notify()

    # -- behaviour over time -----------------------------------------------

    def start_action(self, serial: str, action: str) -> str:
        """Start an action as the API would; return its immediate status."""
        status = self._start_action(serial, action)
        self.publish(serial)
        return status

    def _start_action(self, serial: str, action: str) -> str:
        instrument = self.instruments[serial]
        now = self.now()
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

    def advance(self) -> list[Finished]:
        """Finish the calibrations and SICs whose time has come.

        Also notes whose uploads stopped or resumed since it last looked, and
        pushes changes made directly since the last ``publish()``.
        """
        finished = self._finish()
        self.publish()
        for item in finished:
            self.on_finish(item)
        return finished

    def publish(self, serial: str | None = None) -> None:
        """Queue the status to each open socket (of ``serial``) that lacks it.

        An instrument that is offline (or gone) then has its sockets closed
        with code 4000, and its uploads stop from now (see ``stop_uploads``).
        """
        track_uploads(self.instruments.values(), self.now())
        self.on_publish(serial)

    def update(self, serial: str, **changes: Any) -> SimInstrument:
        """Set attributes of an instrument and push its new status."""
        instrument = self.instruments[serial]
        for name, value in changes.items():
            if not hasattr(instrument, name):
                raise AttributeError(f"SimInstrument has no attribute {name!r}")
            setattr(instrument, name, value)
        self.publish(serial)
        return instrument

    def _finish(self) -> list[Finished]:
        now = self.now()
        track_uploads(self.instruments.values(), now)
        finished: list[Finished] = []
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
                finished.append(
                    Finished(
                        instrument.serial,
                        "Calibration",
                        instrument.next_calibration_status,
                    )
                )
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
                finished.append(
                    Finished(instrument.serial, "SIC", instrument.next_sic_status)
                )
        return finished
