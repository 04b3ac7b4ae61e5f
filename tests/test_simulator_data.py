"""The simulator's stored data: measurements, noise events, weather, late uploads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import json
import math
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
import pytest

from simulator import MeasurementShape, Simulator
from simulator.__main__ import build_simulator, parse_args
from simulator.periods import (
    STATISTICAL,
    VALUE_NAMES,
    LiveLog,
    Site,
    may_exceed,
    period,
)
from simulator.shape import iso_duration

from .conftest import API_KEY, CALIBRATING, NO_SIC, OFFLINE, ONLINE

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MEASUREMENTS = "/v1/data/noise/measurements"
EVENTS = "/v1/data/events"
WEATHER = "/v1/data/weather"
ENDPOINTS = (MEASUREMENTS, EVENTS, WEATHER)

type Params = dict[str, Any] | list[tuple[str, str]]


def z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def span(serial: str, start: datetime, end: datetime, **extra: str) -> dict[str, str]:
    return {"instruments": serial, "start": z(start), "end": z(end), **extra}


def energy_mean(levels: list[float]) -> float:
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels) / len(levels))


@pytest.fixture
def clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Stop the simulator's clock (Home Assistant's) at NOW."""
    freezer.move_to(NOW)
    return freezer


@pytest.fixture
async def session(clock: FrozenDateTimeFactory) -> AsyncGenerator[ClientSession]:
    async with ClientSession(headers={"X-Api-Key": API_KEY}) as client_session:
        yield client_session


async def get(
    sim_server: TestServer, session: ClientSession, path: str, params: Params
) -> tuple[int, Any]:
    async with session.get(sim_server.make_url(path), params=params) as response:
        return response.status, await response.json()


async def ok(
    sim_server: TestServer, session: ClientSession, path: str, params: Params
) -> Any:
    status, body = await get(sim_server, session, path, params)
    assert status == 200, body
    return body


# -- measurements ---------------------------------------------------------


async def test_complete_periods_aligned_on_the_clock(
    sim_server: TestServer, session: ClientSession, clock: FrozenDateTimeFactory
) -> None:
    # From 08:02 the first whole period starts 08:05; the one running is left out.
    params = span(ONLINE, NOW - timedelta(minutes=58), NOW + timedelta(hours=1))
    body = await ok(sim_server, session, MEASUREMENTS, params)
    assert [record["time"] for record in body] == [
        f"2026-11-24T08:{minute:02}:00Z" for minute in range(5, 60, 5)
    ]
    assert set(body[0]) == {"time", "instrument", "LAeq", "LCPeak", "LAFMax"}
    assert {record["instrument"] for record in body} == {ONLINE}
    clock.tick(timedelta(minutes=4, seconds=59))
    assert len(await ok(sim_server, session, MEASUREMENTS, params)) == 11
    clock.tick(timedelta(seconds=1))
    assert (await ok(sim_server, session, MEASUREMENTS, params))[-1]["time"] == (
        "2026-11-24T09:00:00Z"
    )


