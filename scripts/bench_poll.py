"""Workers of the polling table: the integration with push off, and a naive poller."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
import statistics
from typing import Any

from aiohttp import ClientSession
from bench_harness import (
    API_KEY,
    Scenario,
    Sim,
    WriteCounter,
    async_settle,
    coordinator_of,
    flush_storage,
    home_assistant,
    make_entry,
    peak_memory,
    push_off,
    serials,
    set_up,
    simulator,
    status_requests,
    timed,
)

from custom_components.mycirrus.api import MyCirrusClient

# States the naive poller writes per instrument: as many as the integration has
# entities of an instrument's status (binary sensors, results, SIC tones).
NAIVE_STATES = 13
# Refreshes whose median time and CPU the table shows.
REFRESHES = 3


async def integration(*, count: int, latency: float) -> dict[str, Any]:
    """Measure the coordinator's refresh, push switched off."""
    with push_off():
        async with simulator(count, latency) as sim, home_assistant() as hass:
            entry = make_entry(hass, sim.url, count)
            setup_s = await set_up(hass, entry)
            await async_settle(hass)  # the first health request, in the background
            await flush_storage(hass)
            coordinator = coordinator_of(entry)
            refresh_s, cpu_s, requests = await refreshes(sim, coordinator.async_refresh)
            writes = WriteCounter()
            try:
                await coordinator.async_refresh()
                await hass.async_block_till_done()
            finally:
                writes.close()
            peak = await peak_memory(coordinator.async_refresh)
            await hass.config_entries.async_unload(entry.entry_id)
    return figures(
        count=count,
        refresh_s=refresh_s,
        requests=requests,
        cpu_s=cpu_s,
        writes=writes.count,
        setup_s=setup_s,
        peak_mib=peak,
    )


async def naive(*, count: int, latency: float) -> dict[str, Any]:
    """Measure a poller that asks in turn and writes every state every time."""
    writes = 0
    async with (
        simulator(count, latency) as sim,
        home_assistant() as hass,
        ClientSession() as session,
    ):
        client = MyCirrusClient(session, API_KEY, base_url=f"{sim.url}/v1")

        async def poll() -> None:
            nonlocal writes
            for serial in serials(count):
                status = await client.status(serial)
                for index in range(NAIVE_STATES):
                    hass.states.async_set(
                        f"sensor.naive_{serial.lower()}_{index}", str(status.online)
                    )
                    writes += 1

        async def first_poll() -> None:
            await client.instruments()
            await poll()

        _, setup_s, _ = await timed(first_poll)
        refresh_s, cpu_s, requests = await refreshes(sim, poll)
        writes = 0
        await poll()
        unchanged_writes = writes
        peak = await peak_memory(poll)
    return figures(
        count=count,
        refresh_s=refresh_s,
        requests=requests,
        cpu_s=cpu_s,
        writes=unchanged_writes,
        setup_s=setup_s,
        peak_mib=peak,
    )


async def refreshes(
    sim: Sim, refresh: Callable[[], Coroutine[Any, Any, None]]
) -> tuple[float, float, int]:
    """Return the median wall and CPU seconds of a few refreshes, most requests.

    One refresh alone is at the mercy of a full garbage collection of Home
    Assistant's heap, which takes 0.3 s with 500 instruments' entities.
    """
    walls, cpus, requests = [], [], []
    for _ in range(REFRESHES):
        before = status_requests(await sim.counters())
        _, wall, cpu = await timed(refresh)
        requests.append(status_requests(await sim.counters()) - before)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus), max(requests)


def figures(
    *,
    count: int,
    refresh_s: float,
    requests: int,
    cpu_s: float,
    writes: int,
    setup_s: float,
    peak_mib: float,
) -> dict[str, Any]:
    return {
        "refresh_s": refresh_s,
        "requests": requests,
        "cpu_ms_per_instrument": cpu_s * 1000 / count,
        "writes_unchanged": writes,
        "setup_s": setup_s,
        "peak_mib": peak_mib,
    }


SCENARIOS: dict[str, Scenario] = {"poll-integration": integration, "poll-naive": naive}
