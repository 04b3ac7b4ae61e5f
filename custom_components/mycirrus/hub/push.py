"""One live websocket per followed instrument that is online.

Each instrument gets a background task that connects while its status says it
is online, serves the connection (link.py) and reconnects with exponential
back-off and full jitter. What the connections learn goes out through hooks:
the push never writes a record itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import logging
import random

import aiohttp

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ..api import (
    Action,
    ActionStatus,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
)
from ..const import (
    DOMAIN,
    MAX_CONCURRENT_HANDSHAKES,
    MAX_LIVE_CONNECTIONS,
    RECONNECT_MAX,
    RECONNECT_MIN,
    SCOPE_LIVE,
)
from ..issues import async_clear_scope_issue, async_raise_scope_issue
from ..model import InstrumentRecord, LinkState
from ..scopes import KeyScopes
from .link import LiveLink, PushHooks

_LOGGER = logging.getLogger(__package__)

# RECONNECT_MIN * 2**6 is past RECONNECT_MAX already; no bigger power is needed.
_MAX_DOUBLINGS = 6


class MyCirrusPush:
    """Keeps the live websockets of one config entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: MyCirrusClient,
        scopes: KeyScopes,
        *,
        records: Mapping[str, InstrumentRecord],
        hooks: PushHooks,
        session_factory: Callable[[], aiohttp.ClientSession],
        live_types: tuple[str, ...],
    ) -> None:
        """Prepare; nothing connects, and no session exists, before ``async_start``."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.scopes = scopes
        self.records = records
        self.hooks = hooks
        self.live_types = live_types
        self.random = random.Random()  # noqa: S311 - jitter, not secrets
        self.stopped = False
        # MyCirrus refused the key: no link tries again until it changes.
        self.halted = False
        self.links: dict[str, LiveLink] = {}
        self._session_factory = session_factory
        self._session: aiohttp.ClientSession | None = None
        # Handshakes of many instruments at set-up go a few at a time.
        self._handshakes = asyncio.Semaphore(MAX_CONCURRENT_HANDSHAKES)

    @callback
    def async_start(self) -> None:
        """Connect, in the background, to every instrument seen online."""
        self._session = self._session_factory()
        self.async_sync()

    async def async_stop(self) -> None:
        """Close every websocket and end every task, within about a second."""
        if self.stopped:
            return
        self.stopped = True
        tasks = [link.task for link in self.links.values() if link.task]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        if self._session is not None:
            await self._session.close()

    @callback
    def async_halt(self) -> None:
        """Stop every link for good: MyCirrus refused the key."""
        if self.halted:
            return
        self.halted = True
        current = asyncio.current_task()
        for serial, link in self.links.items():
            link.wanted.clear()
            if link.task is not None and link.task is not current:
                link.task.cancel()
            self.hooks.link(serial, LinkState.STOPPED)

    @callback
    def async_sync(self) -> None:
        """Want a connection for each instrument whose status says it is online.

        At most MAX_LIVE_CONNECTIONS are wanted at once; the others are polled.
        """
        if self.stopped or self.halted or self._session is None:
            return
        # In the entry's order, so that who is over the cap does not change.
        online = [
            record.serial
            for record in self.records.values()
            if record.status is not None and record.status.online is True
        ]
        for serial, existing in self.links.items():
            if serial not in online:
                existing.wanted.clear()
        wanted = sum(existing.wanted.is_set() for existing in self.links.values())
        for serial in online:
            link = self.links.get(serial)
            if link is not None and link.wanted.is_set():
                continue
            if wanted >= MAX_LIVE_CONNECTIONS:
                break
            if link is None:
                link = self.links[serial] = LiveLink(self, serial)
                link.task = self.entry.async_create_background_task(
                    self.hass, self._async_run(link), f"{DOMAIN} live {serial}"
                )
            link.wanted.set()
            wanted += 1

    @callback
    def async_remove(self, serial: str) -> None:
        """Close the link of an instrument no longer followed."""
        if (link := self.links.pop(serial, None)) is not None and link.task:
            link.task.cancel()
        self.async_sync()  # one more may fit under the cap

    async def async_set_live_types(self, live_types: tuple[str, ...]) -> None:
        """Ask the open connections for other live levels, without reconnecting."""
        self.live_types = live_types
        self.async_live_issue()
        await asyncio.gather(
            *(link.async_live_types_changed() for link in self.links.values())
        )

    @callback
    def async_live_issue(self) -> None:
        """Say the key lacks data.live:read only while live levels are chosen."""
        if self.live_types and self.scopes.missing(SCOPE_LIVE):
            async_raise_scope_issue(self.hass, self.entry, SCOPE_LIVE)
        else:
            async_clear_scope_issue(self.hass, self.entry, SCOPE_LIVE)

    def backoff(self, attempt: int) -> float:
        """Return the wait before reconnect ``attempt`` (0 for the first).

        Full jitter (a random wait up to an exponentially growing cap) keeps
        many instruments that dropped together from reconnecting in lock-step.
        """
        cap = min(RECONNECT_MAX, RECONNECT_MIN * 2 ** min(attempt, _MAX_DOUBLINGS))
        return max(1.0, self.random.uniform(0, cap))

    async def _async_run(self, link: LiveLink) -> None:
        """Connect whenever wanted; back off after every end or failure."""
        serial = link.serial
        attempt = 0
        while True:
            if not link.wanted.is_set():
                self.hooks.link(serial, LinkState.IDLE)
                await link.wanted.wait()
            limiter = self.client.limiter
            if limiter.paused:
                self.hooks.link(serial, LinkState.WAITING)
                # After the pause, not all instruments at the same moment.
                jitter = self.random.uniform(0, RECONNECT_MIN)
                await asyncio.sleep(limiter.remaining() + jitter)
                continue
            self.hooks.link(serial, LinkState.CONNECTING)
            try:
                async with self._handshakes:
                    connection = await self.client.live(serial, session=self._session)
            except MyCirrusRateLimitError:
                continue
            except MyCirrusAuthenticationError:
                self.hooks.link(serial, LinkState.STOPPED)
                self.hooks.auth_failed(None)
                return
            except MyCirrusError as err:
                _LOGGER.debug("No live connection to %s: %s", serial, err)
            except Exception:
                _LOGGER.exception("Unexpected error connecting to %s", serial)
            else:
                if await link.async_serve(connection):
                    attempt = 0
            if not link.wanted.is_set():
                continue  # offline: its status says when to try again
            self.hooks.link(serial, LinkState.WAITING)
            await asyncio.sleep(self.backoff(attempt))
            attempt += 1

    async def async_action(self, serial: str, action: Action) -> ActionStatus | None:
        """Send an action over the instrument's websocket; None if none is open.

        See LiveLink.async_action for what it raises.
        """
        link = self.links.get(serial)
        return None if link is None else await link.async_action(action)

    def live_available(self, serial: str) -> bool:
        """Return whether live levels of the instrument can be current."""
        record = self.records.get(serial)
        return (
            record is not None
            and record.pushing
            and record.status is not None
            and record.status.online is True
            and not self.scopes.missing(SCOPE_LIVE)
        )
