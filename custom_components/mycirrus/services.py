"""The integration's actions: the time history of a noise event, for scripts.

``mycirrus.get_event_time_history`` answers (response only) with the blocks of
an event's time history, given the event's ``time_history_id`` (its event
entity's attribute), or an entity of its instrument and the event's ``start``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.util import dt as dt_util

from .api import (
    MyCirrusError,
    MyCirrusNotFoundError,
    TimeHistory,
    TimeHistoryBlock,
    preferred_history,
)
from .compat import vol
from .const import DOMAIN
from .errors import media_failure
from .runtime import MyCirrusHub, loaded_hub, loaded_hubs

SERVICE_GET_EVENT_TIME_HISTORY = "get_event_time_history"
ATTR_START = "start"
ATTR_TIME_HISTORY_ID = "time_history_id"

TIME_HISTORY_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Optional(ATTR_ENTITY_ID): cv.entity_id,
            vol.Optional(ATTR_START): cv.datetime,
            vol.Optional(ATTR_TIME_HISTORY_ID): vol.All(
                vol.Coerce(str), vol.Length(min=1)
            ),
        }
    ),
    cv.has_at_least_one_key(ATTR_TIME_HISTORY_ID, ATTR_START),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_EVENT_TIME_HISTORY,
        _async_get_event_time_history,
        schema=TIME_HISTORY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


async def _async_get_event_time_history(call: ServiceCall) -> ServiceResponse:
    """Answer the time history of one noise event."""
    hass = call.hass
    entity_id: str | None = call.data.get(ATTR_ENTITY_ID)
    hub, serial = _instrument(hass, entity_id) if entity_id else (_only_hub(hass), None)
    time_history_id: str | None = call.data.get(ATTR_TIME_HISTORY_ID)
    name = hub.records[serial].name if serial else hub.entry.title
    try:
        if time_history_id is None:
            if serial is None or entity_id is None:
                raise _invalid("service_entity_needed")
            time_history_id = await _async_find(
                hub, serial, entity_id, call.data[ATTR_START]
            )
        histories = await hub.media.async_time_history(time_history_id)
    except MyCirrusError as err:
        error_class = (
            ServiceValidationError
            if isinstance(err, MyCirrusNotFoundError)
            else HomeAssistantError
        )
        raise media_failure(err, name, error_class=error_class)[0] from err
    chosen = preferred_history(histories)
    assert chosen is not None  # the client answers at least one
    return {
        "time_history_id": time_history_id,
        "instrument": chosen.instrument or serial,
        "type": chosen.type,
        "blocks": [_block(block) for block in chosen.blocks],
        "time_histories": [_history(history) for history in histories],
    }


async def _async_find(
    hub: MyCirrusHub, serial: str, entity_id: str, start: datetime
) -> str:
    """Return the time history id of the instrument's event that began at ``start``.

    The event entity's last event, if it is that one; else MyCirrus is asked.
    """
    start = dt_util.as_utc(start)
    state = hub.hass.states.get(entity_id)
    if state is not None and (shown := state.attributes.get(ATTR_START)):
        moment = dt_util.parse_datetime(str(shown))
        known = state.attributes.get(ATTR_TIME_HISTORY_ID)
        if moment is not None and moment == start and isinstance(known, str):
            return known
    event = await hub.media.async_find_event(serial, start)
    placeholders = {"name": hub.records[serial].name, "start": start.isoformat()}
    if event is None:
        raise _invalid("service_no_event", **placeholders)
    if event.time_history_id is None:
        raise _invalid("service_no_time_history", **placeholders)
    return event.time_history_id


def _instrument(hass: HomeAssistant, entity_id: str) -> tuple[MyCirrusHub, str]:
    """Return the loaded hub and the serial of a MyCirrus entity's instrument."""
    registered = er.async_get(hass).async_get(entity_id)
    entry = (
        hass.config_entries.async_get_entry(registered.config_entry_id)
        if registered is not None and registered.config_entry_id
        else None
    )
    hub = loaded_hub(entry) if entry is not None and entry.domain == DOMAIN else None
    device = (
        dr.async_get(hass).async_get(registered.device_id)
        if registered is not None and registered.device_id
        else None
    )
    serials = {i for d, i in device.identifiers if d == DOMAIN} if device else set()
    serial = next((s for s in serials if hub is not None and s in hub.records), None)
    if hub is None or serial is None:
        raise _invalid("service_not_an_instrument", entity_id=entity_id)
    return hub, serial


def _only_hub(hass: HomeAssistant) -> MyCirrusHub:
    """Return the one loaded entry's hub; name an entity where there are several."""
    hubs = loaded_hubs(hass)
    if len(hubs) != 1:
        raise _invalid("service_which_entry", entries=str(len(hubs)))
    return hubs[0]


def _history(history: TimeHistory) -> dict[str, Any]:
    return {
        "instrument": history.instrument,
        "type": history.type,
        "blocks": [_block(block) for block in history.blocks],
    }


def _block(block: TimeHistoryBlock) -> dict[str, Any]:
    """Return a block as the action answers it; ``sample_duration`` in ms."""
    return {
        "start": block.start.isoformat(),
        "end": block.end.isoformat() if block.end else None,
        "sample_duration": block.sample_duration.total_seconds() * 1000,
        "values": list(block.values),
    }


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )
