"""A noise limit as its subentry describes it, and what makes one invalid.

The form's keys, in its order: ``name``, ``instrument`` (a followed serial),
``value`` (LAeq, or LAFMax or LCPeak for a maximum limit), ``window`` (minutes;
0 is the whole scheduled period), ``days`` (mon ... sun), ``start`` and ``end``
(local "HH:MM"; an end at or before the start runs past midnight, 00:00-00:00
is all day), ``level`` and ``margin`` (dB).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
import math
from typing import Any, Final

from homeassistant.const import CONF_NAME

from ...const import (
    CONF_DAYS,
    CONF_END,
    CONF_INSTRUMENT,
    CONF_LEVEL,
    CONF_MARGIN,
    CONF_START,
    CONF_VALUE,
    CONF_WINDOW,
)

ENERGETIC_VALUE: Final = "LAeq"
MAXIMUM_VALUES: Final = ("LAFMax", "LCPeak")
VALUES: Final = (ENERGETIC_VALUE, *MAXIMUM_VALUES)
# The live level each value is followed by: a monitor sends no live LAFMax, so
# the highest LAF it sends stands in until the stored LAFMax corrects it.
LIVE_VALUE: Final = {"LAeq": "LAeq", "LAFMax": "LAF", "LCPeak": "LCPeak"}
WINDOWS: Final = (5, 10, 15, 30, 60, 0)  # minutes; 0: the whole scheduled period
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOWEST_LIMIT: Final = 20.0
HIGHEST_LIMIT: Final = 140.0
DEFAULT_MARGIN: Final = 3.0
HIGHEST_MARGIN: Final = 20.0
MINUTES_A_DAY: Final = 1440


def parse_time(text: Any) -> time | None:
    """Return a local time from "HH:MM" (or "HH:MM:SS"); None if it is none."""
    if not isinstance(text, str):
        return None
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def time_text(moment: time) -> str:
    """Return a time as the subentry keeps it: "HH:MM"."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def period_minutes(start: time, end: time) -> int:
    """Return the length of the scheduled period on the clock, in minutes.

    An end at or before the start is the next day's: 00:00-00:00 is 24 hours.
    """
    return (_minutes(end) - _minutes(start)) % MINUTES_A_DAY or MINUTES_A_DAY


@dataclass(frozen=True, kw_only=True, slots=True)
class LimitConfig:
    """One noise limit: what it watches, when, and how loud it may be."""

    name: str
    serial: str
    value: str
    window: int  # minutes; 0: the whole scheduled period
    days: frozenset[int]  # 0 is Monday
    start: time
    end: time
    level: float
    margin: float

    @property
    def maximum(self) -> bool:
        """Return whether any level above it exceeds it (LAFMax, LCPeak)."""
        return self.value in MAXIMUM_VALUES

    @property
    def live_value(self) -> str:
        """Return the live level that follows it (LAF for LAFMax)."""
        return LIVE_VALUE[self.value]

    @property
    def window_minutes(self) -> int:
        """Return its windows' length on the clock, the whole period for 0."""
        return self.window or period_minutes(self.start, self.end)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LimitConfig:
        """Read a limit subentry's data, which ``problems`` found valid.

        Raises ValueError for data it cannot read at all.
        """
        start, end = parse_time(data.get(CONF_START)), parse_time(data.get(CONF_END))
        value = value_name(data.get(CONF_VALUE, ENERGETIC_VALUE))
        window = _window(data.get(CONF_WINDOW))
        if start is None or end is None or value is None or window is None:
            raise ValueError("a limit without a usable schedule or value")
        return cls(
            name=str(data.get(CONF_NAME, "")).strip(),
            serial=str(data.get(CONF_INSTRUMENT, "")),
            value=value,
            window=window,
            days=frozenset(
                DAYS.index(day) for day in day_names(data.get(CONF_DAYS, DAYS))
            ),
            start=start,
            end=end,
            level=float(data[CONF_LEVEL]),
            margin=float(data.get(CONF_MARGIN, DEFAULT_MARGIN)),
        )


