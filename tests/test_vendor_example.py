"""The vendor's Node.js REST example, replayed against the simulator.

Cirrus Research's example (Examples/Nodejs_Basic in CirrusResearch/MyCirrus)
lists the instruments, reads the first one's status and fetches its
measurements from local midnight to the next, with Node's fetch. These are
its requests as the simulator received them, path, query and headers byte for
byte, so that the simulator keeps answering what the vendor's own code asks.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
import pytest
from yarl import URL

from simulator import DEFAULT_API_KEY, Simulator
from simulator.__main__ import build_simulator, parse_args

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# What Node's fetch sends besides Host and Connection.
NODE_HEADERS = {
    "X-Api-Key": DEFAULT_API_KEY,
    "Accept": "*/*",
    "Accept-Language": "*",
    "sec-fetch-mode": "cors",
    "User-Agent": "node",
    "Accept-Encoding": "gzip, deflate",
}


@pytest.fixture
async def server(socket_enabled: None) -> AsyncGenerator[TestServer]:
    """Serve the simulator as ``python -m simulator`` starts it, at NOW."""
    simulator: Simulator = build_simulator(parse_args([]))
    simulator._now = lambda: NOW
    test_server = TestServer(simulator.make_app(), host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


async def fetch(
    server: TestServer, session: ClientSession, path_and_query: str
) -> object:
    url = URL(str(server.make_url("/")).rstrip("/") + path_and_query, encoded=True)
    async with session.get(url, headers=NODE_HEADERS) as response:
        assert response.status == 200, path_and_query
        assert response.content_type == "application/json"
        return await response.json()


@pytest.mark.parametrize(
    ("start", "end", "first"),
    [
        # Local midnight to midnight in UTC, and in New York.
        ("2026-11-24T00%3A00%3A00.000Z", "2026-11-25T00%3A00%3A00.000Z", "00:00"),
        ("2026-11-24T05%3A00%3A00.000Z", "2026-11-25T05%3A00%3A00.000Z", "05:00"),
    ],
)
async def test_the_vendors_example(
    server: TestServer, start: str, end: str, first: str
) -> None:
    async with ClientSession() as session:
        instruments = await fetch(server, session, "/v1/control/instruments")
        assert isinstance(instruments, list)
        assert instruments
        serial = instruments[0]["serialNumber"]
        assert serial == "QT100001"
        status = await fetch(
            server, session, f"/v1/control/instruments/{serial}/status"
        )
        assert isinstance(status, dict)
        assert status["online"] is True
        measurements = await fetch(
            server,
            session,
            f"/v1/data/noise/measurements?instruments={serial}&start={start}"
            f"&end={end}&values=LAeq%2CLCPeak%2CLAFmax",
        )
    assert isinstance(measurements, list)
    assert measurements[0]["time"] == f"2026-11-24T{first}:00Z"
    assert measurements[-1]["time"] == "2026-11-24T08:55:00Z"
    for record in measurements:
        assert set(record) == {"time", "instrument", "LAeq", "LCPeak", "LAFMax"}
        assert record["instrument"] == serial
        assert record["LAeq"] < record["LAFMax"] < record["LCPeak"]
