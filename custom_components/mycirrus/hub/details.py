"""Instrument details (name, model, features): fetched at set-up, then hourly."""

from __future__ import annotations

import logging
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from ..api import (
    Instrument,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
)
from ..compat import async_get_entry_device
from ..const import DETAILS_INTERVAL, DOMAIN
from .store import InstrumentStore

_LOGGER = logging.getLogger(__package__)


class InstrumentDetails:
    """Keeps the records' details current and carries renames to Home Assistant."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: MyCirrusClient,
        store: InstrumentStore,
    ) -> None:
        """Start with no details."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.store = store
        # Monotonic time of the last try, so a stepped wall clock changes nothing.
        self.refreshed_at: float | None = None

    async def async_refresh_when_due(self) -> None:
        """Refresh hourly; a failure other than the key's waits for the next hour."""
        if (
            self.refreshed_at is not None
            and time.monotonic() - self.refreshed_at < DETAILS_INTERVAL.total_seconds()
        ):
            return
        try:
            await self.async_refresh()
        except (
            MyCirrusAuthenticationError,
            MyCirrusPermissionError,
            MyCirrusRateLimitError,
        ):
            raise
        except MyCirrusError as err:
            _LOGGER.debug("Could not refresh MyCirrus instrument details: %s", err)
            self.refreshed_at = time.monotonic()

    async def async_refresh(self) -> None:
        """Fetch names, models and features; note instruments gone from the account.

        A 401, 403 (the list needs instruments:read) or 429 on the list is raised.
        """
        listed = {
            instrument.serial_number: instrument
            for instrument in await self.client.instruments()
        }
        for serial in list(self.store.records):
            instrument = listed.get(serial) or await self._async_fetch_unlisted(serial)
            if instrument is not None:
                self._async_set(instrument)
        self.refreshed_at = time.monotonic()

    async def async_refresh_one(self, serial: str) -> None:
        """Fetch the details of an instrument just added; a failure waits an hour."""
        try:
            instrument = await self.client.instrument(serial)
        except MyCirrusError as err:
            _LOGGER.debug("Could not fetch MyCirrus instrument %s: %s", serial, err)
            return
        self._async_set(instrument)

    async def _async_fetch_unlisted(self, serial: str) -> Instrument | None:
        """Ask for an instrument the account's list left out."""
        try:
            return await self.client.instrument(serial)
        except MyCirrusNotFoundError:
            # Gone from the list and unknown by serial: no need to wait for
            # three rounds of 404 to say so.
            self.store.async_raise_gone(serial)
        except (MyCirrusAuthenticationError, MyCirrusRateLimitError):
            raise
        except MyCirrusError as err:
            # A 403 here is the status round's to report, like any failure.
            _LOGGER.debug("Could not fetch MyCirrus instrument %s: %s", serial, err)
        return None

    def _async_set(self, instrument: Instrument) -> None:
        """Store an instrument's details; carry a new name or model to HA."""
        record = self.store.records.get(instrument.serial_number)
        if record is None or self.store.closed:
            return
        previous = record.details
        self.store.async_described(record.serial, instrument)
        if previous is not None and previous != instrument:
            self._async_update_device(instrument)
        subentry = self.entry.subentries.get(record.subentry_id)
        if instrument.name and subentry and subentry.title != instrument.name:
            self.hass.config_entries.async_update_subentry(
                self.entry, subentry, title=instrument.name
            )

    def _async_update_device(self, instrument: Instrument) -> None:
        """Rename the device; a name the user gave it stays in front."""
        device_registry = dr.async_get(self.hass)
        device = async_get_entry_device(
            device_registry, (DOMAIN, instrument.serial_number), self.entry.entry_id
        )
        if device is None:
            return
        changes: dict[str, Any] = {}
        if instrument.name and instrument.name != device.name:
            changes["name"] = instrument.name
        if instrument.model and instrument.model != device.model:
            changes["model"] = instrument.model
        if changes:
            device_registry.async_update_device(device.id, **changes)
