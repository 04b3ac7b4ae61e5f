"""The simulator's command line, launcher, demo behaviour and noise levels."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from itertools import pairwise
import json
from pathlib import Path
import socket
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession
import pytest

from custom_components.mycirrus.api import MyCirrusClient
import simulator as simulator_package
from simulator import ALL_SCOPES, DEFAULT_API_KEY, Simulator
from simulator.__main__ import build_simulator, main, parse_args, serve
from simulator.demo import Demo, run_demo
from simulator.launch import ensure_aiohttp, relaunch_command, this_python_will_do
from simulator.levels import NAMES, OCTAVES, NoiseLevels, activity, energy_sum


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
    assert simulator.instruments["QT100004"].name == "Noise monitor 4"


def test_the_demo_instruments_take_the_name_given() -> None:
    """As a German user names them in MyCirrus, for a demo in German."""
    simulator = build_simulator(
        parse_args(["--instruments", "2", "--name", "Lärmmessstelle {n}"])
    )
    names = [instrument.name for instrument in simulator.instruments.values()]
    assert names == ["Lärmmessstelle 1", "Lärmmessstelle 2"]


def test_build_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "instruments.json"
    path.write_text(json.dumps([{"serial": "QT1", "name": "One", "features": []}]))
    simulator = build_simulator(parse_args(["--file", str(path), "--latency", "0.1"]))
    assert simulator.latency == 0.1
    assert simulator.instruments["QT1"].features == []
    assert list(simulator.keys) == [DEFAULT_API_KEY]


async def output_line(capsys: pytest.CaptureFixture[str]) -> str:
    """Let the loop turn until the simulator prints its line (no clock involved)."""
    for _ in range(100_000):
        if out := capsys.readouterr().out:
            return out
        await asyncio.sleep(0)
    raise AssertionError("the simulator printed nothing")


async def test_serve(socket_enabled: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(["--port", "0", "--instruments", "2", "--demo", "0.01"])
    task = asyncio.create_task(serve(args))
    assert "MyCirrus simulator on http://127.0.0.1:0/v1 with 2" in (
        await output_line(capsys)
    )
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_serve_without_demo(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    task = asyncio.create_task(serve(parse_args(["--port", "0"])))
    await output_line(capsys)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_serve_on_a_port_in_use(socket_enabled: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            await serve(parse_args(["--port", str(port)]))
    assert str(exited.value).startswith(
        f"python -m simulator: cannot listen on 127.0.0.1:{port}: "
    )
    assert "choose another --port" in str(exited.value)


def test_main_stops_on_ctrl_c() -> None:
    def interrupted(coroutine: Coroutine[Any, Any, None]) -> None:
        coroutine.close()
        raise KeyboardInterrupt

    with patch("simulator.__main__.asyncio.run", side_effect=interrupted) as run:
        main(["--port", "0"])
    run.assert_called_once()


def test_the_demo_hour_reads_like_a_site() -> None:
    """Each thing happens once an hour, whatever the step; the rest is quiet."""
    clock = [datetime(2026, 11, 24, tzinfo=UTC)]
    simulator = Simulator(now=lambda: clock[0])
    simulator.add_demo_instruments(5)
    gate, roof, mast, yard, bay = simulator.instruments.values()
    demo = Demo(simulator)
    minutes: dict[str, list[int]] = {"offline": [], "not measuring": [], "works": []}
    started: dict[str, list[int]] = {"calibration": [], "sic": []}
    for second in range(0, 2 * 3600, 20):  # two hours, a step every 20 s
        calibrating, checking = mast.calibration_in_progress, yard.sic_in_progress
        demo.step()
        simulator.advance()
        minute = second // 60
        if not roof.online:
            minutes["offline"].append(minute)
        if not bay.measuring:
            minutes["not measuring"].append(minute)
        if gate.works is not None:
            minutes["works"].append(minute)
        if mast.calibration_in_progress and not calibrating:
            started["calibration"].append(minute)
        if yard.sic_in_progress and not checking:
            started["sic"].append(minute)
        assert gate.online
        assert gate.measuring
        clock[0] += timedelta(seconds=20)
    # Five minutes offline and ten not measuring, each hour, in one stretch.
    assert sorted(set(minutes["offline"])) == [*range(12, 17), *range(72, 77)]
    assert sorted(set(minutes["not measuring"])) == [*range(25, 35), *range(85, 95)]
    # Works beside the first, three times an hour for three minutes.
    assert sorted(set(minutes["works"])) == [
        minute
        for hour in (0, 60)
        for start in (8, 28, 48)
        for minute in range(hour + start, hour + start + 3)
    ]
    assert started == {"calibration": [6, 66], "sic": [2, 62]}
    assert mast.last_calibration is not None
    assert mast.last_calibration["status"] == "Success"
    assert yard.last_sic is not None
    assert yard.last_sic["status"] == "Failed"


def test_the_demo_does_not_depend_on_its_step() -> None:
    clock = [datetime(2026, 11, 24, tzinfo=UTC)]
    simulator = Simulator(now=lambda: clock[0])
    simulator.add_demo_instruments(5)
    yard = list(simulator.instruments.values())[3]
    demo = Demo(simulator)
    sics = 0
    for _ in range(6):  # ten-minute steps: the SIC is started once an hour
        clock[0] += timedelta(minutes=10)
        simulator.advance()  # the SIC of the last step has ended
        demo.step()
        sics += yard.sic_in_progress
    assert sics == 1


async def test_run_demo_steps_until_cancelled() -> None:
    simulator = Simulator()
    simulator.add_demo_instruments(2)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise asyncio.CancelledError

    with (
        patch("simulator.demo.asyncio.sleep", sleep),
        pytest.raises(asyncio.CancelledError),
    ):
        await run_demo(simulator, 0.001)
    assert waits == [0.001] * 3


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
                    "ws": {
                        "connects": {},
                        "refused": {},
                        "open": 0,
                        "received": {},
                        "sent": {},
                    },
                }
    finally:
        await server.close()


def test_live_period_on_the_command_line() -> None:
    assert build_simulator(parse_args([])).live_period == 1.0
    simulator = build_simulator(parse_args(["--live-period", "0"]))
    assert simulator.live_period == 0.0


def test_the_package_imports_the_web_app_on_use() -> None:
    assert simulator_package.Simulator is Simulator
    with pytest.raises(AttributeError, match="Nope"):
        _ = simulator_package.Nope


def test_every_documented_scope() -> None:
    assert len(ALL_SCOPES) == 11
    assert {"data.live:read", "data.system:read", "webhooks:write"} <= ALL_SCOPES


def test_relaunch_with_the_virtualenv(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    python = venv / "bin" / "python"
    argv = ["--port", "8081"]
    elsewhere = tmp_path / "usr"
    # This Python will do: nothing to do.
    assert relaunch_command(argv, usable=True, venv=venv, prefix=elsewhere) is None
    # No virtualenv yet: say what to run.
    with pytest.raises(SystemExit, match="scripts/setup"):
        relaunch_command(argv, usable=False, venv=venv, prefix=elsewhere)
    python.parent.mkdir(parents=True)
    python.touch()
    assert relaunch_command(argv, usable=False, venv=venv, prefix=elsewhere) == [
        str(python),
        "-m",
        "simulator",
        "--port",
        "8081",
    ]
    # Already in the virtualenv and it will not do: starting again would loop.
    with pytest.raises(SystemExit, match="scripts/setup"):
        relaunch_command(argv, usable=False, venv=venv, prefix=venv)


def test_ensure_aiohttp_execs_only_when_missing(tmp_path: Path) -> None:
    with patch("simulator.launch.os.execv") as execv:
        ensure_aiohttp()
    execv.assert_not_called()
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    with (
        patch("simulator.launch.importlib.util.find_spec", return_value=None),
        patch("simulator.launch.ROOT", tmp_path),
        patch("simulator.launch.sys.argv", ["-m", "--demo", "5"]),
        patch("simulator.launch.os.execv") as execv,
    ):
        ensure_aiohttp()
    command = [str(python), "-m", "simulator", "--demo", "5"]
    execv.assert_called_once_with(str(python), command)


def test_activity_follows_the_day() -> None:
    def at(hour: int) -> datetime:
        return datetime(2026, 11, 24, hour, tzinfo=UTC)

    assert activity(at(3)) == 0.0
    assert activity(at(12)) == 1.0
    assert 0.0 < activity(at(7)) < 1.0
    assert 0.0 < activity(at(21)) < 1.0
    assert activity(at(23)) == 0.0


def samples(serial: str, hour: int, count: int) -> list[dict[str, float]]:
    levels = NoiseLevels(serial)
    start = datetime(2026, 11, 24, hour, tzinfo=UTC)
    return [levels.sample(start + timedelta(seconds=s)) for s in range(count)]


def test_levels_are_repeatable_per_instrument() -> None:
    assert samples("QT1", 12, 20) == samples("QT1", 12, 20)
    assert samples("QT1", 12, 20) != samples("QT2", 12, 20)
    assert set(samples("QT1", 12, 1)[0]) == set(NAMES)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def test_quiet_nights_and_busy_days() -> None:
    night = samples("QT1", 3, 300)
    day = samples("QT1", 12, 300)
    assert 38 < median([s["LAeq"] for s in night]) < 48
    assert 55 < median([s["LAeq"] for s in day]) < 68
    # Now and then a lorry passes.
    background = NoiseLevels("QT1").background(datetime(2026, 11, 24, 12, tzinfo=UTC))
    assert max(s["LAF"] for s in day) > background + 10


def test_levels_hang_together() -> None:
    day = samples("QT1", 12, 300)
    for sample in day:
        assert 15 <= sample["LAPeak"] - sample["LAF"] <= 24.1
        assert 15 <= sample["LCPeak"] - sample["LAF"] <= 30
        assert sample["Ln10"] > sample["Ln90"]
        assert sample["Ln90"] < sample["LAeq"]
        assert sample["LZeq"] > sample["LCeq"] > sample["LAeq"]
        bands = [sample[name] for name in OCTAVES]
        assert abs(energy_sum(bands) - sample["LZeq"]) < 0.3
        assert sample["63Hz"] > sample["1KHz"] > sample["16KHz"]
    # LAS is the smoother of the two.
    laf = [s["LAF"] for s in day]
    las = [s["LAS"] for s in day]
    assert spread(las) < spread(laf)


def spread(values: list[float]) -> float:
    return sum(abs(b - a) for a, b in pairwise(values)) / len(values)


def test_works_beside_the_instrument() -> None:
    """Site works at 82 dB(A) take a quiet night's LAeq over the works' level."""
    night = datetime(2026, 11, 24, 3, tzinfo=UTC)
    quiet, works = NoiseLevels("QT1"), NoiseLevels("QT1")
    for second in range(60):
        moment = night + timedelta(seconds=second)
        calm = quiet.sample(moment)
        loud = works.sample(moment, 82.0)
    assert calm["LAeq"] < 50
    assert 80 < loud["LAeq"] < 84


def test_a_clock_jump_starts_a_new_leq() -> None:
    levels = NoiseLevels("QT1")
    noon = datetime(2026, 11, 24, 12, tzinfo=UTC)
    for second in range(60):
        levels.sample(noon + timedelta(seconds=second))
    night = levels.sample(noon + timedelta(hours=15))
    assert night["LAeq"] == night["LAF"]


async def test_demo_changes_reach_the_websocket(socket_enabled: None) -> None:
    from aiohttp.test_utils import TestServer  # noqa: PLC0415

    clock = [datetime(2026, 11, 24, tzinfo=UTC)]
    simulator = Simulator(now=lambda: clock[0])
    simulator.add_key("key")
    simulator.add_demo_instruments(2)
    demo = Demo(simulator)
    server = TestServer(simulator.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        url = server.make_url("/v1/live/QT100002")
        async with (
            ClientSession(headers={"X-Api-Key": "key"}) as session,
            session.ws_connect(url) as ws,
        ):
            assert (await ws.receive_json(timeout=2))["online"] is True
            # A quarter of an hour in, the second instrument is offline.
            clock[0] += timedelta(minutes=15)
            demo.step()
            assert (await ws.receive_json(timeout=2))["online"] is False
            assert (await ws.receive(timeout=2)).data == 4000
    finally:
        await server.close()


def test_demo_step_without_instruments() -> None:
    Demo(Simulator()).step()


def test_this_python_will_do() -> None:
    assert this_python_will_do()
    with patch("simulator.launch.MINIMUM_PYTHON", (99, 0)):
        assert not this_python_will_do()
