"""The pause MyCirrus asks of an API key, shared by everything that uses the key."""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Final

from .exceptions import MyCirrusRateLimitError

# A 429 never makes a caller ask sooner than its normal polling would.
MIN_PAUSE: Final = 60.0
# Our own pauses when MyCirrus gives no Retry-After: 2, 4, 8, then 15 minutes.
FIRST_BACKOFF: Final = 120.0
MAX_BACKOFF: Final = 900.0
# Schedulers are not sub-second exact: a pause with less than this left is over.
SLACK: Final = 1.0


class RateLimiter:
    """Holds off every request of one key until MyCirrus accepts requests again.

    Deadlines use a monotonic clock, so a wall clock that is stepped (NTP on a
    device without a real-time clock) neither ends nor extends a pause.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        on_pause: Callable[[float], None] | None = None,
    ) -> None:
        """Start unpaused; ``on_pause`` hears of every new pause, in seconds.

        ``clock`` defaults to ``time.monotonic``, looked up at each reading.
        """
        self._clock = clock or _monotonic
        self._on_pause = on_pause
        self._until = 0.0
        self._backoff: float | None = None

    def remaining(self) -> float:
        """Return the seconds left of the pause; 0 when requests may go."""
        return max(0.0, self._until - self._clock())

    @property
    def paused(self) -> bool:
        """Return whether requests must wait."""
        return self.remaining() >= SLACK

    def check(self) -> None:
        """Raise MyCirrusRateLimitError, without a request, while paused."""
        if (remaining := self.remaining()) >= SLACK:
            raise MyCirrusRateLimitError(
                f"MyCirrus asked for a pause; {remaining:.0f} s left",
                retry_after=remaining,
                sent=False,
            )

    def pause(self, retry_after: float | None) -> float:
        """Pause after a 429; return the seconds until requests may go again.

        The server's Retry-After is honoured however long it is (never below
        MIN_PAUSE). Without one the pause doubles each time MyCirrus refuses
        again after a pause, up to MAX_BACKOFF, until ``accepted``; further
        429s answering requests of the same burst do not double it again.
        """
        now = self._clock()
        if retry_after is not None:
            delay = max(retry_after, MIN_PAUSE)
        elif now < self._until:
            return self._until - now
        else:
            delay = (
                FIRST_BACKOFF
                if self._backoff is None
                else min(self._backoff * 2, MAX_BACKOFF)
            )
            self._backoff = delay
        self._until = max(self._until, now + delay)
        remaining = self._until - now
        if self._on_pause is not None:
            self._on_pause(remaining)
        return remaining

    def restore(self, seconds: float) -> None:
        """Resume a pause that outlived a restart, without notifying.

        A pause never shortens: restoring 0 (or less) changes nothing.
        """
        self._until = max(self._until, self._clock() + seconds)

    def accepted(self) -> None:
        """Note that a whole round was answered without a 429.

        The next pause of our own starts over at FIRST_BACKOFF. A single answer
        is not enough: one endpoint may answer while another is refused.
        """
        self._backoff = None


def _monotonic() -> float:
    # Looked up at each reading, so that a patched clock (tests) is seen.
    return time.monotonic()
