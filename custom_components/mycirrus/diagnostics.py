"""Diagnostics for MyCirrus: the entry, its instruments, polling and push."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import DOMAIN, SCOPE_ENVIRO, SCOPE_EVENTS, SCOPE_NOISE
from .model import InstrumentRecord
from .rating import RatingLevels, WindowLevel
from .runtime import MyCirrusConfigEntry, MyCirrusHub, loaded_hub

TO_REDACT = {CONF_API_KEY, "latitude", "longitude", "image"}


def _seconds(delay: timedelta | None) -> float | None:
    return None if delay is None else delay.total_seconds()


def _instrument(
    entry: MyCirrusConfigEntry, hub: MyCirrusHub, record: InstrumentRecord
) -> dict[str, Any]:
    subentry = entry.subentries.get(record.subentry_id)
    health = (hub.health.data or {}).get(record.serial)
    link = hub.push.links.get(record.serial)
    return {
        "subentry": subentry.title if subentry else None,
        "info": async_redact_data(asdict(record.details), TO_REDACT)
        if record.details
        else None,
        "status": asdict(record.status) if record.status else None,
        "status_current": hub.status_available(record.serial),
        "checks_asked": sorted(action.value for action in record.pending),
        "error": record.error,
        "not_found_rounds": record.not_found_rounds,
        "live": {
            "connection": record.link.value,
            "last_message": link.last_message if link else None,
            "connects": link.connects if link else 0,
            "values": dict(link.values) if link else {},
        },
        "health": asdict(health) if health else None,
        "stored_data": _stored(hub, record.serial),
    }


def _stored(hub: MyCirrusHub, serial: str) -> dict[str, Any] | None:
    """Return what the stored data said of an instrument at the last refresh."""
    state = hub.stored.state(serial)
    if state is None:
        return None
    period = state.period
    return {
        "period": (
            {
                "start": period.start,
                "seconds": _seconds(period.period),
                "values": dict(period.values),
            }
            if period
            else None
        ),
        "period_end": state.period_end,
        "period_seconds": hub.stored.period_seconds(serial),
        "rating": (
            {
                name: {**asdict(level), "day": level.day.isoformat()}
                for name, level in asdict_shallow(state.rating).items()
            }
            if state.rating
            else None
        ),
        "weather": asdict(state.weather) if state.weather else None,
        # The hours still incomplete, read again until complete or 31 days old.
        "incomplete_hours": [
            [first, end] for first, end in hub.stored.gaps.incomplete_ranges(serial)
        ],
    }


def asdict_shallow(levels: RatingLevels) -> dict[str, WindowLevel]:
    """Return the rating levels' windows by name."""
    return {
        "laeq_day": levels.laeq_day,
        "laeq_evening": levels.laeq_evening,
        "laeq_night": levels.laeq_night,
        "lden": levels.lden,
    }


def _stored_data(hub: MyCirrusHub) -> dict[str, Any]:
    stored = hub.stored
    coordinator = stored.coordinator
    return {
        "last_update_success": coordinator.last_update_success,
        "update_interval_seconds": _seconds(coordinator.update_interval),
        "last_periods_read": (
            [window.start, window.end] if (window := coordinator.read_window) else None
        ),
        "failing": sorted(coordinator.failures.failing),
        "scopes_missing": [
            scope
            for scope in (SCOPE_NOISE, SCOPE_EVENTS, SCOPE_ENVIRO)
            if coordinator.scopes.missing(scope)
        ],
        "statistics_read_until": coordinator.progress.as_dict(),
        "statistics": stored.importer.available,
        "periods_taken": stored.periods.periods_taken,
        "hourly_rows_imported": stored.importer.rows_imported,
        "backfill_requests": stored.backfill.requests,
        "reread_requests": stored.rereads.requests,
        "last_reread": stored.gaps.last_reread,
        "events_since": dict(sorted(coordinator.events.since.items())),
        "events_waiting": coordinator.events.waiting(),
    }


def _polling(hub: MyCirrusHub) -> dict[str, Any]:
    coordinator = hub.coordinator
    return {
        "last_update_success": coordinator.last_update_success,
        "last_success": coordinator.last_success,
        "update_interval_seconds": _seconds(coordinator.update_interval),
        "outage": coordinator.outage,
        "key_refused": hub.store.auth_failed,
        "rate_limit_pause_seconds": round(hub.client.limiter.remaining()),
        "request_counts": dict(sorted(hub.client.request_counts.items())),
        "scopes": hub.scopes.as_dict(),
        "live_types": list(hub.push.live_types),
        "health_last_update_success": hub.health.last_update_success,
        "health_update_interval_seconds": _seconds(hub.health.update_interval),
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
    if (hub := loaded_hub(entry)) is None:
        return diagnostics
    diagnostics["polling"] = _polling(hub)
    diagnostics["stored_data"] = _stored_data(hub)
    diagnostics["audio"] = {
        **hub.media.access.as_dict(),
        "clips_kept": len(hub.media.clips),
        "time_histories_kept": len(hub.media.time_histories),
    }
    diagnostics["instruments"] = {
        serial: _instrument(entry, hub, record)
        for serial, record in hub.records.items()
    }
    diagnostics["limits"] = hub.limits.diagnostics()
    return diagnostics


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return the diagnostics of one instrument's device."""
    serials = [
        identifier for domain, identifier in device.identifiers if domain == DOMAIN
    ]
    hub = loaded_hub(entry)
    for serial in serials:
        if hub is not None and (record := hub.records.get(serial)) is not None:
            return {
                "polling": _polling(hub),
                "instrument": {"serial": serial, **_instrument(entry, hub, record)},
            }
    # A device left over from an instrument no longer followed, or an entry
    # that is not set up: nothing is known beyond the device itself.
    return {
        "entry_state": entry.state.value,
        "instrument": {"serial": serials[0] if serials else None, "followed": False},
    }
