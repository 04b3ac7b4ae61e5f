"""The client's live websocket and monitor health, against the simulator."""

from __future__ import annotations

import socket
from typing import Any

from aiohttp import ClientSession
import pytest

from custom_components.mycirrus.api import (
    Action,
    ActionStatus,
    KeepAlive,
    LiveData,
    LiveError,
    LiveStatus,
    MonitorHealth,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusInvalidSerialError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
    parse_monitor_health,
)
from simulator import ALL_SCOPES, Simulator

from .conftest import API_KEY, NO_SIC, OFFLINE, ONLINE


async def test_status_on_connect_and_on_change(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    connection = await client.live(ONLINE)
    assert repr(connection) == f"LiveConnection(serial='{ONLINE}', closed=False)"
    assert API_KEY not in repr(connection)
    message = await connection.receive()
    assert isinstance(message, LiveStatus)
    assert (message.online, message.measuring) == (True, True)
    simulator.update(ONLINE, measuring=False)
    message = await connection.receive()
    assert isinstance(message, LiveStatus)
    assert message.measuring is False
    assert simulator.seen_keys[API_KEY] == 1
    await connection.close()
    await connection.close()  # closing twice is harmless
    assert connection.closed
    assert client.request_counts["live"] == 1


async def test_commands(client: MyCirrusClient, simulator: Simulator) -> None:
    connection = await client.live(ONLINE)
    assert isinstance(await connection.receive(), LiveStatus)
    await connection.keep_alive()
    assert isinstance(await connection.receive(), KeepAlive)
    await connection.start_live_data(["LAeq", "LAF"])
    await simulator.wait_until(lambda: simulator.ws_received["StartLiveData"] == 1)
    simulator.send_live_data(ONLINE)
    data = await connection.receive()
    assert isinstance(data, LiveData)
    assert set(data.values) == {"LAeq", "LAF"}
    assert all(20 < level < 140 for level in data.values.values())
    await connection.stop_live_data()
    await connection.send_action(Action.SIC)
    answers = [await connection.receive(), await connection.receive()]
    assert any(
        isinstance(a, ActionStatus) and a.status == "InProgress" for a in answers
    )
    assert simulator.ws_received["StopLiveData"] == 1
    await connection.close()


async def test_live_scope_error(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.live:read"})
    connection = await client.live(ONLINE)
    assert isinstance(await connection.receive(), LiveStatus)
    await connection.start_live_data(["LAeq"])
    error = await connection.receive()
    assert error == LiveError(
        time=error.time,  # type: ignore[union-attr]
        code="AccessDenied",
        description="The API key lacks the data.live:read scope",
    )
    await connection.close()


@pytest.mark.parametrize(
    "kind",
    [
        "not_json",
        "binary",
        "unknown_type",
        "no_type",
        "array",
        "wrong_types",
        "not_utf8",
    ],
)
async def test_garbage_is_skipped_never_raised(
    client: MyCirrusClient, simulator: Simulator, kind: str
) -> None:
    connection = await client.live(ONLINE)
    assert isinstance(await connection.receive(), LiveStatus)
    simulator.send_garbage(ONLINE, kind)
    simulator.update(ONLINE, measuring=False)
    message = await connection.receive()
    assert isinstance(message, LiveStatus)
    assert message.measuring is False
    await connection.close()


async def test_closed_by_the_server(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    connection = await client.live(ONLINE)
    simulator.update(ONLINE, online=False)
    messages = [message async for message in connection]
    assert [m.online for m in messages if isinstance(m, LiveStatus)] == [True, False]
    assert connection.closed
    assert connection.close_code == 4000
    with pytest.raises(MyCirrusConnectionError, match="closed"):
        await connection.keep_alive()
    with pytest.raises(MyCirrusConnectionError, match="closed"):
        await connection.receive()


async def test_dropped_and_silent(client: MyCirrusClient, simulator: Simulator) -> None:
    connection = await client.live(ONLINE)
    assert isinstance(await connection.receive(), LiveStatus)
    simulator.silence(ONLINE)
    with pytest.raises(MyCirrusConnectionError, match="fell silent"):
        await connection.receive(max_silence=0.01)
    simulator.drop_connections(ONLINE)
    with pytest.raises(MyCirrusConnectionError):
        await connection.receive()
    await connection.close()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "raw", "status": 401}, MyCirrusAuthenticationError),
        ({"kind": "forbidden"}, MyCirrusPermissionError),
        ({"kind": "not_found"}, MyCirrusNotFoundError),
        ({"kind": "server_error"}, MyCirrusConnectionError),
        ({"kind": "raw", "status": 409}, MyCirrusConnectionError),
        ({"kind": "reset"}, MyCirrusConnectionError),
    ],
)
async def test_refused_handshakes(
    client: MyCirrusClient,
    simulator: Simulator,
    fault: dict[str, Any],
    error: type[MyCirrusError],
) -> None:
    simulator.add_fault(endpoint="live", **fault)
    with pytest.raises(error) as raised:
        await client.live(ONLINE)
    assert API_KEY not in str(raised.value)


