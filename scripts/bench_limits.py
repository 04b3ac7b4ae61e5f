"""Workers of the noise limit figures: CPU per live message, state writes.

- CPU per live message with 10 limits on each instrument: --limit-count
  instruments sending live data every --live-period seconds (generated levels),
  the Home Assistant process's CPU over 20 s less its CPU with the websockets
  open and no live data, per message received; first without limits, then
  with ten limits on each instrument (LAeq over 5 to 60 minutes and over the
  whole period, day and night schedules, two maxima).
- State writes per limit per minute while nothing changes by 0.1 dB: one
  instrument with ten limits whose hourly windows start a minute after set-up,
  a steady 70 dB(A) every second (so that the stored periods agree with it),
  the writes of the limits' entities over 120 s from 30 s into their window.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
import time
from typing import Any

from bench_harness import (
    Scenario,
    WriteCounter,
    all_pushing,
    async_settle,
    home_assistant,
    make_entry,
    serials,
    set_up,
    simulator,
)
from bench_push import counting, cpu_over

from custom_components.mycirrus.const import DOMAIN, SUBENTRY_TYPE_LIMIT
from custom_components.mycirrus.hub.signals import levels_signal
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Ten limits of a busy site: (value, window, start, end, level).
MIX = (
    ("LAeq", 5, "00:00", "00:00", 70.0),
    ("LAeq", 10, "00:00", "00:00", 72.0),
    ("LAeq", 15, "00:00", "00:00", 65.0),
    ("LAeq", 30, "00:00", "00:00", 68.0),
    ("LAeq", 60, "00:00", "00:00", 75.0),
    ("LAeq", 0, "00:00", "00:00", 60.0),
    ("LAeq", 60, "07:00", "23:00", 62.0),
    ("LAeq", 15, "23:00", "07:00", 55.0),
    ("LAFMax", 0, "00:00", "00:00", 85.0),
    ("LCPeak", 60, "00:00", "00:00", 120.0),
)


def limit(
    serial: str, index: int, spec: tuple[str, int, str, str, float]
) -> ConfigSubentry:
    value, window, start, end, level = spec
    data = {
        "name": f"Limit {index}",
        "instrument": serial,
        "value": value,
        "window": window,
        "days": EVERY_DAY,
        "start": start,
        "end": end,
        "level": level,
        "margin": 3.0,
    }
    return ConfigSubentry(
        data=data, subentry_type=SUBENTRY_TYPE_LIMIT, title=data["name"], unique_id=None
    )


def add_limits(hass: HomeAssistant, entry: Any, specs: dict[str, list[Any]]) -> None:
    """Add the limits as the subentry form does, without a reload."""
    for serial, serial_specs in specs.items():
        for index, spec in enumerate(serial_specs):
            hass.config_entries.async_add_subentry(entry, limit(serial, index, spec))


async def per_message(
    sim: Any, received: Counter[str], live_period: float, window_s: float
) -> tuple[float, float, int]:
    """Return CPU and wall seconds of a window of live data, and messages taken."""
    await sim.set_live_period(live_period)
    await asyncio.sleep(3)  # the data flows at its full rate
    got = received.total()
    cpu, wall = await cpu_over(window_s)
    got = received.total() - got
    await sim.set_live_period(0)
    await asyncio.sleep(1)
    return cpu, wall, got


async def limits_cpu(
    *,
    count: int,
    latency: float,
    live_period: float,
    baseline_s: float,
    window_s: float,
) -> dict[str, Any]:
    """Measure CPU per live message without limits, then with ten per instrument."""
    async with simulator(count, latency) as sim, home_assistant() as hass:
        entry = make_entry(hass, sim.url, count)
        await set_up(hass, entry)
        await all_pushing(entry)
        await async_settle(hass)
        received = Counter[str]()
        for serial in serials(count):
            async_dispatcher_connect(
                hass, levels_signal(entry.entry_id, serial), counting(received, serial)
            )
        await asyncio.sleep(2)
        idle = await cpu_over(baseline_s)
        without = await per_message(sim, received, live_period, window_s)

        add_limits(hass, entry, {serial: list(MIX) for serial in serials(count)})
        await async_settle(hass)
        running = len(entry.runtime_data.limits.runners)
        await asyncio.sleep(2)
        idle_with = await cpu_over(baseline_s)
        writes = WriteCounter(limit_entities(hass))
        try:
            with_limits = await per_message(sim, received, live_period, window_s)
        finally:
            writes.close()
        await hass.config_entries.async_unload(entry.entry_id)
    return {
        "idle": idle,
        "without": without,
        "idle_with": idle_with,
        "with": with_limits,
        "limits": running,
        # Over the 3 s of warm-up, the window and 1 s after it.
        "writes": writes.count,
        "writes_s": window_s + 4,
    }


async def limit_writes(*, latency: float, window_s: float) -> dict[str, Any]:
    """Count the limits' state writes under a steady level (see the module)."""
    async with simulator(1, latency) as sim, home_assistant() as hass:
        (serial,) = serials(1)
        entry = make_entry(hass, sim.url, 1)
        await set_up(hass, entry)
        await all_pushing(entry)
        await sim.set_live_period(1.0, {"LAeq": 70.0, "LAF": 70.0, "LCPeak": 95.0})
        start = (dt_util.now() + timedelta(minutes=1, seconds=30)).replace(
            second=0, microsecond=0
        )
        begins = f"{start.hour:02d}:{start.minute:02d}"
        levels = (60.0, 65.0, 68.0, 70.0, 72.0, 75.0, 80.0, 90.0)
        specs: list[Any] = [("LAeq", 60, begins, begins, level) for level in levels]
        specs += [
            ("LAFMax", 60, begins, begins, 85.0),
            ("LCPeak", 60, begins, begins, 120.0),
        ]
        add_limits(hass, entry, {serial: specs})
        await async_settle(hass)
        await asyncio.sleep(max(0.0, (start - dt_util.now()).total_seconds() + 30))
        runners = list(entry.runtime_data.limits.runners.values())
        ids = limit_entities(hass)
        levels_seen: list[float] = []
        writes = WriteCounter(ids)
        try:
            began = time.perf_counter()
            while time.perf_counter() - began < window_s:
                await asyncio.sleep(1)
                current = runners[0].current
                if current is not None and (level := current.level) is not None:
                    levels_seen.append(level)
        finally:
            writes.close()
        await hass.config_entries.async_unload(entry.entry_id)
    return {
        "writes": writes.count,
        "limits": len(runners),
        "entities": len(ids),
        "window_s": window_s,
        "level_moved": max(levels_seen) - min(levels_seen) if levels_seen else None,
    }


def limit_entities(hass: HomeAssistant) -> set[str]:
    """Return the entity ids of every noise limit's entities."""
    return {
        registered.entity_id
        for registered in er.async_get(hass).entities.values()
        if registered.platform == DOMAIN and "_limit_" in registered.unique_id
    }


SCENARIOS: dict[str, Scenario] = {
    "limits-cpu": limits_cpu,
    "limit-writes": limit_writes,
}
