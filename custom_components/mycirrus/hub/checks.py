"""Following a calibration or SIC to its result.

Neither the push nor an action's answer carries the result: when a check is
accepted, or a pushed status says one ended, the instrument's status is asked
for until the new result shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from ..api import Action
from ..const import (
    CHECK_CONFIRM_LIMIT,
    CHECK_POLL_INTERVAL,
    CHECK_POLL_LIMIT,
    CHECK_POLL_PUSHING,
    CHECK_RESULT_LIMIT,
    DOMAIN,
)
from ..model import CheckResult, InstrumentRecord


class CheckFollower:
    """Asks for an instrument's status until a check's new result shows."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        records: Mapping[str, InstrumentRecord],
        *,
        fetch: Callable[[str], None],
        settle: Callable[[str, Action, int], None],
    ) -> None:
        """Follow nothing yet.

        ``fetch`` asks for an instrument's status in the background; ``settle``
        stops showing a check asked for at a stamp as running on our word.
        """
        self._hass = hass
        self._entry = entry
        self._records = records
        self._fetch = fetch
        self._settle = settle
        self._tasks: dict[tuple[str, Action], asyncio.Task[None]] = {}
        # The entry stopped: nothing is followed any more, nor starts.
        self._closed = False

    @callback
    def async_accepted(self, record: InstrumentRecord, action: Action) -> None:
        """Follow a check MyCirrus accepted; ``record`` shows it asked for."""
        pending = record.pending.get(action)
        if pending is None:
            return
        # Not at once: MyCirrus may not show the check running yet.
        self._follow(
            record.serial, action, pending.before, CHECK_POLL_LIMIT, pending.stamp
        )

    @callback
    def async_ended(self, record: InstrumentRecord, actions: list[Action]) -> None:
        """Fetch the result of each check a pushed status says has ended."""
        for action in actions:
            self._follow(
                record.serial, action, record.result(action), CHECK_RESULT_LIMIT, None
            )

    def _follow(
        self,
        serial: str,
        action: Action,
        before: CheckResult,
        limit: timedelta,
        stamp: int | None,
    ) -> None:
        if self._closed:
            return  # a press answered after the entry stopped
        key = (serial, action)
        if (task := self._tasks.pop(key, None)) is not None:
            task.cancel()
        self._tasks[key] = self._entry.async_create_background_task(
            self._hass,
            self._async_follow(serial, action, before, limit.total_seconds(), stamp),
            f"{DOMAIN} check {serial}",
        )

    async def _async_follow(
        self,
        serial: str,
        action: Action,
        before: CheckResult,
        limit: float,
        stamp: int | None,
    ) -> None:
        """Ask every 10 s (every minute while the push says it runs).

        ``stamp`` is the request of an accepted check: asking waits an interval,
        and a check MyCirrus has not shown running within CHECK_CONFIRM_LIMIT is
        no longer shown as running on our word.
        """
        start = time.monotonic()
        asked_at = start if stamp is not None else None
        try:
            while (now := time.monotonic()) < start + limit:
                if (record := self._records.get(serial)) is None:
                    return
                if (
                    stamp is not None
                    and action in record.pending
                    and now - start >= CHECK_CONFIRM_LIMIT.total_seconds()
                ):
                    self._settle(serial, action, stamp)
                    record = self._records[serial]
                    if not record.running(action):
                        return  # MyCirrus never showed it: nothing to follow
                is_running = record.running(action)
                if not is_running and record.result(action) != before:
                    return
                pushed = record.pushing and is_running
                every = CHECK_POLL_PUSHING if pushed else CHECK_POLL_INTERVAL
                if asked_at is None or now - asked_at >= every.total_seconds():
                    asked_at = now
                    self._fetch(serial)
                await asyncio.sleep(CHECK_POLL_INTERVAL.total_seconds())
        finally:
            if self._tasks.get((serial, action)) is asyncio.current_task():
                del self._tasks[(serial, action)]
            if stamp is not None and not self._closed:
                self._settle(serial, action, stamp)

    def close(self) -> None:
        """Stop following for good, when the entry stops: nothing starts after."""
        self._closed = True
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
