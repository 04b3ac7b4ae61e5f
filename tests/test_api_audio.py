"""The client's audio and time history calls, and their parsers."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import math
from types import SimpleNamespace
from typing import Any

from aiohttp import ClientSession, TraceConfig, TraceRequestStartParams
from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.mycirrus.api import (
    AudioFormat,
    MyCirrusAudioTooLargeError,
    MyCirrusBodyShapeError,
    MyCirrusClient,
    MyCirrusNotAudioError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    Recording,
    TimeHistory,
    TimeHistoryBlock,
    parse_recordings,
    parse_time_history,
    preferred_history,
    sniff_audio,
)
from simulator import Simulator

from .conftest import API_KEY, NO_SIC, ONLINE

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
START = NOW - timedelta(minutes=20)


@pytest.fixture
def clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Stop the simulator's clock (Home Assistant's) at NOW."""
    freezer.move_to(NOW)
    return freezer


@pytest.fixture
def urls() -> list[str]:
    """Collect the URL of every request the traced client sends."""
    return []


@pytest.fixture
async def traced(api_url: str, urls: list[str]) -> AsyncGenerator[MyCirrusClient]:
    """Return a client of the simulator whose requests' URLs are collected."""

    async def started(
        _session: ClientSession,
        _context: SimpleNamespace,
        params: TraceRequestStartParams,
    ) -> None:
        urls.append(str(params.url))

    trace = TraceConfig()
    trace.on_request_start.append(started)
    async with ClientSession(trace_configs=[trace]) as session:
        yield MyCirrusClient(session, API_KEY, base_url=api_url, request_timeout=2)


async def listed(client: MyCirrusClient, simulator: Simulator) -> dict[str, Any]:
    """Add an event of the site gate with audio, list it; return its record."""
    record = simulator.add_event(ONLINE, start=START, level=91.5, name="Horn")
    (event,) = [
        e
        for e in await client.events([ONLINE], START - timedelta(minutes=1), NOW)
        if e.start == START
    ]
    assert event.audio_id == record["audioId"]
    return record


# -- against the simulator ------------------------------------------------------


async def test_event_audio_and_time_history(
    traced: MyCirrusClient,
    simulator: Simulator,
    clock: FrozenDateTimeFactory,
    urls: list[str],
) -> None:
    record = await listed(traced, simulator)
    clip = await traced.event_audio(record["audioId"])
    assert clip.content_type == "audio/flac"
    assert clip.data.startswith(b"fLaC")
    wav = await traced.event_audio(record["audioId"], audio_format=AudioFormat.WAV)
    assert wav.content_type == "audio/wav"
    # The same sound: 16-bit samples at 8 kHz, 5 s either side of the event.
    assert len(wav.data) - 44 == 2 * 8000 * 20
    (history,) = await traced.event_time_history(str(record["timeHistoryId"]))
    assert (history.instrument, history.type) == (ONLINE, "LAeq")
    (block,) = history.blocks
    assert block.sample_duration == timedelta(seconds=1)
    assert block.start == START - timedelta(seconds=5)
    assert block.moments()[5] == START
    values = [v for v in block.values if v is not None]
    assert len(values) == 20
    # Consistent with the event: its loudest second under its level (LAFMax),
    # its seconds' energy that of its LAeq.
    assert max(values) <= record["level"]
    inside = values[5:15]
    laeq = 10 * math.log10(sum(10 ** (v / 10) for v in inside) / len(inside))
    overall = next(v["value"] for v in record["overall"] if v["name"] == "LAeq")
    assert laeq == pytest.approx(overall, abs=0.1)
    assert traced.request_counts == {
        "events": 1,
        "event_audio": 2,
        "event_time_history": 1,
    }
    # The key travels in a header, never in a URL.
    assert urls
    assert not [url for url in urls if API_KEY in url]
    assert simulator.seen_keys[API_KEY] == 4


