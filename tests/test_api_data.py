"""The client's stored data calls: measurements, noise events and weather."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.mycirrus.api import (
    DEFAULT_MEASUREMENT_VALUES,
    MAX_DATA_SPAN,
    MEASUREMENT_VALUES,
    Measurement,
    MyCirrusBodyShapeError,
    MyCirrusClient,
    MyCirrusInvalidSerialError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusResponseError,
    NoiseEvent,
    WeatherRecord,
    canonical_value_name,
    parse_events,
    parse_measurements,
    parse_weather,
)
from custom_components.mycirrus.api._parse import as_duration, as_id
from simulator import Simulator
from simulator.periods import VALUE_NAMES
from simulator.shape import MeasurementShape

from .conftest import API_KEY, CALIBRATING, NO_SIC, OFFLINE, ONLINE
from .test_api import FakeResponse, FakeSession

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOUR_AGO = NOW - timedelta(hours=1)
FIVE = timedelta(minutes=5)
T0 = "2026-11-24T08:00:00Z"


def at(minute: int) -> str:
    return f"2026-11-24T08:{minute:02}:00Z"


@pytest.fixture
def clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Stop the simulator's clock (Home Assistant's) at NOW."""
    freezer.move_to(NOW)
    return freezer


def fake_client(body: bytes, status: int = 200) -> tuple[MyCirrusClient, FakeSession]:
    session = FakeSession(FakeResponse(status, body, {}))
    return MyCirrusClient(session, API_KEY), session  # type: ignore[arg-type]


# -- measurements against the simulator -----------------------------------


