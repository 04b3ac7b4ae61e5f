"""Reading the stored periods that the statistics lack into them.

A new statistic starts where the options say (7 days back unless told); one
whose reading stopped (Home Assistant was down, MyCirrus failed, a pause)
goes on from where it stopped (progress.py), at most 31 days back. After each
answered refresh, the backfill reads what lies between each statistic's point
and where the refresh began: one request at a time for all instruments that
start at the same hour, each sized to about RECORDS_PER_REQUEST periods. A
failure stops it; the next refresh starts it again from where it stopped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
import logging

from homeassistant.util import dt as dt_util

from ..api import MAX_DATA_SPAN, MyCirrusAuthenticationError, MyCirrusError
from ..const import MAX_BACKFILL_DAYS, RECORDS_PER_REQUEST, TRAILING_WINDOW
from .data import NoiseDataCoordinator, hour_floor
from .events import trailing_start
from .statistics import Key, Rows

_LOGGER = logging.getLogger(__package__)

type Plan = dict[datetime, list[str]]
"""The instruments whose statistics resume at each hour."""

# Until an instrument's period is known, plan for the shortest.
ASSUMED_PERIOD = 60.0
# Hourly rows imported together (the statistics of about 30 days of 50
# instruments' four values come in five imports).
ROWS_PER_IMPORT = 30_000


class Backfill:
    """Fills the statistics up to where the last refresh read."""

    def __init__(
        self,
        coordinator: NoiseDataCoordinator,
        *,
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Fill for ``coordinator``'s instruments."""
        self.coordinator = coordinator
        self._on_auth_failed = on_auth_failed
        self.requests = 0

    def plan(self) -> Plan:
        """Return where the reading of each instrument with a gap resumes, by hour.

        A gap is what lies between a statistic's point and where the last
        answered refresh began; none before 31 days ago is read.
        """
        coordinator = self.coordinator
        progress = coordinator.progress
        if (
            coordinator.read_window is None
            or not coordinator.periods.importer.available
        ):
            return {}
        began = coordinator.read_window[0]
        oldest = hour_floor(dt_util.utcnow() - timedelta(days=MAX_BACKFILL_DAYS))
        values = coordinator.options().stored_values
        plan: defaultdict[datetime, list[str]] = defaultdict(list)
        for serial in coordinator.noise_serials():
            keys = [(serial, value) for value in values]
            progress.skip(keys, oldest)
            points = [p for key in keys if (p := progress.until(key)) is not None]
            if points and (start := min(points)) < began:
                plan[start].append(serial)
        return dict(plan)

    async def async_run(self) -> bool:
        """Read what the plan says the statistics lack, oldest first.

        Returns whether all of it was read; a failure stops it.
        """
        window = self.coordinator.read_window
        plan = self.plan()
        if window is None or not plan:
            return True
        for start, serials in sorted(plan.items()):
            if not await self._async_fill(serials, start, window):
                return False
        return True

    async def _async_fill(
        self, serials: list[str], start: datetime, window: tuple[datetime, datetime]
    ) -> bool:
        """Read ``serials`` from ``start`` to where ``window`` (the refresh) began.

        Returns whether it got there. A point moves once the rows are imported.
        """
        coordinator = self.coordinator
        keeper = coordinator.periods
        progress = coordinator.progress
        until, joined = window
        options = coordinator.options()
        keys: list[Key] = [
            (s, value) for s in serials for value in options.stored_values
        ]
        rows: Rows = {}
        gathered_from = start
        while start < until:
            hours = RECORDS_PER_REQUEST / keeper.per_hour(serials, ASSUMED_PERIOD)
            span = min(timedelta(hours=max(1, int(hours))), MAX_DATA_SPAN)
            end = min(start + span, until)
            try:
                self.requests += 1
                measurements = await coordinator.client.measurements(
                    serials, start, end, values=keeper.values_to_ask(options)
                )
            except MyCirrusAuthenticationError:
                self._on_auth_failed(None)
            except MyCirrusError as err:
                # A pause, an outage, a 403 of an instrument gone: the next
                # refresh says which, and starts the backfill again.
                _LOGGER.debug("Backfill of %s stopped: %s", serials, err)
            else:
                await keeper.async_take(measurements, start, end, options, rows=rows)
                start = end
                if sum(map(len, rows.values())) >= ROWS_PER_IMPORT or end >= until:
                    await self._async_import(rows)
                    progress.read(keys, gathered_from, end)
                    gathered_from = end
                continue
            # What was read so far is kept; the rest waits.
            await self._async_import(rows)
            progress.read(keys, gathered_from, start)
            return False
        # The refresh read on from there.
        progress.read(keys, until, joined)
        return True

    async def _async_import(self, rows: Rows) -> None:
        """Import the rows gathered, and wait until the recorder has them.

        Many rows of a statistic in one import: the recorder's cost of each
        import, beside its cost per row, is then paid a few times, not per
        request. Waiting keeps its queue, and the memory it holds, small.
        """
        importer = self.coordinator.periods.importer
        importer.async_import(rows, trailing_start(dt_util.utcnow(), TRAILING_WINDOW))
        rows.clear()
        await importer.async_written()
