"""Reading the stored periods from before the last two days into the statistics.

A new entry reads the days the options ask for (7 unless told); after Home
Assistant was down, each statistic resumes from its last imported hour (at
most 31 days back). It runs in the background after set-up, one request at a
time for all instruments that start at the same hour, each request sized to
about RECORDS_PER_REQUEST periods, and waits out pauses and outages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
import logging

from homeassistant.util import dt as dt_util

from ..api import (
    MAX_DATA_SPAN,
    MyCirrusAuthenticationError,
    MyCirrusError,
    MyCirrusRateLimitError,
)
from ..const import MAX_BACKFILL_DAYS, RECORDS_PER_REQUEST, SCOPE_NOISE, TRAILING_WINDOW
from .data import NoiseDataCoordinator, hour_floor
from .events import trailing_start
from .statistics import Rows

_LOGGER = logging.getLogger(__package__)

type Plan = dict[datetime, list[str]]
"""The instruments whose statistics resume at each hour."""

# Until an instrument's period is known, plan for the shortest.
ASSUMED_PERIOD = 60.0
# Hourly rows imported together (the statistics of about 30 days of 50
# instruments' four values come in five imports).
ROWS_PER_IMPORT = 30_000


class Backfill:
    """Fills the statistics up to where the noise data's refreshes read."""

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
        # What a failure left to read, when the backfill goes on.
        self.remaining: Plan = {}

    async def async_plan(self) -> Plan:
        """Return where each instrument's statistics resume, by hour.

        Before the refreshes import anything: the last imported hour of each
        statistic, or where the options say a new one starts.
        """
        coordinator = self.coordinator
        keeper = coordinator.periods
        if not keeper.importer.available:
            return {}
        now = dt_util.utcnow()
        backfill = coordinator.options().backfill
        oldest = hour_floor(now - timedelta(days=MAX_BACKFILL_DAYS))
        values = coordinator.options().stored_values
        serials = coordinator.noise_serials()
        last = await keeper.importer.async_last_hours(
            (serial, value) for serial in serials for value in values
        )
        plan: defaultdict[datetime, list[str]] = defaultdict(list)
        for serial in serials:
            starts = [
                last[(serial, value)] if (serial, value) in last else now - backfill
                for value in values
            ]
            plan[max(hour_floor(min(starts)), oldest)].append(serial)
        return dict(plan)

    async def async_run(self, plan: Plan) -> float | None:
        """Read what the plan says the statistics lack, oldest first.

        Up to where the refreshes' hourly re-read begins. Returns None when
        done (or when it must stop: a refused key or scope), else the seconds
        to wait before ``async_run(self.remaining)`` goes on: a pause asked
        for, or an outage.
        """
        self.remaining = {}
        if not self.coordinator.granted(SCOPE_NOISE):
            return None  # the key lacks data.noise:read, or MyCirrus never answered
        until = trailing_start(dt_util.utcnow(), TRAILING_WINDOW)
        groups = sorted((s, g) for s, g in plan.items() if s < until)
        for index, (start, serials) in enumerate(groups):
            stopped = await self._async_fill(serials, start, until)
            if stopped is None:
                continue
            reached, wait = stopped
            if wait is not None:
                self.remaining = {reached: serials, **dict(groups[index + 1 :])}
            return wait
        return None

    async def _async_fill(
        self, serials: list[str], start: datetime, until: datetime
    ) -> tuple[datetime, float | None] | None:
        """Read ``serials`` from ``start`` to ``until``.

        None when done; else where it stopped, and the seconds to wait before
        going on from there (None: it must not go on).
        """
        coordinator = self.coordinator
        keeper = coordinator.periods
        rows: Rows = {}
        while start < until:
            hours = RECORDS_PER_REQUEST / keeper.per_hour(serials, ASSUMED_PERIOD)
            span = min(timedelta(hours=max(1, int(hours))), MAX_DATA_SPAN)
            end = min(start + span, until)
            options = coordinator.options()
            try:
                self.requests += 1
                measurements = await coordinator.scopes.async_ask(
                    SCOPE_NOISE,
                    coordinator.client.measurements(
                        serials, start, end, values=keeper.values_to_ask(options)
                    ),
                )
            except MyCirrusRateLimitError:
                wait: float | None = coordinator.client.limiter.remaining() + 1
            except MyCirrusAuthenticationError:
                self._on_auth_failed(None)
                wait = None
            except MyCirrusError as err:
                _LOGGER.debug("Backfill of %s paused: %s", serials, err)
                wait = options.data_interval.total_seconds()
            else:
                if measurements is None:  # the key lacks data.noise:read
                    return start, None
                await keeper.async_take(measurements, start, end, options, rows=rows)
                if sum(map(len, rows.values())) >= ROWS_PER_IMPORT or end >= until:
                    await self._async_import(rows)
                start = end
                continue
            # What was read so far is kept; the rest waits.
            await self._async_import(rows)
            return start, wait
        return None

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
