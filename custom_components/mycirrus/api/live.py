"""One instrument's live websocket: typed messages in, commands out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
import json
import logging
from typing import Any

import aiohttp

from .exceptions import MyCirrusConnectionError
from .messages import LiveMessage, parse_message
from .models import Action
from .silence import SilenceWatch

_LOGGER = logging.getLogger(__name__)


class LiveConnection:
    """An open live websocket of one instrument (see ``MyCirrusClient.live``).

    Frames that carry no usable message (not JSON, binary, unknown types,
    fields of the wrong type) are skipped with a debug line, never raised.
    """

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse, serial: str) -> None:
        """Wrap an open websocket."""
        self._websocket = websocket
        self.serial = serial
        self._silence: SilenceWatch | None = None

    def __repr__(self) -> str:
        """Return a representation that names the instrument only."""
        return f"{type(self).__name__}(serial={self.serial!r}, closed={self.closed})"

    @property
    def closed(self) -> bool:
        """Return whether the websocket is closed."""
        return self._websocket.closed

    @property
    def close_code(self) -> int | None:
        """Return the close code, once closed."""
        return self._websocket.close_code

    async def receive(self, max_silence: float | None = None) -> LiveMessage:
        """Return the next message.

        Raises MyCirrusConnectionError when the websocket closes or fails, or
        when no frame at all arrives within ``max_silence`` seconds.
        """
        while True:
            try:
                frame = await self._read(max_silence)
            except TimeoutError as err:
                raise MyCirrusConnectionError(
                    f"The live websocket of {self.serial} fell silent"
                ) from err
            if frame.type is aiohttp.WSMsgType.TEXT:
                if (message := parse_message(frame.data)) is not None:
                    return message
                _LOGGER.debug(
                    "Skipping a live message of %s: %.80r", self.serial, frame.data
                )
            elif frame.type is aiohttp.WSMsgType.BINARY:
                _LOGGER.debug("Skipping a binary frame from %s", self.serial)
            elif frame.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                raise MyCirrusConnectionError(
                    f"The live websocket of {self.serial} closed "
                    f"(code {self._websocket.close_code})"
                )

    async def _read(self, max_silence: float | None) -> aiohttp.WSMessage:
        if max_silence is None:
            return await self._websocket.receive()
        watch = self._silence
        if watch is None or watch.limit != max_silence:
            if watch is not None:
                watch.cancel()
            watch = self._silence = SilenceWatch(max_silence)
        return await watch.read(self._websocket.receive)

    async def __aiter__(self) -> AsyncIterator[LiveMessage]:
        """Yield messages until the websocket closes."""
        while True:
            try:
                yield await self.receive()
            except MyCirrusConnectionError:
                return

    async def start_live_data(self, types: Iterable[str]) -> None:
        """Ask for live levels of ``types``; replaces an earlier request."""
        await self._send({"action": "StartLiveData", "types": list(types)})

    async def stop_live_data(self) -> None:
        """Stop live levels."""
        await self._send({"action": "StopLiveData"})

    async def keep_alive(self) -> None:
        """Tell the server the connection is in use."""
        await self._send({"action": "KeepAlive"})

    async def send_action(self, action: Action) -> None:
        """Ask the instrument to identify itself, calibrate or run a SIC."""
        await self._send({"action": Action(action).value})

    async def close(self) -> None:
        """Close the websocket; closing a closed one does nothing."""
        if self._silence is not None:
            self._silence.cancel()
        if not self._websocket.closed:
            try:
                async with asyncio.timeout(1):
                    await self._websocket.close()
            except (TimeoutError, aiohttp.ClientError, OSError):
                _LOGGER.debug(
                    "The live websocket of %s did not close cleanly", self.serial
                )

    async def _send(self, command: dict[str, Any]) -> None:
        if self._websocket.closed:
            raise MyCirrusConnectionError(
                f"The live websocket of {self.serial} is closed"
            )
        try:
            await self._websocket.send_str(json.dumps(command))
        except (aiohttp.ClientError, OSError, RuntimeError) as err:
            raise MyCirrusConnectionError(
                f"Could not send to the live websocket of {self.serial}"
            ) from err
