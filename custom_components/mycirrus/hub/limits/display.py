"""What a limit's entities show, and when a change is worth writing.

Writing every live message's effect would flood the recorder, and a level
that moves by hundredths is not news. A state is shown at once when its
window, exceedance, warning, count or source changes, or a value appears or
goes, and whenever the runner forces it (stored periods came, the live
messages paused); otherwise a level or headroom that moved STEP dB or more is
shown (at most every MIN_GAP seconds, as the runner asks: a window's level is
an average over minutes, and each write costs the recorder), and one that
moved less once it has stood SETTLE_AFTER seconds. Coverage counts in percentage
points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from .schedule import Window

MIN_GAP: Final = 30.0
STEP: Final = 0.1
SETTLE_AFTER: Final = 60.0
SETTLE_STEP: Final = 0.005
COVERAGE_STEP: Final = 1.0


@dataclass(frozen=True, kw_only=True, slots=True)
class LimitState:
    """What a limit's entities show."""

    window: Window | None = None  # None: outside the schedule
    level: float | None = None
    headroom: float | None = None
    coverage: float | None = None  # % of the elapsed window that data covers
    source: str | None = None
    exceeded: bool = False
    warning: bool = False
    exceedances_today: int = 0
    next_start: float | None = None  # outside the schedule: when it applies again


def _discrete(state: LimitState) -> tuple[Any, ...]:
    """Return what is shown as soon as it changes."""
    return (
        state.window,
        state.exceeded,
        state.warning,
        state.exceedances_today,
        state.source,
        state.next_start,
        state.level is None,
        state.headroom is None,
    )


class Display:
    """The state a limit shows, and when each value was last shown."""

    def __init__(self) -> None:
        """Show nothing yet."""
        self.state = LimitState()
        # Whether it shows the window exceeded, and warning.
        self.flags = (False, False)
        self.checked_at = -MIN_GAP
        self._shown_at = {"level": 0.0, "headroom": 0.0, "coverage": 0.0}

    def show(self, fresh: LimitState, now: float, *, force: bool = False) -> bool:
        """Take what is true now; return whether what is shown changed."""
        self.checked_at = now
        shown = self.state
        if force or _discrete(fresh) != _discrete(shown):
            new = fresh
            self._shown_at = dict.fromkeys(self._shown_at, now)
        else:
            new = replace(
                shown,
                level=self._moved("level", shown.level, fresh.level, now, STEP),
                headroom=self._moved(
                    "headroom", shown.headroom, fresh.headroom, now, STEP
                ),
                coverage=self._moved(
                    "coverage", shown.coverage, fresh.coverage, now, COVERAGE_STEP
                ),
            )
        if new == shown:
            return False
        self.state = new
        self.flags = (new.exceeded, new.warning)
        return True

    def _moved(
        self,
        field: str,
        shown: float | None,
        fresh: float | None,
        now: float,
        step: float,
    ) -> float | None:
        """Return the value to show: the fresh one where it moved far or stood long."""
        if shown is None or fresh is None:
            return fresh
        moved = abs(fresh - shown)
        if moved >= step or (
            moved >= SETTLE_STEP and now - self._shown_at[field] >= SETTLE_AFTER
        ):
            self._shown_at[field] = now
            return fresh
        return shown
