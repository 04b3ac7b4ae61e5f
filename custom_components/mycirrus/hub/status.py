"""The status coordinator: asks for the statuses that push does not deliver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
import logging
import math
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .. import model
from ..api import (
    InstrumentStatus,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
)
from ..compat import UPDATE_FAILED_HAS_RETRY_AFTER
from ..const import (
    DOMAIN,
    MAX_REQUESTS_IN_FLIGHT,
    REAUTH_MISSING_PERMISSION,
    UPDATE_INTERVAL,
)
from ..errors import outage_error, round_error
from .details import InstrumentDetails
from .store import Answer, InstrumentStore, Outcome

_LOGGER = logging.getLogger(__package__)

type Asked = dict[str, Answer]
"""Each instrument's outcome, with when it was asked for."""


class MyCirrusCoordinator(DataUpdateCoordinator[None]):
    """Asks for the status of each instrument that is due, every minute.

    An instrument whose live websocket is open is due only every 20 minutes,
    as a check, and one already being asked is not asked again. The answers go
    to the store, stamped with when they were asked for. A 401 or 429 ends the
    round; any other failure is one instrument's.
    """

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: MyCirrusClient,
        store: InstrumentStore,
        *,
        on_auth_failed: Callable[[str | None], None],
        max_in_flight: int = MAX_REQUESTS_IN_FLIGHT,
    ) -> None:
        """Initialise the coordinator; nothing is asked yet."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        self.store = store
        self.details = InstrumentDetails(hass, config_entry, client, store)
        self.max_in_flight = max_in_flight
        self.last_success: datetime | None = None
        # Every polled instrument failed to answer in the last round.
        self.outage = False
        self._on_auth_failed = on_auth_failed
        self._asking: set[str] = set()

    async def _async_setup(self) -> None:
        """Fetch the instruments' names, models and features once at set-up."""
        try:
            await self.details.async_refresh()
        except MyCirrusError as err:
            raise self._failed(err) from err

    async def _async_update_data(self) -> None:
        """Ask for the statuses that are due, a bounded number at a time.

        During the key's rate-limit pause the client sends nothing and raises.
        """
        # A 429 stretched the interval to its pause (before Home Assistant
        # 2025.12); the pause is over now, whatever this round meets.
        self.update_interval = UPDATE_INTERVAL  # pragma: no mutate (per release)
        try:
            await self.details.async_refresh_when_due()
            asked = await self._async_ask(self._due())
            if self._all_forbidden(asked):
                # One instrument answering 403 has moved away; all of them
                # answering 403 is the key, if the list says so too.
                await self.client.instruments()
        except MyCirrusError as err:
            if self.store.closed:
                return  # unloaded: nothing reads what this round learnt
            raise self._failed(err) from err
        outcomes = [answer.outcome for answer in asked.values()]
        # No instrument answered, and not for reasons of its own (404, 403).
        self.outage = bool(outcomes) and all(
            isinstance(o, Exception)
            and not isinstance(o, MyCirrusNotFoundError | MyCirrusPermissionError)
            for o in outcomes
        )
        # In an outage one line says it all, not one per instrument.
        self.store.async_outcomes(asked, quiet=self.outage)
        if self.outage and not any(r.pushing for r in self.store.records.values()):
            raise outage_error(outcomes[0])
        if outcomes:  # MyCirrus answered a round without a 429
            self.client.limiter.accepted()
        self.last_success = dt_util.utcnow()

    def _due(self) -> list[str]:
        now = time.monotonic()
        return [
            serial
            for serial, record in self.store.records.items()
            if serial not in self._asking and model.is_due(record, now)
        ]

    def _all_forbidden(self, asked: Asked) -> bool:
        return len(asked) == len(self.store.records) > 0 and all(
            isinstance(answer.outcome, MyCirrusPermissionError)
            for answer in asked.values()
        )

    async def _async_ask(self, serials: list[str]) -> Asked:
        """Return each instrument's stamped outcome; a 429 or 401 ends the round."""
        semaphore = asyncio.Semaphore(self.max_in_flight)
        stop: MyCirrusError | None = None

        async def ask(serial: str) -> Answer | None:
            nonlocal stop
            async with semaphore:
                if stop is not None:  # not asked: the round has ended
                    return None
                stamp, asked_at = model.next_stamp(), time.monotonic()
                try:
                    return Answer(stamp, asked_at, await self.client.status(serial))
                except (MyCirrusRateLimitError, MyCirrusAuthenticationError) as err:
                    stop = err  # raised for the whole round below
                    return None
                except Exception as err:  # noqa: BLE001 - one instrument's failure, whatever it is, must not end the others'
                    return Answer(stamp, asked_at, err)

        # Those another round asks already stay its own.
        mine = set(serials) - self._asking
        self._asking.update(mine)
        try:
            async with asyncio.TaskGroup() as group:
                tasks = {serial: group.create_task(ask(serial)) for serial in serials}
        finally:
            self._asking.difference_update(mine)
        if stop is not None:
            raise stop
        return {
            serial: result
            for serial, task in tasks.items()
            if (result := task.result()) is not None
        }

    def _failed(self, err: MyCirrusError) -> Exception:
        """Return what a failed round raises; a refused key says so first."""
        if isinstance(err, MyCirrusAuthenticationError):
            self._on_auth_failed(None)
        elif isinstance(err, MyCirrusPermissionError):
            self._on_auth_failed(REAUTH_MISSING_PERMISSION)
        # A pause, once raised, has at least a second left (limiter.SLACK).
        pause = float(math.ceil(self.client.limiter.remaining()))
        if (
            isinstance(err, MyCirrusRateLimitError)
            and not UPDATE_FAILED_HAS_RETRY_AFTER
        ):
            self.update_interval = timedelta(
                seconds=pause
            )  # pragma: no mutate (per release)
        return round_error(err, pause)

    async def async_check_now(self, serials: list[str]) -> set[str]:
        """Ask for these statuses now, due or not; return those answered.

        For a 403 on a request for several instruments: whether one of them
        has left the account, or the key lacks the scope. Even those a round
        asks already: its answers may come after this is needed. A 429 or 401
        raises.
        """
        asked = await self._async_ask(serials)
        self.store.async_outcomes(asked)
        return {
            serial
            for serial, answer in asked.items()
            if isinstance(answer.outcome, InstrumentStatus)
        }

    @callback
    def async_schedule_fetch(self, serial: str) -> None:
        """Ask for one instrument's status now, in the background."""
        if serial in self._asking or self.store.closed:
            return
        self._asking.add(serial)
        self.config_entry.async_create_background_task(
            self.hass, self._async_fetch(serial), f"{DOMAIN} status {serial}"
        )

    async def _async_fetch(self, serial: str) -> None:
        stamp, asked_at = model.next_stamp(), time.monotonic()
        try:
            outcome: Outcome = await self.client.status(serial)
        except MyCirrusRateLimitError:
            return  # the first round after the pause asks again
        except MyCirrusAuthenticationError:
            self._on_auth_failed(None)
            return
        except Exception as err:  # noqa: BLE001 - recorded as the instrument's error
            outcome = err
        finally:
            self._asking.discard(serial)
        self.store.async_outcome(serial, Answer(stamp, asked_at, outcome))
        # A new result may bring entities that did not exist yet.
        self.async_update_listeners()
