"""Event audio in the media browser, played through the audio view."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.mycirrus.api import MyCirrusClient
from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from simulator import Simulator

from .conftest import API_KEY, CALIBRATING, NO_SIC, ONLINE, SetUp
from .helpers import async_advance
from .media_helpers import (
    EVENT,
    NOW,
    ROOT,
    async_browse,
    async_fire_event,
    async_resolve,
    async_set_up_media,
    at_now,
    only_added_events,
)

pytestmark = pytest.mark.usefixtures("polling_only")
# Autouse fixtures, for this module's tests.
__all__ = ["at_now", "only_added_events"]


async def test_browse_and_play(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    client: MyCirrusClient,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    horn = simulator.add_event(
        ONLINE, start=NOW - timedelta(days=3), level=92.5, name="Horn"
    )
    lorry = simulator.add_event(
        ONLINE, start=NOW - timedelta(hours=2), level=88.0, name="Lorry"
    )
    simulator.add_event(ONLINE, start=NOW - timedelta(hours=1), audio=False)
    simulator.add_event(ONLINE, start=NOW - timedelta(days=40), name="Too old")

    root = await async_browse(ws, ROOT)
    assert root["success"], root
    assert root["result"]["title"] == "MyCirrus"
    # The instruments with the Audio add-on; the loading bay has none.
    assert [
        (c["title"], c["media_content_id"]) for c in root["result"]["children"]
    ] == [
        ("Car park", f"{ROOT}/QT100004"),
        ("Roof", f"{ROOT}/QT100002"),
        ("Site gate", f"{ROOT}/QT100001"),
        ("Stage left", f"{ROOT}/QT100003"),
    ]
    instrument = (await async_browse(ws, f"{ROOT}/{ONLINE}"))["result"]
    assert [(c["title"], c["can_expand"]) for c in instrument["children"]] == [
        ("Noise events", True),
        ("Recordings", True),
    ]
    folder = (await async_browse(ws, f"{ROOT}/{ONLINE}/events"))["result"]
    assert folder["title"] == "Noise events"
    # The last 31 days, newest first, each with its time, trigger and level.
    local = dt_util.as_local
    assert [(c["title"], c["can_play"]) for c in folder["children"]] == [
        (
            f"{local(NOW - timedelta(hours=2)):%Y-%m-%d %H:%M:%S} · Lorry · 88.0 dB",
            True,
        ),
        (
            f"{local(NOW - timedelta(days=3)):%Y-%m-%d %H:%M:%S} · Horn · 92.5 dB",
            True,
        ),
    ]
    item = folder["children"][0]
    assert item["media_content_id"] == f"{ROOT}/{ONLINE}/event/{lorry['audioId']}"
    assert item["media_content_type"] == "audio/flac"
    recordings = (await async_browse(ws, f"{ROOT}/{ONLINE}/recordings"))["result"]
    assert [c["media_content_id"] for c in recordings["children"]] == [
        f"{ROOT}/{ONLINE}/recording/{lorry['audioId']}",
        f"{ROOT}/{ONLINE}/recording/{horn['audioId']}",
    ]
    assert recordings["children"][0]["title"].endswith(" · Lorry")
    # A playable item browses to itself.
    alone = (await async_browse(ws, item["media_content_id"]))["result"]
    assert (alone["can_play"], alone["media_content_id"]) == (
        True,
        item["media_content_id"],
    )

    resolved = await async_resolve(ws, item["media_content_id"])
    assert resolved["success"], resolved
    url = resolved["result"]["url"]
    assert resolved["result"]["mime_type"] == "audio/flac"
    assert url.startswith(f"/api/mycirrus/audio/{ONLINE}/event/{lorry['audioId']}?")
    assert "authSig=" in url
    assert API_KEY not in url

    before = simulator.requests["event_audio"]
    web = await hass_client_no_auth()
    answer = await web.get(url)
    assert answer.status == HTTPStatus.OK
    assert answer.content_type == "audio/flac"
    body = await answer.read()
    assert body == (await client.event_audio(lorry["audioId"])).data
    assert API_KEY not in str(answer.headers)
    # Byte ranges, as browsers ask for audio, from what was fetched once.
    ranged = await web.get(url, headers={"Range": "bytes=4-9"})
    assert ranged.status == HTTPStatus.PARTIAL_CONTENT
    assert await ranged.read() == body[4:10]
    assert ranged.headers["Content-Range"] == f"bytes 4-9/{len(body)}"
    tail = await web.get(url, headers={"Range": "bytes=-4"})
    assert await tail.read() == body[-4:]
    beyond = await web.get(url, headers={"Range": f"bytes={len(body)}-"})
    assert beyond.status == HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    several = await web.get(url, headers={"Range": "bytes=0-1,4-5"})
    assert (several.status, len(await several.read())) == (HTTPStatus.OK, len(body))
    # HEAD needs a logged-in user: Home Assistant signs paths for GET only.
    head = await (await hass_client()).head(url.partition("?")[0])
    assert (head.status, head.headers["Content-Length"]) == (200, str(len(body)))
    assert await head.read() == b""
    # One request to MyCirrus from the integration (the other is the test's).
    assert simulator.requests["event_audio"] == before + 2

    # A recording plays the same way.
    played = await async_resolve(ws, recordings["children"][1]["media_content_id"])
    recording = await web.get(played["result"]["url"])
    assert await recording.read() == (await client.event_audio(horn["audioId"])).data


async def test_the_view_needs_authentication(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    record = simulator.add_event(ONLINE, start=NOW - timedelta(hours=1))
    path = f"/api/mycirrus/audio/{ONLINE}/event/{record['audioId']}"
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(path)).status == HTTPStatus.UNAUTHORIZED
    resolved = await async_resolve(ws, f"{ROOT}/{ONLINE}/event/{record['audioId']}")
    signed = resolved["result"]["url"]
    # A signature is for its own path only.
    other = signed.replace(str(record["audioId"]), "QT100001-00000000")
    assert (await anonymous.get(other)).status == HTTPStatus.UNAUTHORIZED
    assert (await anonymous.get(signed + "x")).status == HTTPStatus.UNAUTHORIZED
    assert simulator.requests["event_audio"] == 0
    logged_in = await hass_client()
    answer = await logged_in.get(path)
    assert answer.status == HTTPStatus.OK
    assert (await answer.read()).startswith(b"fLaC")


async def test_the_event_entity_names_its_audio(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    record = await async_fire_event(hass, simulator, freezer, name="Horn")
    state = hass.states.get(EVENT)
    assert state is not None
    media_content_id = state.attributes["media_content_id"]
    assert media_content_id == f"{ROOT}/{ONLINE}/event/{record['audioId']}"
    assert state.attributes["time_history_id"] == str(record["timeHistoryId"])
    # Home Assistant's own resolve command makes it a playable, signed URL.
    resolved = await async_resolve(ws, media_content_id)
    web = await hass_client_no_auth()
    answer = await web.get(resolved["result"]["url"])
    assert (answer.status, answer.content_type) == (200, "audio/flac")
    # The link for a notification plays without logging in.
    link = state.attributes["audio_url"]
    assert link.startswith(f"/api/mycirrus/audio/{ONLINE}/event/")
    assert "authSig=" in link
    assert API_KEY not in link
    answer = await web.get(link)
    assert (answer.status, answer.content_type) == (200, "audio/flac")


async def test_no_audio_without_the_add_on(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    record = await async_fire_event(hass, simulator, freezer, serial=NO_SIC)
    state = hass.states.get("event.loading_bay_noise_event")
    assert state is not None
    assert state.attributes["audio"] is True  # recorded, but not to be played
    assert state.attributes["media_content_id"] is None
    assert state.attributes["audio_url"] is None
    media_content_id = f"{ROOT}/{NO_SIC}/event/{record['audioId']}"
    browsed = await async_browse(ws, f"{ROOT}/{NO_SIC}")
    assert not browsed["success"]
    assert "Audio add-on" in browsed["error"]["message"]
    resolved = await async_resolve(ws, media_content_id)
    assert not resolved["success"]
    web = await hass_client()
    answer = await web.get(f"/api/mycirrus/audio/{NO_SIC}/event/{record['audioId']}")
    assert answer.status == HTTPStatus.FORBIDDEN
    assert "Audio add-on" in await answer.text()
    assert simulator.requests["event_audio"] == 0


async def test_no_audio_without_the_scope_asked_again_hourly(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    without = {s for s in simulator.keys[API_KEY] if s != "data.audio:read"}
    simulator.add_key(API_KEY, scopes=without)
    entry = await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    assert entry.runtime_data.scopes.missing("data.audio:read")
    root = await async_browse(ws, ROOT)
    assert root["result"]["children"] == []
    await async_fire_event(hass, simulator, freezer)
    state = hass.states.get(EVENT)
    assert state is not None
    assert state.attributes["media_content_id"] is None
    asked = simulator.requests["recordings"]
    await async_advance(hass, freezer, 1800)
    assert simulator.requests["recordings"] == asked  # not before the hour
    simulator.add_key(API_KEY)  # every scope
    await async_advance(hass, freezer, 1800)
    assert simulator.requests["recordings"] == asked + 1
    assert not entry.runtime_data.scopes.missing("data.audio:read")
    # (The websocket's heartbeat went unanswered while the clock jumped.)
    browsed = await media_source.async_browse_media(hass, ROOT)
    assert len(browsed.children or []) == 4
    await async_fire_event(hass, simulator, freezer)
    state = hass.states.get(EVENT)
    assert state is not None
    assert state.attributes["media_content_id"] is not None
    # A key seen to have it is not asked again.
    await async_advance(hass, freezer, 3600)
    assert simulator.requests["recordings"] == asked + 1


async def test_a_refusal_is_the_instruments_not_the_keys(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    entry = await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    record = simulator.add_event(ONLINE, start=NOW - timedelta(hours=1))
    other = simulator.add_event(CALIBRATING, start=NOW - timedelta(hours=1))
    simulator.add_fault("forbidden", endpoint="event_audio", count=1)
    web = await hass_client()
    path = f"/api/mycirrus/audio/{ONLINE}/event/{record['audioId']}"
    answer = await web.get(path)
    assert answer.status == HTTPStatus.FORBIDDEN
    assert "Site gate" in await answer.text()
    assert not entry.runtime_data.scopes.missing("data.audio:read")
    # No audio of the site gate for an hour; the others play.
    root = await async_browse(ws, ROOT)
    assert f"{ROOT}/{ONLINE}" not in [
        c["media_content_id"] for c in root["result"]["children"]
    ]
    assert (await web.get(path)).status == HTTPStatus.FORBIDDEN
    calibrating = f"/api/mycirrus/audio/{CALIBRATING}/event/{other['audioId']}"
    assert (await web.get(calibrating)).status == HTTPStatus.OK
    assert simulator.requests["event_audio"] == 2
    await async_advance(hass, freezer, 3600)
    # The user's token has expired meanwhile: a path Home Assistant signs.
    resolved = await async_resolve(ws, f"{ROOT}/{ONLINE}/event/{record['audioId']}")
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(resolved["result"]["url"])).status == HTTPStatus.OK


async def test_unknown_items(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    for media_content_id in (
        f"{ROOT}/{ONLINE}/nothing",
        f"{ROOT}/QT999999",
        f"{ROOT}/{ONLINE}/event/~%%%",
        f"{ROOT}/not a serial",
    ):
        browsed = await async_browse(ws, media_content_id)
        assert not browsed["success"], media_content_id
        assert browsed["error"]["code"] == "browse_media_failed"
        resolved = await async_resolve(ws, media_content_id)
        assert not resolved["success"], media_content_id
    folder = await async_resolve(ws, f"{ROOT}/{ONLINE}/events")
    assert not folder["success"]
    web = await hass_client()
    for path in (
        "/api/mycirrus/audio/QT999999/event/abc",
        f"/api/mycirrus/audio/{ONLINE}/movie/abc",
        f"/api/mycirrus/audio/{ONLINE}/event/~!!",
    ):
        answer = await web.get(path)
        assert answer.status == HTTPStatus.NOT_FOUND, path
    assert simulator.requests["event_audio"] == 0


async def test_an_id_that_is_not_plain_text(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await async_set_up_media(hass, set_up, freezer)
    ws = await hass_ws_client(hass)
    record = simulator.add_event(ONLINE, start=NOW - timedelta(hours=1))
    record["audioId"] = "a/b c+ü"
    folder = await async_browse(ws, f"{ROOT}/{ONLINE}/events")
    (item,) = folder["result"]["children"]
    assert item["media_content_id"].startswith(f"{ROOT}/{ONLINE}/event/~")
    resolved = await async_resolve(ws, item["media_content_id"])
    web = await hass_client_no_auth()
    answer = await web.get(resolved["result"]["url"])
    assert answer.status == HTTPStatus.OK
    assert 'filename="QT100001-a_b_c__' in answer.headers["Content-Disposition"]
