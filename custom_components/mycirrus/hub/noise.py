"""The stored noise data of a loaded entry: its refreshes, backfill and events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later

from ..api import MyCirrusClient, NoiseEvent
from ..const import DOMAIN
from ..scopes import AskedOnce, KeyScopes
from .backfill import Backfill
from .data import NoiseDataCoordinator, NoiseState
from .options import EntryOptions
from .signals import event_signal
from .statistics import async_offer_to_clear
from .store import InstrumentStore


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
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Wire the refreshes; nothing is asked yet."""
        self.hass = hass
        self.entry = entry
        self.coordinator = NoiseDataCoordinator(
            hass,
            entry,
            client,
            store,
            options=options,
            scopes=AskedOnce(scopes),
            on_event=self._async_fire,
            on_auth_failed=on_auth_failed,
        )
        self.backfill = Backfill(self.coordinator, on_auth_failed=on_auth_failed)
        self._filling = asyncio.Lock()
        self._retry: CALLBACK_TYPE | None = None

    def state(self, serial: str) -> NoiseState | None:
        """Return what the stored data said of an instrument at the last refresh."""
        return (self.coordinator.data or {}).get(serial)

    def granted(self, scope: str) -> bool:
        """Return whether MyCirrus answered a call needing ``scope``."""
        return self.coordinator.granted(scope)

    @property
    def current(self) -> bool:
        """Return whether the last refresh was answered."""
        return self.coordinator.last_update_success

    @callback
    def async_start(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Refresh now and then regularly, in the background; fill the statistics.

        ``listener`` hears of every refresh; the returned callback stops it.
        """
        remove = self.coordinator.async_add_listener(listener)
        self.entry.async_create_background_task(
            self.hass, self._async_first(), f"{DOMAIN} first noise data"
        )
        return remove

    async def _async_first(self) -> None:
        await self.coordinator.events.async_load()
        await self._async_refresh_and_fill()

    async def _async_refresh_and_fill(self) -> None:
        """Refresh, then fill what the statistics lacked before it.

        Where they resume is read before the refresh imports the last two
        days, one fill at a time.
        """
        async with self._filling:
            plan = await self.backfill.async_plan()
            await self.coordinator.async_refresh()
            self._async_go_on_after(await self.backfill.async_run(plan))

    @callback
    def _async_go_on_after(self, wait: float | None) -> None:
        """Go on with the backfill after a pause or an outage, from where it was.

        A timer, not a sleeping task: nothing waits on the backfill meanwhile.
        """
        if self._retry is not None:
            self._retry()
            self._retry = None
        if wait is None:
            return

        @callback
        def go_on(_now: datetime) -> None:
            self._retry = None
            self.entry.async_create_background_task(
                self.hass, self._async_go_on(), f"{DOMAIN} backfill"
            )

        self._retry = async_call_later(self.hass, wait, go_on)

    async def _async_go_on(self) -> None:
        async with self._filling:
            remaining = self.backfill.remaining
            self._async_go_on_after(await self.backfill.async_run(remaining))

    @callback
    def async_refill(self, why: str) -> None:
        """Refresh, then fill what the statistics lack, in the background.

        For an instrument just added, or options that ask for other values.
        """
        self.entry.async_create_background_task(
            self.hass, self._async_refresh_and_fill(), f"{DOMAIN} noise data {why}"
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
        """Apply a new refresh interval, values, backfill or rating hours."""
        self.coordinator.update_interval = new.data_interval
        if (old.stored_values, old.backfill, old.rating_hours) != (
            new.stored_values,
            new.backfill,
            new.rating_hours,
        ):
            self.async_refill("options")

    async def async_stop(self) -> None:
        """Keep what fired for the next set-up (a reload reads it at once)."""
        self._async_go_on_after(None)
        await self.coordinator.events.async_flush()

    @callback
    def _async_fire(self, event: NoiseEvent) -> None:
        async_dispatcher_send(
            self.hass, event_signal(self.entry.entry_id, event.instrument), event
        )
