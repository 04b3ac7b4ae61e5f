"""The simulator's REST side: the monitor (health) endpoint, faults and holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
import pytest

from simulator import Simulator

from .conftest import API_KEY, CALIBRATING, NO_SIC, OFFLINE, ONLINE

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HEALTH = {
    "cpu": 12.5,
    "mem": 41.0,
    "disk": 23.4,
    "temp": 31.2,
    "voltage": 12.31,
    "network": 14.8,
    "simQuota": 1024.0,
    "simUsage": 212.4,
}


@pytest.fixture
async def session() -> AsyncGenerator[ClientSession]:
    async with ClientSession(headers={"X-Api-Key": API_KEY}) as client_session:
        yield client_session


def report(serial: str, uptime: int = 86400) -> dict[str, Any]:
    return {"instrument": serial, **HEALTH, "uptime": uptime}


async def monitor(sim_server: TestServer, session: ClientSession, query: str) -> Any:
    url = sim_server.make_url("/v1/data/monitor/current?" + query)
    async with session.get(url) as response:
        return response.status, await response.json()


@pytest.fixture
def clocked(simulator: Simulator) -> list[datetime]:
    """Reset the simulator's clock and its instruments' boot a day before it."""
    moment = [NOW]
    simulator._now = lambda: moment[0]
    for instrument in simulator.instruments.values():
        instrument.boot_time = NOW - timedelta(days=1)
    return moment


@pytest.mark.parametrize(
    "query",
    [
        f"instruments={ONLINE},{CALIBRATING}",
        f"instruments={ONLINE}&instruments={CALIBRATING}",
        f"instruments={ONLINE},%20{CALIBRATING},&instruments={ONLINE}",
    ],
)
async def test_health_of_several_instruments(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    clocked: list[datetime],
    query: str,
) -> None:
    assert await monitor(sim_server, session, query) == (
        200,
        [report(ONLINE), report(CALIBRATING)],
    )
    assert simulator.requests["monitor"] == 1


async def test_unknown_invisible_and_healthless_are_left_out(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    clocked: list[datetime],
) -> None:
    simulator.instruments[NO_SIC].health = None
    simulator.key_instruments[API_KEY] = {ONLINE, NO_SIC}
    query = f"instruments={OFFLINE},QT999999,{NO_SIC},{ONLINE}"
    assert await monitor(sim_server, session, query) == (200, [report(ONLINE)])


@pytest.mark.parametrize("query", ["", "instruments=", "instruments=,%20,", "x=1"])
async def test_instruments_are_required(
    sim_server: TestServer, session: ClientSession, query: str
) -> None:
    status, body = await monitor(sim_server, session, query)
    assert status == 400
    assert body["error"] == "MissingParam"
    assert isinstance(body["description"], str)


async def test_uptime_follows_the_clock(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    clocked: list[datetime],
) -> None:
    query = f"instruments={ONLINE}"
    clocked[0] += timedelta(minutes=1)
    assert (await monitor(sim_server, session, query))[1] == [report(ONLINE, 86460)]
    # A reboot starts the count again.
    simulator.instruments[ONLINE].boot_time = clocked[0] - timedelta(seconds=5)
    assert (await monitor(sim_server, session, query))[1][0]["uptime"] == 5
    # A boot time ahead of the clock, or none at all, is no uptime.
    simulator.instruments[ONLINE].boot_time = clocked[0] + timedelta(hours=1)
    assert (await monitor(sim_server, session, query))[1][0]["uptime"] == 0
    simulator.instruments[ONLINE].boot_time = None
    assert (await monitor(sim_server, session, query))[1][0]["uptime"] == 0
    # A test can force any field, uptime included.
    simulator.instruments[ONLINE].health = {"cpu": 99.0, "uptime": 3.0}
    assert (await monitor(sim_server, session, query))[1] == [
        {"instrument": ONLINE, "cpu": 99.0, "uptime": 3.0}
    ]


async def test_monitor_needs_its_scope(
    sim_server: TestServer, simulator: Simulator
) -> None:
    simulator.add_key("no-system", scopes={"instruments:read"})
    url = sim_server.make_url(f"/v1/data/monitor/current?instruments={ONLINE}")
    async with (
        ClientSession(headers={"X-Api-Key": "no-system"}) as session,
        session.get(url) as response,
    ):
        assert response.status == 403
        assert (await response.json())["error"] == "AccessDenied"


async def test_faults_apply_to_the_monitor(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.add_fault("server_error", endpoint="monitor", count=1)
    query = f"instruments={ONLINE}"
    assert (await monitor(sim_server, session, query))[0] == 500
    assert (await monitor(sim_server, session, query))[0] == 200
    assert simulator.requests["monitor"] == 2


def test_demo_instruments_are_healthy_in_their_own_way() -> None:
    simulator = Simulator(now=lambda: NOW)
    simulator.add_demo_instruments(3)
    first, second, third = simulator.instruments.values()
    assert first.health is not None
    assert second.health is not None
    assert first.health != second.health
    assert set(first.health) == set(HEALTH)
    for health in (first.health, second.health):
        assert 0 <= health["cpu"] <= 100
        assert 0 <= health["disk"] <= 100
        assert 11 < health["voltage"] < 14
        assert health["simUsage"] < health["simQuota"]
    assert len({i.uptime(NOW) for i in (first, second, third)}) == 3


async def test_not_utf8(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.add_fault("not_utf8", serial=ONLINE, endpoint="status")
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/status")
    async with session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        body = await response.read()
        with pytest.raises(UnicodeDecodeError):
            await response.text()
    assert body == b'{"online": tr\xff\xfe}'


async def test_hold_keeps_a_request_in_flight(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    release = simulator.hold(serial=ONLINE, endpoint="status")
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/status")

    async def status() -> Any:
        async with session.get(url) as response:
            return await response.json()

    held = asyncio.create_task(status())
    await simulator.wait_until(lambda: simulator.requests["status"] == 1)
    # Other calls pass; the held one is answered as things are when let go.
    assert (await monitor(sim_server, session, f"instruments={ONLINE}"))[0] == 200
    assert not held.done()
    simulator.instruments[ONLINE].measuring = False
    release.set()
    assert (await held)["measuring"] is False
    # A released hold stays released.
    assert (await status())["online"] is True
    assert simulator.requests["status"] == 2


async def test_a_counted_hold_does_not_hide_other_faults(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    hold = simulator.add_fault("hold", endpoint="status", count=1)
    simulator.add_fault("server_error", endpoint="status")
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/status")

    async def status() -> int:
        async with session.get(url) as response:
            return response.status

    held = asyncio.create_task(status())
    await simulator.wait_until(lambda: simulator.requests["status"] == 1)
    assert await status() == 500  # the hold held only one
    assert not held.done()
    assert hold.release is not None
    hold.release.set()
    assert await held == 500


async def test_clearing_faults_lets_held_requests_go(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.hold()
    held = asyncio.create_task(monitor(sim_server, session, f"instruments={ONLINE}"))
    await simulator.wait_until(lambda: simulator.requests["monitor"] == 1)
    simulator.clear_faults()
    assert (await held)[0] == 200


async def test_shutdown_lets_held_requests_go(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.hold(endpoint="status")
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/status")

    async def status() -> int:
        async with session.get(url) as response:
            return response.status

    held = asyncio.create_task(status())
    await simulator.wait_until(lambda: simulator.requests["status"] == 1)
    await sim_server.close()
    assert await held == 200


async def test_instrument_endpoints(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.add_instrument("QT7", latitude=None)
    simulator.key_instruments[API_KEY] = {ONLINE, "QT7"}
    base = "/v1/control/instruments"
    async with session.get(sim_server.make_url(base)) as response:
        listed = await response.json()
    assert [i["serialNumber"] for i in listed] == [ONLINE, "QT7"]
    assert listed[1]["position"] == {}
    assert listed[0]["position"] == {"latitude": 51.97, "longitude": -0.25}
    simulator.key_instruments[API_KEY] = None
    async with session.get(sim_server.make_url(f"{base}/{NO_SIC}")) as response:
        assert (await response.json())["feature"] == ["Modem"]
    async with session.get(
        sim_server.make_url(f"{base}/{ONLINE}/calibration")
    ) as response:
        assert (await response.json())["level"] == 93.7
    async with session.get(sim_server.make_url(f"{base}/QT7/calibration")) as response:
        assert response.status == 404
    action = sim_server.make_url(f"{base}/{OFFLINE}/action")
    async with session.post(action, params={"action": "Calibration"}) as response:
        assert await response.json() == {"action": "Calibration", "status": "Failed"}
    async with session.get(sim_server.make_url("/v1/nothing")) as response:
        assert response.status == 404
        assert (await response.json())["description"] == "No such endpoint"
    simulator.revoke_key(API_KEY)
    async with session.get(sim_server.make_url(base)) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "TokenExpired"


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("rate_limit", 429, {"error": "TooManyRequests", "description": "Slow down"}),
        ("server_error", 500, {"error": "InternalError"}),
        ("not_found", 404, {"error": "NotFound"}),
        ("forbidden", 403, {"error": "AccessDenied"}),
        ("raw", 418, {"teapot": True}),
        ("wrong_shape", 200, ["not", "an", "object"]),
        ("missing_fields", 200, {"online": True}),
        ("wrong_types", 200, {"online": "maybe", "measuring": 3}),
        ("slow", 200, {"online": True, "measuring": True}),
    ],
)
async def test_faults(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    kind: Any,
    status: int,
    body: Any,
) -> None:
    simulator.add_fault(kind, serial=ONLINE, count=2, status=418, body={"teapot": True})
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/status")
    for _ in range(2):
        async with session.get(url) as response:
            assert response.status == status
            answer = await response.json()
            assert "Retry-After" not in response.headers
        if isinstance(body, dict):
            assert answer.items() >= body.items()
        else:
            assert answer == body
    assert simulator.faults == []


async def test_text_faults(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/status")
    simulator.add_fault("not_json", count=1)
    async with session.get(url) as response:
        assert response.content_type == "text/html"
    simulator.add_fault("raw", count=1, status=502)
    async with session.get(url) as response:
        assert response.status == 502
        assert await response.read() == b""
