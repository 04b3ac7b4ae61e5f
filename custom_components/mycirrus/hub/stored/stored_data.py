"""The stored record of a loaded entry: refreshes, backfill, re-reads and events.

``StoredData`` makes the parts and wires them: the coordinator refreshes;
after each refresh one background task reads what was never asked for (the
backfill) and what is still incomplete (the re-reads); the statuses tell the
gaps when an instrument was not measuring or came back online; events wait
for their entity to fire them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ...api import MyCirrusClient, NoiseEvent
from ...const import DOMAIN, SCOPE_EVENTS, SCOPE_NOISE
from ...model import InstrumentRecord
from ...scopes import DataScopes, KeyScopes
from ..options import EntryOptions
from ..signals import event_signal
from ..store import InstrumentStore
from .backfill import Backfill, BackfillParts
from .coordinator import NoiseState, StoredDataCoordinator, StoredParts
from .events import EventMemory
from .filling import Filler
from .gaps import GapTracker
from .periods import PeriodKeeper, PeriodsListener
from .progress import ReadProgress
from .rereads import ReReader, ReReadParts
from .statistics import StatisticsImporter, async_keep, async_offer_to_clear


async def async_forget_stored_data(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what a deleted entry kept of its stored data (not its statistics)."""
    await EventMemory(hass, entry_id).async_remove()
    await ReadProgress(hass, entry_id).async_remove()
    await GapTracker(hass, entry_id).async_remove()


def still_ours(
    check_statuses: Callable[[list[str]], Awaitable[set[str]]],
    followed: Callable[[], list[str]],
) -> Callable[[list[str]], Awaitable[tuple[list[str], set[str]] | None]]:
    """Return what finds which of the instruments asked for are still ours.

    It asks their statuses now (``check_statuses``) and returns those still
    ``followed``, and whose status answered; None if none has gone but not
    every status answered: nothing is known (see scopes.DataScopes).
    """

    async def find(serials: list[str]) -> tuple[list[str], set[str]] | None:
        answered = await check_statuses(serials)
        still = set(followed())
        left = [serial for serial in serials if serial in still]
        if len(left) == len(serials) and not answered.issuperset(serials):
            return None
        return left, answered

    return find


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
        """Wire the refreshes (``check_statuses`` asks statuses now), asking nothing."""
        self.hass = hass
        self.entry = entry
        self.gaps = GapTracker(hass, entry.entry_id)
        records = store.records
        self.importer = StatisticsImporter(
            hass, lambda serial: records[serial].name if serial in records else serial
        )
        self.periods = PeriodKeeper(hass, self.gaps, lambda: list(records))
        # A lambda: the coordinator is made with the scopes.
        self.coordinator: StoredDataCoordinator
        serials = lambda: self.coordinator.noise_serials()  # noqa: E731, PLW0108
        # How the data scopes are asked (the audio asks the same way).
        self.scopes = data_scopes = DataScopes(
            scopes, still_ours(check_statuses, serials)
        )
        self.coordinator = StoredDataCoordinator(
            hass,
            entry,
            client,
            store,
            StoredParts(
                periods=self.periods,
                importer=self.importer,
                progress=ReadProgress(hass, entry.entry_id),
                events=EventMemory(hass, entry.entry_id),
                gaps=self.gaps,
            ),
            options=options,
            scopes=data_scopes,
            on_auth_failed=on_auth_failed,
        )
        coordinator = self.coordinator
        self.backfill = Backfill(
            BackfillParts(client, self.periods, self.importer, coordinator.progress),
            serials=coordinator.noise_serials,
            read_window=lambda: coordinator.read_window,
            options=options,
            on_auth_failed=on_auth_failed,
        )
        self.rereads = ReReader(
            ReReadParts(client, self.periods, self.importer, self.gaps, data_scopes),
            serials=coordinator.noise_serials,
            options=options,
            events_found=lambda found: coordinator.found_events(
                found, dt_util.utcnow()
            ),
            on_auth_failed=on_auth_failed,
        )
        self.filler = Filler(
            hass,
            entry,
            coordinator,
            self.backfill,
            self.rereads,
            events_found=self._async_events_found,
        )

    def state(self, serial: str) -> NoiseState | None:
        """Return what the stored data said of an instrument at the last refresh."""
        return (self.coordinator.data or {}).get(serial)

    @callback
    def async_add_periods_listener(self, listener: PeriodsListener) -> CALLBACK_TYPE:
        """Call ``listener(serial, periods)`` with each answer's (PeriodKeeper)."""
        return self.periods.async_add_listener(listener)

    def period_seconds(self, serial: str) -> float | None:
        """Return the instrument's measurement period in seconds, once known."""
        return self.periods.lengths.get(serial)

    def granted(self, scope: str) -> bool:
        """Return whether MyCirrus answered a call needing ``scope``."""
        return self.scopes.granted(scope)

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
        """Read what the last run kept: events fired, how far it read, the gaps.

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
        await self.gaps.async_load()
        known = (
            coordinator.events.serials()
            | coordinator.progress.serials()
            | self.gaps.serials()
        )
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
        """After a refresh: fire the events found, then read what is missing.

        Events fire from here, once every entity knows whether its data is
        available: an event entity takes its instrument's events when it can
        show them.
        """
        self._async_events_found()
        self.filler.async_fill()

    @callback
    def _async_events_found(self) -> None:
        """Let the event entities fire what a re-read found."""
        for serial in self.coordinator.events.waiting():
            async_dispatcher_send(self.hass, event_signal(self.entry.entry_id, serial))

    @callback
    def async_status_changed(
        self, before: InstrumentRecord | None, after: InstrumentRecord
    ) -> None:
        """Hear of a new status: not measuring, or back online after a gap."""
        if self.gaps.status_changed(
            after.serial,
            before.status if before else None,
            after.status,
            dt_util.utcnow(),
        ):
            self.filler.async_fill()

    async def async_update(self, serial: str) -> None:
        """Refresh now, then read the instrument's incomplete hours again.

        For an entity of it asked to update (homeassistant.update_entity):
        the refresh reads what is new; the re-read runs in the background.
        """
        self.gaps.ask(serial)
        await self.coordinator.async_request_refresh()
        self.filler.async_fill()

    def take_events(self, serial: str) -> list[NoiseEvent]:
        """Return an instrument's events waiting to fire, oldest first."""
        return self.coordinator.events.take(serial)

    @callback
    def async_refill(self) -> None:
        """Refresh soon: an instrument was added, or the values to keep changed.

        The refresh reads what is new and the rating levels' days; the
        backfill follows.
        """
        self.coordinator.reach_back.update((SCOPE_NOISE, SCOPE_EVENTS))
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
            self.entry.async_create_background_task(
                self.hass, self._async_rate_again(), f"{DOMAIN} rating levels"
            )

    async def _async_rate_again(self) -> None:
        """Work the rating levels out again for new hours, and show them."""
        self.coordinator.async_set_updated_data(await self.coordinator.async_state())

    async def async_stop(self) -> None:
        """Keep what fired, how far it read and the gaps for the next set-up."""
        self.filler.cancel()
        await self.coordinator.events.async_flush()
        await self.coordinator.progress.async_flush()
        await self.gaps.async_flush()
