"""The dispatcher signals a loaded entry sends to its entities."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ..const import DOMAIN


def instrument_signal(entry_id: str, serial: str) -> str:
    """Return the signal of one instrument: its record, availability or health."""
    return f"{DOMAIN}_{entry_id}_{serial}"


def levels_signal(entry_id: str, serial: str) -> str:
    """Return the signal carrying one instrument's live level messages."""
    return f"{DOMAIN}_{entry_id}_{serial}_levels"


def health_signal(entry_id: str, serial: str) -> str:
    """Return the signal of one instrument's new health report."""
    return f"{DOMAIN}_{entry_id}_{serial}_health"


def stored_signal(entry_id: str, serial: str) -> str:
    """Return the signal of one instrument's stored data, refreshed."""
    return f"{DOMAIN}_{entry_id}_{serial}_stored"


@callback
def async_tell_each(
    hass: HomeAssistant,
    entry: ConfigEntry,
    serials: Iterable[str],
    signal: Callable[[str, str], str],
) -> None:
    """Send each instrument's ``signal``, one instrument per turn of the loop.

    Fifty instruments' entities written in one callback would hold the event
    loop for a tenth of a second: each instrument's are written in a turn of
    their own, in the background.
    """

    async def tell(serials: list[str]) -> None:
        for index, serial in enumerate(serials):
            if index:
                await asyncio.sleep(0)
            async_dispatcher_send(hass, signal(entry.entry_id, serial))

    entry.async_create_background_task(
        hass, tell(list(serials)), f"{DOMAIN} tell entities"
    )


def event_signal(entry_id: str, serial: str) -> str:
    """Return the signal carrying one instrument's new noise events."""
    return f"{DOMAIN}_{entry_id}_{serial}_event"


def entities_signal(entry_id: str) -> str:
    """Return the signal that tells the platforms to look for entities to add.

    Sent when an instrument is added, when a round or the health brings what
    an entity needs to exist, and when the options change.
    """
    return f"{DOMAIN}_{entry_id}_entities"


def tick_signal(entry_id: str) -> str:
    """Return the signal of the live level interval: write what it gathered."""
    return f"{DOMAIN}_{entry_id}_tick"


def limit_signal(entry_id: str, subentry_id: str) -> str:
    """Return the signal of one noise limit: what its entities show changed."""
    return f"{DOMAIN}_{entry_id}_limit_{subentry_id}"


def limit_event_signal(entry_id: str, subentry_id: str) -> str:
    """Return the signal carrying one noise limit's events (type, data)."""
    return f"{DOMAIN}_{entry_id}_limit_{subentry_id}_event"


def last_event_signal(entry_id: str, serial: str) -> str:
    """Return the signal carrying the noise event an instrument's entity fired last."""
    return f"{DOMAIN}_{entry_id}_{serial}_last_event"
