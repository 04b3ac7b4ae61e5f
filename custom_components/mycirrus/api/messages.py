"""Messages of the MyCirrus live websocket: frozen models and one lenient parser.

The server dispatches on ``type``; the vendor's own example recognises the
keep-alive answer by ``action``, so either key is accepted for it. A frame that
is not a usable message parses to None and is skipped by the reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import json
from typing import Any, Final

from ._parse import Fields, as_bool, as_datetime, as_float, as_str
from .body import decode_json

TYPE_INSTRUMENT_STATUS: Final = "instrumentstatus"
TYPE_LIVE_DATA: Final = "livedata"
TYPE_ACTION_STATUS: Final = "actionstatus"
TYPE_ERROR: Final = "error"
TYPE_KEEP_ALIVE: Final = "keepalive"


@dataclass(frozen=True, kw_only=True, slots=True)
class LiveStatus:
    """The instrument's flags, pushed on connecting and on every change."""

    time: datetime | None
    online: bool | None
    measuring: bool | None
    calibration_in_progress: bool | None
    sic_in_progress: bool | None


@dataclass(frozen=True, kw_only=True, slots=True)
class LiveData:
    """Live levels in dB, by value name (``LAeq``, ``LAF``, ...)."""

    time: datetime | None
    values: Mapping[str, float]


@dataclass(frozen=True, kw_only=True, slots=True)
class ActionStatus:
    """Progress of an action; several may answer one (InProgress, then Success)."""

    time: datetime | None
    action: str | None
    status: str | None
    error: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class LiveError:
    """The server refused something, e.g. live data without its scope."""

    time: datetime | None
    code: str | None
    description: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class KeepAlive:
    """The server's answer to a keep-alive."""

    time: datetime | None


type LiveMessage = LiveStatus | LiveData | ActionStatus | LiveError | KeepAlive


def parse_message(text: str) -> LiveMessage | None:
    """Return the message a text frame carries, or None if it carries none."""
    try:
        data = decode_json(text)
    except (ValueError, RecursionError):  # not JSON, or nested beyond reason
        return None
    if type(data) is not dict:  # what JSON decodes an object to
        return None
    if data.get("type") == "LiveData" and "values" in data and "action" not in data:
        # Spelled as documented: most messages are these, a few a second.
        return _live_data(data["values"], as_datetime(data.get("time")))
    fields = Fields(data)
    kind = (as_str(fields.get("type")) or "").lower()
    action = (as_str(fields.get("action")) or "").lower()
    time = as_datetime(fields.get("time"))
    if TYPE_KEEP_ALIVE in (kind, action):
        return KeepAlive(time=time)
    if kind == TYPE_INSTRUMENT_STATUS:
        return _status(fields, time)
    if kind == TYPE_LIVE_DATA:
        return _live_data(fields.get("values"), time)
    if kind == TYPE_ACTION_STATUS:
        return ActionStatus(
            time=time,
            action=as_str(fields.get("action")),
            status=as_str(fields.get("status")),
            error=_text(fields.get("error")),
        )
    if kind == TYPE_ERROR:
        return LiveError(
            time=time,
            code=_text(fields.get("error", "code")),
            description=_text(fields.get("description", "message")),
        )
    return None


def _status(fields: Fields, time: datetime | None) -> LiveStatus | None:
    status = LiveStatus(
        time=time,
        online=as_bool(fields.get("online")),
        measuring=as_bool(fields.get("measuring")),
        calibration_in_progress=as_bool(fields.get("calibrationInProgress")),
        sic_in_progress=as_bool(fields.get("sicInProgress")),
    )
    flags = (
        status.online,
        status.measuring,
        status.calibration_in_progress,
        status.sic_in_progress,
    )
    return None if all(flag is None for flag in flags) else status


def _live_data(raw: Any, time: datetime | None) -> LiveData | None:
    values: dict[str, float] = {}
    if isinstance(raw, list):
        for item in raw:
            if type(item) is not dict and not isinstance(item, Mapping):
                continue
            # As documented first: this runs for every value of every message.
            name, value = item.get("name"), item.get("value")
            if name is None or value is None:
                fields = Fields(item)
                name, value = fields.get("name"), fields.get("value")
            _keep(values, name, value)
    elif isinstance(raw, Mapping):
        for name, value in raw.items():
            _keep(values, name, value)
    else:
        return None
    return LiveData(time=time, values=values) if values else None


def _keep(values: dict[str, float], name: Any, value: Any) -> None:
    """Keep a named level, if the name is text and the level a number."""
    if (key := as_str(name)) is not None and (level := as_float(value)) is not None:
        values[key] = level


def _text(value: Any) -> str | None:
    """Return a string, or a JSON rendering of anything else the server sent."""
    if value is None or isinstance(value, str):
        return as_str(value)
    return json.dumps(value, separators=(",", ":"), default=str)[:200]
