"""Benchmark the MyCirrus coordinator against the simulator in another process.

For each instrument count it sets up a config entry in a real (test) Home
Assistant instance, then measures one refresh, a refresh where nothing changed,
and peak Python memory; a naive poller that asks for each status in turn and
writes every state each time is measured beside it for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
import logging
from pathlib import Path
import platform
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Before Home Assistant's test config dir takes `custom_components` on sys.path.
import custom_components.mycirrus  # noqa: E402, F401  # isort: skip

from aiohttp import ClientSession  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.mycirrus.api import MyCirrusClient  # noqa: E402
from custom_components.mycirrus.const import (  # noqa: E402
    CONF_API_URL,
    CONF_SERIAL,
    DOMAIN,
    SUBENTRY_TYPE_INSTRUMENT,
)
from custom_components.mycirrus.coordinator import MyCirrusCoordinator  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.config_entries import ConfigSubentryData  # noqa: E402
from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_FINAL_WRITE  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.helpers import frame  # noqa: E402
from homeassistant.helpers.entity import Entity  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402

API_KEY = "mycirrus-000001-0123456789ABCDEF"
# Entities the naive poller writes per instrument: as many as the integration has.
NAIVE_STATES = 13


@dataclass
class Figures:
    """What one poller measured at one instrument count."""

    refresh_s: float
    requests: int
    cpu_ms_per_instrument: float
    writes_unchanged: int
    setup_s: float
    peak_mib: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def simulator(count: int, latency: float) -> AsyncIterator[str]:
    """Run the simulator in its own process, so its work is not counted here."""
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before timing
        [
            sys.executable,
            "-m",
            "simulator",
            "--port",
            str(port),
            "--instruments",
            str(count),
            "--latency",
            str(latency),
            "--key",
            API_KEY,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        await asyncio.to_thread(process.stdout.readline)  # it is listening
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


async def status_requests(session: ClientSession, url: str) -> int:
    async with session.get(f"{url}/_simulator/requests") as response:
        body: dict[str, Any] = await response.json()
    return sum(body["status_requests"].values())


class WriteCounter:
    """Counts entity state writes by patching Entity.async_write_ha_state."""

    def __init__(self) -> None:
        self.count = 0
        self._original = Entity.async_write_ha_state
        counter = self

        def counting(entity: Entity) -> None:
            counter.count += 1
            counter._original(entity)

        Entity.async_write_ha_state = counting  # type: ignore[method-assign]

    def close(self) -> None:
        Entity.async_write_ha_state = self._original  # type: ignore[method-assign]


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


@asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            frame.async_setup(hass)  # a stopped instance unset it
            # Home Assistant's shared web session looks up the network adapters.
            assert await async_setup_component(hass, "network", {})
            yield hass
            await hass.async_stop(force=True)


async def flush_storage(hass: HomeAssistant) -> None:
    """Save the registries now, so that their delayed saves miss the measurements."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()


def make_entry(hass: HomeAssistant, url: str, count: int) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_API_URL: f"{url}/v1"},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_SERIAL: serial},
                subentry_type=SUBENTRY_TYPE_INSTRUMENT,
                title=serial,
                unique_id=serial,
            )
            for serial in (f"QT{100001 + index}" for index in range(count))
        ],
    )
    entry.add_to_hass(hass)
    return entry


async def bench_integration(url: str, count: int) -> Figures:
    """Measure the integration's coordinator."""
    async with home_assistant() as hass:
        entry = make_entry(hass, url, count)

        async def set_up() -> None:
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()

        _, setup_s, _ = await timed(set_up)
        await flush_storage(hass)
        coordinator: MyCirrusCoordinator = entry.runtime_data
        async with ClientSession() as session:
            before = await status_requests(session, url)
            _, refresh_s, cpu_s = await timed(coordinator.async_refresh)
            requests = await status_requests(session, url) - before
        writes = WriteCounter()
        try:
            await coordinator.async_refresh()
            await hass.async_block_till_done()
        finally:
            writes.close()
        peak = await peak_memory(coordinator.async_refresh)
        await hass.config_entries.async_unload(entry.entry_id)
    return Figures(
        refresh_s, requests, cpu_s * 1000 / count, writes.count, setup_s, peak
    )


async def bench_naive(url: str, count: int) -> Figures:
    """Measure a poller that asks in turn and writes every state every time."""
    serials = [f"QT{100001 + index}" for index in range(count)]
    writes = 0
    async with home_assistant() as hass, ClientSession() as session:
        client = MyCirrusClient(session, API_KEY, base_url=f"{url}/v1")

        async def poll() -> None:
            nonlocal writes
            for serial in serials:
                status = await client.status(serial)
                for index in range(NAIVE_STATES):
                    hass.states.async_set(
                        f"sensor.naive_{serial.lower()}_{index}", str(status.online)
                    )
                    writes += 1

        async def set_up() -> None:
            await client.instruments()
            await poll()

        _, setup_s, _ = await timed(set_up)
        before = await status_requests(session, url)
        _, refresh_s, cpu_s = await timed(poll)
        requests = await status_requests(session, url) - before
        writes = 0
        await poll()
        unchanged_writes = writes
        peak = await peak_memory(poll)
    return Figures(
        refresh_s, requests, cpu_s * 1000 / count, unchanged_writes, setup_s, peak
    )


def row(count: int, name: str, figures: Figures) -> str:
    f = figures
    return (
        f"| {count:>5} | {name:<11} | {f.refresh_s:>9.2f} | {f.requests:>8} "
        f"| {f.cpu_ms_per_instrument:>11.3f} | {f.writes_unchanged:>13} "
        f"| {f.setup_s:>8.2f} | {f.peak_mib:>8.1f} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive poller")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import homeassistant.const as ha_const  # noqa: PLC0415

    print(
        f"MyCirrus benchmark: simulated latency {args.latency * 1000:.0f} ms; "
        f"Python {platform.python_version()}, Home Assistant {ha_const.__version__}, "
        f"{platform.machine()}, {platform.processor() or 'unknown CPU'}"
    )
    print(
        "| count | poller      | refresh s | requests | CPU ms/inst "
        "| writes (same) |  setup s | peak MiB |"
    )
    print(
        "|------:|-------------|----------:|---------:|------------:|-------------:|---------:|---------:|"
    )
    for count in args.counts:
        async with simulator(count, args.latency) as url:
            print(
                row(count, "integration", await bench_integration(url, count)),
                flush=True,
            )
            if not args.no_naive:
                print(row(count, "naive", await bench_naive(url, count)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
