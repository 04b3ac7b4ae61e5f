"""Decoding an answer's body: the one place a 2xx body becomes JSON."""

from __future__ import annotations

import json
from typing import Any

import orjson

from .exceptions import MyCirrusResponseError


def decode_json(text: str) -> Any:
    """Decode JSON text: the fast decoder (Home Assistant's own), leniently.

    It runs in one go, holding the interpreter: a month of periods decodes
    several times faster than with the standard library, so threads (and the
    event loop) wait that much less. What it refuses and the standard library
    takes (NaN, integers beyond 64 bits) is decoded the standard way, so that
    such a value is dropped by the parsers, not the whole answer.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def decode_body(raw: bytes, status: int = 200) -> tuple[Any, str]:
    """Return a 2xx answer's decoded JSON body (None if empty) and its text.

    A body that is not UTF-8 or not JSON is MyCirrus failing, not a crash.
    """
    try:
        text = raw.decode("utf-8-sig")
        return (decode_json(text) if text.strip() else None), text
    except UnicodeDecodeError as err:
        raise MyCirrusResponseError(
            f"MyCirrus answered HTTP {status} with a body that is not UTF-8"
        ) from err
    except RecursionError as err:
        raise MyCirrusResponseError(
            f"MyCirrus answered HTTP {status} with JSON nested beyond reason"
        ) from err
    except ValueError as err:
        raise MyCirrusResponseError(
            f"MyCirrus answered HTTP {status} with a body that is not JSON"
        ) from err
