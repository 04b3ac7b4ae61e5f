"""The parts of event audio and pictures, one at a time: cache, ids, drawing, access."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import io
import logging

from freezegun.api import FrozenDateTimeFactory
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.mycirrus.api import NoiseEvent, TimeHistory, TimeHistoryBlock
from custom_components.mycirrus.drawing import EventPicture, draw_event
from custom_components.mycirrus.hub.media import AudioRef, parse_identifier
from custom_components.mycirrus.hub.media.cache import LruCache
from custom_components.mycirrus.hub.media.ids import decode_id, encode_id
from custom_components.mycirrus.image import (
    event_from_dict,
    event_picture,
    event_to_dict,
)
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant
from simulator import Simulator
from simulator.audio import event_laeq

from .conftest import API_KEY, ONLINE, SetUp, instrument_subentry
from .helpers import async_advance, async_settle
from .media_helpers import (
    IMAGE,
    NOW,
    async_fire_event,
    async_set_up_media,
    at_now,
    only_added_events,
)
from .test_event_image import picture

# Autouse fixtures, for this module's tests.
__all__ = ["at_now", "only_added_events"]

START = datetime(2026, 11, 24, 8, tzinfo=UTC)


# -- the cache -------------------------------------------------------------------


async def test_the_cache_keeps_what_was_used_last_within_its_capacity() -> None:
    cache: LruCache[str, bytes] = LruCache(10, len)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # now the last used
    cache.put("c", b"1234")  # b goes
    assert (cache.get("b"), len(cache), cache.total) == (None, 2, 8)
    cache.put("a", b"12")  # replaced, not added
    assert cache.total == 6
    cache.put("huge", b"x" * 11)  # more than all of it: not kept
    assert cache.get("huge") is None
    assert cache.get("c") == b"1234"
    cache.clear()
    assert (len(cache), cache.total) == (0, 0)


async def test_the_cache_fetches_once_and_keeps_no_failure() -> None:
    cache: LruCache[str, bytes] = LruCache(100, len)
    release = asyncio.Event()
    fetched: list[str] = []

    async def fetch() -> bytes:
        fetched.append("x")
        await release.wait()
        return b"clip"

    first = asyncio.create_task(cache.async_get("k", fetch))
    second = asyncio.create_task(cache.async_get("k", fetch))
    await asyncio.sleep(0)
    release.set()
    assert await first == await second == b"clip"
    assert fetched == ["x"]

    async def fail() -> bytes:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        await cache.async_get("other", fail)
    assert await cache.async_get("other", fetch) == b"clip"
    assert fetched == ["x", "x"]


# -- ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier", ["QT100001-1a2b", "4711", "a/b c", "ü", "..", "-x", "~x", "x" * 300]
)
def test_ids_round_trip(identifier: str) -> None:
    token = encode_id(identifier)
    assert "/" not in token
    assert token not in (".", "..")
    assert decode_id(token) == identifier
    ref = AudioRef(ONLINE, "event", identifier)
    target = parse_identifier(ref.identifier)
    assert target is not None
    assert target.ref == ref
    assert ref.media_content_id == f"media-source://mycirrus/{ref.identifier}"
    assert ref.path == f"/api/mycirrus/audio/{ONLINE}/event/{token}"


@pytest.mark.parametrize("token", ["~!!", "~", "~_w", "a b", ".x"])
def test_tokens_that_name_nothing(token: str) -> None:
    assert decode_id(token) is None
    assert AudioRef.from_parts(ONLINE, "event", token) is None


def test_identifiers() -> None:
    assert parse_identifier("") == parse_identifier("")  # the root
    root = parse_identifier("")
    assert root is not None
    assert (root.serial, root.folder, root.ref) == (None, None, None)
    folder = parse_identifier(f"{ONLINE}/recordings")
    assert folder is not None
    assert (folder.serial, folder.folder) == (ONLINE, "recordings")
    for wrong in (f"{ONLINE}/films", "QT 1", f"{ONLINE}/event/a/b", f"{ONLINE}/x/1"):
        assert parse_identifier(wrong) is None, wrong


# -- drawing --------------------------------------------------------------------------


def test_drawing_edge_cases() -> None:
    """One point, a moment without a span, a long history: each is drawn."""
    alone = draw_event(
        EventPicture(heading="h", points=[(START, 60.0)], level=None, span=None)
    )
    assert Image.open(io.BytesIO(alone)).size == (800, 450)
    long_history = [
        (START + timedelta(seconds=i), 50.0 + (i % 7)) for i in range(0, 80_000, 8)
    ]
    drawn = draw_event(
        EventPicture(
            heading="h",
            points=long_history,
            level=140.0,
            span=(START, START + timedelta(hours=3)),
        )
    )
    assert drawn.startswith(b"\x89PNG")
    # A message too long for one line wraps; no message is no text.
    assert draw_event(EventPicture(heading="h", message="word " * 60))
    assert draw_event(EventPicture(heading="h"))


def test_a_restored_event() -> None:
    event = NoiseEvent(
        instrument=ONLINE,
        start=START,
        end=None,
        type=None,
        name="Horn",
        level=91,
        audio_time=START - timedelta(seconds=5),
        time_history_id="17",
        audio_id=None,
    )
    assert event_from_dict(event_to_dict(event)) == event
    assert event_from_dict({"start": "nonsense", "instrument": ONLINE}) is None
    assert event_from_dict({"start": "2026-11-24T08:00:00Z"}) is None
    odd = event_from_dict(
        {"start": "2026-11-24T08:00:00Z", "instrument": ONLINE, "level": "x", "end": 5}
    )
    assert odd is not None
    assert (odd.level, odd.end, odd.name) == (None, None, None)


# -- with an entry ---------------------------------------------------------------------


@pytest.mark.usefixtures("polling_only")
async def test_asking_the_scope_fails_quietly(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.add_fault("server_error", endpoint="recordings", count=1)
    entry = await async_set_up_media(hass, set_up, freezer)
    scopes = entry.runtime_data.scopes
    assert scopes.state("data.audio:read") == "unknown"
    assert "Could not ask MyCirrus for recordings" in caplog.text
    # Asked again within the hour (nothing is known yet), then rate limited.
    simulator.add_fault("rate_limit", endpoint="recordings", count=1)
    await async_advance(hass, freezer, 3600)
    assert scopes.state("data.audio:read") == "unknown"
    await async_advance(hass, freezer, 3600)
    assert scopes.state("data.audio:read") == "granted"
    # Nothing said of audio above debug (the status round says the pause).
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name.endswith(".media")
    ]


@pytest.mark.usefixtures("polling_only")
async def test_a_refused_key_while_playing_asks_for_a_new_one(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    entry = await async_set_up_media(hass, set_up, freezer)
    record = simulator.add_event(ONLINE, start=NOW - timedelta(hours=1))
    web = await hass_client()
    simulator.revoke_key(API_KEY)
    answer = await web.get(f"/api/mycirrus/audio/{ONLINE}/event/{record['audioId']}")
    assert answer.status == HTTPStatus.BAD_GATEWAY
    assert "refused the API key" in await answer.text()
    await async_settle(hass)
    assert entry.runtime_data.store.auth_failed
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("polling_only")
async def test_a_refused_key_for_a_time_history(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    entry = await async_set_up_media(hass, set_up, freezer)
    await async_fire_event(hass, simulator, freezer)
    simulator.add_fault("raw", endpoint="event_time_history", status=401, count=1)
    await picture(hass, hass_client)
    await async_settle(hass)
    assert entry.runtime_data.store.auth_failed


@pytest.mark.usefixtures("polling_only")
async def test_an_instrument_followed_again_shows_its_last_event(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await async_set_up_media(hass, set_up, freezer)
    await async_fire_event(hass, simulator, freezer)
    shown = hass.states.get(IMAGE).state
    subentry_id = entry.runtime_data.records[ONLINE].subentry_id
    hass.config_entries.async_remove_subentry(entry, subentry_id)
    await async_settle(hass)
    assert hass.states.get(IMAGE) is None
    hass.config_entries.async_add_subentry(
        entry, ConfigSubentry(**instrument_subentry(ONLINE, "Site gate"))
    )
    await async_settle(hass)
    await async_advance(hass, freezer, 300)
    assert hass.states.get(IMAGE).state == shown


def test_the_simulator_laeq_without_an_overall_value() -> None:
    assert event_laeq({"level": 90.0, "overall": []}) == 85.5


async def test_recordings_refused_mark_the_instrument(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await async_set_up_media(hass, set_up, freezer)
    media = entry.runtime_data.media
    simulator.add_fault("forbidden", endpoint="recordings", count=1)
    with pytest.raises(Exception, match="403"):
        await media.async_recordings(ONLINE)
    assert media.access.refused(ONLINE)
    assert media.access.as_dict()["refused"] == [ONLINE]
    # Without the events scope, no events are asked for.
    entry.runtime_data.scopes.lacking("data.events:read")
    asked = simulator.requests["events"]
    assert await media.async_audio_events(ONLINE) == []
    assert simulator.requests["events"] == asked


def test_a_picture_of_several_blocks_with_gaps() -> None:
    history = TimeHistory(
        instrument=ONLINE,
        type=None,
        blocks=(
            TimeHistoryBlock(
                start=START,
                end=None,
                sample_duration=timedelta(milliseconds=100),
                values=(60.0, None, 61.0),
            ),
            TimeHistoryBlock(
                start=START + timedelta(seconds=5),
                end=None,
                sample_duration=timedelta(milliseconds=100),
                values=(62.0, 63.0),
            ),
        ),
    )
    event = NoiseEvent(
        instrument=ONLINE,
        start=START,
        end=START + timedelta(seconds=5),
        type=None,
        name=None,
        level=None,
        audio_time=None,
        time_history_id="1",
        audio_id=None,
    )
    words = {
        key: key
        for key in (
            "picture_no_trigger",
            "picture_start",
            "picture_end",
            "picture_trigger",
            "picture_level",
            "picture_no_time_history",
        )
    }
    spec = event_picture(event, [history], words, None)
    assert spec.series_label == "LAeq · 100 ms"
    assert [value for _, value in spec.points] == [60.0, None, 61.0, None, 62.0, 63.0]
    assert spec.lines[0] == "picture_trigger: picture_no_trigger    picture_level: -"
    assert spec.message is None
    assert draw_event(spec).startswith(b"\x89PNG")


@pytest.mark.usefixtures("polling_only")
async def test_a_refused_key_while_asking_the_scope(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_fault("server_error", endpoint="recordings", count=1)
    entry = await async_set_up_media(hass, set_up, freezer)
    simulator.revoke_key(API_KEY)
    await entry.runtime_data.media.access.async_check_scope()
    assert entry.runtime_data.store.auth_failed
