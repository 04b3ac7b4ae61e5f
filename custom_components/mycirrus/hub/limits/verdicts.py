"""A limit's windows that no longer run, for the count of the day.

A window that closed while the limit ran keeps its verdict: when its
exceedance counted, or None. A window that ended before the limit started
running (before a restart, or before the limit existed) is read from the
stored periods alone: the official record says whether, and from when, it
was over its limit. Both count on the local day their exceedance was known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .schedule import Window
from .tally import WindowTally


class Verdicts:
    """The closed and read-back windows of one limit, by start."""

    def __init__(self, tally: Callable[[Window], WindowTally]) -> None:
        """Keep nothing yet; ``tally`` makes a window's tally."""
        self._tally = tally
        self._closed: dict[float, float | None] = {}
        self._read: dict[float, WindowTally] = {}
        self._read_at: dict[float, float | None] = {}

    def close(self, start: float, counted_at: float | None) -> None:
        """Keep a closed window's verdict: when it counted, or None."""
        self._closed[start] = counted_at

    def closed(self, start: float) -> bool:
        """Return whether the window starting at ``start`` closed: it is final."""
        return start in self._closed

    def read_back(self, window: Window) -> WindowTally:
        """Return the tally of a window that ended before the limit ran."""
        if window.start not in self._read:
            self._read[window.start] = self._tally(window)
        return self._read[window.start]

    def reread(self, starts: Iterable[float]) -> list[float]:
        """Judge again the read-back windows whose periods changed.

        Returns the starts that are not read-back windows.
        """
        others = []
        for start in starts:
            if (tally := self._read.get(start)) is None:
                others.append(start)
            else:
                self._read_at[start] = tally.crossed_at()
        return others

    def count(self, since: float, running: Iterable[WindowTally]) -> int:
        """Return the windows exceeded since ``since``, the ``running`` ones too.

        A running window counts while its exceedance is certain.
        """
        counted = [*self._closed.values(), *self._read_at.values()]
        counted += [tally.exceeded_at for tally in running if tally.certain]
        return sum(1 for at in counted if at is not None and at >= since)

    def forget_before(self, cutoff: float) -> None:
        """Forget the windows that start before ``cutoff``."""
        for kept in (self._closed, self._read, self._read_at):
            for start in [s for s in kept if s < cutoff]:
                del kept[start]
