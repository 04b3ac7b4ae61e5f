"""The dispatcher signals a loaded entry sends to its entities."""

from __future__ import annotations

from ..const import DOMAIN


def instrument_signal(entry_id: str, serial: str) -> str:
    """Return the signal of one instrument: its record, availability or health."""
    return f"{DOMAIN}_{entry_id}_{serial}"


def levels_signal(entry_id: str, serial: str) -> str:
    """Return the signal carrying one instrument's live level messages."""
    return f"{DOMAIN}_{entry_id}_{serial}_levels"


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


def last_event_signal(entry_id: str, serial: str) -> str:
    """Return the signal carrying the noise event an instrument's entity fired last."""
    return f"{DOMAIN}_{entry_id}_{serial}_last_event"
