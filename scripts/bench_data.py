"""Workers of the stored data table: the backfill, and an hour of refreshes."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
import resource
import time
from typing import Any

from bench_harness import (
    Scenario,
    StallMeter,
    async_settle,
    home_assistant,
    make_entry,
    push_off,
    set_up,
    simulator,
)
from freezegun import freeze_time
import psutil
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mycirrus.const import CONF_BACKFILL_DAYS
from homeassistant.components.recorder import get_instance

HOUR = 3600
STEP = 30


def max_rss_mib() -> float:
    """Return the process's peak resident memory so far, in MiB (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def thread_cpu(native_id: int | None) -> float:
    """Return the CPU seconds a thread of this process has used so far."""
    for thread in psutil.Process().threads():
        if thread.id == native_id:
            return float(thread.user_time + thread.system_time)
    return 0.0


async def filled() -> None:
    """Wait until the first refresh and the backfill after it are done."""
    for name in ("mycirrus first noise data", "mycirrus backfill"):
        tasks = [t for t in asyncio.all_tasks() if t.get_name() == name]
        if tasks:
            await asyncio.wait(tasks)


async def backfill(
    *, count: int, days: int, period: int, latency: float
) -> dict[str, Any]:
    """Set up an entry that reads ``days`` of periods into the statistics."""
    with push_off():
        async with (
            simulator(count, latency, period=period) as sim,
            home_assistant(recorder=True) as hass,
        ):
            entry = make_entry(hass, sim.url, count, {CONF_BACKFILL_DAYS: days})
            before = await sim.counters()
            rss = max_rss_mib()
            recorder_cpu = thread_cpu(get_instance(hass).native_id)
            wall, cpu = time.perf_counter(), time.process_time()
            with StallMeter() as stalls:
                await set_up(hass, entry)
                await filled()
                imported_s = time.perf_counter() - wall
                # Until the recorder has written every row.
                await get_instance(hass).async_block_till_done()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            recorder_cpu = thread_cpu(get_instance(hass).native_id) - recorder_cpu
            after = await sim.counters()
            result = {
                "wall_s": wall,
                "imported_s": imported_s,
                "cpu_s": cpu,
                "recorder_cpu_s": recorder_cpu,
                "rss_growth_mib": max_rss_mib() - rss,
                "requests": after["requests"].get("measurements", 0)
                - before["requests"].get("measurements", 0),
                "periods": entry.runtime_data.stored.periods.periods_taken,
                "rows": entry.runtime_data.stored.importer.rows_imported,
                **stalls.figures(),
            }
            await hass.config_entries.async_unload(entry.entry_id)
    return result


async def data_hour(*, count: int, latency: float) -> dict[str, Any]:
    """Count the stored data requests of an hour on Home Assistant's clock.

    Instruments of one-minute periods: beside the requests, the longest
    event-loop stall of the hour's refreshes, and their CPU and memory.
    """
    with push_off(), freeze_time(datetime.now(UTC)) as clock:
        async with simulator(count, latency, period=1) as sim, home_assistant() as hass:
            entry = make_entry(hass, sim.url, count)
            await set_up(hass, entry)
            await async_settle(hass)
            before = Counter((await sim.counters())["requests"])
            rss, cpu = max_rss_mib(), time.process_time()
            with StallMeter() as stalls:
                for _ in range(HOUR // STEP):
                    clock.tick(timedelta(seconds=STEP))
                    async_fire_time_changed(hass)
                    await async_settle(hass)
            cpu = time.process_time() - cpu
            after = Counter((await sim.counters())["requests"])
            await hass.config_entries.async_unload(entry.entry_id)
    hour = after - before
    return {
        **{
            endpoint: hour[endpoint]
            for endpoint in ("measurements", "events", "weather")
        },
        "cpu_s": cpu,
        "rss_growth_mib": max_rss_mib() - rss,
        **stalls.figures(),
    }


SCENARIOS: dict[str, Scenario] = {"backfill": backfill, "data-hour": data_hour}
