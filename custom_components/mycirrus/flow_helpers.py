"""What the config, subentry and options flows share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from ipaddress import ip_address
import re
from typing import Any
from urllib.parse import urlparse

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import (
    Instrument,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    validate_serial,
)
from .compat import vol
from .const import (
    CONF_API_URL,
    CONF_EXTRA_SERIALS,
    CONF_INSTRUMENTS,
    DOMAIN,
    SECTION_ADVANCED,
)
from .errors import flow_error
from .model import followed_subentries

__all__ = [
    "URL_ERRORS",
    "async_check_serial",
    "async_chosen_serials",
    "async_first_invisible",
    "credentials_schema",
    "first_followed",
    "flow_client",
    "flow_error",
    "followed_serials",
    "instrument_options",
    "instrument_title",
    "instruments_schema",
    "key_schema",
    "read_credentials",
    "split_serials",
    "update_and_reload",
    "url_error",
]

# The form errors that concern the API URL, which sits in the advanced section.
URL_ERRORS = frozenset({"invalid_url", "insecure_url"})
_SERIAL_SEPARATORS = re.compile(r"[\s,;]+")


def flow_client(hass: HomeAssistant, api_key: str, api_url: str) -> MyCirrusClient:
    """Return a client for a flow's checks, on Home Assistant's shared session."""
    return MyCirrusClient(async_get_clientsession(hass), api_key, base_url=api_url)


def followed_serials(hass: HomeAssistant) -> set[str]:
    """Return the serials any MyCirrus entry follows, case-folded.

    Serials compare in any letter case: look one up as ``serial.casefold()``.
    """
    return {
        serial.casefold()
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        for serial in followed_subentries(entry)
    }


def first_followed(hass: HomeAssistant, serials: Iterable[str]) -> str | None:
    """Return the first of ``serials`` that a MyCirrus entry follows already."""
    followed = followed_serials(hass)
    return next((s for s in serials if s.casefold() in followed), None)


def split_serials(text: str) -> list[str]:
    """Return the serials typed in one field, separated by commas or spaces."""
    return [serial for serial in _SERIAL_SEPARATORS.split(text) if serial]


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


def listed(account: Iterable[Instrument], serial: str) -> Instrument | None:
    """Return the account's instrument of ``serial``, in any letter case."""
    folded = serial.casefold()
    return next((i for i in account if i.serial_number.casefold() == folded), None)


def instrument_title(account: Iterable[Instrument], serial: str) -> str:
    """Return the instrument's name on the account, else its serial."""
    for instrument in account:
        if instrument.serial_number.casefold() == serial.casefold():
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
    client: MyCirrusClient,
    serial: str,
    *,
    account: Iterable[Instrument],
    errors: dict[str, str],
    field: str,
) -> tuple[str, str] | None:
    """Check a typed serial with a status call; None on error.

    Returns the serial as MyCirrus spells it (from the account's list, else
    the instrument's details; as typed if neither says) and its title.
    Whether an entry follows it already is for the caller to check, after every
    call of its own: another flow may start following it meanwhile.
    """
    try:
        validate_serial(serial)
        await client.status(serial)
    except MyCirrusPermissionError:
        # A 403 on one instrument means the account cannot see it.
        errors[field] = "unknown_serial"
        return None
    except Exception as err:  # noqa: BLE001 - every failure becomes a form error
        errors[field] = flow_error(err)
        return None
    if (instrument := listed(account, serial)) is None:
        instrument = await _async_details(client, serial)
    if instrument is None:
        return serial, serial
    return instrument.serial_number, instrument.name or instrument.serial_number


async def _async_details(client: MyCirrusClient, serial: str) -> Instrument | None:
    """Return the instrument's details, if MyCirrus gives them for ``serial``."""
    try:
        instrument = await client.instrument(serial)
    except MyCirrusError:
        return None  # the status answered: the typed spelling works
    return (
        instrument if instrument.serial_number.casefold() == serial.casefold() else None
    )


def key_schema() -> vol.Schema:
    """Return a form with the API key only."""
    return vol.Schema(
        {
            vol.Required(CONF_API_KEY): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            )
        }
    )


