"""Decoding an answer's body: the one place a 2xx body becomes JSON."""

from __future__ import annotations

import json
from typing import Any

from .exceptions import MyCirrusResponseError


def decode_body(raw: bytes, status: int = 200) -> tuple[Any, str]:
    """Return a 2xx answer's decoded JSON body (None if empty) and its text.

    A body that is not UTF-8 or not JSON is MyCirrus failing, not a crash.
    """
    try:
        text = raw.decode("utf-8-sig")
        return (json.loads(text) if text.strip() else None), text
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
