"""One rate-limit pause per API key, kept across reloads and restarts.

The client pauses every request of its key when MyCirrus answers 429. The
limiter lives here rather than in the entry's runtime data so that a reload does
not forget the pause, and its end is saved so that a restart does not either.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import hashlib
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..api import RateLimiter
from ..const import DOMAIN

STORAGE_VERSION = 1
STORAGE_KEY = f"{DOMAIN}.rate_limit"

type _Saved = dict[str, dict[str, Any]]


class _Limiters:
    """The limiter of each entry, with the key it belongs to, and their store."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.store: Store[_Saved] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self.saved: _Saved = {}
        # The limiter of each entry, with a fingerprint of the key it belongs to.
        self.by_entry: dict[str, tuple[str, RateLimiter]] = {}
        self._loaded = False
        self._lock = asyncio.Lock()

    async def async_load(self) -> None:
        """Read the pauses the last run saved, once, however many entries ask."""
        async with self._lock:
            if not self._loaded:
                self.saved = await self.store.async_load() or {}
                self._loaded = True


DATA_LIMITERS: HassKey[_Limiters] = HassKey(f"{DOMAIN}_limiters")


async def _async_limiters(hass: HomeAssistant) -> _Limiters:
    """Return the limiters, with the pauses saved by the last run loaded."""
    if (limiters := hass.data.get(DATA_LIMITERS)) is None:
        limiters = hass.data[DATA_LIMITERS] = _Limiters(hass)
    await limiters.async_load()
    return limiters


async def async_get_limiter(hass: HomeAssistant, entry: ConfigEntry) -> RateLimiter:
    """Return the entry's limiter: the same one across reloads while its key stays."""
    limiters = await _async_limiters(hass)
    key = hashlib.sha256(str(entry.data[CONF_API_KEY]).encode()).hexdigest()
    known = limiters.by_entry.get(entry.entry_id)
    if known is not None and known[0] == key:
        return known[1]

    limiter = RateLimiter(on_pause=lambda seconds: _save(limiters, entry, seconds))
    if known is None:
        # First set-up since Home Assistant started: a pause may outlive a restart.
        limiter.restore(_remaining(limiters.saved.get(entry.entry_id, {})))
    else:
        # A new key has a limit of its own: the old key's pause is dropped.
        limiters.saved.pop(entry.entry_id, None)
        _schedule_save(limiters)
    limiters.by_entry[entry.entry_id] = (key, limiter)
    return limiter


async def async_forget_limiter(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the limiter and saved pause of an entry that is deleted.

    Also of one not set up in this run: its pause may be saved from the last.
    """
    limiters = await _async_limiters(hass)
    limiters.by_entry.pop(entry_id, None)
    limiters.saved.pop(entry_id, None)
    _schedule_save(limiters)


def _save(limiters: _Limiters, entry: ConfigEntry, seconds: float) -> None:
    """Remember when the pause ends on the wall clock, the only one a restart keeps."""
    limiters.saved[entry.entry_id] = {
        "until": (dt_util.utcnow() + timedelta(seconds=seconds)).isoformat(),
        "seconds": seconds,
    }
    _schedule_save(limiters)


def _remaining(saved: dict[str, Any]) -> float:
    """Return what is left of a saved pause, never more than was asked.

    A wall clock stepped back while Home Assistant was down must not turn a
    five-minute pause into a day's.
    """
    try:
        until = datetime.fromisoformat(str(saved["until"]))
        asked = float(saved["seconds"])
    except (KeyError, TypeError, ValueError):
        return 0.0
    return max(0.0, min((until - dt_util.utcnow()).total_seconds(), asked))


def _schedule_save(limiters: _Limiters) -> None:
    limiters.store.async_delay_save(lambda: dict(limiters.saved), 1)
