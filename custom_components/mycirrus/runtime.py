"""The runtime data of a loaded entry, and the entry's type.

Platforms, flows, diagnostics and set-up import it; the hub does not.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigEntryState

from .hub import MyCirrusHub

# The hub is the runtime data: everything a loaded entry runs, in one object
# that the platforms ask (records, availability, presses).
type MyCirrusRuntimeData = MyCirrusHub
type MyCirrusConfigEntry = ConfigEntry[MyCirrusRuntimeData]


def loaded_hub(entry: MyCirrusConfigEntry) -> MyCirrusHub | None:
    """Return the entry's hub while it is loaded, else None."""
    return entry.runtime_data if entry.state is ConfigEntryState.LOADED else None


__all__ = ["MyCirrusConfigEntry", "MyCirrusHub", "MyCirrusRuntimeData", "loaded_hub"]
