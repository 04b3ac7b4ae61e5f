"""The simulator's event audio, recordings and time histories, and the demo's events."""

from __future__ import annotations

from array import array
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import hashlib
import io
import json
import sys
from typing import Any
import wave

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
import pytest

from simulator import Simulator
from simulator.audio import (
    SAMPLE_RATE,
    encode,
    event_window,
    flac,
    time_history_values,
    wav,
)
from simulator.demo import EVENTS_AT, EVENTS_EVERY, FIRST_EVENT_AFTER, Demo
from simulator.events import event_record

from .conftest import API_KEY, NO_SIC, OFFLINE, ONLINE

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
START = NOW - timedelta(minutes=30)


@pytest.fixture
async def session(freezer: FrozenDateTimeFactory) -> AsyncGenerator[ClientSession]:
    freezer.move_to(NOW)
    async with ClientSession(headers={"X-Api-Key": API_KEY}) as client_session:
        yield client_session


async def get(
    sim_server: TestServer, session: ClientSession, path: str, **params: str
) -> tuple[int, bytes, str]:
    async with session.get(sim_server.make_url(path), params=params) as response:
        return response.status, await response.read(), response.content_type


# -- FLAC, read back by a decoder of its own ----------------------------------


def crc(data: bytes, bits: int, poly: int) -> int:
    """Return a CRC bit by bit (not by the simulator's tables)."""
    value = 0
    top = 1 << (bits - 1)
    for byte in data:
        value ^= byte << (bits - 8)
        for _ in range(8):
            value = ((value << 1) ^ poly) if value & top else value << 1
            value &= (1 << bits) - 1
    return value


def read_flac(data: bytes) -> tuple[dict[str, int], list[int]]:
    """Return a verbatim FLAC stream's STREAMINFO and its samples, checking CRCs."""
    assert data[:4] == b"fLaC"
    assert data[4] == 0x80  # the last metadata block, STREAMINFO
    assert int.from_bytes(data[5:8], "big") == 34
    info = data[8:42]
    packed = int.from_bytes(info[10:18], "big")
    stream = {
        "block": int.from_bytes(info[2:4], "big"),
        "rate": packed >> 44,
        "channels": ((packed >> 41) & 7) + 1,
        "bits": ((packed >> 36) & 31) + 1,
        "total": packed & ((1 << 36) - 1),
    }
    md5 = info[18:34]
    position = 42
    pcm: list[int] = []
    frame_number = 0
    while position < len(data):
        start = position
        assert data[position : position + 2] == b"\xff\xf8"
        size_code = data[position + 2] >> 4
        assert data[position + 2] & 0x0F == 4  # 8 kHz
        assert data[position + 3] == 0x08  # mono, 16 bits
        position += 4
        # The frame number, written as UTF-8 writes a code point.
        first = data[position]
        length = 1 if first < 0x80 else 8 - (first ^ 0xFF).bit_length()
        number = first & (0x7F >> (length - 1) if length > 1 else 0x7F)
        for byte in data[position + 1 : position + length]:
            number = (number << 6) | (byte & 0x3F)
        assert number == frame_number
        position += length
        if size_code == 12:
            size = 4096
        else:
            assert size_code == 7
            size = int.from_bytes(data[position : position + 2], "big") + 1
            position += 2
        assert crc(data[start:position], 8, 0x07) == data[position]
        position += 1
        assert data[position] == 0x02  # a verbatim subframe
        position += 1
        samples = array("h", data[position : position + 2 * size])
        if sys.byteorder == "little":
            samples.byteswap()
        pcm += samples.tolist()
        position += 2 * size
        assert crc(data[start:position], 16, 0x8005) == int.from_bytes(
            data[position : position + 2], "big"
        )
        position += 2
        frame_number += 1
    little = array("h", pcm)
    if sys.byteorder == "big":
        little.byteswap()
    assert hashlib.md5(little.tobytes(), usedforsecurity=False).digest() == md5
    return stream, pcm


