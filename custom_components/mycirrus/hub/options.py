"""The entry's options as the running parts read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..acoustics import DEFAULT_STORED_VALUES
from ..const import (
    CONF_BACKFILL_DAYS,
    CONF_DATA_INTERVAL,
    CONF_DAY_START,
    CONF_DRIFT_THRESHOLD,
    CONF_EVENING_START,
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    CONF_NIGHT_START,
    CONF_STORED_VALUES,
    CONF_WIND_LIMIT,
    DEFAULT_BACKFILL_DAYS,
    DEFAULT_DATA_INTERVAL,
    DEFAULT_DRIFT_THRESHOLD,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_LIVE_VALUES,
    DEFAULT_WIND_LIMIT,
)
from ..rating import RatingHours


@dataclass(frozen=True, kw_only=True, slots=True)
class EntryOptions:
    """What the options form chose, with the defaults where it chose nothing."""

    live_types: tuple[str, ...] = DEFAULT_LIVE_VALUES
    live_interval: timedelta = timedelta(seconds=DEFAULT_LIVE_INTERVAL)
    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD
    stored_values: tuple[str, ...] = DEFAULT_STORED_VALUES
    backfill: timedelta = timedelta(days=DEFAULT_BACKFILL_DAYS)
    data_interval: timedelta = timedelta(minutes=DEFAULT_DATA_INTERVAL)
    rating_hours: RatingHours = field(default_factory=RatingHours)
    wind_limit: float = DEFAULT_WIND_LIMIT

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> EntryOptions:
        """Read an entry's options."""
        defaults = RatingHours()
        return cls(
            live_types=tuple(options.get(CONF_LIVE_VALUES, DEFAULT_LIVE_VALUES)),
            live_interval=timedelta(
                seconds=options.get(CONF_LIVE_INTERVAL, DEFAULT_LIVE_INTERVAL)
            ),
            drift_threshold=float(
                options.get(CONF_DRIFT_THRESHOLD, DEFAULT_DRIFT_THRESHOLD)
            ),
            stored_values=tuple(options.get(CONF_STORED_VALUES, DEFAULT_STORED_VALUES)),
            backfill=timedelta(
                days=int(options.get(CONF_BACKFILL_DAYS, DEFAULT_BACKFILL_DAYS))
            ),
            data_interval=timedelta(
                minutes=int(options.get(CONF_DATA_INTERVAL, DEFAULT_DATA_INTERVAL))
            ),
            rating_hours=RatingHours(
                day_start=int(options.get(CONF_DAY_START, defaults.day_start)),
                evening_start=int(
                    options.get(CONF_EVENING_START, defaults.evening_start)
                ),
                night_start=int(options.get(CONF_NIGHT_START, defaults.night_start)),
            ),
            wind_limit=float(options.get(CONF_WIND_LIMIT, DEFAULT_WIND_LIMIT)),
        )