async def test_each_instrument_has_its_period(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.instruments[CALIBRATING].measurement_period = 1
    simulator.instruments[NO_SIC].measurement_period = 15
    params = [
        ("instruments", f"{ONLINE},{CALIBRATING}"),
        ("instruments", NO_SIC),
        ("start", z(NOW - timedelta(hours=1))),
        ("end", z(NOW)),
    ]
    body = await ok(sim_server, session, MEASUREMENTS, params)
    counts = {s: sum(r["instrument"] == s for r in body) for s in simulator.instruments}
    assert counts == {ONLINE: 12, OFFLINE: 0, CALIBRATING: 60, "QT100004": 0, NO_SIC: 4}
    assert simulator.requests["measurements"] == 1
    with pytest.raises(ValueError, match="divide a day"):
        simulator.add_instrument("QT7", measurement_period=7)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"start": z(NOW - timedelta(hours=1)), "end": z(NOW)}, 404, "MissingParam"),
        ({"instruments": ONLINE, "end": z(NOW)}, 404, "MissingParam"),
        ({"instruments": ",", "start": "x", "end": "y"}, 404, "MissingParam"),
        ({"instruments": ONLINE, "start": z(NOW)}, 404, "MissingParam"),
        ({"instruments": ONLINE, "start": "today", "end": z(NOW)}, 400, "InvalidParam"),
        (
            {"instruments": ONLINE, "start": z(NOW), "end": "2026-13-01"},
            400,
            "InvalidParam",
        ),
        (span(ONLINE, NOW, NOW), 400, "InvalidRange"),
        (span(ONLINE, NOW, NOW - timedelta(hours=1)), 400, "InvalidRange"),
        (span(ONLINE, NOW - timedelta(days=31, seconds=1), NOW), 400, "InvalidRange"),
        (span(f"{ONLINE},QT999999", NOW - timedelta(hours=1), NOW), 404, "NotFound"),
    ],
)
async def test_refusals(
    sim_server: TestServer,
    session: ClientSession,
    path: str,
    params: Params,
    status: int,
    code: str,
) -> None:
    answer, body = await get(sim_server, session, path, params)
    assert (answer, body["error"]) == (status, code)
    assert isinstance(body["description"], str)


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_another_accounts_instrument(
    sim_server: TestServer, session: ClientSession, simulator: Simulator, path: str
) -> None:
    simulator.key_instruments[API_KEY] = {ONLINE}
    params = span(f"{ONLINE},{NO_SIC}", NOW - timedelta(hours=1), NOW)
    assert await get(sim_server, session, path, params) == (
        403,
        {
            "error": "AccessDenied",
            "description": "The instrument is not on this account",
        },
    )


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        (MEASUREMENTS, "data.noise:read"),
        (EVENTS, "data.events:read"),
        (WEATHER, "data.enviro:read"),
    ],
)
async def test_each_endpoint_needs_its_scope(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    path: str,
    scope: str,
) -> None:
    params = span(ONLINE, NOW - timedelta(hours=1), NOW)
    others = {"data.noise:read", "data.events:read", "data.enviro:read"} - {scope}
    simulator.add_key(API_KEY, scopes={"instruments:read", *others})
    status, body = await get(sim_server, session, path, params)
    assert (status, body["error"]) == (403, "AccessDenied")
    simulator.add_key(API_KEY, scopes={scope})
    assert (await get(sim_server, session, path, params))[0] == 200


async def test_thirty_one_days_at_most(
    sim_server: TestServer, session: ClientSession
) -> None:
    params = span(ONLINE, NOW - timedelta(days=31), NOW)
    assert len(await ok(sim_server, session, MEASUREMENTS, params)) == 31 * 288


@pytest.mark.parametrize(
    "text",
    ["2026-11-24T08:00:00.000Z", "2026-11-24T09:00:00+01:00", "2026-11-24T08:00:00"],
)
async def test_time_formats(
    sim_server: TestServer, session: ClientSession, text: str
) -> None:
    params = {"instruments": ONLINE, "start": text, "end": z(NOW)}
    body = await ok(sim_server, session, MEASUREMENTS, params)
    assert body[0]["time"] == "2026-11-24T08:00:00Z"
    assert len(body) == 12


async def test_an_unencoded_plus_in_a_time(
    sim_server: TestServer, session: ClientSession
) -> None:
    url = sim_server.make_url(MEASUREMENTS).with_query(
        f"instruments={ONLINE}&start=2026-11-24T09:00:00+01:00&End=2026-11-24T09:00Z"
    )
    async with session.get(url) as response:
        assert len(await response.json()) == 12


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ([], ["LAeq", "LCPeak", "LAFMax"]),
        ([("values", "")], ["LAeq", "LCPeak", "LAFMax"]),
        ([("values", "LAeq,LCPeak,LAFmax")], ["LAeq", "LCPeak", "LAFMax"]),
        ([("VALUES", "laf90, Bogus,lcpeak,LAF90")], ["LAF90", "LCPeak"]),
        ([("values", "LZeq"), ("values", "lex8")], ["LZeq", "LEX8"]),
    ],
)
async def test_values_in_any_case_unknown_ignored(
    sim_server: TestServer,
    session: ClientSession,
    values: list[tuple[str, str]],
    names: list[str],
) -> None:
    params = [*span(ONLINE, NOW - timedelta(hours=1), NOW).items(), *values]
    body = await ok(sim_server, session, MEASUREMENTS, params)
    assert list(body[0]) == ["time", "instrument", *names]


async def test_only_unknown_values_are_refused(
    sim_server: TestServer, session: ClientSession
) -> None:
    params = span(ONLINE, NOW - timedelta(hours=1), NOW, values="LAFmin,Lden")
    status, body = await get(sim_server, session, MEASUREMENTS, params)
    assert (status, body["error"]) == (400, "InvalidParam")


