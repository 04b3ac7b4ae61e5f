"""Run the MyCirrus simulator: ``python -m simulator --port 8080 --instruments 5``.

Without aiohttp, this starts again with the project's ``.venv`` Python.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import suppress
import json
from pathlib import Path
from typing import Any

from .launch import ensure_aiohttp

ensure_aiohttp()  # before the first import of aiohttp

from aiohttp import web  # noqa: E402

from .app import ALL_SCOPES, DEFAULT_API_KEY, Simulator  # noqa: E402
from .demo import run_demo  # noqa: E402
from .shape import MeasurementShape  # noqa: E402


def measurement_shape(words: str) -> MeasurementShape:
    """Return the measurements answer's shape the words describe, for argparse."""
    try:
        return MeasurementShape.parse(words)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="A MyCirrus cloud simulator: the instrument, monitor and "
        "stored data endpoints under /v1 and the live websocket at "
        "/v1/live/{serial}.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--instruments",
        type=int,
        default=3,
        help="number of demo instruments (%(default)s)",
    )
    parser.add_argument(
        "--name",
        default="Noise monitor {n}",
        help="name of the demo instruments, {n} counting from 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--file",
        type=Path,
        help="JSON file: a list of instruments (serial, name, model, type, features, "
        "addons, "
        "online, measuring, last_calibration, last_sic, health, measurement_period, "
        "event_trigger, weather_override) used instead of --instruments",
    )
    parser.add_argument(
        "--key",
        action="append",
        help="accepted API key, optionally KEY=scope1,scope2 (default: "
        f"{DEFAULT_API_KEY} with every scope); may be repeated",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every answer"
    )
    parser.add_argument(
        "--demo",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="change instrument states every SECONDS (0: never)",
    )
    parser.add_argument(
        "--live-period",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="send live data on the websockets every SECONDS (0: never; "
        "default: %(default)s)",
    )
    parser.add_argument(
        "--measurement-period",
        type=int,
        choices=(1, 5, 15),
        metavar="MINUTES",
        help="measurement period of every demo instrument: 1, 5 or 15 (default: "
        "5, the second instrument 1 and the third 15)",
    )
    parser.add_argument(
        "--measurement-shape",
        type=measurement_shape,
        default=MeasurementShape(),
        metavar="WORDS",
        help="layout of the measurements answer, which the API does not document: "
        "comma-separated words, one of flat (default), list or object; one of "
        "camel (default), pascal or lower; wrap or wrap=KEY (the records under "
        "'measurements' or KEY); period (each record says its period); unknown "
        "(a shape no client knows)",
    )
    return parser.parse_args(argv)


def build_simulator(args: argparse.Namespace) -> Simulator:
    """Create the simulator the command line describes."""
    simulator = Simulator(
        latency=args.latency,
        live_period=args.live_period,
        measurement_shape=args.measurement_shape,
    )
    for spec in args.key or [DEFAULT_API_KEY]:
        key, _, scopes = spec.partition("=")
        simulator.add_key(
            key, scopes=frozenset(scopes.split(",")) if scopes else ALL_SCOPES
        )
    if args.file:
        items: list[dict[str, Any]] = json.loads(args.file.read_text())
        for item in items:
            simulator.add_instrument(**item)
    else:
        simulator.add_demo_instruments(
            args.instruments,
            measurement_period=args.measurement_period,
            name=args.name,
        )
    return simulator


async def serve(args: argparse.Namespace) -> None:
    """Serve until cancelled."""
    simulator = build_simulator(args)
    runner = web.AppRunner(simulator.make_app())
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as err:
        await runner.cleanup()
        # e.g. scripts/develop's own simulator already holds the port.
        raise SystemExit(
            f"python -m simulator: cannot listen on {args.host}:{args.port}: "
            f"{err.strerror or err} (choose another --port)"
        ) from None
    keys = ", ".join(simulator.keys)
    print(
        f"MyCirrus simulator on http://{args.host}:{args.port}/v1 with "
        f"{len(simulator.instruments)} instruments; API key(s): {keys}; live "
        f"websocket ws://{args.host}:{args.port}/v1/live/{{serial}}",
        flush=True,
    )
    try:
        if args.demo > 0:
            await run_demo(simulator, args.demo)
        else:
            await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
