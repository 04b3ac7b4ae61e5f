"""The simulator's command line and demo behaviour."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession
import pytest

from custom_components.mycirrus.api import MyCirrusClient
from simulator import DEFAULT_API_KEY, Simulator
from simulator.__main__ import build_simulator, main, parse_args, serve
from simulator.demo import demo_step, run_demo


def test_build_from_the_command_line() -> None:
    simulator = build_simulator(
        parse_args(
            ["--instruments", "4", "--key", "k1", "--key", "k2=instruments:read"]
        )
    )
    assert list(simulator.instruments) == [
        "QT100001",
        "QT100002",
        "QT100003",
        "QT100004",
    ]
    assert simulator.keys["k2"] == frozenset({"instruments:read"})
    assert "instruments:action" in simulator.keys["k1"]


def test_build_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "instruments.json"
    path.write_text(json.dumps([{"serial": "QT1", "name": "One", "features": []}]))
    simulator = build_simulator(parse_args(["--file", str(path), "--latency", "0.1"]))
    assert simulator.latency == 0.1
    assert simulator.instruments["QT1"].features == []
    assert list(simulator.keys) == [DEFAULT_API_KEY]


async def test_serve(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(["--port", "0", "--instruments", "2", "--demo", "0.01"])
    task = asyncio.create_task(serve(args))
    await asyncio.sleep(0.1)
    assert (
        "MyCirrus simulator on http://127.0.0.1:0/v1 with 2" in capsys.readouterr().out
    )
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_serve_without_demo(socket_enabled: None) -> None:
    task = asyncio.create_task(serve(parse_args(["--port", "0"])))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_main_stops_on_ctrl_c() -> None:
    def interrupted(coroutine: Coroutine[Any, Any, None]) -> None:
        coroutine.close()
        raise KeyboardInterrupt

    with patch("simulator.__main__.asyncio.run", side_effect=interrupted) as run:
        main(["--port", "0"])
    run.assert_called_once()


def test_demo_steps_change_the_instruments() -> None:
    clock = [datetime(2026, 11, 24, tzinfo=UTC)]
    simulator = Simulator(now=lambda: clock[0])
    simulator.add_demo_instruments(5)
    serials = list(simulator.instruments)
    seen: dict[str, set[object]] = {serial: set() for serial in serials}
    for step in range(24):
        demo_step(simulator, step)
        clock[0] += timedelta(seconds=30)
        simulator.advance()
        instruments = simulator.instruments
        seen[serials[1]].add(instruments[serials[1]].online)
        seen[serials[2]].add(instruments[serials[2]].calibration_in_progress)
        seen[serials[3]].add((instruments[serials[3]].last_sic or {}).get("status"))
        seen[serials[4]].add(instruments[serials[4]].measuring)
    assert seen[serials[1]] == {True, False}
    assert seen[serials[2]] == {True, False}
    assert "Failed" in seen[serials[3]]
    assert seen[serials[4]] == {True, False}


async def test_run_demo_steps_until_cancelled() -> None:
    simulator = Simulator()
    simulator.add_demo_instruments(2)
    task = asyncio.create_task(run_demo(simulator, 0.001))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_rename_and_latency(socket_enabled: None) -> None:
    from aiohttp.test_utils import TestServer  # noqa: PLC0415

    simulator = Simulator(latency=0.01)
    simulator.add_key("key")
    simulator.add_instrument("QT1")
    server = TestServer(simulator.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        url = server.make_url("/v1/control/instruments/QT1")
        async with ClientSession(headers={"X-Api-Key": "key"}) as session:
            async with session.put(url, json={"name": "Renamed"}) as response:
                assert response.status == 204
            async with session.put(url, data="junk") as response:
                assert response.status == 400
            async with session.post(f"{url}/action?action=Dance") as response:
                assert response.status == 400
            client = MyCirrusClient(
                session, "key", base_url=str(server.make_url("/v1"))
            )
            assert (await client.instrument("QT1")).name == "Renamed"
    finally:
        await server.close()


async def test_counters_endpoint(socket_enabled: None) -> None:
    from aiohttp.test_utils import TestServer  # noqa: PLC0415

    simulator = Simulator()
    simulator.add_key("key")
    simulator.add_instrument("QT1")
    server = TestServer(simulator.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            client = MyCirrusClient(
                session, "key", base_url=str(server.make_url("/v1"))
            )
            await client.status("QT1")
            # No key needed, and reading the counters is not counted.
            async with session.get(server.make_url("/_simulator/requests")) as response:
                assert await response.json() == {
                    "requests": {"status": 1},
                    "status_requests": {"QT1": 1},
                }
    finally:
        await server.close()
