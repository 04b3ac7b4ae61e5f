"""Benchmark MyCirrus against the simulator: polling, and push against polling.

Every measurement runs in a process of its own with one Home Assistant test
instance (scripts/bench_worker.py), and the simulator in yet another, so that
Home Assistant's per-process state (its zeroconf instance and the catcher that
guards it) belongs to that one instance, and CPU, memory and file descriptors
are that instance's alone. The simulator answers after --latency seconds.

Polling table: for each of --counts, one refresh of the integration (push
switched off, so that it polls every instrument as before push) against a
naive poller that asks for each status in turn and writes every state each
time: refresh time and CPU per instrument (the median of three refreshes),
status requests per refresh, state writes of a refresh where nothing changed,
set-up time, peak Python memory of a refresh.

Push table, push against polling only:

- status change to state: the simulator changes an instrument's ``measuring``
  (``POST /_simulator/instruments/{serial}``); the time from that request's
  answer to the state_changed event (wall clock). Push: 50 changes on 20
  instruments, about 0.3 s apart. Polling only: one change on each of 20
  instruments at random moments over --poll-window seconds, each shown by the
  next poll, so its figure is bounded by the 60 s interval. This one runs
  beside the others.
- REST requests per instrument in an hour (--push-count instruments) on Home
  Assistant's clock, frozen and moved on in 30 s steps as the tests do;
  counted at the simulator, websocket handshakes apart.
- Home Assistant process CPU per live message: --push-count instruments
  sending live data every --live-period seconds (``POST /_simulator/live``),
  over 20 s, less the CPU of 10 s without live data (scaled), divided by the
  messages the integration received.
- state writes per live sensor per minute, live data every second, over 60 s.
- --socket-count instruments with push: websockets open at the simulator, the
  process's file descriptors, its RSS growth over the set-up, and a REST
  refresh of every instrument while all websockets are open.

Stored data table: a new entry of --data-count instruments at a 5-minute period
that backfills --data-days days into the long-term statistics, with the
recorder on a SQLite file: wall time until the recorder has written every row,
CPU of the process and of the recorder's thread (the rest is the
integration's), peak memory growth, measurement requests; then the stored data
requests of an hour of refreshes on Home Assistant's frozen clock.

Noise limit table: CPU per live message with ten limits on each of
--limit-count instruments (live data every --live-period seconds), against the
same without limits; state writes per limit per minute under a steady level
(see scripts/bench_limits.py).

Arguments:
  --counts N ...      instrument counts of the polling table (10 100 500)
  --latency S         simulated latency of every API answer (0.05)
  --no-naive          leave out the naive poller
  --skip-push         polling table only
  --only-push         push table only
  --push-count N      instruments of the hour, CPU and writes figures (100)
  --socket-count N    instruments of the many-websockets figures (2 x push-count)
  --poll-window S     spread of polling-only changes (120; the run lasts S + ~60)
  --live-period S     live data period of the CPU figure (0.2)
  --data-count N      instruments of the stored data table (50)
  --data-days N       days of its backfill (31)
  --skip-data         leave out the stored data table
  --limit-count N     instruments of the noise limits' CPU figure (10)
  --skip-limits       leave out the noise limit table
  --only-limits       the noise limit table only

A quick run: ``scripts/bench --counts 10 --push-count 20 --poll-window 20``.
Tables go to stdout; warnings the workers log go to stderr, each once.
"""

from __future__ import annotations

import argparse
import asyncio
from importlib import metadata
import json
import os
from pathlib import Path
import platform
import re
import sys
from typing import Any

from bench_report import (
    PushPlan,
    PushResults,
    Result,
    data_rows,
    limit_rows,
    polling_targets,
    print_table,
    push_notes,
    push_rows,
)

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "scripts" / "bench_worker.py"
LOG_START = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):")


class WorkerLog:
    """Passes the workers' log records to stderr, each distinct one once."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def forward(self, text: str) -> None:
        records: list[list[str]] = []
        for line in text.splitlines():
            if LOG_START.match(line) or not records:
                records.append([])
            records[-1].append(line)
        for record in map("\n".join, records):
            if record not in self._seen:
                self._seen.add(record)
                print(record, file=sys.stderr, flush=True)


async def run_worker(log: WorkerLog, scenario: str, **params: Any) -> Result:
    """Run one measurement in a process of its own; None if it failed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        scenario,
        json.dumps(params),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    lines = out.decode().splitlines()
    if process.returncode != 0 or not lines:
        print(f"{scenario} {params} failed:", file=sys.stderr)
        print(err.decode(errors="replace"), file=sys.stderr, flush=True)
        return None
    log.forward(err.decode(errors="replace"))
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = names[0].strip() if names else cpu
    home_assistant = metadata.version("homeassistant")
    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}, Home Assistant {home_assistant}"
    )


async def polling(args: argparse.Namespace, log: WorkerLog) -> None:
    print("\n### Polling (push switched off)\n")
    print(
        "| instruments | poller | refresh (s) | requests | CPU per instrument (ms) "
        "| state writes, nothing changed | set-up (s) "
        "| peak memory of a refresh (MiB) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|", flush=True)
    results: dict[tuple[int, str], Result] = {}
    pollers = ["integration"] + ([] if args.no_naive else ["naive"])
    for count in args.counts:
        for poller in pollers:
            result = await run_worker(
                log, f"poll-{poller}", count=count, latency=args.latency
            )
            results[count, poller] = result
            print(polling_row(count, poller, result), flush=True)
    print()
    print_table(["target", "measured", "met"], polling_targets(results))