def test_flac_holds_the_samples_of_the_wav() -> None:
    samples = array("h", [0, 1, -1, 32767, -32768] * 2000)  # several frames
    stream, decoded = read_flac(flac(samples))
    assert stream == {
        "block": 4096,
        "rate": SAMPLE_RATE,
        "channels": 1,
        "bits": 16,
        "total": len(samples),
    }
    assert decoded == samples.tolist()
    with wave.open(io.BytesIO(wav(samples))) as file:
        assert (file.getframerate(), file.getnchannels()) == (SAMPLE_RATE, 1)
        assert file.getnframes() == len(samples)
    # Many frames: numbers of two bytes and more.
    _, decoded = read_flac(flac(array("h", [7]) * (4096 * 130 + 5)))
    assert len(decoded) == 4096 * 130 + 5


def test_the_audio_is_shaped_like_the_event() -> None:
    record = event_record(
        ONLINE, start=START, end=START + timedelta(seconds=6), level=90
    )
    first, last, start, end = event_window(record)
    assert (start - first, last - end) == (timedelta(seconds=5), timedelta(seconds=5))
    levels = time_history_values(record)
    assert len(levels) == 16
    _, pcm = read_flac(flac_of(record))
    assert len(pcm) == 16 * SAMPLE_RATE
    # Loudest where the time history is: the middle of the event.
    loudness = [
        max(abs(s) for s in pcm[second * SAMPLE_RATE : (second + 1) * SAMPLE_RATE])
        for second in range(16)
    ]
    assert loudness.index(max(loudness)) in (levels.index(max(levels)), 7, 8)
    assert loudness[0] < max(loudness) / 10


def flac_of(record: dict[str, Any]) -> bytes:
    return encode(record, "FLAC")


# -- the endpoints ---------------------------------------------------------------


