"""Notice a stream of frames that falls silent, with one timer for all of them.

A timeout around every read makes and cancels a timer per frame, which costs
about as much as taking the frame. The watch here is set once and moved on
only when it fires: if reads came meanwhile, it waits from the newest one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class SilenceWatch:
    """Ends a read that waits longer than ``limit`` seconds with TimeoutError."""

    __slots__ = (
        "_armed_at",
        "_deadline",
        "_fired",
        "_handle",
        "_reader",
        "_reads",
        "limit",
    )

    def __init__(self, limit: float) -> None:
        """Watch reads for ``limit`` seconds of silence each."""
        self.limit = limit
        self._reads = 0
        self._armed_at = 0  # the read the timer was set (or moved) for
        self._deadline = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._reader: asyncio.Task[object] | None = None
        self._fired = False

    async def read[T](self, receive: Callable[[], Awaitable[T]]) -> T:
        """Return what ``receive`` returns, or raise TimeoutError in silence."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        self._reads += 1
        self._deadline = loop.time() + self.limit
        if self._handle is None:
            self._armed_at = self._reads
            self._handle = loop.call_at(self._deadline, self._fire, loop)
        self._reader = task
        cancelling = task.cancelling()
        try:
            return await receive()
        except asyncio.CancelledError:
            # Only this watch cancelled the read: the silence, not a shutdown.
            if self._fired and task.uncancel() <= cancelling:
                raise TimeoutError from None
            raise
        finally:
            self._reader = None
            self._fired = False

    def cancel(self) -> None:
        """Stop watching."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = None
        if self._reader is None:
            return  # between reads: the next one sets the timer again
        if self._reads == self._armed_at:
            # The read the timer was set for still waits: silence.
            self._fired = True
            self._reader.cancel()
            return
        self._armed_at = self._reads
        self._handle = loop.call_at(self._deadline, self._fire, loop)
