"""Asynchronous client for the MyCirrus cloud API.

This module depends on aiohttp and the standard library only, so that it can
move into a stand-alone library unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
import json
import logging
import re
import socket
from typing import Any, Final
from urllib.parse import quote

import aiohttp

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.mycirrus.cloud/v1"
DEFAULT_REQUEST_TIMEOUT: Final = 10.0
API_KEY_HEADER: Final = "X-Api-Key"

_SERIAL_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


class MyCirrusError(Exception):
    """Base class for every way a MyCirrus call can fail.

    ``code`` and ``description`` carry the API's own error body when it had one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        description: str | None = None,
    ) -> None:
        """Initialise the error with the API's error code and description."""
        super().__init__(message)
        self.code = code
        self.description = description


class MyCirrusAuthenticationError(MyCirrusError):
    """The API key is invalid, revoked or expired (HTTP 401)."""


class MyCirrusPermissionError(MyCirrusError):
    """The key lacks a scope, or the instrument is not on the account (HTTP 403)."""


class MyCirrusNotFoundError(MyCirrusError):
    """The instrument (or another resource) does not exist (HTTP 404)."""


class MyCirrusRateLimitError(MyCirrusError):
    """Too many requests (HTTP 429); ``retry_after`` in seconds when the API said."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        code: str | None = None,
        description: str | None = None,
    ) -> None:
        """Initialise the error with the server's requested delay."""
        super().__init__(message, code=code, description=description)
        self.retry_after = retry_after


class MyCirrusConnectionError(MyCirrusError):
    """The API could not be reached: DNS, refused, reset or timed out."""


class MyCirrusResponseError(MyCirrusError):
    """The API answered with a server error or a body that cannot be used."""


class MyCirrusInvalidSerialError(MyCirrusError, ValueError):
    """A serial number is malformed; no request was made."""


class Action(StrEnum):
    """Actions an instrument can be asked to run."""

    IDENTIFY = "Identify"
    CALIBRATION = "Calibration"
    SIC = "SIC"


