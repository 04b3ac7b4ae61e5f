"""One instrument's live websocket: what it hands on, and the actions sent over it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import logging
import time
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .api import (
    Action,
    ActionStatus,
    KeepAlive,
    LiveConnection,
    LiveData,
    LiveError,
    LiveMessage,
    LiveStatus,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusPermissionError,
    MyCirrusResponseError,
)
from .const import (
    ACTION_ANSWER_TIMEOUT,
    DOMAIN,
    KEEP_ALIVE_INTERVAL,
    LIVE_SILENCE_LIMIT,
    SCOPE_LIVE,
    STABLE_CONNECTION,
)
from .data import InstrumentRecord, LinkState

if TYPE_CHECKING:
    from .live import MyCirrusLive

_LOGGER = logging.getLogger(__package__)


@dataclass(slots=True)
class LiveLink:
    """The live connection of one instrument, and what it waits for."""

    live: MyCirrusLive
    record: InstrumentRecord
    # Set while polling (or push) says the instrument is online.
    wanted: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    connection: LiveConnection | None = None
    live_requested: bool = False
    live_flowing: bool = False
    pending: tuple[str, asyncio.Future[ActionStatus]] | None = None
    # Actions take turns: MyCirrus's answers do not say which request they answer.
    action_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def async_serve(self, connection: LiveConnection) -> bool:
        """Read messages until the websocket ends.

        Returns whether the connection stayed up long enough to count as
        healthy (the reconnect back-off starts over only then).
        """
        live, record = self.live, self.record
        self.connection = connection
        record.link = LinkState.CONNECTED
        record.connects += 1
        live.coordinator.async_update_instrument(record.serial)
        started = time.monotonic()
        keep_alive = live.entry.async_create_background_task(
            live.hass,
            self._async_keep_alive(connection),
            f"{DOMAIN} keep-alive {record.serial}",
        )
        try:
            await self._async_start_live_data(connection)
            while True:
                message = await connection.receive(max_silence=LIVE_SILENCE_LIMIT)
                record.last_message = dt_util.utcnow()
                self._async_handle(message)
        except MyCirrusConnectionError as err:
            _LOGGER.debug("Live connection to %s ended: %s", record.serial, err)
        except Exception:
            _LOGGER.exception(
                "Unexpected error in the live connection of %s", record.serial
            )
        finally:
            keep_alive.cancel()
            self.connection = None
            self.live_requested = self.live_flowing = False
            if self.pending is not None:
                self.pending[1].cancel()
            record.live_values.clear()
            record.link = LinkState.WAITING
            await connection.close()
            if not live.stopped:
                live.coordinator.async_update_instrument(record.serial)
        return time.monotonic() - started >= STABLE_CONNECTION

    async def _async_start_live_data(self, connection: LiveConnection) -> None:
        """Ask for live levels, unless the key was seen to lack their scope.

        Not while an action waits for its answer: an error would be ambiguous.
        """
        live = self.live
        if (
            live.live_types
            and not self.live_requested
            and self.pending is None
            and live.scopes.may_try(SCOPE_LIVE)
            and self.record.measures_noise
        ):
            self.live_requested = True
            await connection.start_live_data(live.live_types)

    async def _async_keep_alive(self, connection: LiveConnection) -> None:
        """Send a keep-alive every 30 s; ask again for live levels hourly."""
        while True:
            await asyncio.sleep(KEEP_ALIVE_INTERVAL)
            try:
                await connection.keep_alive()
                await self._async_start_live_data(connection)
            except MyCirrusConnectionError:
                return  # the reader sees the end

    @callback
    def _async_handle(self, message: LiveMessage) -> None:
        live, serial = self.live, self.record.serial
        if isinstance(message, LiveStatus):
            if message.online is False:
                self.wanted.clear()  # the server closes; polling says when it is back
            live.coordinator.async_push_status(serial, message)
        elif isinstance(message, LiveData):
            self.live_flowing = True
            live.scopes.granted(SCOPE_LIVE)
            self.record.live_values.update(message.values)
            live.async_dispatch_levels(serial, message.values)
        elif isinstance(message, ActionStatus):
            pending = self.pending
            if (
                pending is not None
                and not pending[1].done()
                and (message.action or pending[0]).lower() == pending[0].lower()
            ):
                pending[1].set_result(message)
        elif isinstance(message, LiveError):
            self._async_handle_error(message)
        else:
            assert isinstance(message, KeepAlive)

    @callback
    def _async_handle_error(self, message: LiveError) -> None:
        """Give an error to the live data request or to the action waiting.

        Errors name no request: one that speaks of live data, or that comes
        while live data is asked for and has not flowed yet, is about it.
        """
        text = f"{message.code} {message.description}".lower()
        pending = self.pending
        waiting = pending is not None and not pending[1].done()
        if (
            self.live_requested
            and not self.live_flowing
            and ("live" in text or not waiting)
        ):
            self._async_live_refused(message)
        elif pending is not None and waiting:
            pending[1].set_exception(_action_error(message))
        else:
            _LOGGER.debug("MyCirrus live error for %s: %s", self.record.serial, message)

    @callback
    def _async_live_refused(self, message: LiveError) -> None:
        scopes = self.live.scopes
        self.live_requested = False
        if message.code != "AccessDenied":
            _LOGGER.debug(
                "MyCirrus refused live data for %s: %s", self.record.serial, message
            )
            return
        if not scopes.missing(SCOPE_LIVE):
            _LOGGER.info(
                "The MyCirrus API key lacks the %s scope: no live levels", SCOPE_LIVE
            )
        scopes.lacking(SCOPE_LIVE)

    async def async_action(self, action: Action) -> ActionStatus | None:
        """Send an action and return its first answer; None without a websocket.

        Raises MyCirrusPermissionError or MyCirrusResponseError when the server
        refuses, MyCirrusRateLimitError during the key's pause, and
        MyCirrusConnectionError when no answer comes.
        """
        async with self.action_lock:
            if (connection := self.connection) is None:
                return None
            self.live.client.limiter.check()
            future: asyncio.Future[ActionStatus] = (
                asyncio.get_running_loop().create_future()
            )
            self.pending = (action.value, future)
            try:
                await connection.send_action(action)
                async with asyncio.timeout(ACTION_ANSWER_TIMEOUT):
                    return await future
            except TimeoutError as err:
                raise MyCirrusConnectionError(
                    f"No answer to {action.value} from {self.record.serial}"
                ) from err
            except asyncio.CancelledError as err:
                task = asyncio.current_task()
                if future.cancelled() and task is not None and not task.cancelling():
                    raise MyCirrusConnectionError(
                        f"The live connection to {self.record.serial} ended"
                    ) from err
                raise
            finally:
                self.pending = None


def _action_error(message: LiveError) -> MyCirrusError:
    text = f"MyCirrus refused the action: {message.code} {message.description or ''}"
    error = (
        MyCirrusPermissionError
        if message.code == "AccessDenied"
        else MyCirrusResponseError
    )
    return error(text.strip(), code=message.code, description=message.description)
