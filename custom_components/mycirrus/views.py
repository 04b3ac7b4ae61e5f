"""The view that plays event audio: fetched from MyCirrus with the key, served here.

``/api/mycirrus/audio/{serial}/{kind}/{id}`` needs Home Assistant's
authentication: a logged-in user, or a path Home Assistant signed (the media
browser's and media players' links, and the event entity's ``audio_url`` for
notifications). The key never leaves the server: it goes to MyCirrus in a
header, and nothing of it is in a URL or an answer. A clip is read once (at
most MAX_AUDIO_BYTES) and then served from memory a while, whole or in byte
ranges, as browsers ask for audio.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import hdrs, web

from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.exceptions import HomeAssistantError

from .api import AudioClip, MyCirrusError
from .const import DOMAIN
from .errors import media_failure
from .hub.media import AUDIO_VIEW_URL, AudioRef
from .runtime import hub_following

# The audio of an event never changes: a browser may keep it an hour.
CACHE_CONTROL = "private, max-age=3600"
_EXTENSIONS = {
    "audio/flac": ".flac",
    "audio/wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/aac": ".aac",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
}


class MyCirrusAudioView(HomeAssistantView):
    """Plays an event's audio or a recording (GET, HEAD, byte ranges)."""

    url = AUDIO_VIEW_URL
    name = "api:mycirrus:audio"
    requires_auth = True

    async def get(
        self, request: web.Request, serial: str, kind: str, token: str
    ) -> web.Response:
        """Answer the audio, or a message saying why there is none."""
        hass = request.app[KEY_HASS]
        ref = AudioRef.from_parts(serial, kind, token)
        hub = hub_following(hass, serial) if ref is not None else None
        if ref is None or hub is None:
            return _message(
                HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="media_unknown_item",
                    translation_placeholders={"item": f"{serial}/{kind}/{token}"},
                ),
                HTTPStatus.NOT_FOUND,
            )
        name = hub.records[serial].name
        if not hub.media.access.available(serial):
            return _message(
                HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="audio_unavailable",
                    translation_placeholders={"name": name},
                ),
                HTTPStatus.FORBIDDEN,
            )
        try:
            clip = await hub.media.async_clip(ref)
        except MyCirrusError as err:
            error, status = media_failure(err, name, error_class=HomeAssistantError)
            return _message(error, status)
        return _audio(request, clip, f"{serial}-{ref.audio_id}")

    async def head(
        self, request: web.Request, serial: str, kind: str, token: str
    ) -> web.Response:
        """Answer what GET would, without the body (aiohttp leaves it out)."""
        return await self.get(request, serial, kind, token)


def _audio(request: web.Request, clip: AudioClip, stem: str) -> web.Response:
    """Answer the whole clip, or the one byte range the request asks for.

    A Range header that cannot be read (several ranges, not bytes) is ignored,
    as HTTP allows: the whole clip is sent.
    """
    data = clip.data
    size = len(data)
    extension = _EXTENSIONS.get(clip.content_type, "")
    headers = {
        hdrs.ACCEPT_RANGES: "bytes",
        hdrs.CACHE_CONTROL: CACHE_CONTROL,
        hdrs.CONTENT_DISPOSITION: f'inline; filename="{_safe(stem)}{extension}"',
    }
    wanted = None
    if hdrs.RANGE in request.headers:
        try:
            wanted = request.http_range
        except ValueError:
            wanted = None
    if wanted is None or (wanted.start is None and wanted.stop is None):
        return web.Response(body=data, content_type=clip.content_type, headers=headers)
    start, stop, _ = wanted.indices(size)
    if start >= size or stop <= start:
        return web.Response(
            status=HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
            headers={**headers, hdrs.CONTENT_RANGE: f"bytes */{size}"},
        )
    return web.Response(
        status=HTTPStatus.PARTIAL_CONTENT,
        body=data[start:stop],
        content_type=clip.content_type,
        headers={**headers, hdrs.CONTENT_RANGE: f"bytes {start}-{stop - 1}/{size}"},
    )


def _message(error: HomeAssistantError, status: int) -> web.Response:
    """Answer a translated message, as text."""
    return web.Response(status=status, text=str(error), content_type="text/plain")


def _safe(stem: str) -> str:
    """Return a file name stem without quotes or separators."""
    return "".join(
        c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in stem
    )[:100]
