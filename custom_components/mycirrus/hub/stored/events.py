"""Which noise events have fired: each once, in time order, none from before following.

Events reach MyCirrus late when an instrument's modem was down, and the
re-reads of incomplete hours (up to 31 days back) see events again. An event
found is waiting until its entity fires it: one found while the entity does
not exist yet (at start-up) or cannot show it (its data unavailable) fires
when it can. What fired is remembered (in a Store, so a restart forgets none)
until it is older than a re-read reaches. An event that started before its
instrument was followed never fires.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ...api import NoiseEvent
from ...const import DOMAIN, MAX_BACKFILL_DAYS

STORAGE_VERSION = 1

type EventKey = str


def event_key(event: NoiseEvent) -> EventKey:
    """Return what tells one event from another: no id is documented.

    Not its time history or audio id: MyCirrus may add those once they are
    uploaded, after the event was first seen.
    """
    return "|".join(
        (event.instrument, event.start.isoformat(), event.type or "", event.name or "")
    )


def _moments(saved: Any) -> dict[str, datetime]:
    """Return the readable moments of a saved mapping."""
    if not isinstance(saved, dict):
        return {}
    return {
        str(key): moment
        for key, value in saved.items()
        if (moment := dt_util.parse_datetime(str(value))) is not None
    }


class EventMemory:
    """Remembers since when each instrument's events fire, and which fired."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Remember nothing yet; ``async_load`` reads what the last run saved."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.events.{entry_id}"
        )
        self.since: dict[str, datetime] = {}
        self._fired: dict[EventKey, datetime] = {}
        self._waiting: dict[str, dict[EventKey, NoiseEvent]] = {}

    async def async_load(self) -> None:
        """Read what was saved."""
        saved = await self._store.async_load() or {}
        self.since = _moments(saved.get("since"))
        self._fired = _moments(saved.get("fired"))

    def serials(self) -> set[str]:
        """Return the instruments whose events are followed."""
        return set(self.since)

    def follow(self, serials: Iterable[str]) -> None:
        """Start the clock of instruments followed from now on."""
        now = dt_util.utcnow()
        new = [serial for serial in serials if serial not in self.since]
        for serial in new:
            self.since[serial] = now
        if new:
            self._save()

    def found(self, events: Iterable[NoiseEvent], forget_before: datetime) -> None:
        """Keep the events that have not fired, to wait until they fire.

        What is remembered of events that started before ``forget_before`` is
        forgotten: no re-read reaches them any more.
        """
        for event in events:
            since = self.since.get(event.instrument)
            key = event_key(event)
            if since is not None and event.start >= since and key not in self._fired:
                self._waiting.setdefault(event.instrument, {})[key] = event
        old = [key for key, start in self._fired.items() if start < forget_before]
        for key in old:
            del self._fired[key]
        for waiting in self._waiting.values():
            for key in [k for k, e in waiting.items() if e.start < forget_before]:
                del waiting[key]
        if old:
            self._save()

    def waiting(self) -> list[str]:
        """Return the instruments with events waiting to fire."""
        return [serial for serial, waiting in self._waiting.items() if waiting]

    def take(self, serial: str) -> list[NoiseEvent]:
        """Return an instrument's waiting events in time order; they have fired."""
        waiting = self._waiting.pop(serial, {})
        for key, event in waiting.items():
            self._fired[key] = event.start
        if waiting:
            self._save()
        return sorted(waiting.values(), key=lambda event: event.start)

    def forget(self, serial: str) -> None:
        """Forget an instrument no longer followed: followed again, it starts anew."""
        self.since.pop(serial, None)
        self._waiting.pop(serial, None)
        self._save()

    def _save(self) -> None:
        self._store.async_delay_save(self._data, 1)

    def _data(self) -> dict[str, Any]:
        return {
            "since": {
                serial: since.isoformat() for serial, since in self.since.items()
            },
            "fired": {key: start.isoformat() for key, start in self._fired.items()},
        }

    async def async_flush(self) -> None:
        """Write what is remembered now: a reload reads it at once."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Forget everything of a deleted entry."""
        await self._store.async_remove()


def forget_before(now: datetime) -> datetime:
    """Return where the memory of fired events ends: no re-read reaches before."""
    return now - timedelta(days=MAX_BACKFILL_DAYS)
