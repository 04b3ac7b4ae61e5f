"""What every benchmark worker uses: the simulator process, Home Assistant, entries.

A worker is one process with one Home Assistant instance (see
scripts/bench_worker.py). Home Assistant keeps some things per process: the
first instance's shared web session makes a zeroconf instance for its DNS
resolver and patches the Zeroconf class so that any later one is reported (as
made by the integration on the stack, here mycirrus) and replaced by that
first, by then closed, instance. A second instance in the same process would
log a bug report request about mycirrus and resolve through a closed zeroconf.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
import logging
from pathlib import Path
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# As the test plugin does, before any other Home Assistant import: lets freezegun
# move Home Assistant's clocks where a worker freezes time.
import pytest_homeassistant_custom_component.patch_time  # noqa: E402, F401  # isort: skip

# Before Home Assistant's test config dir takes `custom_components` on sys.path.
import custom_components.mycirrus  # noqa: E402, F401  # isort: skip

from aiohttp import ClientSession  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.mycirrus.const import (  # noqa: E402
    CONF_API_URL,
    CONF_SERIAL,
    DOMAIN,
    SUBENTRY_TYPE_INSTRUMENT,
)
from custom_components.mycirrus.hub.status import MyCirrusCoordinator  # noqa: E402
from custom_components.mycirrus.model import InstrumentRecord  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.config_entries import ConfigSubentryData  # noqa: E402
from homeassistant.const import (  # noqa: E402
    CONF_API_KEY,
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    EVENT_STATE_CHANGED,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers import (  # noqa: E402
    entity_registry as er,
    frame,
    recorder as recorder_helper,
)
from homeassistant.helpers.entity import Entity  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from tests.helpers import async_settle  # noqa: E402

API_KEY = "mycirrus-000001-0123456789ABCDEF"

__all__ = ["async_settle"]


def serials(count: int) -> list[str]:
    """Return the serials of the simulator's first ``count`` demo instruments."""
    return [f"QT{100001 + index}" for index in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Sim:
    """The simulator in another process, read and driven over HTTP."""

    def __init__(self, url: str, session: ClientSession) -> None:
        self.url = url
        self._session = session

    async def counters(self) -> dict[str, Any]:
        async with self._session.get(f"{self.url}/_simulator/requests") as response:
            body: dict[str, Any] = await response.json()
        return body

    async def update(self, serial: str, **changes: Any) -> None:
        """Change an instrument; the simulator pushes its new status."""
        url = f"{self.url}/_simulator/instruments/{serial}"
        async with self._session.post(url, json=changes) as response:
            response.raise_for_status()

    async def set_live_period(
        self, period: float, values: dict[str, float] | None = None
    ) -> None:
        """Send live data every ``period`` s: generated, or these steady ``values``."""
        url = f"{self.url}/_simulator/live"
        body: dict[str, Any] = {"period": period}
        if values is not None:
            body["values"] = values
        async with self._session.post(url, json=body) as response:
            response.raise_for_status()


def rest_requests(counters: dict[str, Any]) -> int:
    """Return the REST requests counted; websocket handshakes are counted apart."""
    requests: dict[str, int] = counters["requests"]
    return sum(n for endpoint, n in requests.items() if endpoint != "live")


def status_requests(counters: dict[str, Any]) -> int:
    return sum(counters["status_requests"].values())


@asynccontextmanager
async def simulator(
    count: int, latency: float, live_period: float = 0.0, period: int | None = None
) -> AsyncIterator[Sim]:
    """Run the simulator in its own process, so its work is not counted here.

    ``period``: every instrument's measurement period in minutes (None: the
    demo's own mix).
    """
    port = free_port()
    periods = () if period is None else ("--measurement-period", str(period))
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before timing
        [
            *(sys.executable, "-m", "simulator", "--port", str(port)),
            *("--instruments", str(count), "--latency", str(latency)),
            *("--live-period", str(live_period), "--key", API_KEY),
            *periods,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        await asyncio.to_thread(process.stdout.readline)  # it is listening
        async with ClientSession() as session:
            yield Sim(f"http://127.0.0.1:{port}", session)
    finally:
        process.terminate()
        process.wait()


@asynccontextmanager
async def home_assistant(*, recorder: bool = False) -> AsyncIterator[HomeAssistant]:
    """Run a test instance of Home Assistant, the only one in this process.

    ``recorder``: with the recorder on a SQLite file, as a user has it.
    """
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            frame.async_setup(hass)
            # Home Assistant's shared web session looks up the network adapters.
            assert await async_setup_component(hass, "network", {})
            if recorder:
                # As Home Assistant's start-up does, before setting it up.
                recorder_helper.async_initialize_recorder(hass)
                database = f"sqlite:///{config_dir}/home-assistant_v2.db"
                assert await async_setup_component(
                    hass, "recorder", {"recorder": {"db_url": database}}
                )
            yield hass
            await hass.async_stop(force=True)


def make_entry(
    hass: HomeAssistant, url: str, count: int, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_API_URL: f"{url}/v1"},
        options=options or {},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_SERIAL: serial},
                subentry_type=SUBENTRY_TYPE_INSTRUMENT,
                title=serial,
                unique_id=serial,
            )
            for serial in serials(count)
        ],
    )
    entry.add_to_hass(hass)
    return entry


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """Set the entry up; return the seconds it took."""
    start = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return time.perf_counter() - start


