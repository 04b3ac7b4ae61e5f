"""The live websocket's server messages, valid and otherwise."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
import json
from typing import Any

from .instrument import SimInstrument, iso

GARBAGE_KINDS = (
    "not_json",
    "binary",
    "unknown_type",
    "no_type",
    "array",
    "wrong_types",
    "not_utf8",
)


def status(instrument: SimInstrument, now: datetime) -> dict[str, Any]:
    """Return the InstrumentStatus message of an instrument."""
    return {
        "type": "InstrumentStatus",
        "time": iso(now),
        "online": instrument.online,
        "measuring": instrument.measuring,
        "calibrationInProgress": instrument.calibration_in_progress,
        "sicInProgress": instrument.sic_in_progress,
    }


def live_data(values: Iterable[tuple[str, Any]], now: datetime) -> dict[str, Any]:
    """Return a LiveData message with ``values`` in their order."""
    return {
        "type": "LiveData",
        "time": iso(now),
        "values": [{"name": name, "value": value} for name, value in values],
    }


def action_status(
    action: str, result: str, error: str | None, now: datetime
) -> dict[str, Any]:
    """Return an ActionStatus message."""
    return {
        "type": "ActionStatus",
        "time": iso(now),
        "action": action,
        "status": result,
        "error": error,
        "data": None,
    }


def error(code: str, description: str, now: datetime) -> dict[str, Any]:
    """Return an Error message."""
    return {
        "type": "Error",
        "time": iso(now),
        "error": code,
        "description": description,
    }


def keep_alive(now: datetime) -> dict[str, Any]:
    """Return the answer to a keep-alive.

    Both keys: the vendor's Node.js example recognises it by ``action``,
    other clients by ``type``.
    """
    return {"type": "KeepAlive", "action": "KeepAlive", "time": iso(now)}


def garbage(kind: str, now: datetime) -> list[str | bytes]:
    """Return the frames of one kind of malformed server message."""
    time = iso(now)
    if kind == "not_json":
        return ["not json{"]
    if kind == "binary":
        return [b"\x00\x01\x02binary"]
    if kind == "unknown_type":
        return [json.dumps({"type": "Surprise", "time": time, "data": {"x": 1}})]
    if kind == "no_type":
        return [json.dumps({"hello": 1})]
    if kind == "array":
        return [json.dumps([1, 2])]
    if kind == "wrong_types":
        return [
            json.dumps(
                {
                    "type": "InstrumentStatus",
                    "time": time,
                    "online": "maybe",
                    "measuring": 3,
                    "calibrationInProgress": None,
                    "sicInProgress": [],
                }
            ),
            json.dumps({"type": "LiveData", "time": time, "values": "loud"}),
            json.dumps(
                {
                    "type": "LiveData",
                    "time": time,
                    "values": [
                        {"name": 5, "value": "x"},
                        {"name": "LAeq", "value": None},
                    ],
                }
            ),
        ]
    if kind == "not_utf8":
        # aiohttp only sends valid UTF-8 in a text frame, so these go as binary.
        return [b'{"type": "KeepAlive", \xff\xfe}']
    raise ValueError(f"Unknown kind of garbage {kind!r}; one of {GARBAGE_KINDS}")