async def test_offline_and_unknown_instruments(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    with pytest.raises(MyCirrusNotFoundError):
        await client.live(OFFLINE)
    with pytest.raises(MyCirrusNotFoundError):
        await client.live("QT999999")
    simulator.add_key(API_KEY, instruments={ONLINE})
    with pytest.raises(MyCirrusPermissionError):
        await client.live(NO_SIC)
    with pytest.raises(MyCirrusInvalidSerialError):
        await client.live("../status")
    assert client.request_counts["live"] == 3


async def test_rate_limited_handshake_pauses_the_key(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    simulator.add_fault("rate_limit", endpoint="live", retry_after="120")
    with pytest.raises(MyCirrusRateLimitError) as raised:
        await client.live(ONLINE)
    assert raised.value.retry_after == 120
    assert client.limiter.paused
    with pytest.raises(MyCirrusRateLimitError) as raised:
        await client.status(ONLINE)
    assert not raised.value.sent


async def test_handshake_time_out(client: MyCirrusClient, simulator: Simulator) -> None:
    client.request_timeout = 0.01
    release = simulator.hold(endpoint="live")
    with pytest.raises(MyCirrusConnectionError, match="Timed out"):
        await client.live(ONLINE)
    release.set()


async def test_nothing_listening(socket_enabled: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ClientSession() as session:
        client = MyCirrusClient(
            session, API_KEY, base_url=f"http://127.0.0.1:{port}/v1"
        )
        with pytest.raises(MyCirrusConnectionError, match="Could not open"):
            await client.live(ONLINE)


async def test_secure_url_becomes_wss(simulator: Simulator) -> None:
    seen: list[str] = []

    class Recording:
        async def ws_connect(self, url: Any, **kwargs: Any) -> Any:
            seen.append(str(url))
            raise MyCirrusConnectionError("stop here")

    client = MyCirrusClient(Recording(), API_KEY)  # type: ignore[arg-type]
    with pytest.raises(MyCirrusConnectionError):
        await client.live("QT-1_a")
    assert seen == ["wss://api.mycirrus.cloud/v1/live/QT-1_a"]


# -- monitor health -----------------------------------------------------------


async def test_monitor_health(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.instruments[NO_SIC].health = None
    health = await client.monitor_health([ONLINE, NO_SIC, "QT999999"])
    assert list(health) == [ONLINE]
    assert health[ONLINE] == MonitorHealth(
        serial_number=ONLINE,
        cpu=12.5,
        memory=41.0,
        disk=23.4,
        temperature=31.2,
        voltage=12.31,
        network=14.8,
        sim_quota=1024.0,
        sim_usage=212.4,
        uptime=health[ONLINE].uptime,
    )
    assert simulator.requests["monitor"] == 1
    # Nothing to ask about: nothing is sent.
    assert await client.monitor_health([]) == {}
    assert simulator.requests["monitor"] == 1


async def test_monitor_health_needs_its_scope(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    simulator.add_key(API_KEY, scopes={"instruments:read"})
    with pytest.raises(MyCirrusPermissionError):
        await client.monitor_health([ONLINE])


def test_monitor_answers_of_other_shapes() -> None:
    keyed = parse_monitor_health(
        {
            "QT1": {"CPU": "12", "Temperature": 30, "simUsage": None},
            "QT2": "garbage",
            "QT3": {"serialNumber": "QT4", "mem": 50},
        }
    )
    assert set(keyed) == {"QT1", "QT4"}
    assert (keyed["QT1"].cpu, keyed["QT1"].temperature) == (12.0, 30.0)
    assert keyed["QT1"].sim_usage is None
    listed = parse_monitor_health([{"cpu": 1}, 5, {"instrument": "QT9", "cpu": 2}])
    assert list(listed) == ["QT9"]
    with pytest.raises(MyCirrusResponseError):
        parse_monitor_health("nope")
