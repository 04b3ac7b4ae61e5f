"""The status coordinator: polls what push does not deliver, and merges push."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
import logging
import math
import time

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Action,
    InstrumentStatus,
    LiveStatus,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from .checks import EMPTY_STATUS, CheckFollower
from .compat import UPDATE_FAILED_HAS_RETRY_AFTER, update_failed
from .const import (
    DOMAIN,
    ISSUE_INSTRUMENT_FORBIDDEN,
    ISSUE_INSTRUMENT_GONE,
    MAX_REQUESTS_IN_FLIGHT,
    NOT_FOUND_ROUNDS,
    PUSH_CHECK_INTERVAL,
    REAUTH_MISSING_PERMISSION,
    REAUTH_REASON,
    UPDATE_INTERVAL,
)
from .data import (
    InstrumentRecord,
    MyCirrusConfigEntry,
    followed_records,
    followed_subentries,
)
from .details import InstrumentDetails
from .issues import (
    async_check_results,
    async_clear_instrument_issue,
    async_prune_issues,
    async_raise_instrument_issue,
)

_LOGGER = logging.getLogger(__package__)

type Outcome = InstrumentStatus | Exception
"""One instrument's status, or why asking for it failed."""


def error_reason(err: Exception) -> str:
    """Return the translation key that names why a call failed."""
    if isinstance(err, MyCirrusNotFoundError):
        return "not_found"
    if isinstance(err, MyCirrusPermissionError):
        return "forbidden"
    if isinstance(err, MyCirrusResponseError):
        return "invalid_response"
    if isinstance(err, MyCirrusError):
        return "cannot_connect"
    return "unknown"