async def test_recordings(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    record = await listed(client, simulator)
    recordings = await client.recordings([ONLINE], START - timedelta(minutes=1), NOW)
    (recording,) = [r for r in recordings if r.trigger_start == START]
    assert recording == Recording(
        id=record["audioId"],
        instrument=ONLINE,
        start=START - timedelta(seconds=5),  # written without a zone: UTC
        end=START + timedelta(seconds=15),
        trigger_name="Horn",
        trigger_start=START,
        trigger_end=START + timedelta(seconds=10),
    )
    clip = await client.recording_audio(recording.id)
    assert clip.data == (await client.event_audio(record["audioId"])).data


async def test_audio_refused(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    # An id MyCirrus does not know (missing, or expired).
    with pytest.raises(MyCirrusNotFoundError):
        await client.event_audio("QT100001-00000000")
    with pytest.raises(MyCirrusNotFoundError):
        await client.event_time_history("12345")
    # An instrument without the Audio add-on.
    record = simulator.add_event(NO_SIC, start=START, audio=True)
    with pytest.raises(MyCirrusPermissionError):
        await client.event_audio(record["audioId"])
    with pytest.raises(MyCirrusPermissionError):
        await client.recordings([NO_SIC], START, NOW)
    # Its time history needs no add-on.
    assert await client.event_time_history(str(record["timeHistoryId"]))


async def test_audio_needs_its_scopes(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    record = await listed(client, simulator)
    simulator.add_key(API_KEY, scopes={"instruments:read", "data.events:read"})
    with pytest.raises(MyCirrusPermissionError):
        await client.event_audio(record["audioId"])
    with pytest.raises(MyCirrusPermissionError):
        await client.recordings([ONLINE], START, NOW)
    simulator.add_key(API_KEY, scopes={"instruments:read", "data.audio:read"})
    with pytest.raises(MyCirrusPermissionError):
        await client.event_audio(record["audioId"])  # needs data.events:read too
    assert await client.recordings([ONLINE], START, NOW)


async def test_a_body_that_is_not_audio(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    record = await listed(client, simulator)
    simulator.add_fault("not_json", endpoint="event_audio", count=1)
    with pytest.raises(MyCirrusNotAudioError) as caught:
        await client.event_audio(record["audioId"])
    assert caught.value.excerpt.startswith("<html>")
    simulator.add_fault("raw", endpoint="event_audio", body={"key": API_KEY}, count=1)
    with pytest.raises(MyCirrusNotAudioError) as caught:
        await client.event_audio(record["audioId"])
    assert API_KEY not in caught.value.excerpt
    assert "***" in caught.value.excerpt


async def test_audio_longer_than_the_limit(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    record = await listed(client, simulator)
    # Announced: refused before a byte of it is read.
    with pytest.raises(MyCirrusAudioTooLargeError) as caught:
        await client.event_audio(record["audioId"], max_bytes=1000)
    assert caught.value.limit == 1000
    # Streamed without a length: reading stops past the limit.
    simulator.add_fault("huge", endpoint="event_audio", size=4 * 1024 * 1024)
    with pytest.raises(MyCirrusAudioTooLargeError):
        await client.event_audio(record["audioId"], max_bytes=1024 * 1024)
    simulator.clear_faults()
    assert (await client.event_audio(record["audioId"])).data.startswith(b"fLaC")


async def test_a_time_history_in_no_known_shape(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    simulator.add_fault(
        "raw", endpoint="event_time_history", body={"history": "none"}, count=1
    )
    with pytest.raises(MyCirrusBodyShapeError) as caught:
        await client.event_time_history("4711")
    assert "history" in caught.value.excerpt


async def test_ids_are_sent_as_one_path_segment(
    client: MyCirrusClient, simulator: Simulator, clock: FrozenDateTimeFactory
) -> None:
    with pytest.raises(MyCirrusNotFoundError):
        await client.event_audio("../../control/instruments")
    assert simulator.requests == {"event_audio": 1}
    with pytest.raises(ValueError, match="empty"):
        await client.event_time_history("")


# -- parsers --------------------------------------------------------------------

BLOCK = {"start": "2026-11-24T08:00:00Z", "sampleDuration": 1000, "values": [50, 51]}


@pytest.mark.parametrize(
    "body",
    [
        [{"instrument": ONLINE, "type": "LAeq", "blocks": [BLOCK]}],
        {"instrument": ONLINE, "type": "LAeq", "blocks": [BLOCK]},
        {"timeHistory": [{"Instrument": ONLINE, "Type": "LAeq", "Blocks": [BLOCK]}]},
        {"data": [{"instrument": ONLINE, "name": "LAeq", "blocks": [BLOCK, "junk"]}]},
    ],
)
def test_time_history_shapes(body: Any) -> None:
    (history,) = parse_time_history(body)
    assert history == TimeHistory(
        instrument=ONLINE,
        type="LAeq",
        blocks=(
            TimeHistoryBlock(
                start=datetime(2026, 11, 24, 8, tzinfo=UTC),
                end=None,
                sample_duration=timedelta(seconds=1),
                values=(50.0, 51.0),
            ),
        ),
    )


def test_lenient_time_history() -> None:
    histories = parse_time_history(
        [
            {
                "type": "LAFMax",
                "blocks": [
                    {
                        "Start": "2026-11-24T08:00:10Z",
                        "End": "2026-11-24T08:00:00Z",  # before its start
                        "SampleDuration": "100",
                        "Values": [60.5, None, "x", 61],
                    },
                    {**BLOCK, "end": "2026-11-24T08:00:02Z"},
                    {**BLOCK, "sampleDuration": 0},  # no length
                    {**BLOCK, "sampleDuration": 1e300},  # beyond any clock
                    {**BLOCK, "values": "50,51"},
                ],
            },
            {"type": "LAeq", "blocks": [BLOCK]},
            {"type": "LCPeak", "blocks": "none"},
        ]
    )
    first, laeq = histories
    assert first.instrument is None
    assert [b.start.second for b in first.blocks] == [0, 10]  # in time order
    assert first.blocks[0].end == datetime(2026, 11, 24, 8, 0, 2, tzinfo=UTC)
    late = first.blocks[1]
    assert late.end is None
    assert late.sample_duration == timedelta(milliseconds=100)
    assert late.values == (60.5, None, None, 61.0)
    assert late.moments()[3] == late.start + timedelta(milliseconds=300)
    assert preferred_history(histories) is laeq
    assert preferred_history([first]) is first
    assert preferred_history([]) is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"history": "none"},
        [{"type": "LAeq", "blocks": []}],
        [{"type": "LAeq", "blocks": [{"values": [1]}]}],
        ["junk"],
        "text",
        None,
    ],
)
def test_time_history_in_no_known_shape(body: Any) -> None:
    with pytest.raises(MyCirrusBodyShapeError):
        parse_time_history(body, text=str(body))


def test_recordings_leniently() -> None:
    recordings = parse_recordings(
        {
            "Recordings": [
                {
                    "Id": 17,
                    "StartTime": "2026-11-24T08:00:00",
                    "EndTime": "2026-11-24T07:00:00",
                    "Instrument": ONLINE,
                },
                {"id": "a", "startTime": "2026-11-24T08:00:00"},  # no instrument
                {},
            ]
        }
    )
    assert recordings == [
        Recording(
            id="17",
            instrument=ONLINE,
            start=datetime(2026, 11, 24, 8, tzinfo=UTC),
            end=None,
            trigger_name=None,
            trigger_start=None,
            trigger_end=None,
        )
    ]
    with pytest.raises(MyCirrusBodyShapeError):
        parse_recordings([{"id": "a"}])


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        (b"\xff\xf1\x50\x80", "audio/aac"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x00", "audio/mpeg"),
        (b"<html>", None),
        (b'{"error": 1}', None),
        (b"", None),
        (b"\xff", None),
    ],
)
def test_sniff_audio(head: bytes, content_type: str | None) -> None:
    assert sniff_audio(head) == content_type