async def test_audio_endpoints(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    record = simulator.add_event(ONLINE, start=START, name="Horn")
    audio = f"/v1/data/events/audio/{record['audioId']}"
    status, body, content_type = await get(sim_server, session, audio)
    assert (status, content_type) == (200, "application/octet-stream")
    assert read_flac(body)[0]["total"] == 20 * SAMPLE_RATE
    status, body, _ = await get(sim_server, session, audio, format="wav")
    assert body[:4] == b"RIFF"
    for refused in ("AAC", "OGG", "MP3"):
        status, body, _ = await get(sim_server, session, audio, format=refused)
        assert status == 400, refused
    assert (await get(sim_server, session, "/v1/data/events/audio/nothing"))[0] == 404
    # A recording is the event's audio under the same id.
    status, listed, _ = await get(
        sim_server,
        session,
        "/v1/data/audio",
        instruments=ONLINE,
        start="2026-11-24T08:00:00Z",
        end="2026-11-24T09:00:00Z",
    )
    assert status == 200
    assert listed.count(b'"id"') >= 1
    assert b'"startTime":"2026-11-24T08:29:55"' in listed.replace(b" ", b"")
    same = await get(sim_server, session, f"/v1/data/audio/{record['audioId']}")
    assert same[1] == (await get(sim_server, session, audio))[1]
    history = f"/v1/data/events/timehistory/{record['timeHistoryId']}"
    status, body, content_type = await get(sim_server, session, history)
    assert (status, content_type) == (200, "application/json")
    assert b'"sampleDuration": 1000' in body or b'"sampleDuration":1000' in body
    assert (await get(sim_server, session, "/v1/data/events/timehistory/1"))[0] == 404


async def test_audio_is_refused_where_the_api_would(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    bay = simulator.add_event(NO_SIC, start=START, audio=True)
    audio = f"/v1/data/events/audio/{bay['audioId']}"
    assert (await get(sim_server, session, audio))[0] == 403  # no Audio add-on
    status, body, _ = await get(
        sim_server,
        session,
        "/v1/data/audio",
        instruments=f"{ONLINE},{NO_SIC}",
        start="2026-11-24T08:00:00Z",
        end="2026-11-24T09:00:00Z",
    )
    assert (status, b"QT100005" in body) == (403, True)
    # Another account's instrument.
    roof = simulator.add_event(OFFLINE, start=START)
    simulator.add_key(API_KEY, instruments={ONLINE})
    assert (await get(sim_server, session, f"/v1/data/events/audio/{roof['audioId']}"))[
        0
    ] == 403
    assert (
        await get(
            sim_server, session, f"/v1/data/events/timehistory/{roof['timeHistoryId']}"
        )
    )[0] == 403
    # The scopes: both for an event's audio.
    gate = simulator.add_event(ONLINE, start=START)
    simulator.add_key(API_KEY, scopes={"data.audio:read"})
    assert (await get(sim_server, session, f"/v1/data/events/audio/{gate['audioId']}"))[
        0
    ] == 403
    simulator.add_key(API_KEY, scopes={"data.audio:read", "data.events:read"})
    assert (await get(sim_server, session, f"/v1/data/events/audio/{gate['audioId']}"))[
        0
    ] == 200


async def test_computed_events_have_audio_only_with_the_add_on(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    for serial in (ONLINE, NO_SIC):
        simulator.instruments[serial].event_trigger = 20.0  # an event every period
    status, body, _ = await get(
        sim_server,
        session,
        "/v1/data/events",
        instruments=f"{ONLINE},{NO_SIC}",
        start="2026-11-24T06:00:00Z",
        end="2026-11-24T09:00:00Z",
    )
    assert status == 200
    events = json.loads(body)
    gate = [e for e in events if e["instrument"] == ONLINE]
    bay = [e for e in events if e["instrument"] == NO_SIC]
    assert any(e["audioId"] for e in gate)
    assert bay
    assert not any(e["audioId"] for e in bay)
    # Each answered event's audio and time history can be fetched.
    event = next(e for e in gate if e["audioId"])
    status, audio, _ = await get(
        sim_server, session, f"/v1/data/events/audio/{event['audioId']}"
    )
    assert (status, audio[:4]) == (200, b"fLaC")


async def test_a_huge_answer(
    sim_server: TestServer, session: ClientSession, simulator: Simulator
) -> None:
    record = simulator.add_event(ONLINE, start=START)
    simulator.add_fault("huge", endpoint="event_audio", size=1024 * 1024, count=1)
    status, body, _ = await get(
        sim_server, session, f"/v1/data/events/audio/{record['audioId']}"
    )
    assert status == 200
    assert body[:4] == b"fLaC"
    assert len(body) >= 1024 * 1024


# -- the demo ----------------------------------------------------------------------


def test_demo_instruments_have_the_audio_add_on_but_every_sixth() -> None:
    simulator = Simulator(now=lambda: NOW)
    simulator.add_demo_instruments(7)
    assert [i.has_audio for i in simulator.instruments.values()] == [
        True,
        True,
        True,
        True,
        True,
        False,
        True,
    ]
    info = simulator.instruments["QT100006"].info()
    assert info["subscription"]["addons"] == []


def test_the_demo_gives_each_instrument_a_first_event_at_once() -> None:
    clock = [NOW]
    simulator = Simulator(now=lambda: clock[0])
    simulator.add_demo_instruments(6)
    demo = Demo(simulator)
    demo.step()
    assert simulator.stored.added == {}
    # Home Assistant asks for the events of all six.
    serials = tuple(simulator.instruments)
    simulator.data_requests.append(("measurements", serials, NOW, NOW))
    simulator.data_requests.append(("events", serials, NOW - timedelta(hours=2), NOW))
    clock[0] += timedelta(seconds=20)
    demo.step()
    firsts = dict(simulator.stored.added)
    assert set(firsts) == set(serials)
    for index, serial in enumerate(serials):
        ((start, end, record),) = firsts[serial]
        assert (
            start
            == (clock[0] + FIRST_EVENT_AFTER + timedelta(seconds=2 * index)).timestamp()
        )
        assert end - start == 12
        # With audio where the instrument records it.
        assert (record["audioId"] is not None) is (index != 5)
        assert record["level"] > 80
    # Asked again: no second first event.
    simulator.data_requests.append(("events", serials, NOW, NOW))
    demo.step()
    assert all(len(added) == 1 for added in simulator.stored.added.values())
    # Then one an hour each of the first five, ten minutes apart.
    for _ in range(180):
        clock[0] += timedelta(seconds=20)
        demo.step()
    hourly = {
        serial: [
            round((datetime.fromtimestamp(start, UTC) - NOW).total_seconds() / 60)
            for start, _, _ in added[1:]
        ]
        for serial, added in simulator.stored.added.items()
    }
    assert hourly == {
        serial: (
            [int((EVENTS_AT + index * EVENTS_EVERY).total_seconds() / 60)]
            if index < 5
            else []
        )
        for index, serial in enumerate(serials)
    }
