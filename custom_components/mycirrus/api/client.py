"""The MyCirrus REST client: every request goes through one ``_open``."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import json
import logging
import math
from typing import Any, Final
from urllib.parse import quote

import aiohttp
from yarl import URL

from ._parse import Fields, as_str
from .audio import AudioCalls
from .body import decode_body
from .data import EXCERPT_LENGTH
from .exceptions import (
    MyCirrusAuthenticationError,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from .limiter import RateLimiter
from .live import LiveConnection
from .models import (
    Action,
    ActionResult,
    CalibrationResult,
    Instrument,
    InstrumentStatus,
    MonitorHealth,
    parse_monitor_health,
)
from .serial import validate_serial

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.mycirrus.cloud/v1"
DEFAULT_REQUEST_TIMEOUT: Final = 10.0
API_KEY_HEADER: Final = "X-Api-Key"
# A Retry-After beyond a week is not a rate limit but a broken header.
MAX_RETRY_AFTER: Final = 7 * 24 * 3600.0

_STATUS_ERRORS: Final[dict[int, type[MyCirrusError]]] = {
    401: MyCirrusAuthenticationError,
    403: MyCirrusPermissionError,
    404: MyCirrusNotFoundError,
}


type BlockingRunner = Callable[..., Awaitable[Any]]
"""Runs ``function(*args)`` away from the event loop, e.g. in an executor."""


async def _in_default_executor(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


class MyCirrusClient(AudioCalls):
    """Client for the MyCirrus cloud API with an injected aiohttp session.

    The stored data and audio calls come from ``StoredDataCalls`` and
    ``AudioCalls``; every request goes through ``_open``.

    ``limiter`` holds the pause MyCirrus asked of the key; pass the same one to
    every client of a key so that none of them asks during the pause.
    ``request_counts`` counts the requests sent, by endpoint. ``run_blocking``
    runs the decoding and parsing of the stored data's answers, which may be
    megabytes, away from the event loop (the loop's default executor unless
    given; Home Assistant gives its own).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        limiter: RateLimiter | None = None,
        run_blocking: BlockingRunner | None = None,
    ) -> None:
        """Initialise the client; no request is made."""
        self._session = session
        self._run_blocking = run_blocking or _in_default_executor
        self.__api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.limiter = limiter or RateLimiter()
        self.request_counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        """Return a representation that leaves the API key out."""
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def instruments(self) -> list[Instrument]:
        """Return every instrument on the account."""
        body = await self._request("instruments", "GET", "/control/instruments")
        if not isinstance(body, list):
            raise MyCirrusResponseError("The instrument list is not a JSON array")
        instruments: list[Instrument] = []
        for item in body:
            # One unusable item must not hide the others from the user.
            if not isinstance(item, Mapping):
                _LOGGER.debug("Ignoring an instrument that is not a JSON object")
                continue
            try:
                instruments.append(Instrument.from_dict(item))
            except MyCirrusResponseError:
                _LOGGER.debug("Ignoring an instrument without a serial number")
        return instruments

    async def instrument(self, serial: str) -> Instrument:
        """Return one instrument."""
        return Instrument.from_dict(
            await self._object("instrument", "GET", _instrument_path(serial))
        )

    async def status(self, serial: str) -> InstrumentStatus:
        """Return what an instrument is doing now."""
        return InstrumentStatus.from_dict(
            await self._object("status", "GET", f"{_instrument_path(serial)}/status")
        )

    async def calibration(self, serial: str) -> CalibrationResult:
        """Return an instrument's latest calibration."""
        return CalibrationResult.from_dict(
            await self._object(
                "calibration", "GET", f"{_instrument_path(serial)}/calibration"
            )
        )

    async def action(self, serial: str, action: Action) -> ActionResult:
        """Ask an instrument to identify itself, calibrate or run a SIC."""
        return ActionResult.from_dict(
            await self._object(
                "action",
                "POST",
                f"{_instrument_path(serial)}/action",
                params={"action": Action(action).value},
            )
        )

    async def monitor_health(self, serials: Iterable[str]) -> dict[str, MonitorHealth]:
        """Return the health of the instruments that MyCirrus reports, by serial.

        One request asks for every serial; instruments the answer leaves out
        (not Quantum, not on the account) are missing from the result, which
        is keyed by the serials as given.
        """
        wanted = [validate_serial(serial) for serial in serials]
        if not wanted:
            return {}
        body = await self._request(
            "monitor",
            "GET",
            "/data/monitor/current",
            params={"instruments": ",".join(wanted)},
        )
        # Keyed as asked: MyCirrus may spell a serial in another letter case.
        spelling = {serial.casefold(): serial for serial in wanted}
        return {
            spelling[serial.casefold()]: health
            for serial, health in parse_monitor_health(body).items()
            if serial.casefold() in spelling
        }

    def _excerpt(self, text: str) -> str:
        """Return the start of a body for an error message, without the API key."""
        if self.__api_key:
            text = text.replace(self.__api_key, "***")
        return text[:EXCERPT_LENGTH]

    async def live(
        self, serial: str, *, session: aiohttp.ClientSession | None = None
    ) -> LiveConnection:
        """Open an instrument's live websocket.

        ``session`` may differ from the REST session: each open websocket holds
        a connection for as long as it lives.
        """
        base = URL(self.base_url)
        scheme = "wss" if base.scheme == "https" else "ws"
        url = f"{base.with_scheme(scheme)}/live/{_serial_path(serial)}"
        self.limiter.check()
        self.request_counts["live"] += 1
        try:
            async with asyncio.timeout(self.request_timeout):
                websocket = await (session or self._session).ws_connect(
                    url, headers={API_KEY_HEADER: self.__api_key}
                )
        except aiohttp.WSServerHandshakeError as err:
            retry_after = err.headers.get("Retry-After") if err.headers else None
            raise _http_error(
                self.limiter, err.status, None, retry_after, websocket=True
            ) from err
        except TimeoutError as err:
            raise MyCirrusConnectionError(
                f"Timed out after {self.request_timeout:g} s opening the live websocket"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise MyCirrusConnectionError(
                f"Could not open the live websocket ({type(err).__name__})"
            ) from err
        return LiveConnection(websocket, serial)

    async def _object(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        body = await self._request(name, method, path, params=params)
        if not isinstance(body, Mapping):
            raise MyCirrusResponseError(f"The {name} answer is not a JSON object")
        return body

    async def _request(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Make one request and return its decoded JSON body."""
        return (await self._fetch(name, method, path, params=params))[0]

    async def _fetch(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[Any, str]:
        """Make one request; return its decoded JSON body and its text."""
        return decode_body(*await self._fetch_raw(name, method, path, params=params))

    async def _fetch_raw(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[bytes, int]:
        """Make one request; return its body as received and its 2xx status."""
        async with self._open(name, method, path, params=params) as response:
            return await response.read(), response.status

    @asynccontextmanager
    async def _open(
        self,
        name: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        accept: str = "application/json",
        time_limit: float | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send one request; give its answer once it is known to be no error.

        Every request goes through here: the rate-limit pause, the count, the
        key, the time-out (``time_limit`` seconds, else the client's, for the
        whole exchange, the reading of the body included) and the mapping of
        errors to exceptions.
        """
        self.limiter.check()
        self.request_counts[name] += 1
        seconds = self.request_timeout if time_limit is None else time_limit
        try:
            async with (
                asyncio.timeout(seconds),
                self._session.request(
                    method,
                    f"{self.base_url}{path}",
                    params=params,
                    headers={API_KEY_HEADER: self.__api_key, "Accept": accept},
                ) as response,
            ):
                if response.status >= 400:
                    raw = await response.read()
                    raise _http_error(
                        self.limiter,
                        response.status,
                        raw.decode("utf-8", "replace"),
                        response.headers.get("Retry-After"),
                    )
                yield response
        except TimeoutError as err:
            raise MyCirrusConnectionError(
                f"Timed out after {seconds:g} s waiting for MyCirrus"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise MyCirrusConnectionError(
                f"Could not reach MyCirrus ({type(err).__name__})"
            ) from err


def _http_error(
    limiter: RateLimiter,
    status: int,
    text: str | None,
    retry_after: str | None,
    *,
    websocket: bool = False,
) -> MyCirrusError:
    """Map an HTTP error answer to the matching exception.

    A 429 also pauses every request of the key (``limiter``). A refused
    websocket handshake other than 401, 403, 404 or 429 is a connection error.
    """
    code, description = _error_body(text)
    message = f"MyCirrus answered HTTP {status}"
    if code:
        message = f"{message} {code}"
    if description:
        message = f"{message}: {description}"
    if status == 429:
        asked = _parse_retry_after(retry_after)
        limiter.pause(asked)
        return MyCirrusRateLimitError(
            message, retry_after=asked, code=code, description=description
        )
    if status == 400 and code == "NotFound":
        return MyCirrusNotFoundError(message, code=code, description=description)
    fallback = MyCirrusConnectionError if websocket else MyCirrusResponseError
    error_class = _STATUS_ERRORS.get(status, fallback)
    return error_class(message, code=code, description=description)


def _serial_path(serial: str) -> str:
    """Return a serial as a path segment, once it is known to be well formed."""
    return quote(validate_serial(serial), safe="")


def _instrument_path(serial: str) -> str:
    return f"/control/instruments/{_serial_path(serial)}"


def _error_body(text: str | None) -> tuple[str | None, str | None]:
    """Return the API's error code and description, where the body has them."""
    if text is None:
        return None, None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested beyond reason
        return None, None
    fields = Fields(body)
    return as_str(fields.get("error")), as_str(fields.get("description"))


def _parse_retry_after(value: str | None) -> float | None:
    """Return the delay a Retry-After header asks for, in seconds.

    None where it says nothing usable: not a number or an HTTP date, or longer
    than MAX_RETRY_AFTER, which no rate limit means (and no clock can add).
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds) or seconds > MAX_RETRY_AFTER:
        return None
    return max(0.0, seconds)
