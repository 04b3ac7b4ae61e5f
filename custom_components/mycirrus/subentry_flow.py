"""The subentry flows: follow one more instrument; add or change a noise limit."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .api import Instrument
from .compat import vol
from .const import CONF_SERIAL, SCOPE_LIVE
from .flow_helpers import (
    async_check_serial,
    first_followed,
    flow_error,
    followed_serials,
    instrument_options,
)
from .hub.limits import normalised, problems
from .limit_form import form_values, limit_schema
from .runtime import MyCirrusConfigEntry


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
            except Exception as err:  # noqa: BLE001 - every failure aborts, in words
                return self.async_abort(reason=flow_error(err))
        errors: dict[str, str] = {}
        placeholders = {"serial": ""}
        if user_input is not None:
            typed = str(user_input[CONF_SERIAL]).strip()
            placeholders["serial"] = typed
            checked = await async_check_serial(
                client,
                typed,
                account=self._account,
                errors=errors,
                field=CONF_SERIAL,
            )
            # After the status call: another flow may have followed it since the
            # list was shown, or during the call.
            if checked is not None and first_followed(self.hass, [checked[0]]):
                errors[CONF_SERIAL] = "already_followed"
            elif checked is not None:
                serial, title = checked
                return self.async_create_entry(
                    title=title, data={CONF_SERIAL: serial}, unique_id=serial
                )
        followed = followed_serials(self.hass)
        # Nothing to pick: say so rather than open an empty list. (An empty
        # list of the account still leaves a serial to be typed.)
        if (
            user_input is None
            and self._account
            and all(i.serial_number.casefold() in followed for i in self._account)
        ):
            return self.async_abort(reason="all_followed")
        schema = vol.Schema(
            {
                vol.Required(CONF_SERIAL): SelectSelector(
                    SelectSelectorConfig(
                        options=instrument_options(
                            i
                            for i in self._account
                            if i.serial_number.casefold() not in followed
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


class LimitSubentryFlow(ConfigSubentryFlow):
    """Add a noise limit on a followed instrument, or change one."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the limit: what, on which instrument, when and how loud."""
        return self._async_form("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a limit; its entities follow without a reload."""
        return self._async_form("reconfigure", user_input)

    def _async_form(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        entry: MyCirrusConfigEntry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        hub = entry.runtime_data
        followed = {serial: record.name for serial, record in hub.records.items()}
        if not followed:
            return self.async_abort(reason="no_instruments")
        subentry = (
            self._get_reconfigure_subentry() if step_id == "reconfigure" else None
        )
        errors: dict[str, str] = {}
        if user_input is not None:

            def stored_period(serial: str) -> float | None:
                # Windows must fall on the stored periods only without live data.
                if not hub.scopes.missing(SCOPE_LIVE):
                    return None
                return hub.stored.period_seconds(serial)

            errors = problems(
                user_input, followed=followed, stored_period=stored_period
            )
            if not errors:
                data = normalised(user_input)
                if subentry is None:
                    return self.async_create_entry(title=data[CONF_NAME], data=data)
                return self.async_update_and_abort(
                    entry, subentry, title=data[CONF_NAME], data=data
                )
        labels = {serial: f"{name} ({serial})" for serial, name in followed.items()}
        shown = user_input
        if shown is None and subentry is not None:
            shown = form_values(subentry.data)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                limit_schema(labels), shown
            ),
            errors=errors,
        )