def coordinator_of(entry: MockConfigEntry) -> MyCirrusCoordinator:
    coordinator: MyCirrusCoordinator = entry.runtime_data.coordinator
    return coordinator


def records_of(entry: MockConfigEntry) -> list[InstrumentRecord]:
    return list(entry.runtime_data.records.values())


def last_messages(entry: MockConfigEntry) -> dict[str, Any]:
    """Return when each open websocket last heard from the server, by serial."""
    return {
        serial: link.last_message
        for serial, link in entry.runtime_data.push.links.items()
        if link.connection is not None
    }


async def flush_storage(hass: HomeAssistant) -> None:
    """Save the registries now, so that their delayed saves miss the measurements."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()


async def until(predicate: Callable[[], bool], what: str, limit: float = 120) -> None:
    """Let the loop run until ``predicate()`` holds, for at most ``limit`` real s.

    It turns the loop without timers, so it also works on a frozen clock
    (freezegun leaves CLOCK_MONOTONIC alone).
    """
    deadline = time.clock_gettime(time.CLOCK_MONOTONIC) + limit
    while not predicate():
        if time.clock_gettime(time.CLOCK_MONOTONIC) > deadline:
            raise TimeoutError(f"Never happened: {what}")
        await asyncio.sleep(0)


async def all_pushing(entry: MockConfigEntry, limit: float = 120) -> None:
    """Wait until every instrument's websocket is open and has spoken."""
    hub = entry.runtime_data
    await until(
        lambda: all(
            record.pushing
            and (link := hub.push.links.get(serial)) is not None
            and link.last_message is not None
            for serial, record in hub.records.items()
        ),
        "every live websocket open",
        limit,
    )


@contextmanager
def push_off() -> Iterator[None]:
    """Open no live websocket: the entry polls every instrument, as before push."""
    with patch("custom_components.mycirrus.hub.push.MAX_LIVE_CONNECTIONS", 0):
        yield


@contextmanager
def every_status_due() -> Iterator[None]:
    """Make the next round ask for every status, websocket or not."""
    with patch("custom_components.mycirrus.model.PUSH_CHECK_INTERVAL", timedelta(0)):
        yield


class WriteCounter:
    """Counts entity state writes (of some entities) by patching the base class."""

    def __init__(self, entity_ids: set[str] | None = None) -> None:
        self.count = 0
        self._original = Entity.async_write_ha_state
        counter = self

        def counting(entity: Entity) -> None:
            if entity_ids is None or entity.entity_id in entity_ids:
                counter.count += 1
            counter._original(entity)

        Entity.async_write_ha_state = counting  # type: ignore[method-assign, assignment]

    def close(self) -> None:
        Entity.async_write_ha_state = self._original  # type: ignore[method-assign]


