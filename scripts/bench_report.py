"""The benchmark's tables: figures from the workers' results, with targets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import statistics
from typing import Any

type Result = dict[str, Any] | None


@dataclass(frozen=True, kw_only=True)
class PushPlan:
    """What the push table measures, and with how many instruments."""

    latency: float
    changed: int  # instruments whose status changes
    push_changes: int
    poll_window: float
    count: int  # instruments of the hour, CPU and writes figures
    live_period: float
    baseline_s: float
    window_s: float
    writes_window_s: float
    sockets: int


@dataclass(frozen=True, kw_only=True)
class PushResults:
    by_push: Result
    by_polling: Result
    hour_push: Result
    hour_polling: Result
    live: Result
    many: Result


@dataclass(frozen=True)
class Row:
    """One figure: push, polling only, its target and whether it is met."""

    figure: str
    push: str
    polling: str = "-"
    target: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        return [self.figure, self.push, self.polling, self.target, yes_no(self.met)]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def yes_no(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def polling_targets(results: dict[tuple[int, str], Result]) -> list[list[str]]:
    """Return the polling targets with what the integration measured."""
    ours = {
        count: result
        for (count, poller), result in results.items()
        if poller == "integration" and result is not None
    }
    rows: list[list[str]] = []

    def at(count: int, key: str, target: str, check: Callable[[float], bool]) -> None:
        if count not in ours:
            rows.append([target, f"not measured (add {count} to --counts)", ""])
            return
        value = ours[count][key]
        rows.append([target, f"{value:.2f} s", yes_no(check(value))])

    at(500, "refresh_s", "refresh of 500 instruments < 4 s", lambda v: v < 4)
    if ours:
        cpu = max(r["cpu_ms_per_instrument"] for r in ours.values())
        writes = max(r["writes_unchanged"] for r in ours.values())
        requests = ", ".join(f"{r['requests']} for {n}" for n, r in ours.items())
        one_each = all(r["requests"] == n for n, r in ours.items())
        rows += [
            ["CPU per instrument < 0.5 ms", f"at most {cpu:.2f} ms", yes_no(cpu < 0.5)],
            ["0 state writes when nothing changed", str(writes), yes_no(writes == 0)],
            ["one status request per instrument", requests, yes_no(one_each)],
        ]
    at(100, "setup_s", "set-up of 100 instruments < 2 s", lambda v: v < 2)
    return rows


def push_rows(plan: PushPlan, results: PushResults) -> list[Row]:
    return [
        *_latency_rows(results.by_push, results.by_polling),
        *_hour_rows(results.hour_push, results.hour_polling, plan.count),
        *_live_rows(results.live),
        *_socket_rows(results.many, plan.sockets),
    ]


def push_notes(plan: PushPlan, results: PushResults) -> list[str]:
    early = results.by_push["early"] if results.by_push else 0
    return [
        "¹ Polling only: a change waits for the next poll, so this figure is "
        "bounded by the 60 s interval (plus the round that asks).",
        f"² {plan.changed} instruments. Timed from the answer of the simulator's "
        "control request that changes `measuring` to the state_changed event "
        f"(wall clock). Push: {plan.push_changes} changes, about 0.3 s apart "
        f"({early} shown before the answer came, counted as 0). Polling only: "
        f"one change on each, at random moments over {plan.poll_window:g} s.",
        f"³ {plan.count} instruments, one hour on Home Assistant's frozen clock "
        "moved on in 30 s steps; counted at the simulator, websocket handshakes "
        "apart. The instrument list (hourly) and monitor health (every 5 "
        "minutes) are one request each for the whole entry.",
        f"⁴ {plan.count} instruments sending live data every "
        f"{plan.live_period:g} s: the process's CPU over {plan.window_s:g} s, "
        f"less its CPU over {plan.baseline_s:g} s with the websockets open and "
        "no live data (scaled), divided by the messages the integration received.",
        f"⁵ The default LAeq, LAF and LCPeak sensors of {plan.count} instruments, "
        "live data every 1 s, the default 5 s interval, counted over "
        f"{plan.writes_window_s:g} s.",
        f"⁶ {plan.sockets} instruments with push and live data every 1 s; the "
        "REST refresh asks for every status, as the 20-minute check does.",
    ]


def _quantile(result: Result, which: str) -> float | None:
    if result is None:
        return None
    values: list[float] = result["latencies"]
    if which == "median":
        return statistics.median(values)
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _duration(value: float | None, note: str = "") -> str:
    if value is None:
        return "failed"
    if value < 1:
        return f"{value * 1000:.1f} ms{note}"
    return f"{value:.1f} s{note}"


def _latency_rows(pushed: Result, polled: Result) -> list[Row]:
    p95 = _quantile(pushed, "p95")
    return [
        Row(
            "status change → state in HA, median ²",
            _duration(_quantile(pushed, "median")),
            _duration(_quantile(polled, "median"), " ¹"),
        ),
        Row(
            "status change → state in HA, p95 ²",
            _duration(p95),
            _duration(_quantile(polled, "p95"), " ¹"),
            "push < 1 s",
            None if p95 is None else p95 < 1.0,
        ),
    ]


def _hour_rows(pushed: Result, polled: Result, count: int) -> list[Row]:
    def per(result: Result, key: str) -> str:
        return "failed" if result is None else f"{result[key] / count:.2f}"

    def by_endpoint(result: Result) -> str:
        if result is None:
            return "failed"
        counts = sorted(result["by_endpoint"].items())
        return ", ".join(f"{endpoint} {n}" for endpoint, n in counts)

    def handshakes(result: Result) -> str:
        if result is None:
            return "failed"
        return f"{result['handshakes']} ({result['pushing_at_end']} open at the end)"

    rest = None if pushed is None else pushed["rest"] / count
    status = None if pushed is None else pushed["status"] / count
    return [
        Row(
            "REST requests per instrument per hour ³",
            per(pushed, "rest"),
            per(polled, "rest"),
            "push ≤ 4",
            None if rest is None else rest <= 4,
        ),
        Row(
            "… of which status requests",
            per(pushed, "status"),
            per(polled, "status"),
            "(push ≤ 4)",
            None if status is None else status <= 4,
        ),
        Row("… requests of the hour", by_endpoint(pushed), by_endpoint(polled)),
        Row(
            "… websocket handshakes in the hour",
            handshakes(pushed),
            handshakes(polled),
        ),
    ]


def _live_rows(live: Result) -> list[Row]:
    if live is None:
        return [Row("live data", "failed")]
    idle_rate = live["idle_cpu_s"] / live["idle_wall_s"]
    cpu = live["cpu_s"] - idle_rate * live["wall_s"]
    per_message = cpu * 1000 / max(live["messages_received"], 1)
    per_minute = live["writes"] / live["sensors"] / (live["writes_window_s"] / 60)
    return [
        Row(
            "HA process CPU per live message (ms) ⁴",
            f"{per_message:.3f}",
            target="< 0.2 ms",
            met=per_message < 0.2,
        ),
        Row(
            "… live messages received / sent in the window",
            f"{live['messages_received']} / {live['messages_sent']}",
        ),
        Row(
            "state writes per live sensor per minute ⁵",
            f"{per_minute:.1f}",
            target="≤ 12",
            met=per_minute <= 12,
        ),
    ]


def _socket_rows(many: Result, count: int) -> list[Row]:
    if many is None:
        return [Row(f"{count} websockets", "failed")]
    answered = many["answered"] == count and many["refresh_ok"]
    return [
        Row(
            f"{count} instruments: websockets open at the simulator ⁶",
            f"{many['open'][0]} ({many['open'][1]} after the REST refresh)",
        ),
        Row(
            "… file descriptors of the HA process, before → after the set-up",
            f"{many['fds'][0]} → {many['fds'][1]}",
        ),
        Row("… RSS growth over the set-up (MiB)", f"{many['rss_mib']:.1f}"),
        Row("… set-up until every websocket is open (s)", f"{many['connected_s']:.2f}"),
        Row(
            f"… REST refresh of all {count} statuses, websockets open",
            f"{many['refresh_s']:.2f} s, {many['answered']} of {count} answered",
            target="REST still answered",
            met=answered,
        ),
    ]


def data_rows(count: int, days: int, backfill: Result, hour: Result) -> list[list[str]]:
    """Return the stored data table: the backfill, then an hour of refreshes."""
    rows: list[list[str]] = []
    if backfill is None:
        rows.append(["backfill", "failed", "", ""])
    else:
        b = backfill
        own = b["cpu_s"] - b["recorder_cpu_s"]
        hours = days * 24 * count
        rows += [
            [
                "backfill: periods read / hourly rows imported",
                f"{b['periods']} / {b['rows']}",
                "",
                "",
            ],
            ["… until the recorder wrote every row (s)", f"{b['wall_s']:.1f}", "", ""],
            [
                "… CPU of the integration (s) ¹",
                f"{own:.1f}",
                "< 60 s",
                yes_no(own < 60),
            ],
            [
                "… CPU of the recorder's thread (s)",
                f"{b['recorder_cpu_s']:.1f}",
                "",
                "",
            ],
            ["… CPU of the process (s)", f"{b['cpu_s']:.1f}", "", ""],
            [
                "… peak memory growth (MiB)",
                f"{b['rss_growth_mib']:.0f}",
                "< 150 MB",
                yes_no(b["rss_growth_mib"] * 1.048576 < 150),
            ],
            [
                "… measurement requests",
                str(b["requests"]),
                f"≤ {2 * count} (2 per instrument per 31 days)",
                yes_no(b["requests"] <= 2 * count * max(1, days / 31)),
            ],
            [
                "… CPU per imported hour per instrument (ms): integration / process",
                f"{1000 * own / hours:.2f} / {1000 * b['cpu_s'] / hours:.2f}",
                "",
                "",
            ],
            *stall_rows("…", b),
        ]
    if hour is None:
        rows.append(["an hour of refreshes", "failed", "", ""])
    else:
        rows.append(
            [
                "requests in an hour of refreshes: measurements / events / weather",
                f"{hour['measurements']} / {hour['events']} / {hour['weather']}",
                "measurements ≤ 13",
                yes_no(hour["measurements"] <= 13),
            ]
        )
        rows += [
            [
                "… CPU of the hour, one-minute periods (s)",
                f"{hour['cpu_s']:.1f}",
                "",
                "",
            ],
            ["… memory growth (MiB)", f"{hour['rss_growth_mib']:.0f}", "", ""],
            *stall_rows("…", hour),
        ]
    return rows


def stall_rows(prefix: str, figures: dict[str, Any]) -> list[list[str]]:
    """Return the longest event-loop stalls: any callback's, the integration's."""
    ours = figures["stall_ours_ms"]
    return [
        [
            f"{prefix} longest event-loop stall by the integration (ms)",
            f"{ours:.1f} ({figures['stalls_over_20_ms']} over 20 ms)",
            "≤ 20 ms",
            yes_no(ours <= 20),
        ],
        [
            f"{prefix} longest event-loop stall of any callback (ms)",
            f"{figures['stall_ms']:.1f}",
            "",
            "",
        ],
    ]


def limit_rows(cpu: Result, writes: Result) -> list[list[str]]:
    """Return the noise limit table: CPU per live message, writes per limit."""
    rows: list[list[str]] = []
    if cpu is None:
        rows.append(["CPU per live message", "failed", "", ""])
    else:

        def per_message(idle: list[float], window: list[float]) -> float:
            cpu_s, wall_s, messages = window
            rate = idle[0] / idle[1]
            return (cpu_s - rate * wall_s) * 1000 / max(messages, 1)

        bare = per_message(cpu["idle"], cpu["without"])
        limited = per_message(cpu["idle_with"], cpu["with"])
        rows += [
            [
                "HA process CPU per live message, 10 limits on the instrument (ms)",
                f"{limited:.3f}",
                "< 0.2 ms",
                yes_no(limited < 0.2),
            ],
            ["… the same without limits (ms)", f"{bare:.3f}", "", ""],
            ["… of which the limits (ms)", f"{limited - bare:.3f}", "", ""],
            [
                "… limits running / live messages received (with, without)",
                f"{cpu['limits']} / {cpu['with'][2]}, {cpu['without'][2]}",
                "",
                "",
            ],
            [
                "… the limits' state writes per second meanwhile (generated levels)",
                f"{cpu['writes'] / cpu['writes_s']:.1f}",
                "",
                "",
            ],
        ]
    if writes is None:
        rows.append(["state writes per limit per minute", "failed", "", ""])
        return rows
    per_minute = writes["writes"] / writes["limits"] / (writes["window_s"] / 60)
    moved = writes["level_moved"]
    rows += [
        [
            "state writes per limit per minute, steady 70 dB (6 entities each)",
            f"{per_minute:.2f}",
            "≤ 4",
            yes_no(per_minute <= 4),
        ],
        [
            "… how far the first limit's level moved meanwhile (dB)",
            "-" if moved is None else f"{moved:.3f}",
            "< 0.1",
            yes_no(moved is not None and moved < 0.1),
        ],
    ]
    return rows
