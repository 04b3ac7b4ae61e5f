"""The runtime data of a loaded entry, and the entry's type.

Platforms, flows, diagnostics and set-up import it; the hub does not.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .hub import MyCirrusHub

# The hub is the runtime data: everything a loaded entry runs, in one object
# that the platforms ask (records, availability, presses).
type MyCirrusRuntimeData = MyCirrusHub
type MyCirrusConfigEntry = ConfigEntry[MyCirrusRuntimeData]


def loaded_hub(entry: MyCirrusConfigEntry) -> MyCirrusHub | None:
    """Return the entry's hub while it is loaded, else None."""
    return entry.runtime_data if entry.state is ConfigEntryState.LOADED else None


def hub_following(hass: HomeAssistant, serial: str) -> MyCirrusHub | None:
    """Return the hub of the loaded entry that follows an instrument, else None."""
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        hub: MyCirrusHub = entry.runtime_data
        if serial in hub.records:
            return hub
    return None


def loaded_hubs(hass: HomeAssistant) -> list[MyCirrusHub]:
    """Return the hub of every loaded entry."""
    return [
        entry.runtime_data for entry in hass.config_entries.async_loaded_entries(DOMAIN)
    ]


__all__ = [
    "MyCirrusConfigEntry",
    "MyCirrusHub",
    "MyCirrusRuntimeData",
    "hub_following",
    "loaded_hub",
    "loaded_hubs",
]
