"""What an instrument's stored periods say: statistics, its latest, yesterday's LAeq."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ...api import Measurement
from ...const import TRAILING_WINDOW
from ..options import EntryOptions
from .events import trailing_start
from .statistics import Rows, StatisticsImporter, hour_rows, periods_by_value

# Rating levels need LAeq whatever the statistics keep.
RATED = "LAeq"

type PeriodsListener = Callable[[str, list[Measurement]], None]
"""Hears an instrument's periods, oldest first, as answers bring them."""


class PeriodKeeper:
    """Takes each answer's periods to the statistics and keeps what entities show."""

    def __init__(
        self,
        hass: HomeAssistant,
        name: Callable[[str], str],
        followed: Callable[[str], bool],
    ) -> None:
        """Keep nothing yet; ``name`` names an instrument's statistics.

        ``followed`` says whether an instrument is still followed once its
        hourly rows are made (it may have been removed meanwhile).
        """
        self.hass = hass
        self._followed = followed
        self.importer = StatisticsImporter(hass, name)
        # Each instrument's period length (seconds), as last seen.
        self.lengths: dict[str, float] = {}
        # Each instrument's last complete period.
        self.latest: dict[str, Measurement] = {}
        # Each instrument's LAeq periods of the trailing window: start ->
        # (seconds, dB), for yesterday's rating levels.
        self._rated: dict[str, dict[datetime, tuple[float, float]]] = {}
        self.periods_taken = 0
        self._listeners: list[PeriodsListener] = []

    @callback
    def async_add_listener(self, listener: PeriodsListener) -> CALLBACK_TYPE:
        """Call ``listener`` with each instrument's periods that an answer brought.

        Periods a re-read brings again come again: a listener keeps the last
        of each start. Returns the function that removes it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @staticmethod
    def values_to_ask(options: EntryOptions) -> list[str]:
        """Return the values to ask for: LAeq and the values the options keep."""
        return list(dict.fromkeys((RATED, *options.stored_values)))

    async def async_take(
        self,
        measurements: list[Measurement],
        start: datetime,
        end: datetime,
        options: EntryOptions,
        *,
        rows: Rows | None = None,
    ) -> None:
        """Take the periods an answer for ``start`` to ``end`` brought.

        Their hourly rows are imported at once, or added to ``rows`` for the
        caller to import (a backfill imports many requests' rows together).
        """
        for measurement in measurements:
            if measurement.period is not None:
                self.lengths[measurement.instrument] = (
                    measurement.period.total_seconds()
                )
            seen = self.latest.get(measurement.instrument)
            if seen is None or measurement.start > seen.start:
                self.latest[measurement.instrument] = measurement
        self.periods_taken += len(measurements)
        self._tell(measurements)
        keep_from = trailing_start(dt_util.utcnow(), TRAILING_WINDOW)
        periods = periods_by_value(
            measurements, self.values_to_ask(options), self.lengths
        )
        for (serial, value), members in periods.items():
            if value != RATED:
                continue
            rated = self._rated.setdefault(serial, {})
            rated.update(
                (begin, (seconds, level))
                for begin, seconds, level in members
                if begin >= keep_from
            )
            for begin in [b for b in rated if b < keep_from]:
                del rated[begin]
        if not self.importer.available:
            return
        kept = {k: v for k, v in periods.items() if k[1] in options.stored_values}
        made = await self.hass.async_add_executor_job(hour_rows, kept, start, end)
        # One removed meanwhile gets none: its statistics may be deleted.
        made = {key: value for key, value in made.items() if self._followed(key[0])}
        if rows is None:
            self.importer.async_import(made, keep_from)
            return
        for key, key_rows in made.items():
            rows.setdefault(key, []).extend(key_rows)

    def _tell(self, measurements: list[Measurement]) -> None:
        """Give the listeners each instrument's periods, oldest first."""
        if not self._listeners:
            return
        by_serial: defaultdict[str, list[Measurement]] = defaultdict(list)
        for measurement in measurements:
            by_serial[measurement.instrument].append(measurement)
        for serial, taken in by_serial.items():
            taken.sort(key=lambda measurement: measurement.start)
            for listener in list(self._listeners):
                listener(serial, taken)

    def laeq_periods(self, serial: str) -> list[tuple[datetime, float, float]]:
        """Return the instrument's LAeq periods of the trailing window."""
        return [
            (begin, seconds, level)
            for begin, (seconds, level) in self._rated.get(serial, {}).items()
        ]

    def end_of(self, measurement: Measurement | None) -> datetime | None:
        """Return when a period ended, where its length is known."""
        if measurement is None:
            return None
        if measurement.period is not None:
            return measurement.start + measurement.period
        if (seconds := self.lengths.get(measurement.instrument)) is not None:
            return measurement.start + timedelta(seconds=seconds)
        return None

    def forget(self, serial: str) -> None:
        """Forget an instrument no longer followed; its statistics stay."""
        for kept in (self.lengths, self.latest, self._rated):
            kept.pop(serial, None)
        self.importer.forget(serial)

    def per_hour(self, serials: Iterable[str], assumed: float) -> float:
        """Return how many periods an hour of ``serials`` holds.

        An instrument whose period is not known yet counts as ``assumed``
        seconds long.
        """
        return sum(3600 / self.lengths.get(serial, assumed) for serial in serials)
