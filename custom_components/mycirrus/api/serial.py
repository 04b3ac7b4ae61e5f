"""Serial numbers: checked before they reach a URL."""

from __future__ import annotations

import re
from typing import Final

from .exceptions import MyCirrusInvalidSerialError

_SERIAL_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


def validate_serial(serial: str) -> str:
    """Return ``serial`` if it is well formed, else raise MyCirrusInvalidSerialError."""
    if not isinstance(serial, str) or not _SERIAL_PATTERN.fullmatch(serial):
        raise MyCirrusInvalidSerialError(
            "A serial number has 1 to 32 letters, digits, '-' or '_'"
        )
    return serial
