"""How far each statistic's periods have been read, with no gap before it.

One point per instrument and stored value: every hour before it was read at
least once. A refresh whose window starts at or before the point moves it to
the refresh's end; one that starts after it leaves a gap, which the backfill
reads (backfill.py). The points are saved (in a Store), so that a restart, a
reload or a failed request loses nothing: what was not read is read later,
whatever Home Assistant did meanwhile. A statistic with no point yet starts
from its last imported hour, or where the options say a new one starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ...const import DOMAIN
from .statistics import Key

STORAGE_VERSION = 1
_SEPARATOR = "|"


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class ReadProgress:
    """The point up to which each statistic was read, kept across restarts."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Know nothing yet; ``async_load`` reads what the last run saved."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.progress.{entry_id}"
        )
        self._until: dict[Key, datetime] = {}

    async def async_load(self) -> None:
        """Read the points saved; an unreadable one is left out."""
        saved = await self._store.async_load() or {}
        for name, value in dict(saved.get("read_until", {})).items():
            serial, _, stored = str(name).rpartition(_SEPARATOR)
            if serial and (moment := dt_util.parse_datetime(str(value))) is not None:
                self._until[(serial, stored)] = moment

    def until(self, key: Key) -> datetime | None:
        """Return the point of a statistic, if it has one."""
        return self._until.get(key)

    def serials(self) -> set[str]:
        """Return the instruments with a point."""
        return {serial for serial, _ in self._until}

    def missing(self, keys: Iterable[Key]) -> list[Key]:
        """Return the keys with no point yet."""
        return [key for key in keys if key not in self._until]

    def begin(self, points: Mapping[Key, datetime]) -> None:
        """Give statistics with no point yet their first one."""
        for key, moment in points.items():
            self._until.setdefault(key, _hour(moment))
        if points:
            self._save()

    def read(self, keys: Iterable[Key], start: datetime, end: datetime) -> None:
        """Note that the periods from ``start`` to ``end`` of ``keys`` were read.

        A point moves only where the read joins it: a gap stays a gap.
        """
        reached = _hour(end)
        changed = False
        for key in keys:
            until = self._until.get(key)
            if until is not None and start <= until < reached:
                self._until[key] = reached
                changed = True
        if changed:
            self._save()

    def skip(self, keys: Iterable[Key], oldest: datetime) -> None:
        """Move points older than ``oldest`` to it: what lies before is not read."""
        changed = False
        for key in keys:
            until = self._until.get(key)
            if until is not None and until < oldest:
                self._until[key] = oldest
                changed = True
        if changed:
            self._save()

    def forget(self, serial: str) -> None:
        """Forget an instrument's points: followed again, it starts anew."""
        for key in [key for key in self._until if key[0] == serial]:
            del self._until[key]
        self._save()

    def as_dict(self) -> dict[str, str]:
        """Return every point, for diagnostics."""
        return {
            f"{serial}{_SEPARATOR}{value}": until.isoformat()
            for (serial, value), until in sorted(self._until.items())
        }

    def _save(self) -> None:
        self._store.async_delay_save(lambda: {"read_until": self.as_dict()}, 1)

    async def async_flush(self) -> None:
        """Write the points now: a reload reads them at once."""
        await self._store.async_save({"read_until": self.as_dict()})

    async def async_remove(self) -> None:
        """Forget everything of a deleted entry."""
        await self._store.async_remove()
