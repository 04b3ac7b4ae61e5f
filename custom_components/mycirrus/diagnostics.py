"""Diagnostics for MyCirrus: the entry, its instruments, polling and push."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import DOMAIN
from .data import InstrumentRecord, MyCirrusConfigEntry, MyCirrusRuntimeData

TO_REDACT = {CONF_API_KEY, "latitude", "longitude", "image"}


def _seconds(delay: timedelta | None) -> float | None:
    return None if delay is None else delay.total_seconds()


def _instrument(
    entry: MyCirrusConfigEntry, runtime: MyCirrusRuntimeData, record: InstrumentRecord
) -> dict[str, Any]:
    subentry = entry.subentries.get(record.subentry_id)
    health = (runtime.health.data or {}).get(record.serial)
    return {
        "subentry": subentry.title if subentry else None,
        "info": async_redact_data(asdict(record.details), TO_REDACT)
        if record.details
        else None,
        "status": asdict(record.status) if record.status else None,
        "error": record.error,
        "not_found_rounds": record.not_found_rounds,
        "live": {
            "connection": record.link.value,
            "last_message": record.last_message,
            "connects": record.connects,
            "values": dict(record.live_values),
        },
        "health": asdict(health) if health else None,
    }


def _polling(runtime: MyCirrusRuntimeData) -> dict[str, Any]:
    coordinator = runtime.coordinator
    return {
        "last_update_success": coordinator.last_update_success,
        "last_success": coordinator.last_success,
        "update_interval_seconds": _seconds(coordinator.update_interval),
        "outage": coordinator.outage,
        "rate_limit_pause_seconds": round(runtime.client.limiter.remaining()),
        "request_counts": dict(sorted(runtime.client.request_counts.items())),
        "scopes": runtime.scopes.as_dict(),
        "live_types": list(runtime.live.live_types),
        "health_last_update_success": runtime.health.last_update_success,
        "health_update_interval_seconds": _seconds(runtime.health.update_interval),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MyCirrusConfigEntry
) -> dict[str, Any]:
    """Return the diagnostics of a config entry."""
    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "state": entry.state.value,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
            "subentries": sorted(
                (subentry.subentry_type, subentry.unique_id, subentry.title)
                for subentry in entry.subentries.values()
            ),
        },
    }
    if entry.state is not ConfigEntryState.LOADED:
        return diagnostics
    runtime = entry.runtime_data
    diagnostics["polling"] = _polling(runtime)
    diagnostics["instruments"] = {
        serial: _instrument(entry, runtime, record)
        for serial, record in runtime.coordinator.records.items()
    }
    return diagnostics


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return the diagnostics of one instrument's device."""
    serials = [
        identifier for domain, identifier in device.identifiers if domain == DOMAIN
    ]
    records = (
        entry.runtime_data.coordinator.records
        if entry.state is ConfigEntryState.LOADED
        else {}
    )
    for serial in serials:
        if (record := records.get(serial)) is not None:
            runtime = entry.runtime_data
            return {
                "polling": _polling(runtime),
                "instrument": {
                    "serial": serial,
                    **_instrument(entry, runtime, record),
                },
            }
    # A device left over from an instrument no longer followed, or an entry
    # that is not set up: nothing is known beyond the device itself.
    return {
        "entry_state": entry.state.value,
        "instrument": {"serial": serials[0] if serials else None, "followed": False},
    }
