"""Changes of a loaded entry applied while it runs: instruments, options, limits.

Only a new key or API URL needs a reload: an instrument added gets its device
and entities, one removed loses them, new options and noise limits apply at
once, and the live connections are asked for other levels without
reconnecting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ..const import DOMAIN
from ..issues import async_prune_issues
from ..model import InstrumentRecord, followed_subentries, new_record
from .health import MyCirrusHealthCoordinator
from .limits import LimitsManager
from .options import EntryOptions
from .push import MyCirrusPush
from .signals import entities_signal
from .status import MyCirrusCoordinator
from .store import InstrumentStore
from .stored import StoredData, async_keep


class EntryChanges:
    """The hub's part that applies the entry's changes (MyCirrusHub has it)."""

    hass: HomeAssistant
    entry: ConfigEntry
    data: dict[str, Any]
    options: EntryOptions
    followed: dict[str, str]
    store: InstrumentStore
    coordinator: MyCirrusCoordinator
    push: MyCirrusPush
    health: MyCirrusHealthCoordinator
    stored: StoredData
    limits: LimitsManager

    @property
    def records(self) -> Mapping[str, InstrumentRecord]:
        """Return the record of each followed instrument, by serial."""
        return self.store.records

    @callback
    def async_entry_updated(self) -> bool:
        """Apply new instruments, options and limits; return if the entry must reload.

        A new key or API URL reloads; a renamed subentry needs nothing.
        """
        entry = self.entry
        if dict(entry.data) != self.data:
            return True
        followed = followed_subentries(entry)
        for serial, subentry_id in self.followed.items():
            if followed.get(serial) != subentry_id:
                name = self.records[serial].name
                self.store.async_remove(serial)
                self.push.async_remove(serial)
                self.stored.async_removed(serial, name)
        for serial, subentry_id in followed.items():
            if self.followed.get(serial) != subentry_id:
                self._async_add(serial)
        if followed != self.followed:
            self.followed = followed
            async_prune_issues(self.hass, entry.entry_id, set(followed))
            self._async_look_for_entities()
        if (options := EntryOptions.from_options(entry.options)) != self.options:
            self._async_apply_options(options)
        self.limits.async_apply()
        return False

    def _async_add(self, serial: str) -> None:
        """Follow an instrument just added: its device, entities and status."""
        self.store.async_add(new_record(self.entry, serial))
        async_keep(self.hass, serial)
        self.coordinator.async_schedule_fetch(serial)
        self.entry.async_create_background_task(
            self.hass,
            self.coordinator.details.async_refresh_one(serial),
            f"{DOMAIN} details {serial}",
        )
        self.entry.async_create_background_task(
            self.hass, self.health.async_request_refresh(), f"{DOMAIN} health"
        )
        self.stored.async_refill()

    def _async_apply_options(self, options: EntryOptions) -> None:
        old, self.options = self.options, options
        self._async_sync_live_types()
        self.stored.async_options_changed(old, options)
        # The platforms add and remove entities, the live sensors' interval.
        self._async_look_for_entities()
        self.store.async_dispatch_all()  # the drift threshold may have changed

    def live_types(self) -> tuple[str, ...]:
        """Return the live levels to ask for: those chosen, then those limits follow."""
        chosen = self.options.live_types
        have = {name.lower() for name in chosen}
        extra = (n for n in self.limits.live_types() if n.lower() not in have)
        return (*chosen, *extra)

    @callback
    def _async_sync_live_types(self) -> None:
        """Ask the open connections for other live levels, if they changed."""
        if (wanted := self.live_types()) != self.push.live_types:
            self.entry.async_create_background_task(
                self.hass,
                self.push.async_set_live_types(wanted),
                f"{DOMAIN} live types",
            )

    @callback
    def _async_limits_changed(self) -> None:
        """Limits started or stopped: their entities, the live levels they follow."""
        self._async_sync_live_types()
        self._async_look_for_entities()

    @callback
    def _async_look_for_entities(self) -> None:
        async_dispatcher_send(self.hass, entities_signal(self.entry.entry_id))
