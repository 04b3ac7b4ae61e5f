"""The audio and time history endpoints: an event's sound, recordings, time history.

An event's audio and time history are found by the ids ``/data/events``
answered (``audioId``, ``timeHistoryId``); an id never answered, or forgotten,
is 404. Audio is only for instruments with the Audio add-on (403 for the
others, as MyCirrus probably answers) and comes as FLAC or WAV; the API's
AAC and OGG are refused as not simulated. A recording is an event's audio
under the same id.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .audio import FORMATS, MADE, encode, event_window, time_history
from .data import DataApi, _param
from .rest import KEY, json_error

if TYPE_CHECKING:
    from .state import Cloud

# Clips made, kept for the byte ranges and replays that follow.
CLIPS_KEPT = 16


def naive(moment: datetime) -> str:
    """Format a UTC moment without a zone, as the API's recordings example does."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


class MediaApi(DataApi):
    """The audio and time history endpoints of a simulator."""

    def __init__(self, cloud: Cloud) -> None:
        """Serve ``cloud``'s events' audio and time histories."""
        super().__init__(cloud)
        self._clips: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()

    def add_routes(self, app: web.Application) -> None:
        """Add the endpoints, named as the counters and faults know them."""
        router = app.router
        router.add_get(
            "/v1/data/events/timehistory/{timeHistoryId}",
            self._time_history,
            name="event_time_history",
        )
        router.add_get(
            "/v1/data/events/audio/{audioId}", self._event_audio, name="event_audio"
        )
        router.add_get("/v1/data/audio", self._recordings, name="recordings")
        router.add_get(
            "/v1/data/audio/{audioId}", self._event_audio, name="recording_audio"
        )

    async def _time_history(self, request: web.Request) -> web.Response:
        ids = self._sim.stored.by_time_history
        record = ids.get(request.match_info["timeHistoryId"])
        if (refusal := self._refuse(request, record, audio=False)) is not None:
            return refusal
        assert record is not None
        return web.json_response(time_history(record))

    async def _event_audio(self, request: web.Request) -> web.Response:
        record = self._sim.stored.by_audio.get(request.match_info["audioId"])
        if (refusal := self._refuse(request, record, audio=True)) is not None:
            return refusal
        assert record is not None
        asked = (_param(request, "format") or "FLAC").upper()
        if asked not in FORMATS:
            return json_error(400, "InvalidParam", "format: FLAC, WAV, AAC or OGG")
        if asked not in MADE:
            return json_error(400, "InvalidParam", f"format: {asked} is not simulated")
        key = (str(record["audioId"]), record["startTime"], asked)
        if (clip := self._clips.get(key)) is None:
            clip = await asyncio.get_running_loop().run_in_executor(
                None, encode, record, asked
            )
            self._clips[key] = clip
            if len(self._clips) > CLIPS_KEPT:
                self._clips.popitem(last=False)
        return web.Response(body=clip, content_type="application/octet-stream")

    async def _recordings(self, request: web.Request) -> web.Response:
        asked = self._asked(request)
        if isinstance(asked, web.Response):
            return asked
        without = [i.serial for i in asked.instruments if not i.has_audio]
        if without:
            return json_error(
                403, "AccessDenied", f"No Audio add-on: {', '.join(without)}"
            )
        now = self._sim.now()
        body = [
            _recording(event)
            for instrument in asked.instruments
            for event in self._sim.stored.events(instrument, asked.span, now)
            if event.get("audioId") is not None
        ]
        return web.json_response(body)

    def _refuse(
        self, request: web.Request, record: dict[str, Any] | None, *, audio: bool
    ) -> web.Response | None:
        """Return the API's refusal of an unknown id, or one the key may not see."""
        if record is None:
            return json_error(404, "NotFound", "No such id, or it has expired")
        serial = record["instrument"]
        instrument = self._sim.instruments.get(serial)
        if instrument is None or not self._sim.can_see(request[KEY], serial):
            return json_error(
                403, "AccessDenied", "The instrument is not on this account"
            )
        if audio and not instrument.has_audio:
            return json_error(403, "AccessDenied", "The instrument has no Audio add-on")
        return None


def _recording(event: dict[str, Any]) -> dict[str, Any]:
    """Return an event's audio as ``/data/audio`` lists it."""
    first, last, _, _ = event_window(event)
    return {
        "id": event["audioId"],
        "startTime": naive(first),
        "endTime": naive(last),
        "instrument": event["instrument"],
        "triggerName": event["name"],
        "triggerStartTime": event["startTime"],
        "triggerEndTime": event["endTime"],
    }
