"""Diagnostics for MyCirrus: the entry, its instruments and the poller's state."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import DOMAIN
from .coordinator import MyCirrusConfigEntry, MyCirrusCoordinator

TO_REDACT = {CONF_API_KEY, "latitude", "longitude", "image"}


def _instrument(coordinator: MyCirrusCoordinator, serial: str) -> dict[str, Any]:
    instrument = coordinator.instruments.get(serial)
    status = coordinator.data.get(serial) if coordinator.data else None
    return {
        "subentry": coordinator.config_entry.subentries[
            coordinator.followed[serial].subentry_id
        ].title,
        "info": async_redact_data(asdict(instrument), TO_REDACT)
        if instrument
        else None,
        "status": asdict(status) if status else None,
        "error": coordinator.errors.get(serial),
    }


def _seconds(delay: timedelta | None) -> float | None:
    return None if delay is None else delay.total_seconds()


def _coordinator(coordinator: MyCirrusCoordinator) -> dict[str, Any]:
    return {
        "last_update_success": coordinator.last_update_success,
        "last_success": coordinator.last_success,
        "update_interval_seconds": _seconds(coordinator.update_interval),
        "backoff_seconds": _seconds(coordinator.backoff),
        "backoff_until": coordinator.backoff_until,
        "request_counts": dict(coordinator.request_counts),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MyCirrusConfigEntry
) -> dict[str, Any]:
    """Return the diagnostics of a config entry."""
    coordinator = entry.runtime_data
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "subentries": sorted(
                (subentry.subentry_type, subentry.unique_id, subentry.title)
                for subentry in entry.subentries.values()
            ),
        },
        "coordinator": _coordinator(coordinator),
        "instruments": {
            serial: _instrument(coordinator, serial) for serial in coordinator.followed
        },
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return the diagnostics of one instrument's device."""
    coordinator = entry.runtime_data
    serial = next(
        identifier
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier in coordinator.followed
    )
    return {
        "coordinator": _coordinator(coordinator),
        "instrument": {"serial": serial, **_instrument(coordinator, serial)},
    }