def problems(
    data: Mapping[str, Any],
    *,
    followed: Mapping[str, str],
    stored_period: Callable[[str], float | None],
) -> dict[str, str]:
    """Return the form's errors (field -> translation key) of a limit's data.

    ``followed`` maps the followed serials to their names; ``stored_period``
    returns an instrument's measurement period in seconds where the limit must
    work from stored periods alone (the key lacks live data) and it is known,
    else None: then its windows, and their start, must fall on the periods.
    """
    errors: dict[str, str] = {}
    if not str(data.get(CONF_NAME, "")).strip():
        errors[CONF_NAME] = "no_name"
    serial = str(data.get(CONF_INSTRUMENT, ""))
    if serial not in followed:
        errors[CONF_INSTRUMENT] = "instrument_not_followed"
    if value_name(data.get(CONF_VALUE, ENERGETIC_VALUE)) is None:
        errors[CONF_VALUE] = "invalid_value"
    start, end = parse_time(data.get(CONF_START)), parse_time(data.get(CONF_END))
    if start is None:
        errors[CONF_START] = "invalid_time"
    if end is None:
        errors[CONF_END] = "invalid_time"
    if not day_names(data.get(CONF_DAYS, [])):
        errors[CONF_DAYS] = "no_days"
    if (problem := _window_problem(data, start, end, stored_period)) is not None:
        errors[CONF_WINDOW] = problem
    level = _number(data.get(CONF_LEVEL))
    if level is None or not LOWEST_LIMIT <= level <= HIGHEST_LIMIT:
        errors[CONF_LEVEL] = "level_out_of_range"
    margin = _number(data.get(CONF_MARGIN, DEFAULT_MARGIN))
    if margin is None or not 0 <= margin <= HIGHEST_MARGIN:
        errors[CONF_MARGIN] = "margin_out_of_range"
    return errors


def value_name(text: Any) -> str | None:
    """Return the value a limit may watch, in its own letter case; None if none."""
    lowered = str(text).strip().lower()
    return next((value for value in VALUES if value.lower() == lowered), None)


def day_names(days: Any) -> list[str]:
    """Return the days named (mon ... sun, any letter case), in the week's order."""
    if isinstance(days, str):
        days = [days]
    named = {str(day).strip().lower() for day in days or ()}
    return [day for day in DAYS if day in named]


def _window_problem(
    data: Mapping[str, Any],
    start: time | None,
    end: time | None,
    stored_period: Callable[[str], float | None],
) -> str | None:
    """Return what is wrong with the window (a translation key), if anything."""
    window = _window(data.get(CONF_WINDOW))
    if window is None:
        return "invalid_window"
    if start is None or end is None:
        return None
    length = window or period_minutes(start, end)
    if length > period_minutes(start, end):
        return "window_too_long"
    seconds = stored_period(str(data.get(CONF_INSTRUMENT, "")))
    period = round(seconds / 60) if seconds else 0
    if period and (length % period or _minutes(start) % period):
        return "window_not_multiple"
    return None


def _window(value: Any) -> int | None:
    """Return a window the form offers, in minutes; None for any other."""
    try:
        minutes = int(str(value).strip())
    except ValueError:
        return None
    return minutes if minutes in WINDOWS else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return valid form data as the subentry keeps it."""
    start, end = parse_time(data[CONF_START]), parse_time(data[CONF_END])
    # problems() found both.
    assert start is not None
    assert end is not None
    return {
        CONF_NAME: str(data[CONF_NAME]).strip(),
        CONF_INSTRUMENT: str(data[CONF_INSTRUMENT]),
        CONF_VALUE: value_name(data.get(CONF_VALUE, ENERGETIC_VALUE)),
        CONF_WINDOW: _window(data[CONF_WINDOW]),
        CONF_DAYS: day_names(data[CONF_DAYS]),
        CONF_START: time_text(start),
        CONF_END: time_text(end),
        CONF_LEVEL: float(data[CONF_LEVEL]),
        CONF_MARGIN: float(data.get(CONF_MARGIN, DEFAULT_MARGIN)),
    }