def credentials_schema(*, api_url: str, collapsed: bool) -> vol.Schema:
    """Return the key field, and the API URL in a section of its own.

    The URL only matters for testing against a simulator. Home Assistant
    2026.10 retired advanced mode in flows, so the section, collapsed unless
    the URL needs to be seen, keeps it out of the way on every release.
    """
    return key_schema().extend(
        {
            # Required and without a default of its own: the frontend then
            # fills the section from the URL field's default or suggestion
            # (a section default, even {}, would replace them).
            vol.Required(SECTION_ADVANCED): section(
                vol.Schema(
                    {
                        vol.Required(CONF_API_URL, default=api_url): TextSelector(
                            TextSelectorConfig(type=TextSelectorType.URL)
                        )
                    }
                ),
                {"collapsed": collapsed},
            ),
        }
    )


def read_credentials(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> tuple[str, str]:
    """Return the key and URL a credentials form was given; note a bad URL."""
    api_key = str(user_input[CONF_API_KEY]).strip()
    api_url = str(user_input[SECTION_ADVANCED][CONF_API_URL]).strip().rstrip("/")
    if (error := url_error(api_url)) is not None:
        errors["base"] = error
    return api_key, api_url


def instruments_schema(available: list[Instrument]) -> vol.Schema:
    """Return the set-up's choice of instruments: all ticked, and a typed field."""
    return vol.Schema(
        {
            vol.Optional(
                CONF_INSTRUMENTS,
                default=[i.serial_number for i in available],
            ): SelectSelector(
                SelectSelectorConfig(
                    options=instrument_options(available),
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Optional(CONF_EXTRA_SERIALS): TextSelector(),
        }
    )


async def async_first_invisible(
    client: MyCirrusClient, serials: Iterable[str]
) -> str | None:
    """Return the first serial the key cannot see, or None if it sees them all."""
    listed = {instrument.serial_number for instrument in await client.instruments()}
    for serial in serials:
        if serial in listed:
            continue
        try:
            await client.status(serial)
        except (MyCirrusNotFoundError, MyCirrusPermissionError):
            return serial
    return None


async def async_chosen_serials(
    hass: HomeAssistant,
    client: MyCirrusClient,
    account: list[Instrument],
    user_input: Mapping[str, Any],
    *,
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> dict[str, str]:
    """Return the ticked and typed serials with their titles; note any error.

    Each serial as MyCirrus spells it, once in any letter case.
    """
    ticked = list(user_input.get(CONF_INSTRUMENTS, []))
    chosen = {serial: instrument_title(account, serial) for serial in ticked}
    for typed in split_serials(user_input.get(CONF_EXTRA_SERIALS, "")):
        if typed.casefold() in {serial.casefold() for serial in chosen}:
            continue
        placeholders["serial"] = typed
        checked = await async_check_serial(
            client,
            typed,
            account=account,
            errors=errors,
            field=CONF_EXTRA_SERIALS,
        )
        if checked is None:
            return chosen
        serial, title = checked
        chosen[serial] = title
    # After the last call: the list was shown a while ago, and another entry
    # may have followed one since.
    if (taken := first_followed(hass, chosen)) is not None:
        errors[CONF_INSTRUMENTS if taken in ticked else CONF_EXTRA_SERIALS] = (
            "already_followed"
        )
        placeholders["serial"] = taken
    elif not chosen:
        errors["base"] = "no_selection"
    return chosen


@callback
def update_and_reload(
    hass: HomeAssistant, entry: ConfigEntry, data: Mapping[str, Any]
) -> None:
    """Store an entry's new data, and have the entry reloaded with it.

    A loaded entry is reloaded by its update listener, which the newest Home
    Assistant prefers to ``async_update_reload_and_abort``; an entry that failed
    to set up has no listener and is reloaded here.
    """
    # Read before the update: a listener may run, and reload, within it.
    has_listener = bool(entry.update_listeners)
    changed = hass.config_entries.async_update_entry(entry, data=data)
    if not (changed and has_listener):
        hass.config_entries.async_schedule_reload(entry.entry_id)