@dataclass(frozen=True, kw_only=True, slots=True)
class CalibrationResult:
    """The outcome of an instrument's latest acoustic calibration."""

    time: datetime | None
    level: float | None
    offset: float | None
    status: str | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationResult:
        """Build the result from an API object, leniently."""
        fields = _Fields(data)
        return cls(
            time=_as_datetime(fields.get("time")),
            level=_as_float(fields.get("level")),
            offset=_as_float(fields.get("offset")),
            status=_as_str(fields.get("status")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class SicResult:
    """The outcome of an instrument's latest System Integrity Check."""

    time: datetime | None
    status: str | None
    tone_500hz: float | None = None
    tone_1khz: float | None = None
    tone_8khz: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SicResult:
        """Build the result from an API object, leniently."""
        fields = _Fields(data)
        return cls(
            time=_as_datetime(fields.get("time")),
            status=_as_str(fields.get("status")),
            tone_500hz=_as_float(fields.get("_500Hz")),
            tone_1khz=_as_float(fields.get("_1KHz")),
            tone_8khz=_as_float(fields.get("_8KHz")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class InstrumentStatus:
    """What an instrument is doing now; ``None`` means the API did not say."""

    online: bool | None
    measuring: bool | None
    calibration_in_progress: bool | None
    sic_in_progress: bool | None
    last_calibration: CalibrationResult | None
    last_sic: SicResult | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InstrumentStatus:
        """Build the status from an API object, leniently."""
        fields = _Fields(data)
        calibration = fields.get("lastCalibration")
        sic = fields.get("lastSic")
        return cls(
            online=_as_bool(fields.get("online")),
            measuring=_as_bool(fields.get("measuring")),
            calibration_in_progress=_as_bool(fields.get("calibrationInProgress")),
            sic_in_progress=_as_bool(fields.get("sicInProgress")),
            last_calibration=(
                CalibrationResult.from_dict(calibration)
                if isinstance(calibration, Mapping)
                else None
            ),
            last_sic=SicResult.from_dict(sic) if isinstance(sic, Mapping) else None,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Subscription:
    """An instrument's MyCirrus subscription."""

    status: str | None
    tier: str | None
    addons: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Instrument:
    """An instrument on the account."""

    serial_number: str
    name: str | None
    model: str | None
    type: str | None
    image: str | None
    subscription: Subscription | None
    latitude: float | None
    longitude: float | None
    features: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instrument:
        """Build the instrument from an API object, leniently.

        Raises ``MyCirrusResponseError`` when the object has no serial number.
        """
        fields = _Fields(data)
        serial = _as_str(fields.get("serialNumber"))
        if not serial:
            raise MyCirrusResponseError("Instrument without a serial number")
        subscription = fields.get("subscription")
        position = _Fields(fields.get("position"))
        return cls(
            serial_number=serial,
            name=_as_str(fields.get("name")),
            model=_as_str(fields.get("model")),
            type=_as_str(fields.get("type")),
            image=_as_str(fields.get("image")),
            subscription=(
                _subscription(_Fields(subscription))
                if isinstance(subscription, Mapping)
                else None
            ),
            latitude=_as_float(position.get("latitude", "lat")),
            longitude=_as_float(position.get("longitude", "long")),
            features=_as_str_tuple(fields.get("feature")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class ActionResult:
    """The API's answer to an action request."""

    action: str | None
    status: str | None


def _subscription(fields: _Fields) -> Subscription:
    return Subscription(
        status=_as_str(fields.get("status")),
        tier=_as_str(fields.get("tier")),
        addons=_as_str_tuple(fields.get("addons")),
    )


class _Fields:
    """Case-insensitive access to a JSON object's keys (camelCase or PascalCase)."""

    __slots__ = ("_data",)

    def __init__(self, data: object) -> None:
        self._data: dict[str, Any] = (
            {str(key).lower(): value for key, value in data.items()}
            if isinstance(data, Mapping)
            else {}
        )

    def get(self, *names: str) -> Any:
        """Return the first of ``names`` that is present, else None."""
        for name in names:
            if (value := self._data.get(name.lower())) is not None:
                return value
        return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _as_str_tuple(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_retry_after(value: str | None) -> float | None:
    """Return the delay a Retry-After header asks for, in seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def validate_serial(serial: str) -> str:
    """Return ``serial`` if it is well formed, else raise MyCirrusInvalidSerialError."""
    if not isinstance(serial, str) or not _SERIAL_PATTERN.fullmatch(serial):
        raise MyCirrusInvalidSerialError(
            "A serial number has 1 to 32 letters, digits, '-' or '_'"
        )
    return serial


_STATUS_ERRORS: Final[dict[int, type[MyCirrusError]]] = {
    401: MyCirrusAuthenticationError,
    403: MyCirrusPermissionError,
    404: MyCirrusNotFoundError,
}


class MyCirrusClient:
    """Client for the MyCirrus cloud API with an injected aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        """Initialise the client; no request is made."""
        self._session = session
        self.__api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout

    def __repr__(self) -> str:
        """Return a representation that leaves the API key out."""
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def instruments(self) -> list[Instrument]:
        """Return every instrument on the account."""
        body = await self._request("GET", "/control/instruments")
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
            await self._object("GET", _instrument_path(serial), "instrument")
        )

    async def status(self, serial: str) -> InstrumentStatus:
        """Return what an instrument is doing now."""
        return InstrumentStatus.from_dict(
            await self._object("GET", f"{_instrument_path(serial)}/status", "status")
        )

    async def calibration(self, serial: str) -> CalibrationResult:
        """Return an instrument's latest calibration."""
        return CalibrationResult.from_dict(
            await self._object(
                "GET", f"{_instrument_path(serial)}/calibration", "calibration"
            )
        )

    async def action(self, serial: str, action: Action) -> ActionResult:
        """Ask an instrument to identify itself, calibrate or run a SIC."""
        fields = _Fields(
            await self._object(
                "POST",
                f"{_instrument_path(serial)}/action",
                "action result",
                params={"action": Action(action).value},
            )
        )
        return ActionResult(
            action=_as_str(fields.get("action")),
            status=_as_str(fields.get("status")),
        )

    async def _object(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        body = await self._request(method, path, params=params)
        if not isinstance(body, Mapping):
            raise MyCirrusResponseError(f"The {what} is not a JSON object")
        return body

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Make one request and return its decoded JSON body."""
        url = f"{self.base_url}{path}"
        try:
            async with (
                asyncio.timeout(self.request_timeout),
                self._session.request(
                    method,
                    url,
                    params=params,
                    headers={
                        API_KEY_HEADER: self.__api_key,
                        "Accept": "application/json",
                    },
                ) as response,
            ):
                text = await response.text()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except TimeoutError as err:
            raise MyCirrusConnectionError(
                f"Timed out after {self.request_timeout:g} s waiting for MyCirrus"
            ) from err
        except (aiohttp.ClientError, socket.gaierror, OSError) as err:
            raise MyCirrusConnectionError(
                f"Could not reach MyCirrus ({type(err).__name__})"
            ) from err

        if status >= 400:
            raise _error_for(status, text, retry_after)
        try:
            return json.loads(text) if text.strip() else None
        except ValueError as err:
            raise MyCirrusResponseError(
                f"MyCirrus answered HTTP {status} with a body that is not JSON"
            ) from err


def _instrument_path(serial: str) -> str:
    return f"/control/instruments/{quote(validate_serial(serial), safe='')}"


def _error_for(status: int, text: str, retry_after: str | None) -> MyCirrusError:
    """Map an HTTP error answer to the matching exception."""
    code: str | None = None
    description: str | None = None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        fields = _Fields(body)
        code = _as_str(fields.get("error"))
        description = _as_str(fields.get("description"))
    message = f"MyCirrus answered HTTP {status}"
    if code:
        message = f"{message} {code}"
    if description:
        message = f"{message}: {description}"
    if status == 429:
        return MyCirrusRateLimitError(
            message,
            retry_after=_parse_retry_after(retry_after),
            code=code,
            description=description,
        )
    if status == 400 and code == "NotFound":
        return MyCirrusNotFoundError(message, code=code, description=description)
    error_class = _STATUS_ERRORS.get(status, MyCirrusResponseError)
    return error_class(message, code=code, description=description)
