"""Following a calibration or SIC to its result.

Neither the push nor an action's answer carries the result: when a check is
accepted, or a pushed status says one ended, the instrument's status is asked
for until the new result shows.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from homeassistant.core import callback

from .api import Action, CalibrationResult, InstrumentStatus, SicResult
from .const import (
    CHECK_POLL_INTERVAL,
    CHECK_POLL_LIMIT,
    CHECK_POLL_PUSHING,
    CHECK_RESULT_LIMIT,
    DOMAIN,
)
from .data import InstrumentRecord

if TYPE_CHECKING:
    from .coordinator import MyCirrusCoordinator

type Result = CalibrationResult | SicResult | None

EMPTY_STATUS = InstrumentStatus(
    online=None,
    measuring=None,
    calibration_in_progress=None,
    sic_in_progress=None,
    last_calibration=None,
    last_sic=None,
)


def running(status: InstrumentStatus | None, action: Action) -> bool:
    """Return whether the status says the check of ``action`` is running."""
    if status is None:
        return False
    if action is Action.SIC:
        return bool(status.sic_in_progress)
    return bool(status.calibration_in_progress)


def result(status: InstrumentStatus | None, action: Action) -> Result:
    """Return the last result of the check of ``action``."""
    if status is None:
        return None
    return status.last_sic if action is Action.SIC else status.last_calibration


def ended(before: InstrumentStatus, after: InstrumentStatus) -> list[Action]:
    """Return the checks that went from running to not running."""
    return [
        action
        for action, was, now in (
            (
                Action.CALIBRATION,
                before.calibration_in_progress,
                after.calibration_in_progress,
            ),
            (Action.SIC, before.sic_in_progress, after.sic_in_progress),
        )
        if was and now is False
    ]


class CheckFollower:
    """Asks for an instrument's status until a check's new result shows."""

    def __init__(self, coordinator: MyCirrusCoordinator) -> None:
        """Follow nothing yet."""
        self._coordinator = coordinator
        self._tasks: dict[tuple[str, Action], asyncio.Task[None]] = {}

    @callback
    def async_accepted(self, record: InstrumentRecord, action: Action) -> None:
        """Show an accepted check at once, and follow it to its result."""
        if action is Action.IDENTIFY:
            return
        before = result(record.status, action)
        record.status = (record.status or EMPTY_STATUS).with_flags(
            calibration_in_progress=True if action is Action.CALIBRATION else None,
            sic_in_progress=True if action is Action.SIC else None,
        )
        self._coordinator.async_update_instrument(record.serial)
        # Not at once: MyCirrus may not show the check running yet.
        self._follow(record, action, before, CHECK_POLL_LIMIT.total_seconds(), 0.0)

    @callback
    def async_pushed(self, record: InstrumentRecord, before: InstrumentStatus) -> None:
        """Fetch the result of each check a pushed status says has ended."""
        assert record.status is not None
        for action in ended(before, record.status):
            self._follow(
                record,
                action,
                result(before, action),
                CHECK_RESULT_LIMIT.total_seconds(),
                None,
            )

    def _follow(
        self,
        record: InstrumentRecord,
        action: Action,
        before: Result,
        limit: float,
        asked_at: float | None,
    ) -> None:
        """Follow one check; ``asked_at`` 0 waits an interval before asking."""
        key = (record.serial, action)
        if (task := self._tasks.pop(key, None)) is not None:
            task.cancel()
        coordinator = self._coordinator
        self._tasks[key] = coordinator.config_entry.async_create_background_task(
            coordinator.hass,
            self._async_follow(record, action, before, limit, asked_at),
            f"{DOMAIN} check {record.serial}",
        )

    async def _async_follow(
        self,
        record: InstrumentRecord,
        action: Action,
        before: Result,
        limit: float,
        asked_at: float | None,
    ) -> None:
        """Ask every 10 s (every minute while the push says it runs)."""
        coordinator = self._coordinator
        start = time.monotonic()
        deadline = start + limit
        if asked_at is not None:
            asked_at = start
        try:
            while time.monotonic() < deadline:
                status = record.status
                is_running = running(status, action)
                if not is_running and result(status, action) != before:
                    return
                now = time.monotonic()
                pushed_running = record.pushing and is_running
                every = CHECK_POLL_PUSHING if pushed_running else CHECK_POLL_INTERVAL
                if asked_at is None or now - asked_at >= every.total_seconds():
                    asked_at = now
                    coordinator.async_schedule_fetch(record.serial)
                await asyncio.sleep(CHECK_POLL_INTERVAL.total_seconds())
        finally:
            if self._tasks.get((record.serial, action)) is asyncio.current_task():
                del self._tasks[(record.serial, action)]

    def cancel(self) -> None:
        """Stop following, when the entry unloads."""
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
