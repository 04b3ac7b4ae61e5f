"""The entry's options as the running parts read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..const import (
    CONF_DRIFT_THRESHOLD,
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    DEFAULT_DRIFT_THRESHOLD,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_LIVE_VALUES,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class EntryOptions:
    """What the options form chose, with the defaults where it chose nothing."""

    live_types: tuple[str, ...] = DEFAULT_LIVE_VALUES
    live_interval: timedelta = timedelta(seconds=DEFAULT_LIVE_INTERVAL)
    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> EntryOptions:
        """Read an entry's options."""
        return cls(
            live_types=tuple(options.get(CONF_LIVE_VALUES, DEFAULT_LIVE_VALUES)),
            live_interval=timedelta(
                seconds=options.get(CONF_LIVE_INTERVAL, DEFAULT_LIVE_INTERVAL)
            ),
            drift_threshold=float(
                options.get(CONF_DRIFT_THRESHOLD, DEFAULT_DRIFT_THRESHOLD)
            ),
        )
