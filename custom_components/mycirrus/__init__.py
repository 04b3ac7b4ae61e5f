"""The MyCirrus integration: Cirrus Research noise monitors in Home Assistant."""

from __future__ import annotations

import aiohttp

from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.ssl import get_default_context

from .api import DEFAULT_BASE_URL, MyCirrusClient
from .const import CONF_API_URL, DOMAIN, MAX_LIVE_CONNECTIONS
from .hub import (
    MyCirrusHub,
    async_forget_limiter,
    async_forget_stored_data,
    async_get_limiter,
    async_offer_to_clear,
)
from .issues import async_prune_issues
from .model import NOT_FOUND, followed_subentries
from .runtime import MyCirrusConfigEntry, loaded_hub
from .services import async_setup_services
from .views import MyCirrusAudioView

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.SENSOR,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and the audio view, once for every entry."""
    async_setup_services(hass)
    hass.http.register_view(MyCirrusAudioView())
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Set up MyCirrus from a config entry."""
    client = MyCirrusClient(
        async_get_clientsession(hass),
        entry.data[CONF_API_KEY],
        base_url=entry.data.get(CONF_API_URL, DEFAULT_BASE_URL),
        limiter=await async_get_limiter(hass, entry),
    )
    hub = MyCirrusHub(hass, entry, client, session_factory=_live_session)
    entry.async_on_unload(hub.async_stop)
    await hub.async_setup()
    entry.runtime_data = hub
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Push, health and the live level interval start after set-up, in the
    # background: none of them delays it.
    hub.async_start()
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


async def async_migrate_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Bring an entry of an earlier version up to date."""
    if entry.version > 1:
        return False  # made by a newer release of the integration
    if entry.minor_version < 2:
        # The health temperature is the enclosure's: its unique id gives
        # {serial}_temperature to the weather's (the air's) temperature.
        @callback
        def enclosure(registered: er.RegistryEntry) -> dict[str, str] | None:
            unique_id = registered.unique_id
            if (
                registered.domain != "sensor"
                or not unique_id.endswith(_TEMPERATURE)
                or unique_id.endswith(_ENCLOSURE)
            ):
                return None
            return {"new_unique_id": unique_id.removesuffix(_TEMPERATURE) + _ENCLOSURE}

        await er.async_migrate_entries(hass, entry.entry_id, enclosure)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


_TEMPERATURE = "_temperature"
_ENCLOSURE = "_enclosure_temperature"


async def async_unload_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Unload a config entry; its websockets close within about a second after."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> None:
    """Forget a deleted entry: repair issues, saved pause, events fired, read progress.

    Its instruments' long-term statistics stay: a repair issue per instrument
    offers to delete them.
    """
    async_prune_issues(hass, entry.entry_id, None)
    await async_forget_limiter(hass, entry.entry_id)
    await async_forget_stored_data(hass, entry.entry_id)
    for serial, subentry_id in followed_subentries(entry).items():
        async_offer_to_clear(hass, serial, entry.subentries[subentry_id].title)


async def _async_entry_updated(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> None:
    """Apply added or removed instruments and new options; reload for a new key.

    A subentry added or removed, or new options, apply without a reload: the
    websockets of the other instruments stay open.
    """
    hub: MyCirrusHub = entry.runtime_data
    if hub.async_entry_updated():
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, device: DeviceEntry
) -> bool:
    """Let a user delete a device whose instrument is not followed or is gone.

    An instrument that is only unreachable or forbidden stays: deleting its
    device would stop following it.
    """
    # Not set up: nothing is known to be gone.
    hub = loaded_hub(entry)
    records = hub.records if hub is not None else {}
    followed = followed_subentries(entry)
    serials = {
        identifier
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier in followed
    }
    gone = all(
        serial in records and records[serial].error == NOT_FOUND for serial in serials
    )
    if gone:
        for serial in serials:
            hass.config_entries.async_remove_subentry(entry, followed[serial])
    return gone
