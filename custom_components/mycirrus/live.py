"""One live websocket per followed instrument that is online.

Each instrument gets a background task that connects when polling has seen the
instrument online, serves the connection (live_link.py) and reconnects with
exponential back-off and full jitter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import logging
import random

import aiohttp

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .api import (
    Action,
    ActionStatus,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
)
from .const import (
    DOMAIN,
    MAX_CONCURRENT_HANDSHAKES,
    MAX_LIVE_CONNECTIONS,
    RECONNECT_MAX,
    RECONNECT_MIN,
    SCOPE_LIVE,
)
from .coordinator import MyCirrusCoordinator
from .data import LinkState, MyCirrusConfigEntry
from .live_link import LiveLink
from .scopes import KeyScopes

_LOGGER = logging.getLogger(__package__)

type LevelListener = Callable[[Mapping[str, float]], None]

# RECONNECT_MIN * 2**6 is past RECONNECT_MAX already; no bigger power is needed.
_MAX_DOUBLINGS = 6


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
        session_factory: Callable[[], aiohttp.ClientSession],
        live_types: tuple[str, ...],
    ) -> None:
        """Prepare; nothing connects, and no session exists, before ``async_start``."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.client = client
        self.scopes = scopes
        self.live_types = live_types
        self.random = random.Random()  # noqa: S311 - jitter, not secrets
        self.stopped = False
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        self._links: dict[str, LiveLink] = {}
        self._level_listeners: dict[str, list[LevelListener]] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []
        # Handshakes of many instruments at set-up go a few at a time.
        self._handshakes = asyncio.Semaphore(MAX_CONCURRENT_HANDSHAKES)

    @callback
    def async_start(self) -> None:
        """Connect, in the background, to every instrument polling saw online."""
        self._session = self._session_factory()
        self._unsubscribe.append(self.coordinator.async_add_listener(self._async_sync))
        self._async_sync()

    async def async_stop(self) -> None:
        """Close every websocket and end every task, within about a second."""
        if self.stopped:
            return
        self.stopped = True
        while self._unsubscribe:
            self._unsubscribe.pop()()
        tasks = [link.task for link in self._links.values() if link.task]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        if self._session is not None:
            await self._session.close()

    @callback
    def _async_sync(self) -> None:
        """Want a connection for each instrument whose status says it is online.

        At most MAX_LIVE_CONNECTIONS are wanted at once; the others are polled.
        """
        if self.stopped or self._session is None:
            return
        # In the entry's order, so that who is over the cap does not change.
        online = [
            record
            for record in self.coordinator.records.values()
            if record.status is not None and record.status.online is True
        ]
        serials = {record.serial for record in online}
        for serial, existing in self._links.items():
            if serial not in serials:
                existing.wanted.clear()
        wanted = sum(existing.wanted.is_set() for existing in self._links.values())
        for record in online:
            link = self._links.get(record.serial)
            if link is not None and link.wanted.is_set():
                continue
            if wanted >= MAX_LIVE_CONNECTIONS:
                break
            if link is None:
                link = self._links[record.serial] = LiveLink(self, record)
                link.task = self.entry.async_create_background_task(
                    self.hass, self._async_run(link), f"{DOMAIN} live {record.serial}"
                )
            link.wanted.set()
            wanted += 1

    def backoff(self, attempt: int) -> float:
        """Return the wait before reconnect ``attempt`` (0 for the first).

        Full jitter (a random wait up to an exponentially growing cap) keeps
        many instruments that dropped together from reconnecting in lock-step.
        """
        cap = min(RECONNECT_MAX, RECONNECT_MIN * 2 ** min(attempt, _MAX_DOUBLINGS))
        return max(1.0, self.random.uniform(0, cap))

    async def _async_run(self, link: LiveLink) -> None:
        """Connect whenever wanted; back off after every end or failure."""
        record = link.record
        attempt = 0
        while True:
            if not link.wanted.is_set():
                record.link = LinkState.IDLE
                await link.wanted.wait()
            limiter = self.client.limiter
            if limiter.paused:
                record.link = LinkState.WAITING
                # After the pause, not all instruments at the same moment.
                jitter = self.random.uniform(0, RECONNECT_MIN)
                await asyncio.sleep(limiter.remaining() + jitter)
                continue
            record.link = LinkState.CONNECTING
            try:
                async with self._handshakes:
                    connection = await self.client.live(
                        record.serial, session=self._session
                    )
            except MyCirrusRateLimitError:
                continue
            except MyCirrusError as err:
                _LOGGER.debug("No live connection to %s: %s", record.serial, err)
            except Exception:
                _LOGGER.exception("Unexpected error connecting to %s", record.serial)
            else:
                if await link.async_serve(connection):
                    attempt = 0
            if not link.wanted.is_set():
                continue  # offline: polling says when to try again
            record.link = LinkState.WAITING
            await asyncio.sleep(self.backoff(attempt))
            attempt += 1

    async def async_action(self, serial: str, action: Action) -> ActionStatus | None:
        """Send an action over the instrument's websocket; None if none is open.

        See LiveLink.async_action for what it raises.
        """
        link = self._links.get(serial)
        return None if link is None else await link.async_action(action)

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

    @callback
    def async_dispatch_levels(self, serial: str, values: Mapping[str, float]) -> None:
        """Hand one live level message to the instrument's live sensors."""
        for listener in list(self._level_listeners.get(serial, ())):
            listener(values)

    def live_available(self, serial: str) -> bool:
        """Return whether live levels of the instrument can be current."""
        record = self.coordinator.records.get(serial)
        return (
            record is not None
            and record.pushing
            and record.status is not None
            and record.status.online is True
            and not self.scopes.missing(SCOPE_LIVE)
        )
