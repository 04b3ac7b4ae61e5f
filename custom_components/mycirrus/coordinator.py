"""The polling coordinator of the MyCirrus integration."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Instrument,
    InstrumentStatus,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from .compat import async_get_entry_device
from .const import (
    CONF_SERIAL,
    DOMAIN,
    ISSUE_INSTRUMENT_FORBIDDEN,
    ISSUE_INSTRUMENT_GONE,
    MAX_BACKOFF,
    MAX_REQUESTS_IN_FLIGHT,
    METADATA_INTERVAL,
    NOT_FOUND_ROUNDS,
    SUBENTRY_TYPE_INSTRUMENT,
    UPDATE_INTERVAL,
)

_LOGGER = logging.getLogger(__package__)

type MyCirrusConfigEntry = ConfigEntry[MyCirrusCoordinator]
type MyCirrusData = dict[str, InstrumentStatus | None]
"""The status of each followed instrument; None where the last call failed."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FollowedInstrument:
    """An instrument the config entry follows, through one of its subentries."""

    serial: str
    subentry_id: str
    title: str


def followed_instruments(entry: ConfigEntry) -> dict[str, FollowedInstrument]:
    """Return the instruments an entry follows, by serial."""
    return {
        subentry.data[CONF_SERIAL]: FollowedInstrument(
            serial=subentry.data[CONF_SERIAL],
            subentry_id=subentry.subentry_id,
            title=subentry.title,
        )
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_TYPE_INSTRUMENT
    }


def issue_id(kind: str, entry_id: str, serial: str) -> str:
    """Return the id of a repair issue about one followed instrument."""
    return f"{kind}_{entry_id}_{serial}"


def error_reason(err: MyCirrusError) -> str:
    """Return the translation key that names why a call failed."""
    if isinstance(err, MyCirrusNotFoundError):
        return "not_found"
    if isinstance(err, MyCirrusPermissionError):
        return "forbidden"
    if isinstance(err, MyCirrusResponseError):
        return "invalid_response"
    return "cannot_connect"


class _RateLimited(Exception):
    """A 429 ended the round early."""

    def __init__(self, cause: MyCirrusRateLimitError) -> None:
        super().__init__()
        self.cause = cause


