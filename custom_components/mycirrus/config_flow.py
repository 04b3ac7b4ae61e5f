"""Config flow for MyCirrus: an API key, then the instruments to follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import callback

from .api import DEFAULT_BASE_URL, Instrument
from .const import (
    API_KEYS_URL,
    CONF_API_URL,
    CONF_INSTRUMENTS,
    CONF_SERIAL,
    DOMAIN,
    REAUTH_MISSING_PERMISSION,
    REAUTH_REASON,
    SECTION_ADVANCED,
    SUBENTRY_TYPE_INSTRUMENT,
    SUBENTRY_TYPE_LIMIT,
)
from .flow_helpers import (
    URL_ERRORS,
    async_chosen_serials,
    async_first_invisible,
    credentials_schema,
    flow_client,
    flow_error,
    followed_serials,
    instruments_schema,
    key_schema,
    read_credentials,
    update_and_reload,
)
from .model import followed_subentries
from .options_flow import MyCirrusOptionsFlow
from .runtime import MyCirrusConfigEntry
from .subentry_flow import InstrumentSubentryFlow, LimitSubentryFlow


class MyCirrusConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up MyCirrus with an API key and the instruments to follow."""

    VERSION = 1
    # 2: the health temperature's unique id is {serial}_enclosure_temperature.
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with no credentials."""
        self._api_key = ""
        self._api_url = DEFAULT_BASE_URL
        self._account: list[Instrument] = []
        # The instrument a replacement key could not see, for the form's error.
        self._invisible = ""

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry flows: followed instruments, noise limits."""
        return {
            SUBENTRY_TYPE_INSTRUMENT: InstrumentSubentryFlow,
            SUBENTRY_TYPE_LIMIT: LimitSubentryFlow,
        }

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow."""
        return MyCirrusOptionsFlow()

    @callback
    def _async_show_credentials_form(
        self,
        step_id: str,
        api_url: str,
        user_input: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> ConfigFlowResult:
        """Show the key and URL form, keeping what the user typed.

        The section with the URL opens where the URL needs to be seen: when it
        has an error, or is not the default.
        """
        shown_url = api_url
        if user_input is not None:
            shown_url = str(user_input[SECTION_ADVANCED][CONF_API_URL]).strip()
        collapsed = (
            shown_url.rstrip("/") == DEFAULT_BASE_URL
            and errors.get("base") not in URL_ERRORS
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                credentials_schema(api_url=api_url, collapsed=collapsed), user_input
            ),
            errors=errors,
            description_placeholders={
                "api_keys_url": API_KEYS_URL,
                "serial": self._invisible,
            },
        )

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the API key (and, under advanced options, the API URL)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key, api_url = read_credentials(user_input, errors)
            self._async_abort_entries_match({CONF_API_KEY: api_key})
            if not errors:
                try:
                    self._account = await flow_client(
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
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"serial": ""}
        if user_input is not None:
            chosen = await async_chosen_serials(
                self.hass,
                flow_client(self.hass, self._api_key, self._api_url),
                self._account,
                user_input,
                errors=errors,
                placeholders=placeholders,
            )
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
        followed = followed_serials(self.hass)
        available = [
            i for i in self._account if i.serial_number.casefold() not in followed
        ]
        if user_input is not None:  # keep the ticks, but not of a followed one
            user_input = {
                **user_input,
                CONF_INSTRUMENTS: [
                    s
                    for s in user_input.get(CONF_INSTRUMENTS, [])
                    if s.casefold() not in followed
                ],
            }
        return self.async_show_form(
            step_id="instruments",
            data_schema=self.add_suggested_values_to_schema(
                instruments_schema(available), user_input
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauthentication: the key was refused, or lacks instruments:read."""
        if entry_data.get(REAUTH_REASON) == REAUTH_MISSING_PERMISSION:
            return await self.async_step_reauth_permission()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key after MyCirrus refused the old one."""
        return await self._async_reauth_form("reauth_confirm", user_input)

    async def async_step_reauth_permission(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key after the old one lost instruments:read."""
        return await self._async_reauth_form("reauth_permission", user_input)

    async def _async_reauth_form(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
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
            step_id=step_id,
            data_schema=key_schema(),
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "api_keys_url": API_KEYS_URL,
                "serial": self._invisible,
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API key (and, under advanced options, the API URL)."""
        entry = self._get_reconfigure_entry()
        current_url = entry.data.get(CONF_API_URL, DEFAULT_BASE_URL)
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key, api_url = read_credentials(user_input, errors)
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
        client = flow_client(self.hass, api_key, api_url)
        try:
            invisible = await async_first_invisible(client, followed_subentries(entry))
        except Exception as err:  # noqa: BLE001 - shown as a form error
            errors["base"] = flow_error(err)
            return None
        if invisible is not None:
            # A form error, not an abort: the user may try another key.
            errors["base"] = "instrument_not_visible"
            self._invisible = invisible
            return None
        update_and_reload(
            self.hass,
            entry,
            {**entry.data, CONF_API_KEY: api_key, CONF_API_URL: api_url},
        )
        reason = (
            "reauth_successful"
            if self.source == SOURCE_REAUTH
            else "reconfigure_successful"
        )
        return self.async_abort(reason=reason)
