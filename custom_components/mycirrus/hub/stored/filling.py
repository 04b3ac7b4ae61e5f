"""One background task that reads what the statistics and the gaps lack.

After each refresh, when an instrument comes back online, and when an entity
is asked to update: first what was never asked for (the backfill), then the
incomplete hours due a re-read. One task at a time; asked again while it
runs, it goes round again. What it brought is shown at once (rating levels,
the last period) without moving the next refresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ...const import DOMAIN, SCOPE_NOISE
from .backfill import Backfill
from .coordinator import StoredDataCoordinator
from .rereads import ReReader


class Filler:
    """Runs the backfill and the re-reads, one after the other, in the background."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: StoredDataCoordinator,
        backfill: Backfill,
        rereads: ReReader,
        *,
        events_found: Callable[[], None],
    ) -> None:
        """Fill for ``coordinator``; ``events_found`` fires what a re-read found."""
        self.hass = hass
        self.entry = entry
        self._coordinator = coordinator
        self._backfill = backfill
        self._rereads = rereads
        self._events_found = events_found
        self._task: asyncio.Task[None] | None = None
        self._again = False  # more was asked while the task ran
        self.stopped = False

    @callback
    def async_fill(self) -> None:
        """Read what was never asked for and what is incomplete, in the background.

        Not while a refresh's own request for the periods failed (so would
        these), nor during a rate-limit pause.
        """
        coordinator = self._coordinator
        if (
            self.stopped
            or not coordinator.last_update_success
            or SCOPE_NOISE in coordinator.failures.failing
            or coordinator.client.limiter.paused
        ):
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._async_run(), f"{DOMAIN} backfill"
        )

    async def _async_run(self) -> None:
        """Fill the statistics, then read again what is incomplete.

        A failure waits for the next time.
        """
        coordinator = self._coordinator
        backfill = self._backfill
        taken = coordinator.periods.periods_taken
        while True:
            self._again = False
            if (
                backfill.plan()
                and await backfill.async_run()
                # An instrument or a value added meanwhile.
                and backfill.plan()
            ):
                await backfill.async_run()
            if not coordinator.client.limiter.paused and (
                requests := self._rereads.due()
            ):
                await self._rereads.async_run(requests)
                self._events_found()
            if not self._again:
                break
        if coordinator.periods.periods_taken != taken and coordinator.data is not None:
            # What came may change the rating levels and the last period.
            coordinator.data = await coordinator.async_state()
            coordinator.async_update_listeners()
            self._again = False  # the listeners asked again: nothing is new

    def cancel(self) -> None:
        """Stop, when the entry unloads."""
        self.stopped = True
        if self._task is not None:
            self._task.cancel()
