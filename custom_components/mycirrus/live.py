"""One live websocket per followed instrument that is online.

Each instrument gets a background task that connects when polling has seen the
instrument online, hands pushed statuses to the coordinator and live levels to
the live sensors, and reconnects with exponential back-off and full jitter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import logging
import random

import aiohttp

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
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
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from .const import (
    ACTION_ANSWER_TIMEOUT,
    DOMAIN,
    KEEP_ALIVE_INTERVAL,
    LIVE_SILENCE_LIMIT,
    MAX_LIVE_CONNECTIONS,
    RECONNECT_MAX,
    RECONNECT_MIN,
    SCOPE_LIVE,
)
from .coordinator import MyCirrusCoordinator
from .data import InstrumentRecord, LinkState, MyCirrusConfigEntry
from .scopes import KeyScopes

_LOGGER = logging.getLogger(__package__)

type LevelListener = Callable[[Mapping[str, float]], None]


@dataclass(slots=True)
class _Link:
    """The live connection of one instrument and what it waits for."""

    record: InstrumentRecord
    wanted: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    connection: LiveConnection | None = None
    live_requested: bool = False
    live_flowing: bool = False
    pending_action: tuple[str, asyncio.Future[ActionStatus]] | None = None
    # Actions on one instrument wait their turn: answers name no request.
    action_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class MyCirrusLive:
    """Keeps the live websockets of one config entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MyCirrusConfigEntry,
        coordinator: MyCirrusCoordinator,
        client: MyCirrusClient,
        scopes: KeyScopes,
        *,
        session: aiohttp.ClientSession,
        live_types: tuple[str, ...],
    ) -> None:
        """Prepare; nothing connects before ``async_start``."""
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        self._client = client
        self._scopes = scopes
        self._session = session
        self.live_types = live_types
        self.random = random.Random()  # noqa: S311 - jitter, not secrets
        self._links: dict[str, _Link] = {}
        self._level_listeners: dict[str, list[LevelListener]] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._stopped = False

    @callback
    def async_start(self) -> None:
        """Connect, in the background, to every instrument polling saw online."""
        self._unsubscribe.append(self._coordinator.async_add_listener(self._async_sync))
        self._async_sync()

    async def async_stop(self) -> None:
        """Close every websocket and end every task, within about a second."""
        self._stopped = True
        while self._unsubscribe:
            self._unsubscribe.pop()()
        tasks = [link.task for link in self._links.values() if link.task]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        await self._session.close()

    @callback
    def _async_sync(self) -> None:
        """Want a connection for each instrument whose status says it is online."""
        if self._stopped:
            return
        for serial, record in self._coordinator.records.items():
            wanted = record.status is not None and record.status.online is True
            link = self._links.get(serial)
            if link is None:
                if not wanted or len(self._links) >= MAX_LIVE_CONNECTIONS:
                    continue
                link = self._links[serial] = _Link(record)
                link.task = self._entry.async_create_background_task(
                    self._hass, self._async_run(link), f"{DOMAIN} live {serial}"
                )
            if wanted:
                link.wanted.set()
            else:
                link.wanted.clear()

    def backoff(self, attempt: int) -> float:
        """Return the wait before reconnect ``attempt`` (0 for the first).

        Full jitter (a random wait up to an exponentially growing cap) keeps
        many instruments that dropped together from reconnecting in lock-step.
        """
        cap = min(RECONNECT_MAX, RECONNECT_MIN * 2**attempt)
        return max(1.0, self.random.uniform(0, cap))

    async def _async_run(self, link: _Link) -> None:
        record = link.record
        attempt = 0
        while True:
            await link.wanted.wait()
            if self._client.limiter.paused:
                pause = self._client.limiter.remaining()
                record.link = LinkState.WAITING
                await asyncio.sleep(pause)
                continue
            record.link = LinkState.CONNECTING
            try:
                connection = await self._client.live(
                    record.serial, session=self._session
                )
            except MyCirrusRateLimitError:
                continue
            except MyCirrusError as err:
                _LOGGER.debug("No live connection to %s: %s", record.serial, err)
            else:
                record.connects += 1
                if await self._async_serve(link, connection):
                    attempt = 0
            record.link = LinkState.WAITING
            await asyncio.sleep(self.backoff(attempt))
            attempt += 1

    async def _async_serve(self, link: _Link, connection: LiveConnection) -> bool:
        """Read messages until the websocket ends; return whether any arrived."""
        record = link.record
        link.connection = connection
        record.link = LinkState.CONNECTED
        self._coordinator.async_update_instrument(record.serial)
        keep_alive = self._entry.async_create_background_task(
            self._hass,
            self._async_keep_alive(link, connection),
            f"{DOMAIN} keep-alive {record.serial}",
        )
        heard = False
        try:
            await self._async_start_live_data(link, connection)
            while True:
                message = await connection.receive(max_silence=LIVE_SILENCE_LIMIT)
                heard = True
                record.last_message = dt_util.utcnow()
                self._async_handle(link, message)
        except MyCirrusConnectionError as err:
            _LOGGER.debug("Live connection to %s ended: %s", record.serial, err)
        finally:
            keep_alive.cancel()
            link.connection = None
            link.live_requested = link.live_flowing = False
            if link.pending_action is not None:
                link.pending_action[1].cancel()
                link.pending_action = None
            record.live_values.clear()
            record.link = LinkState.IDLE
            await connection.close()
            if not self._stopped:
                self._coordinator.async_update_instrument(record.serial)
        return heard

    async def _async_start_live_data(
        self, link: _Link, connection: LiveConnection
    ) -> None:
        """Ask for live levels, unless the key was seen to lack their scope."""
        if (
            self.live_types
            and not link.live_requested
            and self._scopes.may_try(SCOPE_LIVE)
            and link.record.measures_noise
        ):
            link.live_requested = True
            await connection.start_live_data(self.live_types)

    async def _async_keep_alive(self, link: _Link, connection: LiveConnection) -> None:
        """Send a keep-alive every 30 s; ask again for live levels hourly."""
        while True:
            await asyncio.sleep(KEEP_ALIVE_INTERVAL)
            try:
                await connection.keep_alive()
                await self._async_start_live_data(link, connection)
            except MyCirrusConnectionError:
                return  # the reader sees the end

    @callback
    def _async_handle(self, link: _Link, message: LiveMessage) -> None:
        serial = link.record.serial
        if isinstance(message, LiveStatus):
            if message.online is False:
                link.wanted.clear()  # the server closes; polling says when it is back
            self._coordinator.async_push_status(serial, message)
        elif isinstance(message, LiveData):
            link.live_flowing = True
            self._scopes.granted(SCOPE_LIVE)
            link.record.live_values.update(message.values)
            for listener in list(self._level_listeners.get(serial, ())):
                listener(message.values)
        elif isinstance(message, ActionStatus):
            pending = link.pending_action
            if (
                pending is not None
                and not pending[1].done()
                and (message.action or pending[0]).lower() == pending[0].lower()
            ):
                pending[1].set_result(message)
        elif isinstance(message, LiveError):
            self._async_handle_error(link, message)
        else:
            assert isinstance(message, KeepAlive)

    @callback
    def _async_handle_error(self, link: _Link, message: LiveError) -> None:
        """Give an error to the action waiting for an answer, else to live data."""
        pending = link.pending_action
        if pending is not None and not pending[1].done():
            pending[1].set_exception(_action_error(message))
        elif link.live_requested and not link.live_flowing:
            link.live_requested = False
            if message.code == "AccessDenied":
                if not self._scopes.missing(SCOPE_LIVE):
                    _LOGGER.info(
                        "The MyCirrus API key lacks the %s scope: no live levels",
                        SCOPE_LIVE,
                    )
                self._scopes.lacking(SCOPE_LIVE)
            else:
                _LOGGER.debug(
                    "MyCirrus refused live data for %s: %s %s",
                    link.record.serial,
                    message.code,
                    message.description,
                )
        else:
            _LOGGER.debug(
                "MyCirrus live error for %s: %s %s",
                link.record.serial,
                message.code,
                message.description,
            )

    def connected(self, serial: str) -> bool:
        """Return whether the instrument's websocket is open."""
        link = self._links.get(serial)
        return link is not None and link.connection is not None

    async def async_action(self, serial: str, action: Action) -> ActionStatus | None:
        """Send an action over the open websocket and return its first answer.

        Returns None when no websocket is open (the caller uses REST). Raises
        MyCirrusPermissionError or MyCirrusResponseError when the server
        refuses, MyCirrusConnectionError when it does not answer. Actions on
        one instrument go one at a time, since answers do not say which
        request they answer.
        """
        link = self._links.get(serial)
        if link is None:
            return None
        async with link.action_lock:
            # Read under the lock: the connection may have ended meanwhile.
            if (connection := link.connection) is None:
                return None
            future: asyncio.Future[ActionStatus] = (
                asyncio.get_running_loop().create_future()
            )
            link.pending_action = (action.value, future)
            try:
                await connection.send_action(action)
                async with asyncio.timeout(ACTION_ANSWER_TIMEOUT):
                    return await future
            except TimeoutError as err:
                raise MyCirrusConnectionError(
                    f"No answer to {action.value} from {serial}"
                ) from err
            except asyncio.CancelledError as err:
                task = asyncio.current_task()
                if future.cancelled() and task is not None and not task.cancelling():
                    raise MyCirrusConnectionError(
                        f"The live connection to {serial} ended"
                    ) from err
                raise
            finally:
                link.pending_action = None

    @callback
    def async_add_level_listener(
        self, serial: str, listener: LevelListener
    ) -> CALLBACK_TYPE:
        """Call ``listener`` with each live level message of the instrument."""
        listeners = self._level_listeners.setdefault(serial, [])
        listeners.append(listener)

        @callback
        def remove() -> None:
            listeners.remove(listener)

        return remove

    def live_available(self, serial: str) -> bool:
        """Return whether live levels of the instrument can be current."""
        record = self._coordinator.records.get(serial)
        return (
            record is not None
            and record.pushing
            and record.status is not None
            and record.status.online is True
            and not self._scopes.missing(SCOPE_LIVE)
        )


def _action_error(message: LiveError) -> MyCirrusError:
    text = f"MyCirrus refused the action: {message.code} {message.description or ''}"
    if message.code == "AccessDenied":
        return MyCirrusPermissionError(
            text.strip(), code=message.code, description=message.description
        )
    return MyCirrusResponseError(
        text.strip(), code=message.code, description=message.description
    )
