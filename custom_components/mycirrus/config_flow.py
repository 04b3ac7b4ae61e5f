"""Config flow for MyCirrus: an API key, then the instruments to follow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import logging
import re
from typing import Any
from urllib.parse import urlparse

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
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
    DEFAULT_BASE_URL,
    Instrument,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusInvalidSerialError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    validate_serial,
)
from .compat import vol
from .const import (
    API_KEYS_URL,
    CONF_API_URL,
    CONF_EXTRA_SERIALS,
    CONF_INSTRUMENTS,
    CONF_SERIAL,
    DOMAIN,
    SECTION_ADVANCED,
    SUBENTRY_TYPE_INSTRUMENT,
)
from .coordinator import MyCirrusConfigEntry, followed_instruments

_LOGGER = logging.getLogger(__name__)

_SERIAL_SEPARATORS = re.compile(r"[\s,;]+")


def flow_error(err: Exception) -> str:
    """Return the translation key of the form error for a failed call."""
    if isinstance(err, MyCirrusAuthenticationError):
        return "invalid_auth"
    if isinstance(err, MyCirrusPermissionError):
        return "missing_permission"
    if isinstance(err, MyCirrusRateLimitError):
        return "rate_limited"
    if isinstance(err, MyCirrusInvalidSerialError):
        return "invalid_serial"
    if isinstance(err, MyCirrusNotFoundError):
        return "unknown_serial"
    if isinstance(err, MyCirrusError):
        return "cannot_connect"
    _LOGGER.exception("Unexpected error talking to MyCirrus")
    return "unknown"


def _client(hass: HomeAssistant, api_key: str, api_url: str) -> MyCirrusClient:
    return MyCirrusClient(async_get_clientsession(hass), api_key, base_url=api_url)


def _followed_serials(hass: HomeAssistant) -> set[str]:
    """Return the serials any MyCirrus entry follows."""
    return {
        serial
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        for serial in followed_instruments(entry)
    }


def _label(instrument: Instrument) -> str:
    details = ", ".join(
        part for part in (instrument.serial_number, instrument.model) if part
    )
    return f"{instrument.name or instrument.serial_number} ({details})"


def _options(instruments: Iterable[Instrument]) -> list[SelectOptionDict]:
    return [
        SelectOptionDict(value=instrument.serial_number, label=_label(instrument))
        for instrument in instruments
    ]


def _is_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


async def _async_check_serial(
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
        if serial in _followed_serials(hass):
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
    return _title(account, serial)


class MyCirrusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up MyCirrus with an API key and the instruments to follow."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no credentials."""
        self._api_key = ""
        self._api_url = DEFAULT_BASE_URL
        self._account: list[Instrument] = []

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry flows: one per followed instrument."""
        return {SUBENTRY_TYPE_INSTRUMENT: InstrumentSubentryFlow}

    @staticmethod
    def _credentials_schema(*, api_url: str) -> vol.Schema:
        """Return the key field, and the API URL in a collapsed section.

        The URL only matters for testing against a simulator. Home Assistant
        2026.10 retired advanced mode in flows, so a collapsed section keeps it
        out of the way on every release.
        """
        return vol.Schema(
            {
                vol.Required(CONF_API_KEY): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                ),
                vol.Optional(SECTION_ADVANCED, default={}): section(
                    vol.Schema(
                        {
                            vol.Required(CONF_API_URL, default=api_url): TextSelector(
                                TextSelectorConfig(type=TextSelectorType.URL)
                            )
                        }
                    ),
                    {"collapsed": True},
                ),
            }
        )

    @callback
    def _async_show_credentials_form(
        self,
        step_id: str,
        api_url: str,
        user_input: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> ConfigFlowResult:
        """Show the key and URL form, keeping what the user typed."""
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                self._credentials_schema(api_url=api_url), user_input
            ),
            errors=errors,
            description_placeholders={"api_keys_url": API_KEYS_URL},
        )

    @staticmethod
    def _read_credentials(
        user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> tuple[str, str]:
        api_key = str(user_input[CONF_API_KEY]).strip()
        api_url = str(user_input[SECTION_ADVANCED][CONF_API_URL]).strip().rstrip("/")
        if not _is_url(api_url):
            errors["base"] = "invalid_url"
        return api_key, api_url

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the API key (and, in advanced mode, the API URL)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key, api_url = self._read_credentials(user_input, errors)
            self._async_abort_entries_match({CONF_API_KEY: api_key})
            if not errors:
                try:
                    self._account = await _client(
                        self.hass, api_key, api_url
                    ).instruments()
                except Exception as err:  # noqa: BLE001 - shown as a form error
                    errors["base"] = flow_error(err)
                else:
                    if self._account:
                        self._api_key, self._api_url = api_key, api_url
                        return await self.async_step_instruments()
                    errors["base"] = "no_instruments"
        return self._async_show_credentials_form(
            "user", DEFAULT_BASE_URL, user_input, errors
        )

    async def async_step_instruments(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the instruments to follow; serials may also be typed."""
        followed = _followed_serials(self.hass)
        available = [i for i in self._account if i.serial_number not in followed]
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"serial": ""}
        if user_input is not None:
            chosen: dict[str, str] = {
                serial: _title(self._account, serial)
                for serial in user_input.get(CONF_INSTRUMENTS, [])
            }
            client = _client(self.hass, self._api_key, self._api_url)
            typed = _SERIAL_SEPARATORS.split(user_input.get(CONF_EXTRA_SERIALS, ""))
            for serial in filter(None, typed):
                if serial in chosen:
                    continue
                placeholders["serial"] = serial
                title = await _async_check_serial(
                    self.hass,
                    client,
                    serial,
                    account=self._account,
                    errors=errors,
                    field=CONF_EXTRA_SERIALS,
                )
                if title is None:
                    break
                chosen[serial] = title
            if not errors and not chosen:
                errors["base"] = "no_selection"
            if not errors:
                return self.async_create_entry(
                    title="MyCirrus",
                    data={CONF_API_KEY: self._api_key, CONF_API_URL: self._api_url},
                    subentries=[
                        {
                            "subentry_type": SUBENTRY_TYPE_INSTRUMENT,
                            "data": {CONF_SERIAL: serial},
                            "title": title,
                            "unique_id": serial,
                        }
                        for serial, title in chosen.items()
                    ],
                )
        schema = vol.Schema(
            {
                vol.Optional(
                    CONF_INSTRUMENTS,
                    default=[i.serial_number for i in available],
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=_options(available),
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Optional(CONF_EXTRA_SERIALS): TextSelector(),
            }
        )
        return self.async_show_form(
            step_id="instruments",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauthentication after MyCirrus refused the key."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            api_url = entry.data.get(CONF_API_URL, DEFAULT_BASE_URL)
            api_key = str(user_input[CONF_API_KEY]).strip()
            result = await self._async_replace_credentials(
                entry, api_key, api_url, errors
            )
            if result is not None:
                return result
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_API_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "api_keys_url": API_KEYS_URL,
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API key (and, in advanced mode, the API URL)."""
        entry = self._get_reconfigure_entry()
        current_url = entry.data.get(CONF_API_URL, DEFAULT_BASE_URL)
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key, api_url = self._read_credentials(user_input, errors)
            if not errors:
                result = await self._async_replace_credentials(
                    entry, api_key, api_url, errors
                )
                if result is not None:
                    return result
        return self._async_show_credentials_form(
            "reconfigure", current_url, user_input, errors
        )

    async def _async_replace_credentials(
        self,
        entry: MyCirrusConfigEntry,
        api_key: str,
        api_url: str,
        errors: dict[str, str],
    ) -> ConfigFlowResult | None:
        """Check that the new key sees the followed instruments, then use it."""
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.data[CONF_API_KEY] == api_key:
                return self.async_abort(reason="already_configured")
        client = _client(self.hass, api_key, api_url)
        try:
            invisible = await _async_first_invisible(
                client, followed_instruments(entry)
            )
        except Exception as err:  # noqa: BLE001 - shown as a form error
            errors["base"] = flow_error(err)
            return None
        if invisible is not None:
            return self.async_abort(
                reason="instrument_not_visible",
                description_placeholders={"serial": invisible},
            )
        return self._async_update_and_reload(
            entry, {**entry.data, CONF_API_KEY: api_key, CONF_API_URL: api_url}
        )

    @callback
    def _async_update_and_reload(
        self, entry: ConfigEntry, data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Store the new data; the entry's update listener reloads a loaded entry.

        A loaded entry is reloaded by its update listener, which the newest Home
        Assistant prefers to ``async_update_reload_and_abort``; an entry that failed
        to set up has no listener and is reloaded here.
        """
        # Read before the update: a listener may run, and reload, within it.
        has_listener = bool(entry.update_listeners)
        changed = self.hass.config_entries.async_update_entry(entry, data=data)
        if not (changed and has_listener):
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        reason = (
            "reauth_successful"
            if self.source == SOURCE_REAUTH
            else "reconfigure_successful"
        )
        return self.async_abort(reason=reason)


def _title(account: Iterable[Instrument], serial: str) -> str:
    """Return the instrument's name on the account, else its serial."""
    for instrument in account:
        if instrument.serial_number == serial:
            return instrument.name or serial
    return serial


async def _async_first_invisible(
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


class InstrumentSubentryFlow(ConfigSubentryFlow):
    """Follow one more instrument with an existing API key."""

    def __init__(self) -> None:
        """Start without the account's instrument list."""
        self._account: list[Instrument] | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Pick an instrument of the account or type a serial."""
        entry: MyCirrusConfigEntry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        client = entry.runtime_data.client
        if self._account is None:
            try:
                self._account = await client.instruments()
            except MyCirrusError as err:
                return self.async_abort(reason=flow_error(err))
        errors: dict[str, str] = {}
        placeholders = {"serial": ""}
        if user_input is not None:
            serial = str(user_input[CONF_SERIAL]).strip()
            placeholders["serial"] = serial
            title = await _async_check_serial(
                self.hass,
                client,
                serial,
                account=self._account,
                errors=errors,
                field=CONF_SERIAL,
            )
            if title is not None:
                return self.async_create_entry(
                    title=title, data={CONF_SERIAL: serial}, unique_id=serial
                )
        followed = _followed_serials(self.hass)
        schema = vol.Schema(
            {
                vol.Required(CONF_SERIAL): SelectSelector(
                    SelectSelectorConfig(
                        options=_options(
                            i for i in self._account if i.serial_number not in followed
                        ),
                        custom_value=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )
