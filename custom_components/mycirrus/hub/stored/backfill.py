"""Reading the stored periods never asked for into the statistics.

A new statistic starts where the options say (7 days back unless told); one
whose reading stopped (Home Assistant was down, MyCirrus failed, a pause)
goes on from where it stopped (progress.py), at most 31 days back. After each
answered refresh, the backfill reads what lies between each statistic's point
and where the refresh began: one request at a time for all instruments that
start at the same hour, each sized to about RECORDS_PER_REQUEST periods
(smaller after a time-out). Each hour read is judged complete or not
(gaps.py): what is missing from it is read again later. A failure stops its
group; the next refresh starts it again from where it stopped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging

from homeassistant.util import dt as dt_util

from ...acoustics import hour_floor
from ...api import (
    MAX_DATA_SPAN,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusRateLimitError,
)
from ...const import MAX_BACKFILL_DAYS, RECORDS_PER_REQUEST
from ..options import EntryOptions
from .coordinator import ReadWindow
from .periods import PeriodKeeper, rated_from
from .progress import ReadProgress
from .statistics import Key, Rows, StatisticsImporter

_LOGGER = logging.getLogger(__package__)

type Plan = dict[datetime, list[str]]
"""The instruments whose statistics resume at each hour."""

# Until an instrument's period is known, plan for the shortest.
ASSUMED_PERIOD = 60.0
# Hourly rows imported together (the statistics of about 30 days of 50
# instruments' four values come in five imports).
ROWS_PER_IMPORT = 30_000
# Requests shrink after each time-out, down to this fraction of their size,
# and grow back after each answer.
MAX_SHRINK = 16


@dataclass(frozen=True, slots=True)
class BackfillParts:
    """What the backfill reads with, and where it keeps what it read."""

    client: MyCirrusClient
    periods: PeriodKeeper
    importer: StatisticsImporter
    progress: ReadProgress


class Backfill:
    """Fills the statistics up to where the last refresh read."""

    def __init__(
        self,
        parts: BackfillParts,
        *,
        serials: Callable[[], list[str]],
        read_window: Callable[[], ReadWindow | None],
        options: Callable[[], EntryOptions],
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Fill for the instruments ``serials`` returns (those followed now).

        ``read_window`` returns what the last answered refresh read.
        """
        self._client = parts.client
        self._periods = parts.periods
        self._importer = parts.importer
        self._progress = parts.progress
        self._serials = serials
        self._read_window = read_window
        self._options = options
        self._on_auth_failed = on_auth_failed
        self.requests = 0
        # Requests are this many times smaller after a time-out.
        self.shrink = 1
        # Whether the last stop was said (once at info until a request answers).
        self._said = False

    def plan(self) -> Plan:
        """Return where the reading of each instrument with a gap resumes, by hour.

        A gap is what lies between a statistic's point and where the last
        answered refresh began, for the instruments that refresh read; none
        before 31 days ago is read.
        """
        window = self._read_window()
        if window is None or not self._importer.available:
            return {}  # pragma: no mutate (None is as empty to each caller)
        oldest = hour_floor(dt_util.utcnow() - timedelta(days=MAX_BACKFILL_DAYS))
        values = self._options().stored_values
        plan: defaultdict[datetime, list[str]] = defaultdict(list)
        for serial in self._serials():
            points = [
                point
                for value in values
                if (point := self._progress.until((serial, value))) is not None
            ]
            if (
                serial in window.serials
                and points
                and (start := max(min(points), oldest)) < window.start
            ):
                plan[start].append(serial)
        return dict(plan)

    async def async_run(self) -> bool:
        """Read what the plan says the statistics lack, oldest first.

        Returns whether all of it was read. A failure leaves its group where
        it stopped and goes on with the others; a pause or a refused key
        stops it all.
        """
        window = self._read_window()
        plan = self.plan()
        if window is None or not plan:
            return True
        done = True
        for start, serials in sorted(plan.items()):
            filled = await self._async_fill(serials, start, window)
            if filled is None:
                return False
            done = done and filled
        return done

    async def _async_fill(
        self, serials: list[str], start: datetime, window: ReadWindow
    ) -> bool | None:
        """Read ``serials`` from ``start`` to where ``window`` (the refresh) began.

        Returns whether it got there; None when nothing more may be asked (a
        pause, a refused key). A point moves once the rows are imported.
        """
        keeper = self._periods
        progress = self._progress
        options = self._options()
        keys: list[Key] = [
            (s, value) for s in serials for value in options.stored_values
        ]
        progress.skip(keys, start)  # what lies before 31 days ago is not read
        rows: Rows = {}
        gathered_from = start
        while start < window.start:
            # One removed meanwhile is asked for no more.
            followed = self._serials()
            if not (serials := [s for s in serials if s in followed]):
                return True
            hours = RECORDS_PER_REQUEST / (
                keeper.per_hour(serials, ASSUMED_PERIOD) * self.shrink
            )
            span = min(timedelta(hours=max(1, int(hours))), MAX_DATA_SPAN)
            end = min(start + span, window.start)
            filled: bool | None = False
            try:
                self.requests += 1
                measurements = await self._client.measurements(
                    serials,
                    start,
                    end,
                    values=keeper.values_to_ask(options.stored_values),
                )
            except MyCirrusRateLimitError:
                filled = None
            except MyCirrusAuthenticationError:
                self._on_auth_failed(None)
                filled = None
            except MyCirrusError as err:
                # An outage, a 403 of an instrument gone: the next refresh says
                # which, and starts the backfill again. After a time-out, ask
                # for less at a time.
                if isinstance(err, MyCirrusConnectionError):
                    self.shrink = min(2 * self.shrink, MAX_SHRINK)
                _LOGGER.log(
                    logging.DEBUG if self._said else logging.INFO,
                    "Reading the older stored data of %s stopped, to go on after"
                    " the next refresh: %s",
                    ", ".join(serials),
                    err,
                )
                self._said = True
            else:
                self.shrink = max(1, self.shrink // 2)
                self._said = False
                taken = await keeper.async_take(
                    measurements, serials, (start, end), options.stored_values
                )
                for key, key_rows in taken.rows.items():
                    rows.setdefault(key, []).extend(key_rows)
                start = end
                if (
                    sum(map(len, rows.values())) >= ROWS_PER_IMPORT
                    or end >= window.start
                ):
                    await self._async_import(rows)
                    progress.read(keys, gathered_from, end)
                    gathered_from = end
                continue
            # What was read so far is kept; the rest waits.
            await self._async_import(rows)
            progress.read(keys, gathered_from, start)
            return filled
        # The refresh read on from there.
        progress.read(keys, window.start, window.end)
        return True

    async def _async_import(self, rows: Rows) -> None:
        """Import the rows gathered, and wait until the recorder has them.

        Many rows of a statistic in one import: the recorder's cost of each
        import, beside its cost per row, is then paid a few times, not per
        request. Waiting keeps its queue, and the memory it holds, small.
        """
        followed = self._serials()
        await self._importer.async_import(
            {key: key_rows for key, key_rows in rows.items() if key[0] in followed},
            rated_from(dt_util.utcnow()),
        )
        rows.clear()
        await self._importer.async_written()
