"""Workers of the push table: latency, requests per hour, live load, many sockets."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
import gc
import random
import time
from typing import Any

from bench_harness import (
    Scenario,
    StateWaiter,
    WriteCounter,
    all_pushing,
    async_settle,
    coordinator_of,
    entity_id,
    every_status_due,
    home_assistant,
    last_messages,
    make_entry,
    push_off,
    records_of,
    rest_requests,
    serials,
    set_up,
    simulator,
    status_requests,
    timed,
    until,
)
from freezegun import freeze_time
import psutil
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.const import DEFAULT_LIVE_VALUES, DOMAIN
from custom_components.mycirrus.hub.signals import levels_signal
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

# How far a change may take to show before the worker gives up on it.
PUSH_GIVE_UP = 10.0
POLL_GIVE_UP = 90.0
HOUR = 3600
# Steps of the simulated hour: the keep-alive interval, so each step sends one.
STEP = 30


async def latency_push(
    *, count: int, changes: int, spacing: float, latency: float, live_period: float
) -> dict[str, Any]:
    """Time status changes from the simulator to Home Assistant over websockets."""
    async with (
        simulator(count, latency, live_period) as sim,
        home_assistant() as hass,
    ):
        entry = make_entry(hass, sim.url, count)
        await set_up(hass, entry)
        await all_pushing(entry)
        await async_settle(hass)
        waiter = StateWaiter(hass)
        measuring = dict.fromkeys(serials(count), True)
        ids = {s: entity_id(hass, "binary_sensor", s, "measuring") for s in measuring}
        spread = random.Random(1)
        latencies: list[float] = []
        early = 0
        for index in range(changes):
            serial = serials(count)[index % count]
            measuring[serial] = not measuring[serial]
            shown = waiter.expect(ids[serial], "on" if measuring[serial] else "off")
            await sim.update(serial, measuring=measuring[serial])
            returned = time.perf_counter()
            moment = await asyncio.wait_for(shown, PUSH_GIVE_UP)
            # The push may overtake the control request's own answer.
            early += moment < returned
            latencies.append(max(0.0, moment - returned))
            await asyncio.sleep(spacing * spread.uniform(0.5, 1.5))
        waiter.close()
    return {"latencies": latencies, "early": early}


async def latency_poll(*, count: int, window: float, latency: float) -> dict[str, Any]:
    """Time status changes made at random moments until polling shows them."""
    with push_off():
        async with simulator(count, latency) as sim, home_assistant() as hass:
            entry = make_entry(hass, sim.url, count)
            await set_up(hass, entry)
            await async_settle(hass)
            waiter = StateWaiter(hass)
            spread = random.Random(2)
            order = spread.sample(serials(count), count)
            moments = sorted(spread.uniform(0, window) for _ in order)
            start = time.perf_counter()
            pending: list[tuple[float, asyncio.Future[float]]] = []
            for serial, moment in zip(order, moments, strict=True):
                await asyncio.sleep(max(0.0, start + moment - time.perf_counter()))
                shown = waiter.expect(
                    entity_id(hass, "binary_sensor", serial, "measuring"), "off"
                )
                await sim.update(serial, measuring=False)
                pending.append((time.perf_counter(), shown))
            latencies = []
            for returned, shown in pending:
                left = returned + POLL_GIVE_UP - time.perf_counter()
                latencies.append(await asyncio.wait_for(shown, left) - returned)
            waiter.close()
    return {"latencies": latencies, "early": 0}


async def requests_per_hour(
    *, count: int, latency: float, push: bool
) -> dict[str, Any]:
    """Count the requests of an hour on Home Assistant's clock, frozen and stepped."""
    with (
        nullcontext() if push else push_off(),
        freeze_time(datetime.now(UTC)) as clock,
    ):
        async with simulator(count, latency) as sim, home_assistant() as hass:
            entry = make_entry(hass, sim.url, count)
            await set_up(hass, entry)
            await async_settle(hass)
            if push:
                await all_pushing(entry)
            before = await sim.counters()
            for _ in range(HOUR // STEP):
                clock.tick(timedelta(seconds=STEP))
                async_fire_time_changed(hass)
                await async_settle(hass)
                if push:
                    await keep_alives_answered(hass, entry)
            after = await sim.counters()
            pushing = sum(r.pushing for r in records_of(entry))
            await hass.config_entries.async_unload(entry.entry_id)
    return {
        "rest": rest_requests(after) - rest_requests(before),
        "status": status_requests(after) - status_requests(before),
        "by_endpoint": dict(Counter(after["requests"]) - Counter(before["requests"])),
        "handshakes": sum(after["ws"]["connects"].values())
        - sum(before["ws"]["connects"].values()),
        "pushing_at_end": pushing,
    }


async def keep_alives_answered(hass: HomeAssistant, entry: Any) -> None:
    """Wait until each open websocket has heard from the server at this moment.

    Each step sends a keep-alive; its answer must arrive before the clock moves
    again, or the websocket would look silent.
    """
    now = dt_util.utcnow()
    await until(
        lambda: all(
            last is not None and last >= now for last in last_messages(entry).values()
        ),
        "the keep-alive answers",
    )
    await async_settle(hass)


async def live_load(
    *,
    count: int,
    latency: float,
    live_period: float,
    baseline_s: float,
    window_s: float,
    writes_period: float,
    writes_window_s: float,
) -> dict[str, Any]:
    """Measure CPU per live message, then state writes per live sensor."""
    async with simulator(count, latency) as sim, home_assistant() as hass:
        entry = make_entry(hass, sim.url, count)
        await set_up(hass, entry)
        await all_pushing(entry)
        await async_settle(hass)
        received = Counter[str]()
        for serial in serials(count):
            async_dispatcher_connect(
                hass,
                levels_signal(entry.entry_id, serial),
                counting(received, serial),
            )
        await asyncio.sleep(2)
        idle_cpu, idle_wall = await cpu_over(baseline_s)

        await sim.set_live_period(live_period)
        await asyncio.sleep(3)  # the data flows at its full rate
        sent = (await sim.counters())["ws"]["sent"].get("LiveData", 0)
        got = received.total()
        cpu, wall = await cpu_over(window_s)
        got = received.total() - got
        sent = (await sim.counters())["ws"]["sent"].get("LiveData", 0) - sent

        await sim.set_live_period(writes_period)
        await asyncio.sleep(2 * writes_period + 1)
        sensors = live_sensors(hass)
        writes = WriteCounter(sensors)
        try:
            await asyncio.sleep(writes_window_s)
        finally:
            writes.close()
        await hass.config_entries.async_unload(entry.entry_id)
    return {
        "idle_cpu_s": idle_cpu,
        "idle_wall_s": idle_wall,
        "cpu_s": cpu,
        "wall_s": wall,
        "messages_received": got,
        "messages_sent": sent,
        "writes": writes.count,
        "sensors": len(sensors),
        "writes_window_s": writes_window_s,
    }


def counting(
    received: Counter[str], serial: str
) -> Callable[[Mapping[str, float]], None]:
    @callback
    def count(_values: Mapping[str, float]) -> None:
        received[serial] += 1

    return count


async def cpu_over(seconds: float) -> tuple[float, float]:
    """Return the process CPU seconds and wall seconds of an idle wait."""
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    return time.process_time() - cpu, time.perf_counter() - wall


def live_sensors(hass: HomeAssistant) -> set[str]:
    """Return the entity ids of the live level sensors (unique id: serial_laeq)."""
    keys = {name.lower() for name in DEFAULT_LIVE_VALUES}
    return {
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.platform == DOMAIN and entry.unique_id.rsplit("_", 1)[-1] in keys
    }


async def many_sockets(
    *, count: int, latency: float, live_period: float
) -> dict[str, Any]:
    """Open a websocket per instrument, then ask every status over REST."""
    process = psutil.Process()
    async with (
        simulator(count, latency, live_period) as sim,
        home_assistant() as hass,
    ):
        entry = make_entry(hass, sim.url, count)
        # Home Assistant makes its shared web session (and zeroconf) at start-up.
        async_get_clientsession(hass)
        gc.collect()
        rss, fds = process.memory_info().rss, process.num_fds()
        start = time.perf_counter()
        await set_up(hass, entry)
        await all_pushing(entry)
        connected_s = time.perf_counter() - start
        await async_settle(hass)
        gc.collect()
        rss, fds = process.memory_info().rss - rss, (fds, process.num_fds())
        open_before = (await sim.counters())["ws"]["open"]
        coordinator = coordinator_of(entry)
        before = status_requests(await sim.counters())
        with every_status_due():
            _, refresh_s, _ = await timed(coordinator.async_refresh)
        answered = status_requests(await sim.counters()) - before
        failed = sum(r.error is not None for r in records_of(entry))
        open_after = (await sim.counters())["ws"]["open"]
        await hass.config_entries.async_unload(entry.entry_id)
    return {
        "connected_s": connected_s,
        "rss_mib": rss / 2**20,
        "fds": fds,
        "open": [open_before, open_after],
        "refresh_s": refresh_s,
        "refresh_ok": coordinator.last_update_success and not failed,
        "answered": answered,
    }


SCENARIOS: dict[str, Scenario] = {
    "latency-push": latency_push,
    "latency-poll": latency_poll,
    "hour": requests_per_hour,
    "live": live_load,
    "sockets": many_sockets,
}
