"""The MyCirrus integration: Cirrus Research noise monitors in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry

from .api import DEFAULT_BASE_URL, MyCirrusClient
from .const import CONF_API_URL, DOMAIN
from .coordinator import MyCirrusConfigEntry, MyCirrusCoordinator, followed_instruments

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Set up MyCirrus from a config entry."""
    client = MyCirrusClient(
        async_get_clientsession(hass),
        entry.data[CONF_API_KEY],
        base_url=entry.data.get(CONF_API_URL, DEFAULT_BASE_URL),
    )
    coordinator = MyCirrusCoordinator(hass, entry, client)
    _async_prune_issues(hass, entry, set(coordinator.followed))
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> None:
    """Withdraw the repair issues of an entry that is deleted."""
    _async_prune_issues(hass, entry, set())


def _async_prune_issues(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, followed: set[str]
) -> None:
    """Delete the entry's repair issues about instruments it no longer follows."""
    for issue in list(ir.async_get(hass).issues.values()):
        data = issue.data or {}
        if (
            issue.domain == DOMAIN
            and data.get("entry_id") == entry.entry_id
            and data.get("serial") not in followed
        ):
            ir.async_delete_issue(hass, DOMAIN, issue.issue_id)


async def _async_entry_updated(hass: HomeAssistant, entry: MyCirrusConfigEntry) -> None:
    """Reload when the key, the URL or the followed instruments change.

    Title changes (an instrument renamed in MyCirrus) need no reload.
    """
    coordinator = entry.runtime_data
    if dict(entry.data) != coordinator.entry_data or set(
        followed_instruments(entry)
    ) != set(coordinator.followed):
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MyCirrusConfigEntry, device: DeviceEntry
) -> bool:
    """Let a user delete a device whose instrument is not followed or is gone."""
    # An entry that is not set up has no poller, so nothing is known to be gone.
    errors = entry.runtime_data.errors if entry.state is ConfigEntryState.LOADED else {}
    serials = {
        identifier for domain, identifier in device.identifiers if domain == DOMAIN
    }
    followed = followed_instruments(entry)
    for serial in serials & set(followed):
        if errors.get(serial) != "not_found":
            return False
        hass.config_entries.async_remove_subentry(entry, followed[serial].subentry_id)
    return True
