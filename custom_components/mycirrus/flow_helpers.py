"""What the config, subentry and options flows share."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address
from urllib.parse import urlparse

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import SelectOptionDict

from .api import Instrument, MyCirrusClient, MyCirrusPermissionError, validate_serial
from .const import DOMAIN
from .errors import flow_error
from .model import followed_subentries

__all__ = [
    "async_check_serial",
    "flow_client",
    "flow_error",
    "followed_serials",
    "instrument_options",
    "instrument_title",
    "url_error",
]


def flow_client(hass: HomeAssistant, api_key: str, api_url: str) -> MyCirrusClient:
    """Return a client for a flow's checks, on Home Assistant's shared session."""
    return MyCirrusClient(async_get_clientsession(hass), api_key, base_url=api_url)


def followed_serials(hass: HomeAssistant) -> set[str]:
    """Return the serials any MyCirrus entry follows."""
    return {
        serial
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        for serial in followed_subentries(entry)
    }


def instrument_options(instruments: Iterable[Instrument]) -> list[SelectOptionDict]:
    """Return the instruments as options of a select, labelled for people."""
    return [
        SelectOptionDict(value=instrument.serial_number, label=_label(instrument))
        for instrument in instruments
    ]


def _label(instrument: Instrument) -> str:
    details = ", ".join(
        part for part in (instrument.serial_number, instrument.model) if part
    )
    return f"{instrument.name or instrument.serial_number} ({details})"


def instrument_title(account: Iterable[Instrument], serial: str) -> str:
    """Return the instrument's name on the account, else its serial."""
    for instrument in account:
        if instrument.serial_number == serial:
            return instrument.name or serial
    return serial


def url_error(value: str) -> str | None:
    """Return the form error of an API URL, or None if it may be used.

    The key travels in a header, so plain HTTP is only for this computer
    (a simulator); anywhere else it would cross the network in clear text.
    """
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return "invalid_url"
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        return "insecure_url"
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


async def async_check_serial(
    hass: HomeAssistant,
    client: MyCirrusClient,
    serial: str,
    *,
    account: Iterable[Instrument],
    errors: dict[str, str],
    field: str,
) -> str | None:
    """Check a typed serial with a status call; return its title, or None on error."""
    try:
        validate_serial(serial)
        if serial in followed_serials(hass):
            errors[field] = "already_followed"
            return None
        await client.status(serial)
    except MyCirrusPermissionError:
        # A 403 on one instrument means the account cannot see it.
        errors[field] = "unknown_serial"
        return None
    except Exception as err:  # noqa: BLE001 - every failure becomes a form error
        errors[field] = flow_error(err)
        return None
    return instrument_title(account, serial)