class MyCirrusCoordinator(DataUpdateCoordinator[MyCirrusData]):
    """Polls the status of every followed instrument of one API key."""

    config_entry: MyCirrusConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: MyCirrusConfigEntry,
        client: MyCirrusClient,
        *,
        max_in_flight: int = MAX_REQUESTS_IN_FLIGHT,
    ) -> None:
        """Initialise the coordinator; nothing is fetched yet."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            update_interval=UPDATE_INTERVAL,
            always_update=False,
        )
        self.client = client
        self.entry_data = dict(config_entry.data)
        self.followed = followed_instruments(config_entry)
        self.instruments: dict[str, Instrument] = {}
        self.errors: dict[str, str] = {}
        self.request_counts: Counter[str] = Counter()
        self.last_success: datetime | None = None
        self.backoff: timedelta | None = None
        self.backoff_until: datetime | None = None
        self._metadata_at: datetime | None = None
        self._not_found_rounds: Counter[str] = Counter()
        self.max_in_flight = max_in_flight

    async def _async_setup(self) -> None:
        """Fetch the instruments' names, models and features once at set-up."""
        try:
            await self._async_refresh_metadata()
        except _RateLimited as limited:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="rate_limited"
            ) from limited.cause
        except MyCirrusError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="setup_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    async def _async_update_data(self) -> MyCirrusData:
        """Fetch every followed instrument's status, a bounded number at a time."""
        now = dt_util.utcnow()
        if self.backoff_until is not None and now < self.backoff_until:
            # Asked for early (an entity update request): stay quiet, and keep
            # the next refresh where the back-off put it.
            self.update_interval = self.backoff_until - now
            return self._data_or_fail("rate_limited")
        try:
            if (
                self._metadata_at is None
                or now - self._metadata_at >= METADATA_INTERVAL
            ):
                await self._async_refresh_metadata_quietly()
            outcomes = await self._async_fetch_statuses()
        except _RateLimited as limited:
            self._enter_backoff(limited.cause, now)
            return self._data_or_fail("rate_limited")

        self._leave_backoff()
        if outcomes and all(
            isinstance(outcome, MyCirrusConnectionError | MyCirrusResponseError)
            for outcome in outcomes.values()
        ):
            first = next(iter(outcomes.values()))
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(first)},
            )
        self.last_success = now
        return {
            serial: self._async_handle_outcome(serial, outcome)
            for serial, outcome in outcomes.items()
        }

    async def _async_fetch_statuses(
        self,
    ) -> dict[str, InstrumentStatus | MyCirrusError]:
        """Return each instrument's status or error; a 429 or 401 ends the round."""
        semaphore = asyncio.Semaphore(self.max_in_flight)
        stop: MyCirrusRateLimitError | MyCirrusAuthenticationError | None = None

        async def fetch(serial: str) -> InstrumentStatus | MyCirrusError:
            nonlocal stop
            async with semaphore:
                if stop is not None:  # not asked: the round has ended
                    return stop
                self.request_counts["status"] += 1
                try:
                    return await self.client.status(serial)
                except (MyCirrusRateLimitError, MyCirrusAuthenticationError) as err:
                    stop = err
                    return err
                except MyCirrusError as err:
                    return err

        async with asyncio.TaskGroup() as group:
            tasks = {
                serial: group.create_task(fetch(serial)) for serial in self.followed
            }
        if isinstance(stop, MyCirrusAuthenticationError):
            raise _auth_failed(stop) from stop
        if stop is not None:
            raise _RateLimited(stop) from stop
        return {serial: task.result() for serial, task in tasks.items()}

    def _async_handle_outcome(
        self, serial: str, outcome: InstrumentStatus | MyCirrusError
    ) -> InstrumentStatus | None:
        """Record one instrument's outcome; return its status for the data."""
        previous = self.data.get(serial) if self.data else None
        if isinstance(outcome, InstrumentStatus):
            if serial in self.errors:
                _LOGGER.info("MyCirrus instrument %s is available again", serial)
                del self.errors[serial]
            self._not_found_rounds.pop(serial, None)
            self._async_clear_issue(ISSUE_INSTRUMENT_GONE, serial)
            self._async_clear_issue(ISSUE_INSTRUMENT_FORBIDDEN, serial)
            return _keep_results_while_offline(previous, outcome)

        reason = error_reason(outcome)
        if self.errors.get(serial) is None:
            _LOGGER.info("MyCirrus instrument %s is unavailable: %s", serial, outcome)
        self.errors[serial] = reason
        if isinstance(outcome, MyCirrusNotFoundError):
            self._not_found_rounds[serial] += 1
            if self._not_found_rounds[serial] >= NOT_FOUND_ROUNDS:
                self._async_raise_issue(ISSUE_INSTRUMENT_GONE, serial)
        elif isinstance(outcome, MyCirrusPermissionError):
            self._async_raise_issue(ISSUE_INSTRUMENT_FORBIDDEN, serial)
        return None

    def _data_or_fail(self, translation_key: str) -> MyCirrusData:
        if self.data is None:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key=translation_key
            )
        return self.data

    def _enter_backoff(self, err: MyCirrusRateLimitError, now: datetime) -> None:
        """Stop polling for as long as the API asks, or twice as long as last time."""
        if err.retry_after is not None:
            delay = timedelta(seconds=err.retry_after)
        elif self.backoff is not None:
            delay = self.backoff * 2
        else:
            delay = UPDATE_INTERVAL * 2
        delay = min(max(delay, UPDATE_INTERVAL), MAX_BACKOFF)
        if self.backoff is None:
            _LOGGER.info(
                "MyCirrus is rate limiting requests; polling paused for %d s",
                delay.total_seconds(),
            )
        self.backoff = delay
        self.backoff_until = now + delay
        self.update_interval = delay

    def _leave_backoff(self) -> None:
        if self.backoff is None:
            return
        _LOGGER.info(
            "MyCirrus accepts requests again; polling every %d s",
            UPDATE_INTERVAL.total_seconds(),
        )
        self.backoff = None
        self.backoff_until = None
        self.update_interval = UPDATE_INTERVAL

    async def _async_refresh_metadata(self) -> None:
        """Fetch names, models and features; note instruments gone from the account."""
        try:
            self.request_counts["instruments"] += 1
            listed = {
                instrument.serial_number: instrument
                for instrument in await self.client.instruments()
            }
            for serial in self.followed:
                instrument = listed.get(serial)
                if instrument is None:
                    instrument = await self._async_fetch_unlisted(serial)
                if instrument is not None:
                    self._async_set_instrument(instrument)
        except MyCirrusAuthenticationError as err:
            raise _auth_failed(err) from err
        except MyCirrusRateLimitError as err:
            raise _RateLimited(err) from err
        self._metadata_at = dt_util.utcnow()

    async def _async_refresh_metadata_quietly(self) -> None:
        """Refresh the details hourly; a failure waits for the next hour."""
        try:
            await self._async_refresh_metadata()
        except MyCirrusError as err:
            _LOGGER.debug("Could not refresh MyCirrus instrument details: %s", err)
            self._metadata_at = dt_util.utcnow()

    async def _async_fetch_unlisted(self, serial: str) -> Instrument | None:
        """Ask for an instrument the account's list left out."""
        self.request_counts["instrument"] += 1
        try:
            return await self.client.instrument(serial)
        except MyCirrusNotFoundError:
            self._async_raise_issue(ISSUE_INSTRUMENT_GONE, serial)
        except MyCirrusPermissionError:
            self._async_raise_issue(ISSUE_INSTRUMENT_FORBIDDEN, serial)
        except (MyCirrusConnectionError, MyCirrusResponseError):
            _LOGGER.debug("Could not fetch MyCirrus instrument %s", serial)
        return None

    def _async_set_instrument(self, instrument: Instrument) -> None:
        """Store an instrument's details; carry a new name or model to HA."""
        serial = instrument.serial_number
        previous = self.instruments.get(serial)
        self.instruments[serial] = instrument
        if previous is not None and previous != instrument:
            self._async_update_device(instrument)
        subentry = self.config_entry.subentries.get(self.followed[serial].subentry_id)
        if instrument.name and subentry and subentry.title != instrument.name:
            self.hass.config_entries.async_update_subentry(
                self.config_entry, subentry, title=instrument.name
            )

    def _async_update_device(self, instrument: Instrument) -> None:
        """Rename the device; a name the user gave it stays in front."""
        device_registry = dr.async_get(self.hass)
        device = async_get_entry_device(
            device_registry,
            (DOMAIN, instrument.serial_number),
            self.config_entry.entry_id,
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

    def _async_raise_issue(self, kind: str, serial: str) -> None:
        followed = self.followed[serial]
        # The name MyCirrus gave last, which may be newer than the subentry's.
        instrument = self.instruments.get(serial)
        name = (instrument and instrument.name) or followed.title
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(kind, self.config_entry.entry_id, serial),
            data={
                "entry_id": self.config_entry.entry_id,
                "subentry_id": followed.subentry_id,
                "serial": serial,
            },
            is_fixable=kind == ISSUE_INSTRUMENT_GONE,
            severity=ir.IssueSeverity.WARNING,
            translation_key=kind,
            translation_placeholders={"serial": serial, "name": name},
        )

    def _async_clear_issue(self, kind: str, serial: str) -> None:
        ir.async_delete_issue(
            self.hass, DOMAIN, issue_id(kind, self.config_entry.entry_id, serial)
        )


def _keep_results_while_offline(
    previous: InstrumentStatus | None, current: InstrumentStatus
) -> InstrumentStatus:
    """Keep the last calibration and SIC of an offline instrument that omits them."""
    if current.online is not False or previous is None:
        return current
    return replace(
        current,
        last_calibration=current.last_calibration or previous.last_calibration,
        last_sic=current.last_sic or previous.last_sic,
    )


def _auth_failed(err: MyCirrusAuthenticationError) -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN,
        translation_key="invalid_auth",
        translation_placeholders={"error": str(err)},
    )
