"""The MyCirrus integration: Cirrus Research noise monitors in Home Assistant."""

from __future__ import annotations

import aiohttp

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.util.ssl import get_default_context

from .api import DEFAULT_BASE_URL, MyCirrusClient
from .const import (
    CONF_API_URL,
    CONF_LIVE_VALUES,
    DEFAULT_LIVE_VALUES,
    DOMAIN,
    MAX_LIVE_CONNECTIONS,
    SCOPE_LIVE,
)
from .coordinator import MyCirrusCoordinator
from .data import MyCirrusConfigEntry, MyCirrusRuntimeData, followed_subentries
from .health import MyCirrusHealthCoordinator
from .issues import async_clear_scope_issue, async_prune_issues, async_raise_scope_issue
from .live import MyCirrusLive
from .ratelimit import async_forget_limiter, async_get_limiter
from .scopes import KeyScopes, ScopeState

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Set up MyCirrus from a config entry."""
    client = MyCirrusClient(
        async_get_clientsession(hass),
        entry.data[CONF_API_KEY],
        base_url=entry.data.get(CONF_API_URL, DEFAULT_BASE_URL),
        limiter=await async_get_limiter(hass, entry),
    )
    coordinator = MyCirrusCoordinator(hass, entry, client)
    async_prune_issues(hass, entry.entry_id, set(coordinator.records))
    await coordinator.async_config_entry_first_refresh()

    scopes = KeyScopes()
    live = MyCirrusLive(
        hass,
        entry,
        coordinator,
        client,
        scopes,
        session_factory=_live_session,
        live_types=tuple(entry.options.get(CONF_LIVE_VALUES, DEFAULT_LIVE_VALUES)),
    )
    entry.async_on_unload(live.async_stop)
    entry.runtime_data = MyCirrusRuntimeData(
        client=client,
        coordinator=coordinator,
        health=MyCirrusHealthCoordinator(
            hass, entry, client, scopes, list(coordinator.records)
        ),
        live=live,
        scopes=scopes,
    )

    @callback
    def scope_changed(scope: str, state: ScopeState) -> None:
        if scope != SCOPE_LIVE:
            return
        if state is ScopeState.MISSING:
            async_raise_scope_issue(hass, entry, scope)
        else:
            async_clear_scope_issue(hass, entry, scope)
        for serial in coordinator.records:
            coordinator.async_update_instrument(serial)

    entry.async_on_unload(scopes.add_listener(scope_changed))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    # Push and health start after set-up, in the background: neither delays it.
    live.async_start()

    async def stop_live(_event: Event) -> None:
        await live.async_stop()

    entry.async_on_unload(
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop_live)
    )
    entry.async_create_background_task(
        hass, entry.runtime_data.health.async_refresh(), f"{DOMAIN} first health"
    )
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


def _live_session() -> aiohttp.ClientSession:
    """Return a session of the entry's own for its websockets.

    Home Assistant's shared session allows 100 connections per host, and an
    open websocket holds one for as long as it lives: hundreds of them would
    leave the REST calls, which keep using the shared session, waiting for a
    free connection. This session has room for every websocket of the entry
    and is closed with it.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=MAX_LIVE_CONNECTIONS, limit_per_host=0, ssl=get_default_context()
        )
    )


async def async_unload_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Unload a config entry; its websockets close within about a second after."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> None:
    """Withdraw the repair issues and the saved pause of a deleted entry."""
    async_prune_issues(hass, entry.entry_id, None)
    await async_forget_limiter(hass, entry.entry_id)


async def _async_entry_updated(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> None:
    """Reload when the key, the URL, the options or the followed instruments change.

    Title changes (an instrument renamed in MyCirrus) need no reload.
    """
    coordinator = entry.runtime_data.coordinator
    if (
        dict(entry.data) != coordinator.entry_data
        or dict(entry.options) != coordinator.entry_options
        or followed_subentries(entry)
        != {serial: r.subentry_id for serial, r in coordinator.records.items()}
    ):
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, device: DeviceEntry
) -> bool:
    """Let a user delete a device whose instrument is not followed or is gone.

    An instrument that is only unreachable or forbidden stays: deleting its
    device would stop following it.
    """
    # Not set up: nothing is known to be gone.
    loaded = entry.state is ConfigEntryState.LOADED
    records = entry.runtime_data.coordinator.records if loaded else {}
    followed = followed_subentries(entry)
    serials = {
        identifier
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier in followed
    }
    gone = all(
        serial in records and records[serial].error == "not_found" for serial in serials
    )
    if gone:
        for serial in serials:
            hass.config_entries.async_remove_subentry(entry, followed[serial])
    return gone