def polling_row(count: int, poller: str, result: Result) -> str:
    if result is None:
        return f"| {count} | {poller} | failed |  |  |  |  |  |"
    r = result
    return (
        f"| {count} | {poller} | {r['refresh_s']:.2f} | {r['requests']} "
        f"| {r['cpu_ms_per_instrument']:.2f} | {r['writes_unchanged']} "
        f"| {r['setup_s']:.2f} | {r['peak_mib']:.1f} |"
    )


async def push(args: argparse.Namespace, log: WorkerLog) -> None:
    plan = PushPlan(
        latency=args.latency,
        changed=min(20, args.push_count),
        push_changes=50,
        poll_window=args.poll_window,
        count=args.push_count,
        live_period=args.live_period,
        baseline_s=10.0,
        window_s=20.0,
        writes_window_s=60.0,
        sockets=args.socket_count or 2 * args.push_count,
    )
    latency = plan.latency
    # Polling only waits up to a minute for each change: run it beside the rest.
    by_polling = asyncio.create_task(
        run_worker(
            log,
            "latency-poll",
            count=plan.changed,
            window=plan.poll_window,
            latency=latency,
        )
    )
    by_push = await run_worker(
        log,
        "latency-push",
        count=plan.changed,
        changes=plan.push_changes,
        spacing=0.3,
        latency=latency,
        live_period=1.0,
    )
    hour_push, hour_polling = [
        await run_worker(log, "hour", count=plan.count, latency=latency, push=push)
        for push in (True, False)
    ]
    live = await run_worker(
        log,
        "live",
        count=plan.count,
        latency=latency,
        live_period=plan.live_period,
        baseline_s=plan.baseline_s,
        window_s=plan.window_s,
        writes_period=1.0,
        writes_window_s=plan.writes_window_s,
    )
    many = await run_worker(
        log, "sockets", count=plan.sockets, latency=latency, live_period=1.0
    )
    results = PushResults(
        by_push=by_push,
        by_polling=await by_polling,
        hour_push=hour_push,
        hour_polling=hour_polling,
        live=live,
        many=many,
    )
    print(f"\n### Push against polling only ({latency * 1000:g} ms latency)\n")
    print_table(
        ["figure", "push", "polling only", "target", "met"],
        [row.cells() for row in push_rows(plan, results)],
    )
    for note in push_notes(plan, results):
        print(f"\n{note}")


async def stored_data(args: argparse.Namespace, log: WorkerLog) -> None:
    count, days = args.data_count, args.data_days
    backfill = await run_worker(
        log, "backfill", count=count, days=days, period=5, latency=args.latency
    )
    hour = await run_worker(log, "data-hour", count=count, latency=args.latency)
    print(f"\n### Stored data: {count} instruments, {days} days at a 5-minute period\n")
    print_table(
        ["figure", "measured", "target", "met"], data_rows(count, days, backfill, hour)
    )
    print(
        "\n¹ The process's CPU less its recorder thread's: reading the answers, "
        "making the hourly rows and handing them over. The recorder's is Home "
        "Assistant writing them: a query and an insert per row."
    )


async def limits(args: argparse.Namespace, log: WorkerLog) -> None:
    cpu = await run_worker(
        log,
        "limits-cpu",
        count=args.limit_count,
        latency=args.latency,
        live_period=args.live_period,
        baseline_s=10.0,
        window_s=20.0,
    )
    writes = await run_worker(log, "limit-writes", latency=args.latency, window_s=120.0)
    print(f"\n### Noise limits ({args.limit_count} instruments, 10 limits each)\n")
    print_table(["figure", "measured", "target", "met"], limit_rows(cpu, writes))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--no-naive", action="store_true")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--skip-push", action="store_true")
    group.add_argument("--only-push", action="store_true")
    group.add_argument("--only-limits", action="store_true")
    parser.add_argument("--push-count", type=int, default=100)
    parser.add_argument("--socket-count", type=int, default=0)
    parser.add_argument("--poll-window", type=float, default=120.0)
    parser.add_argument("--live-period", type=float, default=0.2)
    parser.add_argument("--data-count", type=int, default=50)
    parser.add_argument("--data-days", type=int, default=31)
    parser.add_argument("--skip-data", action="store_true")
    parser.add_argument("--limit-count", type=int, default=10)
    parser.add_argument("--skip-limits", action="store_true")
    args = parser.parse_args()
    print(
        f"MyCirrus benchmark: simulated latency {args.latency * 1000:g} ms; "
        f"{machine()}",
        flush=True,
    )
    log = WorkerLog()
    if args.only_limits:
        await limits(args, log)
        return
    if not args.only_push:
        await polling(args, log)
    if not args.skip_push:
        await push(args, log)
    if not args.skip_limits:
        await limits(args, log)
    if not args.skip_data and not args.only_push:
        await stored_data(args, log)


if __name__ == "__main__":
    asyncio.run(main())
