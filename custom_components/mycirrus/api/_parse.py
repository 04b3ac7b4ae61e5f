"""Lenient readers of JSON values: a wrong type becomes None, never an error."""

from __future__ import annotations

from collections.abc import ItemsView, Mapping
from datetime import UTC, datetime, timedelta
import re
from typing import Any, Final

# PnW nD TnH nM nS; years and months have no fixed length, so they are refused.
_DURATION: Final = re.compile(
    r"P(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE,
)


class Fields:
    """Case-insensitive access to a JSON object's keys (camelCase or PascalCase)."""

    __slots__ = ("_data",)

    def __init__(self, data: object) -> None:
        """Index ``data`` by lower-case key; anything but an object is empty."""
        # type() first: JSON objects are dicts, and ABC checks are slow.
        self._data: dict[str, Any] = (
            {str(key).lower(): value for key, value in data.items()}
            if type(data) is dict or isinstance(data, Mapping)
            else {}
        )

    def get(self, *names: str) -> Any:
        """Return the first of ``names`` that is present, else None."""
        for name in names:
            if (value := self._data.get(name.lower())) is not None:
                return value
        return None

    def has(self, *names: str) -> bool:
        """Return whether any of ``names`` is present, even as null."""
        return any(name.lower() in self._data for name in names)

    def items(self) -> ItemsView[str, Any]:
        """Return the object's fields, each key in lower case."""
        return self._data.items()


def as_bool(value: Any) -> bool | None:
    """Return a JSON boolean (or "true"/"false"), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_float(value: Any) -> float | None:
    """Return a finite number (or a numeric string) as a float, else None."""
    if type(value) is float:  # the usual case first: it runs for every value
        return value if value - value == 0 else None
    if isinstance(value, bool):
        return None
    if not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):  # text, or an integer of 400 digits
        return None
    # NaN and infinities are not values a dashboard can show.
    return number if number - number == 0 else None


def as_str(value: Any) -> str | None:
    """Return a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def as_str_tuple(value: Any) -> tuple[str, ...]:
    """Return the strings of a JSON array, else an empty tuple."""
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def as_datetime(value: Any) -> datetime | None:
    """Return an ISO 8601 time in UTC (naive times are UTC), else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+01:00 is before year 1
        return None


def as_duration(value: Any) -> timedelta | None:
    """Return a positive ISO 8601 duration ("PT5M") or number of seconds, else None."""
    if isinstance(value, str) and value[:1] in "Pp" and value[1:]:
        match = _DURATION.fullmatch(value)
        if match is None:
            return None
        parts = {
            unit: float(number.replace(",", "."))
            for unit, number in match.groupdict().items()
            if number is not None
        }
        try:
            duration = timedelta(**parts)
        except OverflowError:
            return None
    else:
        seconds = as_float(value)
        if seconds is None:
            return None
        try:
            duration = timedelta(seconds=seconds)
        except OverflowError:
            return None
    return duration if duration > timedelta(0) else None


def as_id(value: Any) -> str | None:
    """Return an identifier as a string, whether the API sent text or a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(value) if value - value == 0 else None
    return as_str(value)