class MyCirrusCoordinator(DataUpdateCoordinator[dict[str, InstrumentRecord]]):
    """Keeps one record per followed instrument of one API key up to date.

    Every interval it asks MyCirrus for the status of each instrument whose
    live websocket is not open (those with one only every 20 minutes, as a
    check). Pushed statuses update one instrument at once. Entities write
    their state only when their own value changes.
    """

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
            # Records change in place; each entity compares its own value.
            always_update=True,
        )
        self.client = client
        # What the entry was set up with: its update listener reloads on change.
        self.entry_data = dict(config_entry.data)
        self.entry_options = dict(config_entry.options)
        # The records are the coordinator's data from the start: they change in
        # place, and each round returns them.
        self.data = followed_records(config_entry)
        self.details = InstrumentDetails(self)
        self.checks = CheckFollower(self)
        self.max_in_flight = max_in_flight
        self.last_success: datetime | None = None
        # Every polled instrument failed to answer in the last round.
        self.outage = False
        self.closed = False
        self._instrument_listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self._fetching: set[str] = set()

    @property
    def records(self) -> dict[str, InstrumentRecord]:
        """Return the record of each followed instrument, by serial."""
        return self.data

    # -- the polling round -------------------------------------------------

    async def _async_setup(self) -> None:
        """Fetch the instruments' names, models and features once at set-up."""
        try:
            await self.details.async_refresh()
        except MyCirrusError as err:
            raise self._round_error(err) from err

    async def _async_update_data(self) -> dict[str, InstrumentRecord]:
        """Fetch the statuses that are due, a bounded number at a time.

        During the key's rate-limit pause the client sends nothing and raises;
        Home Assistant itself calls no refresh of a shut-down coordinator.
        """
        asked_at = time.monotonic()
        try:
            await self.details.async_refresh_when_due()
            outcomes = await self._async_fetch_statuses(self._due())
            if self._all_forbidden(outcomes):
                # One instrument answering 403 has moved away; all of them
                # answering 403 is the key, if the list says so too.
                await self.client.instruments()
        except MyCirrusError as err:
            if self.is_closed():
                # Nothing reads a shut-down coordinator's data: what it returns
                # cannot matter, only that it raises nothing.
                return self.records  # pragma: no mutate (data never read)
            raise self._round_error(err) from err
        if (
            outcomes
            and not any(r.pushing for r in self.records.values())
            and all(
                isinstance(o, MyCirrusConnectionError | MyCirrusResponseError)
                for o in outcomes.values()
            )
        ):
            self.outage = True
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(next(iter(outcomes.values())))},
            )
        self.outage = False
        for serial, outcome in outcomes.items():
            self._async_apply(self.records[serial], outcome, asked_at)
        async_prune_issues(
            self.hass,
            self.config_entry.entry_id,
            set(followed_subentries(self.config_entry)),
        )
        if outcomes:  # MyCirrus answered a round without a 429
            self.client.limiter.accepted()
        self.last_success = dt_util.utcnow()
        self.update_interval = UPDATE_INTERVAL
        return self.records

    def _due(self) -> list[str]:
        """Return the instruments to ask: all but those that push, now and then."""
        now = time.monotonic()
        check = PUSH_CHECK_INTERVAL.total_seconds()
        return [
            serial
            for serial, record in self.records.items()
            if not record.pushing
            or record.polled_at is None
            or now - record.polled_at >= check
        ]

    def _all_forbidden(self, outcomes: dict[str, Outcome]) -> bool:
        return (
            bool(outcomes)
            and len(outcomes) == len(self.records)
            and all(isinstance(o, MyCirrusPermissionError) for o in outcomes.values())
        )

    async def _async_fetch_statuses(self, serials: list[str]) -> dict[str, Outcome]:
        """Return each instrument's status or error; a 429 or 401 ends the round."""
        semaphore = asyncio.Semaphore(self.max_in_flight)
        stop: MyCirrusError | None = None

        async def fetch(serial: str) -> Outcome | None:
            nonlocal stop
            async with semaphore:
                if stop is not None:  # not asked: the round has ended
                    return None
                try:
                    return await self.client.status(serial)
                except (MyCirrusRateLimitError, MyCirrusAuthenticationError) as err:
                    stop = err  # raised for the whole round below
                    return None
                except Exception as err:  # noqa: BLE001 - one instrument's failure, whatever it is, must not end the others'
                    return err

        async with asyncio.TaskGroup() as group:
            tasks = {serial: group.create_task(fetch(serial)) for serial in serials}
        if stop is not None:
            raise stop
        return {
            serial: outcome
            for serial, task in tasks.items()
            if (outcome := task.result()) is not None
        }

    def _round_error(self, err: MyCirrusError) -> Exception:
        """Return what a failed round raises for Home Assistant."""
        if isinstance(err, MyCirrusAuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            )
        if isinstance(err, MyCirrusPermissionError):
            # The instrument list needs instruments:read: the key lacks it.
            self.config_entry.async_start_reauth(
                self.hass, data={REAUTH_REASON: REAUTH_MISSING_PERMISSION}
            )
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="missing_permission",
                translation_placeholders={"error": str(err)},
            )
        if isinstance(err, MyCirrusRateLimitError):
            # A pause, once raised, has at least a second left (limiter.SLACK).
            remaining = float(math.ceil(self.client.limiter.remaining()))
            # Only one of the two branches runs on a given Home Assistant.
            if not UPDATE_FAILED_HAS_RETRY_AFTER:  # pragma: no mutate (per release)
                self.update_interval = timedelta(seconds=remaining)
            return update_failed(
                retry_after=remaining,
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"seconds": f"{remaining:.0f}"},
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="setup_failed",
            translation_placeholders={"error": str(err)},
        )

    # -- one instrument ----------------------------------------------------

    @callback
    def _async_apply(
        self, record: InstrumentRecord, outcome: Outcome, asked_at: float
    ) -> None:
        """Record one instrument's status, or why it has none.

        ``asked_at`` is when the status was asked for: flags pushed since then
        are at least as new as the answer's, and stay.
        """
        if isinstance(outcome, InstrumentStatus):
            record.polled_at = time.monotonic()
            status = _keep_results_while_offline(record.status, outcome)
            if record.pushed_at is not None and record.pushed_at >= asked_at:
                assert record.status is not None
                status = replace(
                    status,
                    online=record.status.online,
                    measuring=record.status.measuring,
                    calibration_in_progress=record.status.calibration_in_progress,
                    sic_in_progress=record.status.sic_in_progress,
                )
            record.status = status
            if record.error is not None:
                _LOGGER.info("MyCirrus instrument %s is available again", record.serial)
                record.error = None
            record.not_found_rounds = 0
            async_clear_instrument_issue(
                self.hass, self.config_entry, ISSUE_INSTRUMENT_GONE, record.serial
            )
            async_clear_instrument_issue(
                self.hass, self.config_entry, ISSUE_INSTRUMENT_FORBIDDEN, record.serial
            )
            if self.is_followed(record):
                async_check_results(self.hass, self.config_entry, record)
            return

        if record.error is None:
            _LOGGER.info(
                "MyCirrus instrument %s is unavailable: %s",
                record.serial,
                outcome,
                exc_info=not isinstance(outcome, MyCirrusError),
            )
        record.error = error_reason(outcome)
        if isinstance(outcome, MyCirrusNotFoundError):
            record.not_found_rounds += 1
            if record.not_found_rounds >= NOT_FOUND_ROUNDS:
                self.async_raise_issue(ISSUE_INSTRUMENT_GONE, record)
            return
        record.not_found_rounds = 0
        if isinstance(outcome, MyCirrusPermissionError):
            self.async_raise_issue(ISSUE_INSTRUMENT_FORBIDDEN, record)

    def is_closed(self) -> bool:
        """Return whether the coordinator was shut down (its entry unloaded).

        A method, not the attribute: the type checker would carry what it
        learnt of ``self.closed`` across an await.
        """
        return self.closed

    def is_followed(self, record: InstrumentRecord) -> bool:
        """Return whether the entry still follows the record's instrument.

        A refresh can outlive its entry (a reload after a subentry was removed):
        such a refresh must not raise issues about what is no longer followed.
        """
        return (
            not self.closed
            and followed_subentries(self.config_entry).get(record.serial)
            == record.subentry_id
        )

    @callback
    def async_raise_issue(self, kind: str, record: InstrumentRecord) -> None:
        """Raise a repair issue about a record, if its instrument is still followed."""
        if self.is_followed(record):
            async_raise_instrument_issue(self.hass, self.config_entry, kind, record)

    def instrument_available(self, serial: str) -> bool:
        """Return whether the instrument's status entities have a current value."""
        record = self.records.get(serial)
        return (
            record is not None
            and record.available
            and (record.pushing or not self.outage)
        )

    @callback
    def async_add_instrument_listener(
        self, serial: str, update_callback: CALLBACK_TYPE
    ) -> CALLBACK_TYPE:
        """Call ``update_callback`` when only this instrument changed."""
        listeners = self._instrument_listeners.setdefault(serial, [])
        listeners.append(update_callback)

        @callback
        def remove() -> None:
            listeners.remove(update_callback)

        return remove

    @callback
    def async_update_instrument(self, serial: str) -> None:
        """Tell one instrument's entities that its record changed."""
        for update_callback in list(self._instrument_listeners.get(serial, ())):
            update_callback()

    @callback
    def async_push_status(self, serial: str, message: LiveStatus) -> None:
        """Merge a pushed status into the instrument's record.

        The push has no calibration or SIC results: when either check ends,
        the instrument's status is asked for until the new result shows.
        """
        if self.closed:
            return  # unloading: follow no check, start no task
        record = self.records[serial]
        previous = record.status or EMPTY_STATUS
        record.status = previous.with_flags(
            online=message.online,
            measuring=message.measuring,
            calibration_in_progress=message.calibration_in_progress,
            sic_in_progress=message.sic_in_progress,
        )
        record.pushed_at = time.monotonic()
        self.async_update_instrument(serial)
        self.checks.async_pushed(record, previous)

    @callback
    def async_schedule_fetch(self, serial: str) -> None:
        """Fetch one instrument's status now, in the background."""
        if serial in self._fetching or self.closed:
            return
        self._fetching.add(serial)
        self.config_entry.async_create_background_task(
            self.hass, self._async_fetch_scheduled(serial), f"{DOMAIN} status {serial}"
        )

    async def _async_fetch_scheduled(self, serial: str) -> None:
        try:
            await self._async_fetch_one(serial)
        finally:
            self._fetching.discard(serial)

    async def _async_fetch_one(self, serial: str) -> None:
        """Ask for one instrument's status and record the outcome."""
        asked_at = time.monotonic()
        try:
            outcome: Outcome = await self.client.status(serial)
        except MyCirrusRateLimitError:
            return  # the next round after the pause asks again
        except MyCirrusAuthenticationError:
            if not self.closed:
                self.config_entry.async_start_reauth(self.hass)
            return
        except Exception as err:  # noqa: BLE001 - recorded as the instrument's error
            outcome = err
        # Applied even after a shut-down: a record no entity reads changes
        # nothing, and is_followed keeps it from raising issues.
        self._async_apply(self.records[serial], outcome, asked_at)
        # A new result may bring entities that did not exist yet.
        self.async_update_listeners()

    @callback
    def async_action_accepted(self, serial: str, action: Action) -> None:
        """Show an accepted calibration or SIC at once, and follow it to its end."""
        if (record := self.records.get(serial)) is not None:
            self.checks.async_accepted(record, action)

    async def async_shutdown(self) -> None:
        """Stop polling; a refresh still running afterwards changes nothing."""
        self.closed = True
        self.checks.cancel()
        await super().async_shutdown()


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
