"""One instrument's live websocket: what it hands on, and the actions sent over it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
import logging
import time
from typing import Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..api import (
    Action,
    ActionStatus,
    KeepAlive,
    LiveConnection,
    LiveData,
    LiveError,
    LiveMessage,
    LiveStatus,
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusPermissionError,
    MyCirrusResponseError,
)
from ..const import (
    ACTION_ANSWER_TIMEOUT,
    DOMAIN,
    KEEP_ALIVE_INTERVAL,
    LIVE_SILENCE_LIMIT,
    SCOPE_LIVE,
    SCOPE_RECHECK_INTERVAL,
    STABLE_CONNECTION,
)
from ..model import InstrumentRecord, LinkState, next_stamp
from ..scopes import KeyScopes
from .signals import levels_signal

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class PushHooks:
    """Where the live connections report what they learn."""

    status: Callable[[str, LiveStatus, int], None]  # a pushed status, stamped
    link: Callable[[str, LinkState], None]  # a link's new state
    auth_failed: Callable[[str | None], None]  # MyCirrus refused the key
    # Live levels (names in lower case) and the time the message gives.
    levels: Callable[[str, datetime | None, Mapping[str, float]], None]


class LinkOwner(Protocol):
    """What a link needs of the push that owns it (push.MyCirrusPush)."""

    hass: HomeAssistant
    entry: ConfigEntry
    client: MyCirrusClient
    scopes: KeyScopes
    records: Mapping[str, InstrumentRecord]
    hooks: PushHooks
    live_types: tuple[str, ...]
    halted: bool


@dataclass(slots=True)
class LiveLink:
    """The live connection of one instrument, and what it waits for."""

    push: LinkOwner
    serial: str
    # Set while the instrument's status says it is online.
    wanted: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    connection: LiveConnection | None = None
    live_requested: bool = False
    live_flowing: bool = False
    # Monotonic time MyCirrus last refused live data: asked again hourly.
    refused_at: float | None = None
    pending: tuple[str, asyncio.Future[ActionStatus]] | None = None
    # Actions take turns: MyCirrus's answers do not say which request they answer.
    action_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # For diagnostics: the last message, the connects, the last live levels.
    last_message: datetime | None = None
    connects: int = 0
    values: dict[str, float] = field(default_factory=dict)

    async def async_serve(self, connection: LiveConnection) -> bool:
        """Read messages until the websocket ends.

        Returns whether the connection stayed up long enough to count as
        healthy (the reconnect back-off starts over only then).
        """
        push = self.push
        self.connection = connection
        self.connects += 1
        # Not current by push yet: the first status it pushes makes it so.
        push.hooks.link(self.serial, LinkState.OPEN)
        started = time.monotonic()
        keep_alive = push.entry.async_create_background_task(
            push.hass,
            self._async_keep_alive(connection),
            f"{DOMAIN} keep-alive {self.serial}",
        )
        try:
            await self._async_start_live_data(connection)
            while True:
                message = await connection.receive(max_silence=LIVE_SILENCE_LIMIT)
                self.last_message = dt_util.utcnow()
                self._async_handle(message)
        except MyCirrusConnectionError as err:
            _LOGGER.debug("Live connection to %s ended: %s", self.serial, err)
        except Exception:
            _LOGGER.exception(
                "Unexpected error in the live connection of %s", self.serial
            )
        finally:
            keep_alive.cancel()
            self.connection = None
            self.live_requested = self.live_flowing = False
            if self.pending is not None:
                self.pending[1].cancel()
            self.values.clear()
            state = LinkState.STOPPED if push.halted else LinkState.WAITING
            push.hooks.link(self.serial, state)
            await connection.close()
        return time.monotonic() - started >= STABLE_CONNECTION

    async def _async_start_live_data(self, connection: LiveConnection) -> None:
        """Ask for live levels, unless refused within the hour.

        Not while an action waits for its answer: an error would be ambiguous.
        """
        push = self.push
        record = push.records.get(self.serial)
        if (
            push.live_types
            and not self.live_requested
            and self.pending is None
            and (
                self.refused_at is None
                or time.monotonic() - self.refused_at
                >= SCOPE_RECHECK_INTERVAL.total_seconds()
            )
            and push.scopes.may_try(SCOPE_LIVE)
            and (record is None or record.measures_noise)
        ):
            self.live_requested = True
            await connection.start_live_data(push.live_types)

    async def async_live_types_changed(self) -> None:
        """Ask an open connection for the chosen live levels, or for none."""
        if (connection := self.connection) is None:
            return
        self.live_requested = self.live_flowing = False
        self.refused_at = None  # other levels: an old refusal may not apply
        self.values.clear()
        try:
            if self.push.live_types:
                await self._async_start_live_data(connection)
            else:
                await connection.stop_live_data()
        except MyCirrusConnectionError:
            pass  # the reader sees the end and reconnects

    async def _async_keep_alive(self, connection: LiveConnection) -> None:
        """Send a keep-alive every 30 s; ask again for refused live levels hourly."""
        while True:
            await asyncio.sleep(KEEP_ALIVE_INTERVAL)
            try:
                await connection.keep_alive()
                await self._async_start_live_data(connection)
            except MyCirrusConnectionError:
                return  # the reader sees the end

    @callback
    def _async_handle(self, message: LiveMessage) -> None:
        push, serial = self.push, self.serial
        if isinstance(message, LiveStatus):
            if message.online is False:
                self.wanted.clear()  # the server closes; the status says when back
            push.hooks.status(serial, message, next_stamp())
        elif isinstance(message, LiveData):
            self.live_flowing = True
            push.scopes.granted(SCOPE_LIVE)
            # Names in any letter case, as every other field.
            values = {name.lower(): value for name, value in message.values.items()}
            self.values.update(values)
            push.hooks.levels(serial, message.time, values)
            async_dispatcher_send(
                push.hass, levels_signal(push.entry.entry_id, serial), values
            )
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
        """Give an error to the live data request or to the action waiting."""
        pending = self.pending
        waiting = pending is not None and not pending[1].done()
        about = error_subject(
            message,
            live_asked=self.live_requested and not self.live_flowing,
            action_waiting=waiting,
        )
        if about == "live":
            self._async_live_refused(message)
        elif about == "action" and pending is not None:
            pending[1].set_exception(_action_error(message))
        else:
            _LOGGER.debug("MyCirrus live error for %s: %s", self.serial, message)

    @callback
    def _async_live_refused(self, message: LiveError) -> None:
        scopes = self.push.scopes
        self.live_requested = False
        self.refused_at = time.monotonic()
        if message.code != "AccessDenied":
            _LOGGER.debug("MyCirrus refused live data for %s: %s", self.serial, message)
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
            self.push.client.limiter.check()
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
                    f"No answer to {action.value} from {self.serial}"
                ) from err
            except asyncio.CancelledError as err:
                task = asyncio.current_task()
                if future.cancelled() and task is not None and not task.cancelling():
                    raise MyCirrusConnectionError(
                        f"The live connection to {self.serial} ended"
                    ) from err
                raise
            finally:
                self.pending = None


def error_subject(
    message: LiveError, *, live_asked: bool, action_waiting: bool
) -> str | None:
    """Return what an error on the live websocket is about: "live", "action" or None.

    Errors name no request. One that speaks of live data, or that comes while
    live data is asked for (and has not flowed yet) and no action waits, is
    about live data; otherwise one that comes while an action waits is the
    action's; anything else is only worth a debug line.
    """
    text = f"{message.code} {message.description}".lower()
    if live_asked and ("live" in text or not action_waiting):
        return "live"
    if action_waiting:
        return "action"
    return None


def _action_error(message: LiveError) -> MyCirrusError:
    text = f"MyCirrus refused the action: {message.code} {message.description or ''}"
    error = (
        MyCirrusPermissionError
        if message.code == "AccessDenied"
        else MyCirrusResponseError
    )
    return error(text.strip(), code=message.code, description=message.description)