async def test_every_value_is_plausible(
    sim_server: TestServer, session: ClientSession
) -> None:
    params = span(ONLINE, NOW - timedelta(days=1), NOW, values=",".join(VALUE_NAMES))
    body = await ok(sim_server, session, MEASUREMENTS, params)
    assert len(body) == 288
    for record in body:
        assert record["LeqT1Type"] == "LAeq,1s"
        assert record["LeqT2Type"] == "LAeq,60s"
        statistical = [record[name] for name in STATISTICAL]
        assert statistical == sorted(statistical, reverse=True)
        assert record["LAF90"] <= record["LAeq"] <= record["LAFMax"]
        assert record["LAF50"] <= record["LAF10"]
        assert record["LAF1"] <= record["LAFMax"] <= record["LCPeak"]
        assert record["LAFMax"] <= record["LAPeak"] <= record["LCPeak"]
        assert record["LCPeak"] <= record["LZPeak"]
        assert record["LAeq"] <= record["LeqT2Max"] <= record["LeqT1Max"]
        assert record["LeqT1Max"] <= record["LAFMax"]
        assert record["LAeq"] < record["LCeq"] < record["LZeq"]
        # 10 log10(300 s) and 10 log10(300 s / 8 h), each rounded to 0.1 dB.
        assert record["LAE"] == pytest.approx(record["LAeq"] + 24.77, abs=0.11)
        assert record["LEX8"] == pytest.approx(record["LAeq"] - 19.82, abs=0.11)
        assert record["LASMax"] <= record["LAFMax"] <= record["LAIMax"]
        for weighting in "CZ":
            for speed in "FSI":
                assert record[f"L{weighting}{speed}Max"] > record[f"LA{speed}Max"]


async def test_quiet_at_night_busy_by_day(
    sim_server: TestServer, session: ClientSession
) -> None:
    night = span(ONLINE, NOW - timedelta(hours=7), NOW - timedelta(hours=6))
    day = span(ONLINE, NOW - timedelta(days=1, hours=-3), NOW - timedelta(hours=20))
    quiet = [r["LAeq"] for r in await ok(sim_server, session, MEASUREMENTS, night)]
    busy = [r["LAeq"] for r in await ok(sim_server, session, MEASUREMENTS, day)]
    assert max(quiet) < 50
    assert min(busy) > 55


async def test_the_same_answer_every_time(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    params = span(
        f"{ONLINE},{NO_SIC}",
        NOW - timedelta(days=2),
        NOW,
        values=",".join(VALUE_NAMES),
    )
    first = await ok(sim_server, session, MEASUREMENTS, params)
    assert await ok(sim_server, session, MEASUREMENTS, params) == first
    other = Simulator(now=lambda: NOW)
    for serial in (ONLINE, NO_SIC):
        other.add_instrument(serial)
    rows = other.stored.measurements(
        other.instruments[ONLINE],
        ((NOW - timedelta(days=2)).timestamp(), NOW.timestamp()),
        NOW,
        list(VALUE_NAMES),
    )
    assert [values for _, _, _, values in rows] == [
        {name: r[name] for name in VALUE_NAMES} for r in first[:576]
    ]
    # Instruments differ from each other.
    assert [r["LAeq"] for r in first[:576]] != [r["LAeq"] for r in first[576:]]


async def test_recalculated_period(
    sim_server: TestServer, session: ClientSession
) -> None:
    names = "LAeq,LAE,LAFMax,LCPeak,LeqT1Max"
    hour = span(ONLINE, NOW - timedelta(hours=1), NOW, values=names)
    own = await ok(sim_server, session, MEASUREMENTS, hour)
    quarters = await ok(
        sim_server,
        session,
        MEASUREMENTS,
        {**hour, "period": "PT15M"},  # type: ignore[dict-item]
    )
    assert [r["time"][11:16] for r in quarters] == ["08:00", "08:15", "08:30", "08:45"]
    for index, quarter in enumerate(quarters):
        parts = own[3 * index : 3 * index + 3]
        assert quarter["LAeq"] == pytest.approx(
            energy_mean([p["LAeq"] for p in parts]), abs=0.051
        )
        assert quarter["LAE"] == pytest.approx(
            energy_mean([p["LAE"] for p in parts]) + 10 * math.log10(3), abs=0.051
        )
        for name in ("LAFMax", "LCPeak", "LeqT1Max"):
            assert quarter[name] == max(p[name] for p in parts)
    # A whole day: only the complete one.
    days = {**span(ONLINE, NOW - timedelta(days=2), NOW), "period": "P1D"}
    assert [r["time"] for r in await ok(sim_server, session, MEASUREMENTS, days)] == [
        "2026-11-23T00:00:00Z"
    ]


@pytest.mark.parametrize(
    ("period", "values"),
    [
        ("PT15M", "LAeq,LAF90"),
        ("PT1M", ""),
        ("PT7M", ""),
        ("P2D", ""),
        ("PT0S", ""),
        ("soon", ""),
        ("PT", ""),
        ("P", ""),
    ],
)
async def test_recalculation_refused(
    sim_server: TestServer, session: ClientSession, period: str, values: str
) -> None:
    params = span(ONLINE, NOW - timedelta(hours=1), NOW, period=period, values=values)
    status, body = await get(sim_server, session, MEASUREMENTS, params)
    assert (status, body["error"]) == (400, "InvalidParam")


async def test_recalculation_needs_a_multiple_of_every_period(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.instruments[NO_SIC].measurement_period = 15
    both = f"{ONLINE},{NO_SIC}"
    params = span(both, NOW - timedelta(hours=2), NOW, period="PT10M")
    status, body = await get(sim_server, session, MEASUREMENTS, params)
    assert (status, body["error"]) == (400, "InvalidParam")
    assert NO_SIC in body["description"]
    params["period"] = "PT1H"
    assert len(await ok(sim_server, session, MEASUREMENTS, params)) == 4


# -- live levels ----------------------------------------------------------


async def listening(
    sim_server: TestServer, session: ClientSession, types: list[str]
) -> ClientWebSocketResponse:
    ws = await session.ws_connect(sim_server.make_url(f"/v1/live/{ONLINE}"))
    assert json.loads((await ws.receive(timeout=2)).data)["type"] == "InstrumentStatus"
    await ws.send_json({"action": "StartLiveData", "types": types})
    await ws.send_json({"action": "KeepAlive"})
    assert json.loads((await ws.receive(timeout=2)).data)["type"] == "KeepAlive"
    return ws


async def live_values(ws: ClientWebSocketResponse) -> dict[str, float]:
    message = await ws.receive(timeout=2)
    assert message.type is WSMsgType.TEXT
    data = json.loads(message.data)
    assert data["type"] == "LiveData"
    return {value["name"]: value["value"] for value in data["values"]}


async def test_stored_laeq_is_the_energy_mean_of_the_live_laeq(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
) -> None:
    ws = await listening(sim_server, session, ["LAeq", "LAF", "LCPeak"])
    sent = [
        {"LAeq": 48.0, "LAF": 91.5, "LCPeak": 123.0},
        {"LAeq": 71.3, "LAF": 60.0, "LCPeak": 80.0},
        {"LAeq": 55.5, "LAF": 58.0},
    ]
    for values in sent:
        clock.tick(timedelta(seconds=70))
        simulator.send_live_data(ONLINE, values)
        assert await live_values(ws) == values
    # Generated levels count as well, the ones the socket actually got.
    got = []
    for _ in range(5):
        clock.tick(timedelta(seconds=1))
        simulator.send_live_data(ONLINE)
        got.append(await live_values(ws))
    await ws.close()
    clock.move_to(NOW + timedelta(minutes=5))
    params = span(ONLINE, NOW, NOW + timedelta(minutes=5), values=",".join(VALUE_NAMES))
    (record,) = await ok(sim_server, session, MEASUREMENTS, params)
    laeqs = [v["LAeq"] for v in sent] + [v["LAeq"] for v in got]
    assert record["LAeq"] == pytest.approx(energy_mean(laeqs), abs=1e-9)
    assert record["LAFMax"] >= max(91.5, *(v["LAF"] for v in got))
    assert record["LCPeak"] >= max(123.0, *(v["LCPeak"] for v in got))
    # The other values move with the LAeq and keep their order.
    assert record["LAF90"] <= record["LAeq"] <= record["LAFMax"] <= record["LCPeak"]
    assert record["LAF1"] <= record["LAFMax"]
    # The period after it, where nothing was sent, is computed as ever.
    clock.tick(timedelta(minutes=5))
    later = span(ONLINE, NOW + timedelta(minutes=5), NOW + timedelta(minutes=10))
    (quiet,) = await ok(sim_server, session, MEASUREMENTS, later)
    site = Site.of(ONLINE)
    start = int((NOW + timedelta(minutes=5)).timestamp())
    assert quiet["LAeq"] == period(site, start, 300).values["LAeq"]


async def test_live_levels_nobody_got_are_not_stored(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
) -> None:
    simulator.send_live_data(ONLINE, {"LAeq": 30.0})  # no socket listens
    ws = await listening(sim_server, session, ["LAF"])
    simulator.send_live_data(ONLINE)  # only LAF is sent
    await live_values(ws)
    simulator.silence(ONLINE)
    simulator.send_live_data(ONLINE, {"LAeq": 20.0})  # swallowed by the silence
    await ws.close()
    clock.tick(timedelta(minutes=5))
    params = span(ONLINE, NOW, NOW + timedelta(minutes=5))
    (record,) = await ok(sim_server, session, MEASUREMENTS, params)
    generated = period(Site.of(ONLINE), int(NOW.timestamp()), 300).values
    assert record["LAeq"] == generated["LAeq"]


def test_live_log_keeps_the_latest_minutes() -> None:
    log = LiveLog(capacity=3)
    start = NOW.timestamp()
    for minute in range(5):
        log.record(ONLINE, start + 60 * minute + 1, {"LAeq": 50.0 + minute})
    log.record(ONLINE, start + 241, {"LAeq": True, "LAF": "loud", "LAPeak": 99.0})
    log.record(ONLINE, start + 242, {"LCPeak": math.inf, "LAF": 70})
    # Sentinels no instrument measures are no levels, and no overflow.
    log.record(ONLINE, start + 243, {"LAeq": 99999.0, "LAF": 1e308, "LAPeak": -1e9})
    periods = log.periods(ONLINE, 300, start, start + 600)
    (bucket,) = periods.values()
    assert bucket.count == 3  # minutes 2, 3 and 4
    assert bucket.energy == pytest.approx(sum(10 ** (L / 10) for L in (52, 53, 54)))
    assert (bucket.laf, bucket.lapeak, bucket.lcpeak) == (70.0, 99.0, -math.inf)
    assert log.periods(NO_SIC, 300, start, start + 600) == {}


# -- late uploads ---------------------------------------------------------


async def everything(
    sim_server: TestServer, session: ClientSession, start: datetime, end: datetime
) -> tuple[list[str], list[str], list[str]]:
    """Return the times of the measurements, events and weather of ONLINE."""
    params = span(ONLINE, start, end)
    measurements = await ok(sim_server, session, MEASUREMENTS, params)
    events = await ok(sim_server, session, EVENTS, params)
    weather = await ok(sim_server, session, WEATHER, params)
    return (
        [r["time"] for r in measurements],
        [r["endTime"] for r in events],
        [r["time"] for r in weather],
    )


@pytest.fixture
def uploading(simulator: Simulator) -> Simulator:
    """Give ONLINE weather and a trigger low enough for events every period."""
    simulator.instruments[ONLINE].features.append("Weather")
    simulator.instruments[ONLINE].event_trigger = 20.0
    return simulator


@pytest.mark.parametrize("how", ["update", "publish", "request"])
async def test_an_offline_instrument_uploads_when_back(
    sim_server: TestServer,
    session: ClientSession,
    uploading: Simulator,
    clock: FrozenDateTimeFactory,
    how: str,
) -> None:
    start = NOW - timedelta(hours=1)
    clock.tick(timedelta(minutes=2))
    # It goes offline at 09:02; the 09:00 period ends after that.
    if how == "update":
        uploading.update(ONLINE, online=False)
    else:
        uploading.instruments[ONLINE].online = False
        if how == "publish":
            uploading.publish()
        else:  # the first request after it sees it
            await get(sim_server, session, "/v1/control/instruments", {})
    clock.tick(timedelta(hours=2))
    end = NOW + timedelta(hours=2)
    times, events, weather = await everything(sim_server, session, start, end)
    assert times[-1] == "2026-11-24T08:55:00Z"
    assert max(events) <= "2026-11-24T09:02:00Z"
    assert weather[-1] == "2026-11-24T09:01:00Z"
    uploading.update(ONLINE, online=True)
    times, events, weather = await everything(sim_server, session, start, end)
    assert times[-1] == "2026-11-24T10:55:00Z"
    assert len(times) == 36
    assert max(events) > "2026-11-24T10:50:00Z"
    assert len(weather) == 180


async def test_uploads_held_by_the_test(
    sim_server: TestServer,
    session: ClientSession,
    uploading: Simulator,
    clock: FrozenDateTimeFactory,
) -> None:
    start = NOW - timedelta(hours=1)
    # An online instrument whose modem is stuck since 08:30.
    uploading.stop_uploads(ONLINE, since=NOW - timedelta(minutes=30))
    times, _, weather = await everything(sim_server, session, start, NOW)
    assert (times[-1], weather[-1]) == ("2026-11-24T08:25:00Z", "2026-11-24T08:29:00Z")
    clock.tick(timedelta(hours=1))
    uploading.publish()  # held: being online does not release it
    assert (await everything(sim_server, session, start, NOW))[0][-1] == (
        "2026-11-24T08:25:00Z"
    )
    uploading.resume_uploads(ONLINE)
    times, _, _ = await everything(sim_server, session, start, NOW + timedelta(hours=1))
    assert times[-1] == "2026-11-24T09:55:00Z"
    # An offline instrument stays held back until it is online again.
    uploading.update(ONLINE, online=False)
    uploading.stop_uploads(ONLINE, since=NOW)
    uploading.resume_uploads(ONLINE)
    times, _, _ = await everything(sim_server, session, start, NOW + timedelta(hours=1))
    assert times[-1] == "2026-11-24T08:55:00Z"
    uploading.update(ONLINE, online=True)
    times, _, _ = await everything(sim_server, session, start, NOW + timedelta(hours=1))
    assert times[-1] == "2026-11-24T09:55:00Z"


async def test_an_instrument_added_offline_has_uploaded_nothing_since(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    assert simulator.instruments[OFFLINE].uploads_stopped is not None
    simulator.instruments[OFFLINE].uploads_stopped = NOW - timedelta(minutes=20)
    params = span(OFFLINE, NOW - timedelta(hours=1), NOW)
    body = await ok(sim_server, session, MEASUREMENTS, params)
    assert body[-1]["time"] == "2026-11-24T08:35:00Z"


# -- noise events ---------------------------------------------------------


async def test_events_lie_in_the_loud_periods(
    sim_server: TestServer, session: ClientSession
) -> None:
    params = span(ONLINE, NOW - timedelta(days=3), NOW)
    events = await ok(sim_server, session, EVENTS, params)
    periods = await ok(sim_server, session, MEASUREMENTS, params)
    loud = {r["time"]: r["LAFMax"] for r in periods if r["LAFMax"] > 80}
    assert 3 <= len(loud) == len(events)
    for event in events:
        start, end = at(event["startTime"]), at(event["endTime"])
        begins = start.replace(minute=start.minute // 5 * 5, second=0)
        assert end <= begins + timedelta(minutes=5)
        assert event["level"] == loud[z(begins)]
        assert event["type"] == "Level"
        assert event["name"] == "LAFMax over 80 dB"
        assert event["instrument"] == ONLINE
        assert 1 <= (end - start).total_seconds() <= 15
        assert isinstance(event["timeHistoryId"], int)
        if event["audioTime"] is None:
            assert event["audioId"] is None
        else:
            assert at(event["audioTime"]) == start - timedelta(seconds=5)
            assert event["audioId"].startswith(ONLINE)
        assert [o["name"] for o in event["overall"]] == ["LAFMax", "LAeq", "LCPeak"]
        assert len(event["octave"]) == 10
        assert len(event["thirdOctave"]) == 30
        assert event["octave"][0]["name"] == "31.5Hz"
    assert any(e["audioTime"] is None for e in events) or len(events) < 8
    assert await ok(sim_server, session, EVENTS, params) == events
    # Split in two, the same events: each in the window where it starts.
    middle = NOW - timedelta(days=1, hours=11, minutes=57)
    first = await ok(
        sim_server, session, EVENTS, span(ONLINE, NOW - timedelta(days=3), middle)
    )
    second = await ok(sim_server, session, EVENTS, span(ONLINE, middle, NOW))
    assert first + second == events


async def test_event_triggers(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    params = span(ONLINE, NOW - timedelta(days=1), NOW)
    usual = await ok(sim_server, session, EVENTS, params)
    simulator.instruments[ONLINE].event_trigger = 70.0
    assert len(await ok(sim_server, session, EVENTS, params)) > len(usual)
    simulator.instruments[ONLINE].event_trigger = None
    assert await ok(sim_server, session, EVENTS, params) == []
    # One in every period: a window takes those that start in it, not before.
    simulator.instruments[ONLINE].event_trigger = 20.0
    middle = NOW - timedelta(minutes=2)
    hour = span(ONLINE, NOW - timedelta(hours=1), NOW)
    before = span(ONLINE, NOW - timedelta(hours=1), middle)
    after = span(ONLINE, middle, NOW)
    events = await ok(sim_server, session, EVENTS, hour)
    assert len(events) == 12
    halves = await ok(sim_server, session, EVENTS, before)
    halves += await ok(sim_server, session, EVENTS, after)
    assert halves == events


async def test_added_events(
    sim_server: TestServer,
    session: ClientSession,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
) -> None:
    simulator.instruments[ONLINE].event_trigger = 20.0  # one in every period
    params = span(ONLINE, NOW - timedelta(minutes=15), NOW + timedelta(minutes=5))
    generated = await ok(sim_server, session, EVENTS, params)
    assert len(generated) == 3
    added = simulator.add_event(
        ONLINE, start=NOW - timedelta(minutes=9), level=101.5, name="Pile driver"
    )
    assert added["endTime"] == "2026-11-24T08:51:10Z"
    late = simulator.add_event(
        ONLINE,
        start=NOW + timedelta(seconds=5),
        end=NOW + timedelta(minutes=1),
        audio=False,
        type="Manual",
    )
    events = await ok(sim_server, session, EVENTS, params)
    # It takes the place of its period's own; the one not yet ended waits.
    assert events == [generated[0], added, generated[2]]
    assert (added["level"], added["name"], added["type"]) == (
        101.5,
        "Pile driver",
        "Level",
    )
    added["timeHistoryId"] = "TH-1"
    assert (await ok(sim_server, session, EVENTS, params))[1]["timeHistoryId"] == "TH-1"
    clock.tick(timedelta(minutes=1))
    events = await ok(sim_server, session, EVENTS, params)
    assert events[-1] == late
    assert (late["audioTime"], late["audioId"], late["type"]) == (None, None, "Manual")
    assert late["name"] == "LAFMax over 20 dB"


def test_the_quick_test_never_misses_a_loud_period() -> None:
    for serial in (ONLINE, NO_SIC, "QT555555"):
        site = Site.of(serial)
        for length in (60, 300, 900):
            start = int(NOW.timestamp()) // length * length
            for step in range(0, 2000):
                moment = start - step * length
                lafmax = period(site, moment, length).values["LAFMax"]
                for trigger in (60.0, 75.0, 80.0, 90.0):
                    if not may_exceed(site, moment, length, trigger):
                        assert lafmax <= trigger


# -- weather --------------------------------------------------------------


async def test_weather_only_where_the_feature_is(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.instruments[NO_SIC].features.append("Weather")
    params = span(f"{ONLINE},{NO_SIC}", NOW - timedelta(hours=1), NOW)
    body = await ok(sim_server, session, WEATHER, params)
    assert len(body) == 60
    assert {r["instrument"] for r in body} == {NO_SIC}
    assert body[0]["time"] == "2026-11-24T08:00:00Z"
    assert body[-1]["time"] == "2026-11-24T08:59:00Z"
    assert list(body[0]) == [
        "time",
        "instrument",
        "windSpeed",
        "windDirection",
        "temperature",
        "pressure",
        "humidity",
        "precipitation",
    ]


async def test_weather_is_plausible_and_repeatable(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.instruments[ONLINE].features.append("Weather")
    params = span(ONLINE, NOW - timedelta(days=4), NOW)
    body = await ok(sim_server, session, WEATHER, params)
    assert len(body) == 4 * 1440
    assert await ok(sim_server, session, WEATHER, params) == body
    for record in body:
        assert 0 <= record["windSpeed"] < 15
        assert 0 <= record["windDirection"] < 360
        assert -10 < record["temperature"] < 25
        assert 0.98 < record["pressure"] < 1.05
        assert 20 <= record["humidity"] <= 100
        assert 0 <= record["precipitation"] < 10
    assert any(r["windSpeed"] > 5 for r in body)
    assert any(r["precipitation"] > 0 for r in body)
    assert sum(r["precipitation"] > 0 for r in body) < len(body) / 4
    # Afternoons are warmer than the small hours.
    temperature = {r["time"]: r["temperature"] for r in body}
    assert temperature["2026-11-22T15:00:00Z"] > temperature["2026-11-22T04:00:00Z"]


async def test_weather_forced_by_the_test(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    simulator.update(
        ONLINE,
        features=["Weather"],
        weather_override={"windSpeed": 12.5, "precipitation": None},
    )
    params = span(ONLINE, NOW - timedelta(minutes=3), NOW)
    body = await ok(sim_server, session, WEATHER, params)
    assert [(r["windSpeed"], r["precipitation"]) for r in body] == [(12.5, None)] * 3
    assert all(r["temperature"] is not None for r in body)


# -- the answer's shape, faults, counters ---------------------------------


def first_record(laeq: float, words: str) -> Any:
    """Return the answer for one period, in the shape ``words`` describe."""
    time = "2026-11-24T08:50:00Z"
    answers = {
        "flat": [{"time": time, "instrument": ONLINE, "LAeq": laeq}],
        "list, wrap": {
            "measurements": [
                {
                    "time": time,
                    "instrument": ONLINE,
                    "values": [{"name": "LAeq", "value": laeq}],
                }
            ]
        },
        "object,pascal,wrap=data,period": {
            "Data": [
                {
                    "Time": time,
                    "Instrument": ONLINE,
                    "Values": {"LAeq": laeq},
                    "Period": "PT5M",
                }
            ]
        },
        "lower,list,wrap=Results": {
            "results": [
                {
                    "time": time,
                    "instrument": ONLINE,
                    "values": [{"name": "laeq", "value": laeq}],
                }
            ]
        },
        "lower": [{"time": time, "instrument": ONLINE, "laeq": laeq}],
        "unknown,wrap": {"noise": {ONLINE: {time: {"LAeq": laeq}}}},
    }
    return answers[words]


@pytest.mark.parametrize(
    "words",
    [
        "flat",
        "list, wrap",
        "object,pascal,wrap=data,period",
        "lower,list,wrap=Results",
        "lower",
        "unknown,wrap",
    ],
)
async def test_measurement_shapes(
    sim_server: TestServer, session: ClientSession, simulator: Simulator, words: str
) -> None:
    simulator.measurement_shape = MeasurementShape.parse(words)
    start = NOW - timedelta(minutes=10)
    params = span(ONLINE, start, start + timedelta(minutes=5), values="LAeq")
    laeq = period(Site.of(ONLINE), int(start.timestamp()), 300).values["LAeq"]
    assert await ok(sim_server, session, MEASUREMENTS, params) == first_record(
        laeq, words
    )


def test_shape_words() -> None:
    assert MeasurementShape.parse("") == MeasurementShape()
    assert MeasurementShape.parse("pascal, list ,period") == MeasurementShape(
        layout="list", case="pascal", period=True
    )
    with pytest.raises(ValueError, match="'nested'"):
        MeasurementShape.parse("flat,nested")
    assert Simulator(measurement_shape="object").measurement_shape.layout == "object"
    shape = MeasurementShape(wrap="records")
    assert Simulator(measurement_shape=shape).measurement_shape is shape
    assert [iso_duration(s) for s in (60, 300, 900, 3600, 5400, 86400, 90061)] == [
        "PT1M",
        "PT5M",
        "PT15M",
        "PT1H",
        "PT1H30M",
        "P1D",
        "P1DT1H1M1S",
    ]


async def test_faults_holds_and_counters_apply(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    params = span(ONLINE, NOW - timedelta(hours=1), NOW)
    simulator.add_fault("server_error", endpoint="weather", count=1)
    assert (await get(sim_server, session, WEATHER, params))[0] == 500
    simulator.add_fault("raw", endpoint="measurements", body="nothing", count=1)
    assert await get(sim_server, session, MEASUREMENTS, params) == (200, "nothing")
    release = simulator.hold(endpoint="events")
    held = asyncio.create_task(get(sim_server, session, EVENTS, params))
    await simulator.wait_until(lambda: simulator.requests["events"] == 1)
    assert not held.done()
    release.set()
    assert (await held)[0] == 200
    assert simulator.requests == {"weather": 1, "measurements": 1, "events": 1}
    async with session.get(sim_server.make_url("/_simulator/requests")) as response:
        counters = await response.json()
    assert counters["requests"] == {"weather": 1, "measurements": 1, "events": 1}


async def test_control_endpoint_sets_stored_data_settings(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    url = sim_server.make_url(f"/_simulator/instruments/{ONLINE}")
    body = {"measurement_period": 15, "event_trigger": None, "uploads_held": True}
    async with session.post(url, json=body) as response:
        assert response.status == 200
    instrument = simulator.instruments[ONLINE]
    assert (instrument.measurement_period, instrument.event_trigger) == (15, None)
    assert instrument.uploads_stopped is not None
    async with session.post(url, json={"uploads_stopped": None}) as response:
        assert response.status == 400


def test_demo_instruments_vary() -> None:
    simulator = Simulator(now=lambda: NOW)
    simulator.add_demo_instruments(5)
    instruments = list(simulator.instruments.values())
    assert [i.measurement_period for i in instruments] == [5, 1, 15, 5, 5]
    assert ["Weather" in i.features for i in instruments] == [
        True,
        False,
        False,
        False,
        True,
    ]
    simulator = Simulator(now=lambda: NOW)
    simulator.add_demo_instruments(3, measurement_period=5)
    assert {i.measurement_period for i in simulator.instruments.values()} == {5}


def test_command_line_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(
        ["--measurement-shape", "list,wrap=data,pascal", "--measurement-period", "15"]
    )
    simulator = build_simulator(args)
    assert simulator.measurement_shape == MeasurementShape(
        layout="list", wrap="data", case="pascal"
    )
    assert [i.measurement_period for i in simulator.instruments.values()] == [15] * 3
    simulator = build_simulator(parse_args([]))
    assert simulator.measurement_shape == MeasurementShape()
    assert [i.measurement_period for i in simulator.instruments.values()] == [5, 1, 15]
    with pytest.raises(SystemExit):
        parse_args(["--measurement-shape", "nested"])
    assert "Unknown measurement shape word 'nested'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--measurement-period", "7"])
