"""The stored noise data of a loaded entry: its refreshes, backfill and events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ...api import MyCirrusClient, NoiseEvent
from ...const import DOMAIN, SCOPE_NOISE
from ...scopes import DataScopes, KeyScopes
from ..options import EntryOptions
from ..signals import event_signal
from ..store import InstrumentStore
from .backfill import Backfill
from .coordinator import NoiseState, StoredDataCoordinator
from .events import EventMemory
from .periods import PeriodsListener
from .progress import ReadProgress
from .statistics import async_keep, async_offer_to_clear


async def async_forget_stored_data(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what a deleted entry kept of its stored data (not its statistics)."""
    await EventMemory(hass, entry_id).async_remove()
    await ReadProgress(hass, entry_id).async_remove()


class StoredData:
    """Refreshes the stored data, fills the statistics, fires noise events."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: MyCirrusClient,
        store: InstrumentStore,
        scopes: KeyScopes,
        *,
        options: Callable[[], EntryOptions],
        check_statuses: Callable[[list[str]], Awaitable[set[str]]],
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Wire the refreshes; nothing is asked yet.

        ``check_statuses`` asks for the statuses of instruments now.
        """
        self.hass = hass
        self.entry = entry
        self._check_statuses = check_statuses
        self.coordinator = StoredDataCoordinator(
            hass,
            entry,
            client,
            store,
            options=options,
            scopes=DataScopes(scopes, self._async_still_ours),
            on_auth_failed=on_auth_failed,
        )
        self.backfill = Backfill(self.coordinator, on_auth_failed=on_auth_failed)
        self._filling: asyncio.Task[None] | None = None

    async def _async_still_ours(
        self, serials: list[str]
    ) -> tuple[list[str], set[str]] | None:
        """Return those of ``serials`` still ours, and whose status answered.

        None if none has gone but not every status answered: nothing is known.
        """
        answered = await self._check_statuses(serials)
        still = set(self.coordinator.noise_serials())
        left = [serial for serial in serials if serial in still]
        if len(left) == len(serials) and not answered.issuperset(serials):
            return None
        return left, answered

    @property
    def scopes(self) -> DataScopes:
        """Return how the stored data's scopes are asked (audio asks the same way)."""
        return self.coordinator.scopes

    def state(self, serial: str) -> NoiseState | None:
        """Return what the stored data said of an instrument at the last refresh."""
        return (self.coordinator.data or {}).get(serial)

    @callback
    def async_add_periods_listener(self, listener: PeriodsListener) -> CALLBACK_TYPE:
        """Call ``listener(serial, periods)`` with the periods answers bring.

        See PeriodKeeper.async_add_listener.
        """
        return self.coordinator.periods.async_add_listener(listener)

    def period_seconds(self, serial: str) -> float | None:
        """Return the instrument's measurement period in seconds, once known."""
        return self.coordinator.periods.lengths.get(serial)

    def granted(self, scope: str) -> bool:
        """Return whether MyCirrus answered a call needing ``scope``."""
        return self.coordinator.scopes.granted(scope)

    def available(self, scope: str | None, serial: str) -> bool:
        """Return whether the last refresh answered what ``scope`` reads.

        Not for an instrument left out of the requests (MyCirrus no longer
        knows it, or it left the account): what it shows would not move on.
        """
        coordinator = self.coordinator
        return (
            coordinator.last_update_success and serial in coordinator.noise_serials()
        ) and (
            scope is None
            or (
                not coordinator.scopes.missing(scope)
                and scope not in coordinator.failures.failing
            )
        )

    async def async_load(self, followed: Iterable[str]) -> None:
        """Read what the last run kept: the events that fired, how far it read.

        The history of the ``followed`` instruments goes on: no repair issue
        offers to delete it (one an entry deleted before left). What was kept
        of an instrument removed while the entry was not loaded is forgotten:
        followed again, it starts anew.
        """
        kept = set(followed)
        for serial in kept:
            async_keep(self.hass, serial)
        coordinator = self.coordinator
        await coordinator.events.async_load()
        await coordinator.progress.async_load()
        known = coordinator.events.serials() | coordinator.progress.serials()
        if gone := known - kept:
            coordinator.forget(gone)

    @callback
    def async_start(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Refresh now and then regularly, in the background; fill the statistics.

        ``listener`` hears of every refresh; the returned callback stops both.
        """
        removers = [
            # The entities hear first, then the events fire.
            self.coordinator.async_add_listener(listener),
            self.coordinator.async_add_listener(self._async_refreshed),
        ]
        self.entry.async_create_background_task(
            self.hass, self.coordinator.async_refresh(), f"{DOMAIN} first noise data"
        )

        @callback
        def stop() -> None:
            for remove in removers:
                remove()

        return stop

    @callback
    def _async_refreshed(self) -> None:
        """After a refresh: fire the events found, fill what the statistics lack.

        Events fire from here, once every entity knows whether its data is
        available: an event entity takes its instrument's events when it can
        show them.
        """
        for serial in self.coordinator.events.waiting():
            async_dispatcher_send(self.hass, event_signal(self.entry.entry_id, serial))
        if (
            self.coordinator.last_update_success
            # The refresh's own request for the periods failed: so would the
            # backfill's, from the last window read.
            and SCOPE_NOISE not in self.coordinator.failures.failing
            and not self.coordinator.client.limiter.paused
            and (self._filling is None or self._filling.done())
            and self.backfill.plan()
        ):
            self._filling = self.entry.async_create_background_task(
                self.hass, self._async_fill(), f"{DOMAIN} backfill"
            )

    async def _async_fill(self) -> None:
        """Fill what the statistics lack; a failure waits for the next refresh."""
        if await self.backfill.async_run() and self.backfill.plan():
            # An instrument or a value added meanwhile; anything more waits
            # for the next refresh.
            await self.backfill.async_run()

    def take_events(self, serial: str) -> list[NoiseEvent]:
        """Return an instrument's events waiting to fire, oldest first."""
        return self.coordinator.events.take(serial)

    @callback
    def async_refill(self) -> None:
        """Refresh soon: an instrument was added, or the values to keep changed.

        The refresh reads what is new; the backfill follows.
        """
        self.entry.async_create_background_task(
            self.hass,
            self.coordinator.async_request_refresh(),
            f"{DOMAIN} noise data refresh",
        )

    @callback
    def async_removed(self, serial: str, name: str) -> None:
        """Forget an instrument no longer followed; its statistics stay.

        A repair issue offers to delete them.
        """
        self.coordinator.forget([serial])
        async_offer_to_clear(self.hass, serial, name)

    @callback
    def async_options_changed(self, old: EntryOptions, new: EntryOptions) -> None:
        """Apply a new refresh interval, values, backfill or rating hours.

        New rating hours need no request: the periods are at hand. A new
        interval refreshes now, from when the next follows it: the one already
        due may be an hour away.
        """
        coordinator = self.coordinator
        coordinator.update_interval = new.data_interval
        if (
            old.stored_values != new.stored_values
            or old.data_interval != new.data_interval
        ):
            self.async_refill()
        elif old.rating_hours != new.rating_hours and coordinator.last_update_success:
            coordinator.async_set_updated_data(coordinator.state())

    async def async_stop(self) -> None:
        """Keep what fired and how far it read for the next set-up."""
        if self._filling is not None:
            self._filling.cancel()
        await self.coordinator.events.async_flush()
        await self.coordinator.progress.async_flush()
