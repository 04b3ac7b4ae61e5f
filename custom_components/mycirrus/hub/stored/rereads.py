"""Reading the incomplete hours again: what an instrument uploaded late.

The gaps say which instruments' hours to read and over what span (gaps.py);
each request of a re-read asks for their periods, and their events over the
same span (late periods come with late events). Only the rows of hours that
were incomplete are imported again: the others were imported whole. A
failure waits for the next re-read; a pause or a refused key stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging

from homeassistant.util import dt as dt_util

from ...api import (
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
    NoiseEvent,
)
from ...const import SCOPE_EVENTS
from ...scopes import DataScopes
from ..options import EntryOptions
from .gaps import GapTracker, ReRead
from .periods import PeriodKeeper, rated_from
from .statistics import StatisticsImporter

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class ReReadParts:
    """What a re-read asks with, and where what it finds goes."""

    client: MyCirrusClient
    periods: PeriodKeeper
    importer: StatisticsImporter
    gaps: GapTracker
    scopes: DataScopes


class ReReader:
    """Reads the incomplete hours the gaps plan, and takes what comes."""

    def __init__(
        self,
        parts: ReReadParts,
        *,
        serials: Callable[[], list[str]],
        options: Callable[[], EntryOptions],
        events_found: Callable[[list[NoiseEvent]], None],
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Read again for the instruments ``serials`` returns (those asked for)."""
        self._client = parts.client
        self._periods = parts.periods
        self._importer = parts.importer
        self._gaps = parts.gaps
        self._scopes = parts.scopes
        self._serials = serials
        self._options = options
        self._events_found = events_found
        self._on_auth_failed = on_auth_failed
        self.requests = 0

    def due(self) -> list[ReRead]:
        """Return the requests of the re-read due now (and note it done)."""
        return self._gaps.plan(dt_util.utcnow(), self._serials())

    async def async_run(self, requests: list[ReRead]) -> bool:
        """Make the requests; return False when nothing more may be asked now."""
        for request in requests:
            try:
                await self._async_read(request)
            except MyCirrusRateLimitError:
                return False
            except MyCirrusAuthenticationError:
                self._on_auth_failed(None)
                return False
            except MyCirrusError as err:
                # The next re-read tries again; the refresh says if MyCirrus
                # is down.
                _LOGGER.debug(
                    "Reading the incomplete hours of %s again failed: %s",
                    ", ".join(request.serials),
                    err,
                )
        return True

    async def _async_read(self, request: ReRead) -> None:
        """Read one request's periods, then its events."""
        serials = list(request.serials)
        kept = self._options().stored_values
        self.requests += 1
        measurements = await self._client.measurements(
            serials,
            request.start,
            request.end,
            values=self._periods.values_to_ask(kept),
        )
        taken = await self._periods.async_take(
            measurements,
            serials,
            (request.start, request.end),
            kept,
            only_incomplete=True,
        )
        if self._importer.available:
            await self._importer.async_import(taken.rows, rated_from(dt_util.utcnow()))
        if self._scopes.granted(SCOPE_EVENTS):
            self._events_found(
                await self._client.events(serials, request.start, request.end)
            )