class StateWaiter:
    """Futures that resolve, with perf_counter(), when an entity takes a state."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._waiting: dict[str, tuple[str, asyncio.Future[float]]] = {}
        self.close = hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    def expect(self, entity_id: str, state: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[entity_id] = (state, future)
        return future

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        moment = time.perf_counter()
        entity_id = event.data["entity_id"]
        new_state = event.data["new_state"]
        waiting = self._waiting.get(entity_id)
        if waiting and new_state is not None and new_state.state == waiting[0]:
            del self._waiting[entity_id]
            waiting[1].set_result(moment)


def entity_id(hass: HomeAssistant, platform: str, serial: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{serial}_{key}")
    assert found is not None, (serial, key)
    return found


async def timed[T](
    call: Callable[[], Coroutine[Any, Any, T]],
) -> tuple[T, float, float]:
    """Return the result, wall seconds and process CPU seconds of a call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = await call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


async def peak_memory(call: Callable[[], Coroutine[Any, Any, Any]]) -> float:
    """Return the peak Python memory a call allocates, in MiB."""
    tracemalloc.start()
    try:
        await call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


type Scenario = Callable[..., Coroutine[Any, Any, dict[str, Any]]]


def log_warnings() -> None:
    """Log warnings and errors, each starting with its level (bench.py groups them)."""
    logging.basicConfig(level=logging.WARNING)


def _real_clock() -> Callable[[], float]:
    """Return a wall clock that a frozen clock (freezegun) leaves running."""
    try:
        from freezegun.api import real_perf_counter  # noqa: PLC0415
    except ImportError:  # pragma: no cover - freezegun comes with the tests
        return time.perf_counter
    return real_perf_counter  # type: ignore[no-any-return]


def _ours(handle: asyncio.Handle) -> bool:
    """Return whether an event-loop callback runs the integration's code.

    A task step is ours if its task is named after the integration or any
    coroutine in its await chain is the integration's; a plain callback if
    its function is.
    """
    callback = handle._callback
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        if "mycirrus" in owner.get_name():
            return True
        coro: Any = owner.get_coro()
        while coro is not None:
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
            if code is not None and "mycirrus" in code.co_filename:
                return True
            coro = getattr(coro, "cr_await", None) or getattr(
                coro, "gi_yieldfrom", None
            )
        return False
    function = getattr(callback, "func", callback)  # a functools.partial
    function = getattr(function, "__func__", function)
    return "mycirrus" in (getattr(function, "__module__", None) or "")


class StallMeter:
    """The longest run of one event-loop callback, and of one of the integration's.

    While the loop runs a callback nothing else runs: that time is a stall of
    every other part of Home Assistant. Timed on a clock freezegun leaves alone.
    """

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_ours = 0.0
        self.callbacks = 0
        self.over_20_ms = 0
        # The integration's longest, described: (seconds, what ran).
        self.worst: list[tuple[float, str]] = []
        self._restore: Callable[[], None] | None = None

    def __enter__(self) -> StallMeter:
        clock = _real_clock()
        original = asyncio.Handle._run
        meter = self

        def timed(handle: asyncio.Handle) -> None:
            start = clock()
            original(handle)
            took = clock() - start
            meter.callbacks += 1
            meter.longest = max(meter.longest, took)
            if took > 0.005 and _ours(handle):
                meter.longest_ours = max(meter.longest_ours, took)
                meter.over_20_ms += took > 0.020
                meter.worst = sorted([*meter.worst, (took, _what(handle))])[-5:]

        asyncio.Handle._run = timed  # type: ignore[method-assign]

        def restore() -> None:
            asyncio.Handle._run = original  # type: ignore[method-assign]

        self._restore = restore
        return self

    def __exit__(self, *_: object) -> None:
        if self._restore is not None:
            self._restore()

    def figures(self) -> dict[str, Any]:
        """Return the figures in milliseconds, the count of long ones, the worst."""
        return {
            "stall_ms": 1000 * self.longest,
            "stall_ours_ms": 1000 * self.longest_ours,
            "stalls_over_20_ms": self.over_20_ms,
            "worst_stalls": [
                f"{1000 * took:.1f} ms {what}" for took, what in self.worst
            ],
        }


def _what(handle: asyncio.Handle) -> str:
    """Return what a callback ran, for the report: a task's coroutines, a function."""
    callback = handle._callback
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        names = [owner.get_name()]
        coro: Any = owner.get_coro()
        while coro is not None and len(names) < 8:
            names.append(getattr(coro, "__qualname__", type(coro).__name__))
            coro = getattr(coro, "cr_await", None)
        return " > ".join(names)
    function = getattr(callback, "func", callback)
    return str(getattr(function, "__qualname__", function))
