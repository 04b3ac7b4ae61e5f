"""Which noise events have fired: each once, in time order, none from before set-up.

Events reach MyCirrus late when an instrument's modem was down, and every
hour's re-read sees the last two days' events again: the events that fired are
remembered (in a Store, so a restart forgets none) until they are older than
that re-read reaches. An event that started before the entry was first set up
never fires.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..api import NoiseEvent
from ..const import DOMAIN

STORAGE_VERSION = 1

type EventKey = str


def event_key(event: NoiseEvent) -> EventKey:
    """Return what tells one event from another: no id is documented."""
    return "|".join(
        (
            event.instrument,
            event.start.isoformat(),
            event.type or "",
            event.name or "",
            event.time_history_id or "",
        )
    )


class EventMemory:
    """Remembers the events that fired, and since when events may fire."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Remember nothing yet; ``async_load`` reads what the last run saved."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.events.{entry_id}"
        )
        self.since: datetime | None = None
        self._fired: dict[EventKey, datetime] = {}

    async def async_load(self) -> None:
        """Read what was saved; the first set-up starts the clock."""
        saved = await self._store.async_load() or {}
        since = dt_util.parse_datetime(str(saved.get("since", "")))
        self._fired = {
            key: moment
            for key, value in dict(saved.get("fired", {})).items()
            if (moment := dt_util.parse_datetime(str(value))) is not None
        }
        self.since = since or dt_util.utcnow()
        if since is None:
            self._save()

    def new(
        self, events: Iterable[NoiseEvent], forget_before: datetime
    ) -> list[NoiseEvent]:
        """Return the events that have not fired, in time order; mark them fired.

        What is remembered of events that started before ``forget_before`` is
        forgotten: no re-read reaches them any more.
        """
        since = self.since
        assert since is not None  # loaded
        fresh = sorted(
            (
                event
                for event in {event_key(e): e for e in events}.values()
                if event.start >= since and event_key(event) not in self._fired
            ),
            key=lambda event: (event.start, event.instrument),
        )
        old = [key for key, start in self._fired.items() if start < forget_before]
        for key in old:
            del self._fired[key]
        for event in fresh:
            self._fired[event_key(event)] = event.start
        if fresh or old:
            self._save()
        return fresh

    def _save(self) -> None:
        self._store.async_delay_save(self._data, 1)

    def _data(self) -> dict[str, Any]:
        return {
            "since": (self.since or dt_util.utcnow()).isoformat(),
            "fired": {key: start.isoformat() for key, start in self._fired.items()},
        }

    async def async_flush(self) -> None:
        """Write what is remembered now: a reload reads it at once."""
        if self.since is not None:
            await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Forget everything of a deleted entry."""
        await self._store.async_remove()


def trailing_start(now: datetime, window: timedelta) -> datetime:
    """Return where the hourly re-read starts: a whole hour, ``window`` back."""
    return (now - window).replace(minute=0, second=0, microsecond=0)
