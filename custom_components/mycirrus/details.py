"""Instrument details (name, model, features): fetched at set-up, then hourly."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from homeassistant.helpers import device_registry as dr

from .api import (
    Instrument,
    MyCirrusAuthenticationError,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
)
from .compat import async_get_entry_device
from .const import DETAILS_INTERVAL, DOMAIN, ISSUE_INSTRUMENT_GONE
from .data import InstrumentRecord

if TYPE_CHECKING:
    from .coordinator import MyCirrusCoordinator

_LOGGER = logging.getLogger(__package__)


class InstrumentDetails:
    """Keeps the records' details current and carries renames to Home Assistant."""

    def __init__(self, coordinator: MyCirrusCoordinator) -> None:
        """Start with no details."""
        self._coordinator = coordinator
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
        coordinator = self._coordinator
        listed = {
            instrument.serial_number: instrument
            for instrument in await coordinator.client.instruments()
        }
        for serial, record in coordinator.records.items():
            instrument = listed.get(serial) or await self._async_fetch_unlisted(record)
            if instrument is not None:
                self._async_set(record, instrument)
        self.refreshed_at = time.monotonic()

    async def _async_fetch_unlisted(
        self, record: InstrumentRecord
    ) -> Instrument | None:
        """Ask for an instrument the account's list left out."""
        coordinator = self._coordinator
        try:
            return await coordinator.client.instrument(record.serial)
        except MyCirrusNotFoundError:
            # Gone from the list and unknown by serial: no need to wait for
            # three rounds of 404 to say so.
            coordinator.async_raise_issue(ISSUE_INSTRUMENT_GONE, record)
        except (MyCirrusAuthenticationError, MyCirrusRateLimitError):
            raise
        except MyCirrusError as err:
            # A 403 here is the status round's to report, like any failure.
            _LOGGER.debug(
                "Could not fetch MyCirrus instrument %s: %s", record.serial, err
            )
        return None

    def _async_set(self, record: InstrumentRecord, instrument: Instrument) -> None:
        """Store an instrument's details; carry a new name or model to HA."""
        coordinator = self._coordinator
        previous = record.details
        record.details = instrument
        if not coordinator.is_followed(record):
            return
        if previous is not None and previous != instrument:
            self._async_update_device(instrument)
        entry = coordinator.config_entry
        subentry = entry.subentries.get(record.subentry_id)
        if instrument.name and subentry and subentry.title != instrument.name:
            coordinator.hass.config_entries.async_update_subentry(
                entry, subentry, title=instrument.name
            )

    def _async_update_device(self, instrument: Instrument) -> None:
        """Rename the device; a name the user gave it stays in front."""
        coordinator = self._coordinator
        device_registry = dr.async_get(coordinator.hass)
        device = async_get_entry_device(
            device_registry,
            (DOMAIN, instrument.serial_number),
            coordinator.config_entry.entry_id,
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
