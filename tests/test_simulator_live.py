"""The simulator's live websocket: handshake, status pushes, live data, faults."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import json
from typing import Any

from aiohttp import (
    ClientConnectionError,
    ClientSession,
    ClientWebSocketResponse,
    WSMsgType,
    WSServerHandshakeError,
)
from aiohttp.test_utils import TestServer
import pytest

from simulator import Simulator

from .conftest import API_KEY, CALIBRATING, NO_SIC, OFFLINE, ONLINE

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TIME = "2026-11-24T09:00:00Z"


@pytest.fixture
def clock(simulator: Simulator) -> list[datetime]:
    """Give the simulator a clock the test moves."""
    moment = [NOW]
    simulator._now = lambda: moment[0]
    return moment


@pytest.fixture
async def session(clock: list[datetime]) -> AsyncGenerator[ClientSession]:
    async with ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def connect(
    sim_server: TestServer, session: ClientSession
) -> AsyncGenerator[Any]:
    """Return a function that opens a live websocket, closed after the test."""
    opened: list[ClientWebSocketResponse] = []

    async def _connect(
        serial: str = ONLINE, key: str = API_KEY
    ) -> ClientWebSocketResponse:
        ws = await session.ws_connect(
            sim_server.make_url(f"/v1/live/{serial}"), headers={"X-Api-Key": key}
        )
        opened.append(ws)
        return ws

    yield _connect
    for ws in opened:
        await ws.close()


async def receive(ws: ClientWebSocketResponse) -> Any:
    message = await ws.receive(timeout=2)
    assert message.type is WSMsgType.TEXT, message
    return json.loads(message.data)


async def connected(connect: Any, serial: str = ONLINE, key: str = API_KEY) -> Any:
    """Open a websocket and read its first status."""
    ws = await connect(serial, key)
    assert (await receive(ws))["type"] == "InstrumentStatus"
    return ws


async def round_trip(ws: ClientWebSocketResponse) -> None:
    """Send a keep-alive and read its answer: nothing else came before it."""
    await ws.send_json({"action": "KeepAlive"})
    assert (await receive(ws))["type"] == "KeepAlive"


def status(**changes: Any) -> dict[str, Any]:
    return {
        "type": "InstrumentStatus",
        "time": TIME,
        "online": True,
        "measuring": True,
        "calibrationInProgress": False,
        "sicInProgress": False,
    } | changes


async def test_status_right_after_connecting(
    connect: Any, simulator: Simulator
) -> None:
    ws = await connect()
    assert await receive(ws) == status()
    assert simulator.ws_connects == {ONLINE: 1}
    assert simulator.ws_open == 1
    assert simulator.open_sockets(ONLINE) == 1
    assert simulator.open_sockets(CALIBRATING) == 0
    assert simulator.ws_sent == {"InstrumentStatus": 1}
    assert simulator.requests["live"] == 1
    await ws.close()
    await simulator.wait_sockets(0)
    assert simulator.ws_open == 0


async def test_key_in_the_query_string(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    # Not the fixture's key: the access log shows the query string.
    simulator.add_key("query-key")
    url = sim_server.make_url(f"/v1/live/{CALIBRATING}").with_query(
        {"X-API-KEY": "query-key"}
    )
    async with session.ws_connect(url) as ws:
        assert await receive(ws) == status(calibrationInProgress=True)
    assert simulator.seen_keys["query-key"] == 1


@pytest.mark.parametrize(
    ("serial", "key", "code", "error"),
    [
        (ONLINE, "mycirrus-unknown", 401, "TokenExpired"),
        (ONLINE, "no-read", 403, "AccessDenied"),
        (ONLINE, "other-account", 403, "AccessDenied"),
        ("QT999999", API_KEY, 404, "NotFound"),
        (OFFLINE, API_KEY, 404, "InstrumentOffline"),
    ],
)
async def test_refused_handshakes(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    serial: str,
    key: str,
    code: int,
    error: str,
) -> None:
    simulator.add_key("no-read", scopes={"data.live:read"})
    simulator.add_key("other-account", instruments={CALIBRATING})
    url = sim_server.make_url(f"/v1/live/{serial}")
    with pytest.raises(WSServerHandshakeError) as refused:
        await session.ws_connect(url, headers={"X-Api-Key": key})
    assert refused.value.status == code
    # Before the upgrade, the answer is plain HTTP with the API's error body.
    async with session.get(url, headers={"X-Api-Key": key}) as response:
        assert response.status == code
        assert (await response.json())["error"] == error
    assert simulator.ws_refused == {serial: 2}
    assert simulator.ws_connects == {}


@pytest.mark.parametrize(
    ("kind", "code"),
    [("server_error", 500), ("forbidden", 403), ("not_found", 404), ("raw", 502)],
)
async def test_faults_refuse_handshakes(
    connect: Any, simulator: Simulator, kind: Any, code: int
) -> None:
    simulator.add_fault(kind, endpoint="live", count=1, status=502)
    with pytest.raises(WSServerHandshakeError) as refused:
        await connect()
    assert refused.value.status == code
    await (await connect()).close()
    assert simulator.ws_refused == {ONLINE: 1}
    assert simulator.ws_connects == {ONLINE: 1}


async def test_rate_limited_handshake(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.add_fault("rate_limit", endpoint="live", retry_after="30")
    url = sim_server.make_url(f"/v1/live/{ONLINE}")
    async with session.get(url, headers={"X-Api-Key": API_KEY}) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "30"
        assert (await response.json())["error"] == "TooManyRequests"


async def test_reset_handshake(connect: Any, simulator: Simulator) -> None:
    simulator.add_fault("reset", endpoint="live", serial=ONLINE)
    with pytest.raises(ClientConnectionError):
        await connect()
    # aiohttp may try again at once; every try was refused.
    assert simulator.ws_refused[ONLINE] == simulator.requests["live"] > 0
    assert simulator.ws_connects == {}


async def test_status_pushed_on_change(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    other = await connected(connect, CALIBRATING)
    simulator.instruments[ONLINE].measuring = False
    simulator.publish(ONLINE)
    assert await receive(ws) == status(measuring=False)
    # Nothing changed: nothing is sent, and the other instrument hears nothing.
    simulator.publish()
    await round_trip(ws)
    await round_trip(other)
    simulator.update(ONLINE, measuring=True, name="Renamed")
    assert await receive(ws) == status()
    assert simulator.instruments[ONLINE].name == "Renamed"
    with pytest.raises(AttributeError):
        simulator.update(ONLINE, colour="red")


async def test_advance_pushes_direct_changes(
    connect: Any, simulator: Simulator
) -> None:
    ws = await connected(connect)
    simulator.instruments[ONLINE].sic_in_progress = True
    simulator.advance()
    assert await receive(ws) == status(sicInProgress=True)


async def test_offline_closes_the_socket(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    simulator.update(ONLINE, online=False)
    assert await receive(ws) == status(online=False)
    closing = await ws.receive(timeout=2)
    assert closing.type is WSMsgType.CLOSE
    assert (closing.data, closing.extra) == (4000, "Instrument offline")
    await simulator.wait_sockets(0)
    # Nothing more goes to a closing socket.
    simulator.update(ONLINE, measuring=False)


async def test_removed_instrument_closes_the_socket(
    connect: Any, simulator: Simulator
) -> None:
    ws = await connected(connect)
    simulator.remove_instrument(ONLINE)
    closing = await ws.receive(timeout=2)
    assert (closing.data, closing.extra) == (4000, "Instrument removed")


async def test_keep_alive(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    await ws.send_str('{ "action":"KeepAlive" }')
    assert await receive(ws) == {
        "type": "KeepAlive",
        "action": "KeepAlive",
        "time": TIME,
    }
    assert simulator.ws_received == {"KeepAlive": 1}
    assert simulator.ws_sent["KeepAlive"] == 1


@pytest.mark.parametrize(
    "frame",
    ["not json", "[1, 2]", '"text"', '{"action": "Dance"}', '{"action": 5}', "{}"],
)
async def test_bad_requests(connect: Any, simulator: Simulator, frame: str) -> None:
    ws = await connected(connect)
    await ws.send_str(frame)
    answer = await receive(ws)
    assert answer["type"] == "Error"
    assert answer["error"] == "BadRequest"
    assert answer["time"] == TIME
    assert isinstance(answer["description"], str)
    await round_trip(ws)  # still open
    assert simulator.ws_received == {"invalid": 1, "KeepAlive": 1}


async def test_binary_frames_are_bad_requests(
    connect: Any, simulator: Simulator
) -> None:
    ws = await connected(connect)
    await ws.send_bytes(b"\x00\x01")
    assert (await receive(ws))["error"] == "BadRequest"
    assert simulator.ws_received == {"invalid": 1}


async def test_live_data(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    simulator.send_live_data(ONLINE)  # nobody asked yet: nothing is sent
    await ws.send_json(
        {"action": "StartLiveData", "types": ["LAeq", "Bogus", "LAF", "LAeq", 5]}
    )
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 1)
    simulator.send_live_data(ONLINE)
    message = await receive(ws)
    assert message["type"] == "LiveData"
    assert message["time"] == TIME
    assert [value["name"] for value in message["values"]] == ["LAeq", "LAF"]
    for value in message["values"]:
        assert 30 < value["value"] < 100
        assert round(value["value"], 1) == value["value"]
    # Given values go out as given, asked for or not.
    simulator.send_live_data(ONLINE, {"LZeq": 70.123, "Wind": None})
    assert (await receive(ws))["values"] == [
        {"name": "LZeq", "value": 70.123},
        {"name": "Wind", "value": None},
    ]
    # A new request replaces the set of types.
    await ws.send_json({"action": "StartLiveData", "types": ["31.5Hz", "16KHz"]})
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 2)
    simulator.send_live_data(ONLINE)
    names = [value["name"] for value in (await receive(ws))["values"]]
    assert names == ["31.5Hz", "16KHz"]
    await ws.send_json({"action": "StopLiveData"})
    await simulator.wait_until(lambda: simulator.ws_received["StopLiveData"] == 1)
    simulator.send_live_data(ONLINE)
    await round_trip(ws)
    assert simulator.ws_sent["LiveData"] == 3


@pytest.mark.parametrize(
    "request_",
    [
        {"action": "StartLiveData", "types": ["Bogus", 5]},
        {"action": "StartLiveData", "types": "LAeq"},
        {"action": "StartLiveData"},
    ],
)
async def test_invalid_live_data_types(
    connect: Any, simulator: Simulator, request_: dict[str, Any]
) -> None:
    ws = await connected(connect)
    await ws.send_json({"action": "StartLiveData", "types": ["LAS"]})
    await ws.send_json(request_)
    answer = await receive(ws)
    assert answer["type"] == "Error"
    assert answer["error"] == "InvalidTypes"
    # The refused request changed nothing.
    simulator.send_live_data(ONLINE)
    assert [v["name"] for v in (await receive(ws))["values"]] == ["LAS"]


async def test_scopes_of_messages(connect: Any, simulator: Simulator) -> None:
    simulator.add_key("read-only", scopes={"instruments:read"})
    ws = await connected(connect, key="read-only")
    await ws.send_json({"action": "StartLiveData", "types": ["LAeq"]})
    assert await receive(ws) == {
        "type": "Error",
        "time": TIME,
        "error": "AccessDenied",
        "description": "The API key lacks the data.live:read scope",
    }
    await ws.send_json({"action": "Calibration"})
    assert await receive(ws) == {
        "type": "Error",
        "time": TIME,
        "error": "AccessDenied",
        "description": "The API key lacks the instruments:action scope",
    }
    simulator.send_live_data(ONLINE)
    await round_trip(ws)
    assert simulator.instruments[ONLINE].calibration_in_progress is False


def action_status(action: str, result: str, error: str | None = None) -> dict[str, Any]:
    return {
        "type": "ActionStatus",
        "time": TIME,
        "action": action,
        "status": result,
        "error": error,
        "data": None,
    }


async def test_actions(
    connect: Any, simulator: Simulator, clock: list[datetime]
) -> None:
    ws = await connected(connect)
    await ws.send_json({"action": "Identify"})
    assert await receive(ws) == action_status("Identify", "Success")
    simulator.instruments[ONLINE].next_sic_status = "Failed"
    await ws.send_json({"action": "Calibration"})
    assert await receive(ws) == status(calibrationInProgress=True)
    assert await receive(ws) == action_status("Calibration", "InProgress")
    await ws.send_json({"action": "SIC"})
    assert await receive(ws) == status(calibrationInProgress=True, sicInProgress=True)
    assert await receive(ws) == action_status("SIC", "InProgress")
    assert simulator.ws_received == {"Identify": 1, "Calibration": 1, "SIC": 1}
    clock[0] += timedelta(minutes=5)
    simulator.advance()
    later = {"time": "2026-11-24T09:05:00Z"}
    assert await receive(ws) == status() | later
    assert await receive(ws) == action_status("Calibration", "Success") | later
    assert (
        await receive(ws)
        == action_status("SIC", "Failed", "The SIC finished with status Failed") | later
    )


async def test_an_action_that_cannot_start(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect, NO_SIC)
    await ws.send_json({"action": "SIC"})
    assert await receive(ws) == action_status(
        "SIC", "Failed", "The instrument could not start the SIC"
    )


async def test_actions_started_elsewhere_end_quietly(
    sim_server: TestServer,
    connect: Any,
    session: ClientSession,
    simulator: Simulator,
    clock: list[datetime],
) -> None:
    ws = await connected(connect)
    url = sim_server.make_url(f"/v1/control/instruments/{ONLINE}/action")
    headers = {"X-Api-Key": API_KEY}
    async with session.post(url, params={"action": "SIC"}, headers=headers):
        pass
    assert await receive(ws) == status(sicInProgress=True)
    clock[0] += timedelta(minutes=5)
    simulator.advance()
    assert (await receive(ws))["sicInProgress"] is False
    await round_trip(ws)  # no ActionStatus: the client did not ask
    assert "ActionStatus" not in simulator.ws_sent


async def test_drop_connections(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    other = await connected(connect, CALIBRATING)
    simulator.drop_connections(ONLINE)
    # The connection ends without a close frame.
    assert (await ws.receive(timeout=2)).type is WSMsgType.CLOSED
    assert ws.close_code == 1006
    await simulator.wait_sockets(0, ONLINE)
    await round_trip(other)
    simulator.drop_connections()
    assert (await other.receive(timeout=2)).type is WSMsgType.CLOSED
    await simulator.wait_sockets(0)
    assert simulator.ws_connects == {ONLINE: 1, CALIBRATING: 1}


async def garbage_frames(ws: ClientWebSocketResponse, count: int) -> list[Any]:
    frames = []
    for _ in range(count):
        message = await ws.receive(timeout=2)
        frames.append((message.type, message.data))
    return frames


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("not_json", [(WSMsgType.TEXT, "not json{")]),
        ("binary", [(WSMsgType.BINARY, b"\x00\x01\x02binary")]),
        ("no_type", [(WSMsgType.TEXT, '{"hello": 1}')]),
        ("array", [(WSMsgType.TEXT, "[1, 2]")]),
    ],
)
async def test_send_garbage(
    connect: Any, simulator: Simulator, kind: str, expected: list[Any]
) -> None:
    ws = await connected(connect)
    simulator.send_garbage(ONLINE, kind)
    assert await garbage_frames(ws, len(expected)) == expected
    assert simulator.ws_sent["garbage"] == len(expected)


async def test_garbage_of_the_wrong_type(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    simulator.send_garbage(ONLINE, "unknown_type")
    assert (await receive(ws))["type"] == "Surprise"
    simulator.send_garbage(ONLINE, "wrong_types")
    state, loud, odd = [await receive(ws) for _ in range(3)]
    assert (state["type"], state["online"], state["measuring"]) == (
        "InstrumentStatus",
        "maybe",
        3,
    )
    assert loud == {"type": "LiveData", "time": TIME, "values": "loud"}
    assert odd["values"] == [{"name": 5, "value": "x"}, {"name": "LAeq", "value": None}]
    simulator.send_garbage(ONLINE, "not_utf8")
    frame = await ws.receive(timeout=2)
    assert frame.type is WSMsgType.BINARY
    with pytest.raises(UnicodeDecodeError):
        frame.data.decode()
    with pytest.raises(ValueError, match="Unknown kind"):
        simulator.send_garbage(ONLINE, "poetry")


async def test_silence(connect: Any, simulator: Simulator) -> None:
    ws = await connected(connect)
    other = await connected(connect, CALIBRATING)
    await ws.send_json({"action": "StartLiveData", "types": ["LAeq"]})
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 1)
    simulator.send_live_data(ONLINE)  # queued, then swallowed by the silence
    simulator.silence(ONLINE)
    await ws.send_json({"action": "KeepAlive"})
    await simulator.wait_until(lambda: simulator.ws_received["KeepAlive"] == 1)
    simulator.update(ONLINE, measuring=False)
    simulator.send_live_data(ONLINE)
    simulator.send_garbage(ONLINE, "array")
    await round_trip(other)  # the other instrument still talks
    simulator.silence(ONLINE, on=False)
    # What changed meanwhile comes first; nothing swallowed comes at all.
    assert await receive(ws) == status(measuring=False)
    await round_trip(ws)
    assert simulator.ws_sent == {"InstrumentStatus": 3, "KeepAlive": 2}


async def test_a_silence_of_sockets_opened_later(
    connect: Any, simulator: Simulator
) -> None:
    simulator.silence(ONLINE, later=True)
    ws = await connect(ONLINE)
    other = await connected(connect, CALIBRATING)
    await ws.send_json({"action": "KeepAlive"})
    await simulator.wait_until(lambda: simulator.ws_received["KeepAlive"] == 1)
    await round_trip(other)  # the other instrument still talks
    simulator.silence(ONLINE, on=False)
    # The status every connection begins with comes when the silence ends.
    assert await receive(ws) == status()
    await round_trip(ws)
    await connected(connect)  # and the next one opens talking
    assert simulator.ws_sent == {"InstrumentStatus": 3, "KeepAlive": 2}


async def test_pings_are_answered_until_a_silence(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    url = sim_server.make_url(f"/v1/live/{ONLINE}")
    headers = {"X-Api-Key": API_KEY}
    async with session.ws_connect(url, headers=headers, autoping=False) as ws:
        await receive(ws)
        await ws.ping(b"one")
        pong = await ws.receive(timeout=2)
        assert (pong.type, pong.data) == (WSMsgType.PONG, b"one")
        await ws.pong(b"unasked")  # needs no answer
        simulator.silence(ONLINE)
        await ws.ping(b"two")
        await ws.send_json({"action": "KeepAlive"})
        await simulator.wait_until(lambda: simulator.ws_received["KeepAlive"] == 1)
        simulator.silence(ONLINE, on=False)
        await round_trip(ws)  # the silence swallowed the pong


async def test_silence_does_not_stop_a_close(
    connect: Any, simulator: Simulator
) -> None:
    ws = await connected(connect)
    simulator.instruments[ONLINE].online = False
    simulator.publish()
    simulator.silence()
    simulator.publish()  # a closing socket gets nothing more
    assert (await receive(ws))["online"] is False
    assert (await ws.receive(timeout=2)).data == 4000


async def test_counters_endpoint(
    sim_server: TestServer, connect: Any, session: ClientSession
) -> None:
    ws = await connected(connect)
    await round_trip(ws)
    async with session.get(sim_server.make_url("/_simulator/requests")) as response:
        body = await response.json()
    assert body["ws"] == {
        "connects": {ONLINE: 1},
        "refused": {},
        "open": 1,
        "received": {"KeepAlive": 1},
        "sent": {"InstrumentStatus": 1, "KeepAlive": 1},
    }


async def test_shutdown_closes_sockets(
    sim_server: TestServer, connect: Any, simulator: Simulator
) -> None:
    ws = await connected(connect)
    await sim_server.close()
    closing = await ws.receive(timeout=2)
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 1001)
    assert simulator.ws_open == 0


async def test_live_period(socket_enabled: None) -> None:
    simulator = Simulator(live_period=0.01, calibration_duration=timedelta(0))
    simulator.add_key(API_KEY)
    simulator.add_demo_instruments(1)
    server = TestServer(simulator.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            url = server.make_url("/v1/live/QT100001")
            async with session.ws_connect(url, headers={"X-Api-Key": API_KEY}) as ws:
                await live_data_and_calibration(ws)
    finally:
        await server.close()


async def live_data_and_calibration(ws: ClientWebSocketResponse) -> None:
    await receive(ws)
    await ws.send_json({"action": "StartLiveData", "types": ["LAeq", "LAF"]})
    data = await receive(ws)
    assert data["type"] == "LiveData"
    assert [value["name"] for value in data["values"]] == ["LAeq", "LAF"]
    # The periodic tick also ends what is due, as the real cloud does.
    await ws.send_json({"action": "Calibration"})
    seen: list[Any] = []
    while ("ActionStatus", "Success") not in seen:
        message = await receive(ws)
        seen.append((message["type"], message.get("status")))
    assert ("ActionStatus", "InProgress") in seen


async def test_control_endpoint(
    sim_server: TestServer, connect: Any, session: ClientSession, simulator: Simulator
) -> None:
    ws = await connected(connect)
    url = sim_server.make_url(f"/_simulator/instruments/{ONLINE}")
    # No key needed, no latency, and not counted as a request to the API.
    async with session.post(url, json={"measuring": False}) as response:
        assert response.status == 200
        assert (await response.json())["measuring"] is False
    assert await receive(ws) == status(measuring=False)
    assert simulator.requests == {"live": 1}
    refusals = [
        (url, {"colour": "red"}, 400),
        (url, {"serial": "QT9", "name": "Other"}, 400),
        (url, {"status": "broken"}, 400),
        (url, ["measuring"], 400),
        (url, "not json", 400),
        (sim_server.make_url("/_simulator/instruments/QT9"), {"online": False}, 404),
    ]
    for target, body, code in refusals:
        payload = {"data": body} if isinstance(body, str) else {"json": body}
        async with session.post(target, **payload) as response:
            assert response.status == code, body
            assert "description" in await response.json()
    assert simulator.instruments[ONLINE].name == "Site gate"
    await round_trip(ws)


async def test_live_period_endpoint(
    sim_server: TestServer, connect: Any, session: ClientSession, simulator: Simulator
) -> None:
    ws = await connected(connect)
    await ws.send_json({"action": "StartLiveData", "types": ["LAeq"]})
    url = sim_server.make_url("/_simulator/live")
    for body in (
        {"period": -1},
        {"period": True},
        {"period": "1"},
        {},
        [1],
        {"period": 1, "values": {"LAeq": "loud"}},
        {"period": 1, "values": [70.0]},
    ):
        async with session.post(url, json=body) as response:
            assert response.status == 400, body
    async with session.post(url, data="{") as response:
        assert response.status == 400
    async with session.post(url, json={"period": 0.01}) as response:
        assert await response.json() == {"period": 0.01}
    assert (await receive(ws))["type"] == "LiveData"
    # A new period while the data flows keeps the one ticker; 0 stops it.
    ticker = simulator._live._ticker
    simulator.set_live_period(0.02)
    assert simulator._live._ticker is ticker
    # Steady values instead of the generated ones, asked for or not.
    async with session.post(
        url, json={"period": 0.02, "values": {"LAeq": 70.0, "LAF": 71.5}}
    ) as response:
        assert response.status == 200
    while (message := await receive(ws))["values"][0]["value"] != 70.0:
        pass
    assert message["values"] == [
        {"name": "LAeq", "value": 70.0},
        {"name": "LAF", "value": 71.5},
    ]
    async with session.post(url, json={"period": 0}) as response:
        assert await response.json() == {"period": 0.0}
    assert simulator._live._ticker is None
    simulator.set_live_period(0)
    assert simulator._live._ticker is None


async def test_live_period_before_the_app_starts(socket_enabled: None) -> None:
    simulator = Simulator()
    simulator.set_live_period(0.01)  # no app yet: only the period is set
    assert simulator.live_period == 0.01
    simulator.add_key(API_KEY)
    simulator.add_demo_instruments(1)
    server = TestServer(simulator.make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            url = server.make_url("/v1/live/QT100001")
            async with session.ws_connect(url, headers={"X-Api-Key": API_KEY}) as ws:
                await receive(ws)
                await ws.send_json({"action": "StartLiveData", "types": ["LAeq"]})
                assert (await receive(ws))["type"] == "LiveData"
    finally:
        await server.close()
