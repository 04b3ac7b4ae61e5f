"""The live websocket at /v1/live/{serial}: status pushes, live data, actions.

Every connection has an outgoing queue, so that synchronous code (a test, the
demo, ``advance()``) can push a message at once; the connection's sender task
writes them out in order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
import json
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web

from . import messages
from .instrument import SimInstrument
from .levels import NAMES, NoiseLevels
from .rest import KEY, json_error
from .state import Finished

if TYPE_CHECKING:
    from .state import Cloud

OFFLINE_CLOSE = 4000
LIVE_SCOPE = "data.live:read"
ACTION_SCOPE = "instruments:action"

type Flags = tuple[bool, bool, bool, bool]


@dataclass(frozen=True, slots=True)
class _Frame:
    label: str  # what ws_sent counts it as
    payload: str | bytes
    flags: Flags | None = None  # set on status messages


@dataclass(frozen=True, slots=True)
class _Pong:
    payload: bytes


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    message: str


@dataclass(eq=False)
class Connection:
    """One open websocket and what its client asked for."""

    serial: str
    key: str
    ws: web.WebSocketResponse
    transport: asyncio.Transport
    queue: asyncio.Queue[_Frame | _Pong | _Close] = field(default_factory=asyncio.Queue)
    types: list[str] | None = None  # None: no live data asked for
    queued_flags: Flags | None = None
    sent_flags: Flags | None = None
    silenced: bool = False
    closing: bool = False  # nothing more is queued
    closed_by_server: bool = False  # the sender is sending the close frame


class LiveHub:
    """Every open live websocket of the simulated cloud."""

    def __init__(self, cloud: Cloud) -> None:
        """Serve the live websockets of ``cloud``'s instruments."""
        self._sim = cloud
        self.connections: list[Connection] = []
        self.connects: Counter[str] = Counter()
        self.refused = cloud.ws_refused
        self.received: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self._levels: dict[str, NoiseLevels] = {}
        # Calibrations and SICs started over a websocket, whose end it reports.
        self._pending: dict[str, set[str]] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._running = False  # between the app's startup and shutdown
        self._steady: dict[str, float] | None = None  # sent instead of samples
        self._senders: set[asyncio.Task[None]] = set()
        # Serials (None: every one) whose sockets open silenced.
        self._silent: set[str | None] = set()
        self._actions: dict[str, Callable[[Connection, dict[str, Any]], None]] = {
            "KeepAlive": self._keep_alive,
            "StartLiveData": self._start_live_data,
            "StopLiveData": self._stop_live_data,
            "Identify": self._action,
            "Calibration": self._action,
            "SIC": self._action,
        }

    # -- connections -------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Upgrade to a websocket and serve it until either side closes."""
        serial = request.match_info["serial"]
        if not self._sim.instruments[serial].online:
            return json_error(404, "InstrumentOffline", "The instrument is offline")
        # Pongs go through the queue too, so that a silence stops them as well.
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        if not self._running:
            # A handshake that finished while the server stops: on_shutdown has
            # closed the others, and would leave this one to its time-out.
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown")
            return ws
        assert request.transport is not None
        conn = Connection(serial, request[KEY], ws, request.transport)
        self._open(conn)
        sender = asyncio.create_task(self._send_all(conn))
        self._senders.add(sender)
        sender.add_done_callback(self._senders.discard)
        try:
            async for message in ws:
                self._receive(conn, message)
        finally:
            # One mid-close is left to finish it; on_shutdown waits for it.
            if not conn.closed_by_server:
                sender.cancel()
            self.connections.remove(conn)
            self._sim.notify()
        return ws

    def live_types(self, serial: str) -> list[str] | None:
        """Return what the newest open socket of ``serial`` asked for (None: none)."""
        sockets = [c for c in self._of(serial) if not c.closing]
        return sockets[-1].types if sockets else None

    def open_sockets(self, serial: str | None = None) -> int:
        """Return the number of open sockets (of one instrument, or all)."""
        return sum(1 for _ in self._of(serial))

    async def wait_sockets(self, count: int, serial: str | None = None) -> None:
        """Wait until exactly ``count`` sockets are open."""
        await self._sim.wait_until(lambda: self.open_sockets(serial) == count)

    def _open(self, conn: Connection) -> None:
        self.connections.append(conn)
        self.connects[conn.serial] += 1
        conn.silenced = bool({None, conn.serial} & self._silent)
        self._sim.notify()
        self.publish(conn.serial)

    def _of(self, serial: str | None) -> Iterator[Connection]:
        return (c for c in list(self.connections) if serial in (None, c.serial))

    # -- sending -----------------------------------------------------------

    async def _send_all(self, conn: Connection) -> None:
        while True:
            item = await conn.queue.get()
            if isinstance(item, _Close):
                conn.closed_by_server = True
                await conn.ws.close(code=item.code, message=item.message.encode())
                return
            if isinstance(item, _Pong):
                with suppress(ConnectionError):
                    await conn.ws.pong(item.payload)
                continue
            if item.flags is not None:
                conn.sent_flags = item.flags
            self.sent[item.label] += 1
            # The client may vanish mid-send; the handler notices and stops us.
            with suppress(ConnectionError):
                if isinstance(item.payload, bytes):
                    await conn.ws.send_bytes(item.payload)
                else:
                    await conn.ws.send_str(item.payload)
            self._sim.notify()

    def _queue(self, conn: Connection, frame: _Frame | _Pong) -> bool:
        if conn.closing or conn.silenced:
            return False
        conn.queue.put_nowait(frame)
        return True

    def _send(self, conn: Connection, message: dict[str, Any]) -> bool:
        return self._queue(conn, _Frame(message["type"], json.dumps(message)))

    def _close(self, conn: Connection, code: int, message: str) -> None:
        conn.closing = True
        conn.queue.put_nowait(_Close(code, message))

    def publish(self, serial: str | None = None) -> None:
        """Push the status to every connection that has not got it yet."""
        for conn in self._of(serial):
            if conn.closing:
                continue
            instrument = self._sim.instruments.get(conn.serial)
            if instrument is None:
                self._close(conn, OFFLINE_CLOSE, "Instrument removed")
                continue
            if instrument.flags() != conn.queued_flags:
                self._queue_status(conn, instrument)
            if not instrument.online:
                self._close(conn, OFFLINE_CLOSE, "Instrument offline")

    def _queue_status(self, conn: Connection, instrument: SimInstrument) -> None:
        message = messages.status(instrument, self._sim.now())
        frame = _Frame("InstrumentStatus", json.dumps(message), instrument.flags())
        if self._queue(conn, frame):
            conn.queued_flags = instrument.flags()

    def send_live_data(self, serial: str, values: dict[str, Any] | None = None) -> None:
        """Push one LiveData message to the instrument's listening sockets."""
        listeners = [c for c in self._of(serial) if c.types is not None]
        if not listeners:
            return
        now = self._sim.now()
        instrument = self._sim.instruments.get(serial)
        works = instrument.works if instrument is not None else None
        sample = self._levels_of(serial).sample(now, works) if values is None else {}
        sent: dict[str, Any] = {}
        for conn in listeners:
            assert conn.types is not None
            chosen = (
                values if values is not None else {n: sample[n] for n in conn.types}
            )
            if self._send(conn, messages.live_data(chosen.items(), now)):
                sent.update(chosen)
        # The stored periods agree with what the instrument actually sent.
        if sent:
            self._sim.stored.live.record(serial, now.timestamp(), sent)

    def _levels_of(self, serial: str) -> NoiseLevels:
        if serial not in self._levels:
            self._levels[serial] = NoiseLevels(serial)
        return self._levels[serial]

    def finish(self, finished: Finished) -> None:
        """Report the end of a calibration or SIC started over a websocket."""
        pending = self._pending.get(finished.serial, set())
        if finished.action not in pending:
            return
        pending.discard(finished.action)
        error = None
        if finished.status != "Success":
            error = f"The {finished.action} finished with status {finished.status}"
        message = messages.action_status(
            finished.action, finished.status, error, self._sim.now()
        )
        for conn in self._of(finished.serial):
            self._send(conn, message)

    # -- receiving ---------------------------------------------------------

    def _receive(self, conn: Connection, message: WSMessage) -> None:
        if message.type is WSMsgType.TEXT:
            self._on_text(conn, message.data)
        elif message.type is WSMsgType.BINARY:
            self._bad_request(conn, "Binary frames are not understood")
        elif message.type is WSMsgType.PING:
            self._queue(conn, _Pong(message.data))
        # An error ends the loop by itself; a pong needs no answer.
        self._sim.notify()

    def _on_text(self, conn: Connection, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            self._bad_request(conn, "The message is not JSON")
            return
        if not isinstance(message, dict):
            self._bad_request(conn, "The message is not a JSON object")
            return
        action = message.get("action")
        if not isinstance(action, str) or action not in self._actions:
            self._bad_request(conn, f"Unknown action {action!r}")
            return
        handler = self._actions[action]
        self.received[action] += 1
        handler(conn, message)

    def _bad_request(self, conn: Connection, description: str) -> None:
        self.received["invalid"] += 1
        self._send(conn, messages.error("BadRequest", description, self._sim.now()))

    def _lacks(self, conn: Connection, scope: str) -> bool:
        if scope in self._sim.keys.get(conn.key, frozenset()):
            return False
        self._send(
            conn,
            messages.error(
                "AccessDenied",
                f"The API key lacks the {scope} scope",
                self._sim.now(),
            ),
        )
        return True

    def _keep_alive(self, conn: Connection, message: dict[str, Any]) -> None:
        self._send(conn, messages.keep_alive(self._sim.now()))

    def _start_live_data(self, conn: Connection, message: dict[str, Any]) -> None:
        if self._lacks(conn, LIVE_SCOPE):
            return
        requested = message.get("types")
        if not isinstance(requested, list):
            requested = []
        known = [n for n in requested if isinstance(n, str) and n in NAMES]
        if not known:
            description = f"None of the types is known; known are {', '.join(NAMES)}"
            self._send(
                conn, messages.error("InvalidTypes", description, self._sim.now())
            )
            return
        conn.types = list(dict.fromkeys(known))

    def _stop_live_data(self, conn: Connection, message: dict[str, Any]) -> None:
        conn.types = None

    def _action(self, conn: Connection, message: dict[str, Any]) -> None:
        if self._lacks(conn, ACTION_SCOPE):
            return
        action: str = message["action"]
        result = self._sim.start_action(conn.serial, action)
        error = None
        if result == "Failed":
            error = f"The instrument could not start the {action}"
        elif result == "InProgress":
            self._pending.setdefault(conn.serial, set()).add(action)
        reply = messages.action_status(action, result, error, self._sim.now())
        self._send(conn, reply)

    # -- faults on demand --------------------------------------------------

    def drop(self, serial: str | None = None) -> None:
        """Abort the sockets' transports, without a close frame."""
        for conn in self._of(serial):
            conn.closing = True
            conn.transport.abort()

    def send_garbage(self, serial: str, kind: str) -> None:
        """Push malformed frames of one kind to the instrument's sockets."""
        frames = messages.garbage(kind, self._sim.now())
        for conn in self._of(serial):
            for payload in frames:
                self._queue(conn, _Frame("garbage", payload))

    def silence(
        self, serial: str | None = None, on: bool = True, *, later: bool = False
    ) -> None:
        """Stop (or resume) sending anything on the sockets, keeping them open.

        ``later``: the sockets opened from now on too, until the silence ends.
        """
        if not on:
            self._silent.discard(serial)
        elif later:
            self._silent.add(serial)
        for conn in self._of(serial):
            conn.silenced = on
            if on and not conn.closing:
                while not conn.queue.empty():
                    conn.queue.get_nowait()
                conn.queued_flags = conn.sent_flags
        if not on:
            # What changed meanwhile reaches the client now.
            self.publish(serial)

    # -- the app's life ----------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        """Start pushing live data every ``live_period`` seconds, if set."""
        self._running = True
        self.set_period(self._sim.live_period)

    def set_period(self, period: float, values: dict[str, float] | None = None) -> None:
        """Push live data every ``period`` seconds (0: stop) once the app runs.

        ``values``: these, steady, rather than the generated levels.
        """
        self._sim.live_period = period
        self._steady = values
        if not self._running:
            return
        if period > 0 and self._ticker is None:
            self._ticker = asyncio.create_task(self._tick())
        elif period <= 0 and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every socket, so the server stops promptly."""
        self._running = False
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        await asyncio.gather(*(self._shut(conn) for conn in self._of(None)))
        await asyncio.gather(*self._senders, return_exceptions=True)

    async def _shut(self, conn: Connection) -> None:
        conn.closing = True
        await conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._sim.live_period)
            # A real cloud finishes calibrations on its own, not only when asked.
            self._sim.advance()
            for serial in {c.serial for c in self.connections if c.types is not None}:
                self.send_live_data(serial, self._steady)