async def test_measurements(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    measurements = await client.measurements([ONLINE], HOUR_AGO, NOW)
    assert [m.start for m in measurements] == [HOUR_AGO + i * FIVE for i in range(12)]
    first = measurements[0]
    assert first.instrument == ONLINE
    assert first.period == FIVE
    assert set(first.values) == set(DEFAULT_MEASUREMENT_VALUES)
    assert all(isinstance(v, float) for v in first.values.values())
    assert simulator.requests == {"measurements": 1}
    assert client.request_counts == {"measurements": 1}


async def test_several_instruments_in_one_request(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.instruments[NO_SIC].measurement_period = 15
    measurements = await client.measurements(
        (s for s in (ONLINE, NO_SIC, ONLINE)), HOUR_AGO, NOW, values=["laf90"]
    )
    assert simulator.requests == {"measurements": 1}
    periods = {m.instrument: m.period for m in measurements}
    assert periods == {ONLINE: FIVE, NO_SIC: timedelta(minutes=15)}
    assert len(measurements) == 12 + 4
    assert {tuple(m.values) for m in measurements} == {("LAF90",)}


LAYOUTS = ["flat", "list", "object"]
CASES = ["camel", "pascal", "lower"]
WRAPS = [None, "measurements", "data", "RECORDS", "Items", "results"]


@pytest.mark.parametrize("wrap", WRAPS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("layout", LAYOUTS)
async def test_every_shape_gives_the_same_measurements(
    client: MyCirrusClient,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
    layout: Any,
    case: Any,
    wrap: str | None,
) -> None:
    values = ["LAeq", "LAF90", "LeqT1Max", "LCPeak"]  # LeqT1Max adds LeqT1Type
    serials = [ONLINE, CALIBRATING]
    expected = await client.measurements(serials, HOUR_AGO, NOW, values)
    simulator.measurement_shape = MeasurementShape(layout=layout, case=case, wrap=wrap)
    assert await client.measurements(serials, HOUR_AGO, NOW, values) == expected
    assert len(expected) == 24
    assert set(expected[0].values) == set(values)


async def test_period_from_the_records_field(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.measurement_shape = MeasurementShape.parse("list,period,pascal")
    (one,) = await client.measurements([ONLINE], NOW - FIVE, NOW)
    assert one.period == FIVE
    # Without the field, one record says nothing of its period.
    simulator.measurement_shape = MeasurementShape()
    (alone,) = await client.measurements([ONLINE], NOW - FIVE, NOW)
    assert alone.period is None
    assert alone.values == one.values


@pytest.mark.parametrize(
    ("body", "periods"),
    [
        # The most common gap; a tie goes to the smaller one.
        ([(ONLINE, m) for m in (0, 5, 10, 20, 25)], {ONLINE: FIVE}),
        ([(ONLINE, m) for m in (0, 10, 15)], {ONLINE: FIVE}),
        ([(ONLINE, m) for m in (15, 0, 15, 5)], {ONLINE: FIVE}),
        (
            [(ONLINE, 0), (NO_SIC, 0), (ONLINE, 1), (NO_SIC, 15), (ONLINE, 2)],
            {ONLINE: timedelta(minutes=1), NO_SIC: timedelta(minutes=15)},
        ),
        ([(ONLINE, 0), (NO_SIC, 5)], {ONLINE: None, NO_SIC: None}),
    ],
)
def test_period_from_the_spacing(
    body: list[tuple[str, int]], periods: dict[str, timedelta | None]
) -> None:
    records = [{"time": at(m), "instrument": s, "LAeq": 50} for s, m in body]
    measurements = parse_measurements(records)
    assert {m.instrument: m.period for m in measurements} == periods


@pytest.mark.parametrize(
    ("field", "period"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("pt1h", timedelta(hours=1)),
        (60, timedelta(minutes=1)),
        ("300", FIVE),
        ("P1D", timedelta(days=1)),
        ("soon", FIVE),  # not a duration: the spacing decides
        (0, FIVE),
    ],
)
def test_period_field_forms(field: Any, period: timedelta) -> None:
    records = [
        {"time": at(m), "instrument": ONLINE, "LAeq": 50, "Period": field}
        for m in (0, 5)
    ]
    assert {m.period for m in parse_measurements(records)} == {period}
    # The wrapping object may say it for all of them.
    wrapped = {"period": field, "data": [{**r, "Period": None} for r in records]}
    assert {m.period for m in parse_measurements(wrapped)} == {period}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PT5M", FIVE),
        ("PT1H30M", timedelta(minutes=90)),
        ("P1W", timedelta(days=7)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("PT1,5M", timedelta(seconds=90)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        (300.0, FIVE),
        ("P1Y", None),
        ("P1M", None),
        ("P", None),
        ("PT", None),
        ("P1DT", None),
        ("PT5", None),
        (" PT5M", None),
        ("", None),
        ("P0D", None),
        (-60, None),
        (True, None),
        (None, None),
        ("P99999999999D", None),
        (1e300, None),
    ],
)
def test_as_duration(value: Any, expected: timedelta | None) -> None:
    assert as_duration(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        ("ab-1", "ab-1"),
        ("", None),
        (True, None),
        (float("nan"), None),
        (None, None),
        ([1], None),
    ],
)
def test_as_id(value: Any, expected: str | None) -> None:
    assert as_id(value) == expected


def test_lenient_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {
        "Count": 9,
        "MEASUREMENTS": [
            {
                "TIME": "2026-11-24T08:00:00+01:00",
                "SerialNumber": ONLINE,
                "laeq": "55.1",
                "LAFmax": 70,
                "LCPeak": "loud",
                "LAFMin": 40.0,
                "LeqT1Type": "LAeq,1s",
            },
            {
                "time": T0,
                "serial": NO_SIC,
                "Values": [
                    {"Name": "LAeq", "Value": 50.5},
                    {"type": "lzeq", "value": 61},
                    {"name": "Lden", "value": 52},
                    {"name": 5, "value": 1},
                    {"name": "LCPeak", "value": float("inf")},
                    "junk",
                ],
            },
            {"time": T0, "instrument": CALIBRATING, "values": {"LAF90": 41, "x": 1}},
            {"time": T0, "instrument": OFFLINE, "LAeq": None},  # no value
            {"time": T0, "instrument": OFFLINE, "values": []},  # no value
            {"instrument": OFFLINE, "LAeq": 50},  # no time
            {"time": "yesterday", "instrument": OFFLINE, "LAeq": 50},
            {"time": T0, "LAeq": 50},  # no instrument
            "junk",
            None,
            {},
        ],
    }
    measurements = parse_measurements(body)
    assert measurements == [
        Measurement(
            instrument=ONLINE,
            start=datetime(2026, 11, 24, 7, tzinfo=UTC),
            period=None,
            values={"LAeq": 55.1, "LAFMax": 70.0},
        ),
        Measurement(
            instrument=NO_SIC,
            start=datetime(2026, 11, 24, 8, tzinfo=UTC),
            period=None,
            values={"LAeq": 50.5, "LZeq": 61.0},
        ),
        Measurement(
            instrument=CALIBRATING,
            start=datetime(2026, 11, 24, 8, tzinfo=UTC),
            period=None,
            values={"LAF90": 41.0},
        ),
    ]
    assert "Left out 6 of the measurements records" in caplog.text


def test_canonical_value_names() -> None:
    assert canonical_value_name("LAFmax") == "LAFMax"
    assert canonical_value_name("laeq") == "LAeq"
    assert canonical_value_name("LEQT2MAX") == "LeqT2Max"
    assert canonical_value_name("Lden") is None
    assert canonical_value_name(5) is None  # type: ignore[arg-type]
    assert len(set(MEASUREMENT_VALUES)) == len(MEASUREMENT_VALUES) == 28
    assert set(DEFAULT_MEASUREMENT_VALUES) <= set(MEASUREMENT_VALUES)
    # The simulator serves exactly the documented names.
    assert VALUE_NAMES == MEASUREMENT_VALUES


def test_models_are_frozen_and_keyword_only() -> None:
    measurement = Measurement(instrument=ONLINE, start=NOW, period=None, values={})
    with pytest.raises(AttributeError):
        measurement.period = FIVE  # type: ignore[misc]
    with pytest.raises(TypeError):
        Measurement(ONLINE, NOW, None, {})  # type: ignore[misc]


# -- bodies in no known shape ---------------------------------------------


UNKNOWN_BODIES = [
    "text",
    42,
    None,
    {"noise": {ONLINE: {T0: {"LAeq": 50}}}},
    {"measurements": "none", "data": 5},
    {"data": {"nothing": []}},
    {"data": {"data": {"data": {"data": {"data": []}}}}},  # wrapped beyond reason
    ["junk", 1, True],
    [{"foo": 1}, {"time": T0}],
    [{"time": T0, "instrument": ONLINE, "noise": {"LAeq": 50}}],
]
EMPTY_BODIES = [[], [None, {}, [], ""], {"data": []}, {"Results": [None]}]
CALLS = ["measurements", "events", "weather"]


@pytest.mark.parametrize("body", UNKNOWN_BODIES)
@pytest.mark.parametrize("call", CALLS)
async def test_unknown_shapes_raise(
    client: MyCirrusClient,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
    call: str,
    body: Any,
) -> None:
    simulator.add_fault("raw", endpoint=call, body=body)
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        await getattr(client, call)([ONLINE], HOUR_AGO, NOW)
    assert isinstance(raised.value, MyCirrusResponseError)
    assert raised.value.excerpt == ("" if body is None else json.dumps(body))[:200]
    assert call in str(raised.value)


@pytest.mark.parametrize("body", EMPTY_BODIES)
@pytest.mark.parametrize("call", CALLS)
async def test_empty_answers(
    client: MyCirrusClient,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
    call: str,
    body: Any,
) -> None:
    simulator.add_fault("raw", endpoint=call, body=body)
    assert await getattr(client, call)([ONLINE], HOUR_AGO, NOW) == []


async def test_the_simulators_unknown_shape(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.measurement_shape = MeasurementShape(unknown=True)
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        await client.measurements([ONLINE, NO_SIC], NOW - timedelta(days=1), NOW)
    excerpt = raised.value.excerpt
    assert len(excerpt) == 200
    assert excerpt.startswith('{"noise":{"QT100001":{"2026-11-23T09:00:00Z":{"LAeq":')


async def test_the_excerpt_never_shows_the_key() -> None:
    body = json.dumps({"echo": f"key {API_KEY}", "pad": "x" * 300}).encode()
    client, _ = fake_client(body)
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        await client.measurements([ONLINE], HOUR_AGO, NOW)
    excerpt = raised.value.excerpt
    assert API_KEY not in excerpt
    assert excerpt.startswith('{"echo": "key ***", "pad": "xxx')
    assert len(excerpt) == 200
    for text in (str(raised.value), repr(raised.value), repr(client)):
        assert API_KEY not in text


async def test_no_part_of_the_key_shows_where_the_excerpt_ends() -> None:
    # The second copy straddles the 200th character of the body as received.
    first = f'{{"echo": "{API_KEY}", "pad": "'
    pad = "x" * (190 - len(first))
    body = f'{first}{pad}", "again": "{API_KEY}"}}'.encode()
    client, _ = fake_client(body)
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        await client.measurements([ONLINE], HOUR_AGO, NOW)
    excerpt = raised.value.excerpt
    assert len(excerpt) <= 200
    assert excerpt.endswith('"again": "***"}')
    assert API_KEY[:6] not in excerpt


async def test_the_excerpt_of_a_client_without_a_key() -> None:
    session = FakeSession(FakeResponse(200, b'{"a": 1}', {}))
    client = MyCirrusClient(session, "")  # type: ignore[arg-type]
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        await client.events([ONLINE], HOUR_AGO, NOW)
    assert raised.value.excerpt == '{"a": 1}'


def test_parsers_make_their_own_excerpt() -> None:
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        parse_weather({"weather": {"a": 1}, "n": 2})
    assert raised.value.excerpt == '{"weather": {"a": 1}, "n": 2}'
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(MyCirrusBodyShapeError) as raised:
        parse_events(cycle)
    assert raised.value.excerpt == "<class 'list'>"


# -- what is sent ----------------------------------------------------------


async def test_windows_of_at_most_31_days() -> None:
    client, session = fake_client(b"[]")
    start = datetime(2026, 10, 1, 6, 30, tzinfo=timezone(timedelta(hours=2)))
    end = start + timedelta(days=40)
    await client.measurements(["QT1", "QT2"], start, end, values=["lafmax", "LAeq"])
    assert [sent["params"] for sent in session.sent] == [
        {
            "instruments": "QT1,QT2",
            "start": "2026-10-01T04:30:00Z",
            "end": "2026-11-01T04:30:00Z",
            "values": "LAFMax,LAeq",
        },
        {
            "instruments": "QT1,QT2",
            "start": "2026-11-01T04:30:00Z",
            "end": "2026-11-10T04:30:00Z",
            "values": "LAFMax,LAeq",
        },
    ]
    assert {s["url"] for s in session.sent} == {
        "https://api.mycirrus.cloud/v1/data/noise/measurements"
    }
    assert timedelta(days=31) == MAX_DATA_SPAN
    # Naive times are UTC; exactly 31 days is one request.
    session.sent.clear()
    await client.events(["QT1"], datetime(2026, 1, 1), datetime(2026, 2, 1))
    await client.weather(["QT1"], datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 1))
    assert [(s["url"][-7:], s["params"]) for s in session.sent] == [
        (
            "/events",
            {
                "instruments": "QT1",
                "start": "2026-01-01T00:00:00Z",
                "end": "2026-02-01T00:00:00Z",
            },
        ),
        (
            "weather",
            {
                "instruments": "QT1",
                "start": "2026-01-01T00:00:00Z",
                "end": "2026-01-01T00:01:00Z",
            },
        ),
    ]


async def test_forty_days_from_the_simulator(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    start = NOW - timedelta(days=40)
    measurements = await client.measurements([ONLINE, NO_SIC], start, NOW)
    assert simulator.requests == {"measurements": 2}
    assert len(measurements) == 2 * 40 * 288
    # Window by window, each instrument's periods in order.
    boundary = start + MAX_DATA_SPAN
    firsts = [m.start < boundary for m in measurements]
    assert firsts == sorted(firsts, reverse=True)
    assert len({(m.instrument, m.start) for m in measurements}) == len(measurements)


async def test_a_record_on_a_window_boundary_is_kept_once() -> None:
    record = {"time": T0, "instrument": "QT1", "LAeq": 50}
    client, session = fake_client(json.dumps([record]).encode())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    measurements = await client.measurements(["QT1"], start, start + 2 * MAX_DATA_SPAN)
    assert len(session.sent) == 2
    assert len(measurements) == 1


async def test_nothing_to_ask_sends_nothing(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    for call in (client.measurements, client.events, client.weather):
        assert await call([], HOUR_AGO, NOW) == []
        assert await call([ONLINE], NOW, NOW) == []
        with pytest.raises(ValueError, match="before its start"):
            await call([ONLINE], NOW, HOUR_AGO)
        with pytest.raises(MyCirrusInvalidSerialError):
            await call([ONLINE, "QT 1"], HOUR_AGO, NOW)
    with pytest.raises(ValueError, match="'Lden' is not"):
        await client.measurements([ONLINE], HOUR_AGO, NOW, values=["LAeq", "Lden"])
    with pytest.raises(ValueError, match="at least one value"):
        await client.measurements([ONLINE], HOUR_AGO, NOW, values=[])
    assert sum(simulator.requests.values()) == 0
    assert sum(client.request_counts.values()) == 0


# -- refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "scope"),
    [
        ("measurements", "data.noise:read"),
        ("events", "data.events:read"),
        ("weather", "data.enviro:read"),
    ],
)
async def test_a_missing_scope_is_a_permission_error(
    client: MyCirrusClient,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
    call: str,
    scope: str,
) -> None:
    simulator.add_key(API_KEY, scopes={"instruments:read", "data.system:read"})
    with pytest.raises(MyCirrusPermissionError) as raised:
        await getattr(client, call)([ONLINE], HOUR_AGO, NOW)
    assert raised.value.code == "AccessDenied"
    simulator.add_key(API_KEY, scopes={scope})
    assert isinstance(await getattr(client, call)([ONLINE], HOUR_AGO, NOW), list)


@pytest.mark.parametrize("call", CALLS)
async def test_unknown_and_other_accounts_instruments(
    client: MyCirrusClient,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
    call: str,
) -> None:
    with pytest.raises(MyCirrusNotFoundError) as missing:
        await getattr(client, call)([ONLINE, "QT999999"], HOUR_AGO, NOW)
    assert missing.value.code == "NotFound"
    simulator.key_instruments[API_KEY] = {ONLINE}
    with pytest.raises(MyCirrusPermissionError):
        await getattr(client, call)([ONLINE, NO_SIC], HOUR_AGO, NOW)


async def test_a_range_the_api_refuses(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    simulator.add_fault(
        "raw", status=400, body={"error": "InvalidRange", "description": "too long"}
    )
    with pytest.raises(MyCirrusResponseError) as raised:
        await client.weather([ONLINE], HOUR_AGO, NOW)
    assert (raised.value.code, raised.value.description) == ("InvalidRange", "too long")


@pytest.mark.parametrize("status", [200, 500])
async def test_json_nested_beyond_reason(status: int) -> None:
    client, _ = fake_client(b"[" * 100_000, status)
    with pytest.raises(MyCirrusResponseError) as raised:
        await client.measurements([ONLINE], HOUR_AGO, NOW)
    assert f"HTTP {status}" in str(raised.value)
    assert raised.value.code is None
    with pytest.raises(MyCirrusResponseError):
        await client.instruments()


# -- events and weather -------------------------------------------------------


async def test_events(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.instruments[ONLINE].event_trigger = 20.0  # one in every period
    simulator.instruments[NO_SIC].event_trigger = None  # only the one added
    added = simulator.add_event(
        NO_SIC, start=NOW - timedelta(minutes=30), level=99.5, audio=False
    )
    events = await client.events([ONLINE, NO_SIC], HOUR_AGO, NOW)
    assert simulator.requests == {"events": 1}
    ours = [e for e in events if e.instrument == ONLINE]
    assert len(ours) == 12
    for event in ours:
        assert event.type == "Level"
        assert event.name == "LAFMax over 20 dB"
        assert event.end is not None
        assert event.duration == (event.end - event.start).total_seconds()
        assert 1 <= event.duration <= 15
        assert event.level is not None
        assert event.time_history_id is not None
        assert event.time_history_id.isdigit()  # sent as a number
        assert event.has_audio is (event.audio_id is not None)
    manual = next(e for e in events if e.instrument == NO_SIC)
    assert manual == NoiseEvent(
        instrument=NO_SIC,
        start=NOW - timedelta(minutes=30),
        end=NOW - timedelta(minutes=29, seconds=50),
        type="Level",
        name="LAFMax over 80 dB",
        level=99.5,
        audio_time=None,
        time_history_id=str(added["timeHistoryId"]),
        audio_id=None,
    )
    assert not manual.has_audio
    # The same events every time.
    assert await client.events([ONLINE, NO_SIC], HOUR_AGO, NOW) == events


def test_lenient_events() -> None:
    events = parse_events(
        {
            "Events": [
                {
                    "StartTime": T0,
                    "EndTime": "2026-11-24T07:59:00Z",  # before the start
                    "Instrument": ONLINE,
                    "TimeHistoryId": 12.0,
                    "AudioId": 77,
                    "Level": "88.5",
                    "Type": "",
                },
                {"start": T0, "end": at(1), "serialNumber": ONLINE, "audioTime": T0},
                {"startTime": T0},  # no instrument
                {"instrument": ONLINE},  # no start
                "junk",
            ]
        }
    )
    first, second = events
    assert first.end is None
    assert first.duration is None
    assert (first.time_history_id, first.audio_id) == ("12", "77")
    assert (first.level, first.type, first.name) == (88.5, None, None)
    assert first.has_audio
    assert second.duration == 60.0
    assert second.audio_id is None
    assert second.has_audio


async def test_weather(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.update(
        ONLINE, features=["Weather"], weather_override={"precipitation": None}
    )
    records = await client.weather([ONLINE, NO_SIC], HOUR_AGO, NOW)
    assert simulator.requests == {"weather": 1}
    assert [r.time for r in records] == [
        HOUR_AGO + timedelta(minutes=m) for m in range(60)
    ]
    assert {r.instrument for r in records} == {ONLINE}
    for record in records:
        assert record.wind_speed is not None
        assert record.wind_direction is not None
        assert record.temperature is not None
        assert record.pressure is not None
        assert 0.9 < record.pressure < 1.1
        assert record.humidity is not None
        assert record.precipitation is None
    assert await client.weather([ONLINE], HOUR_AGO, NOW) == records


def test_lenient_weather(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    records = parse_weather(
        [
            {"Time": T0, "Serial": ONLINE, "WindSpeed": "6.5", "Pressure": True},
            {"time": T0, "instrument": ONLINE, "humidity": None},  # nothing
            {"time": T0, "instrument": ONLINE, "colour": "blue"},  # not weather
            None,
        ]
    )
    assert records == [
        WeatherRecord(
            instrument=ONLINE,
            time=datetime(2026, 11, 24, 8, tzinfo=UTC),
            wind_speed=6.5,
            wind_direction=None,
            temperature=None,
            pressure=None,
            humidity=None,
            precipitation=None,
        )
    ]
    assert "Left out 2 of the weather records" in caplog.text


# -- late uploads ---------------------------------------------------------------


async def test_late_uploads_reach_the_client(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.update(ONLINE, online=False)
    clock.tick(timedelta(hours=1))
    measurements = await client.measurements([ONLINE], HOUR_AGO, NOW + FIVE * 12)
    assert measurements[-1].start == NOW - FIVE
    simulator.update(ONLINE, online=True)
    measurements = await client.measurements([ONLINE], HOUR_AGO, NOW + FIVE * 12)
    assert measurements[-1].start == NOW + FIVE * 11
    assert len(measurements) == 24
