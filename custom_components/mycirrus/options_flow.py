"""The options flow: live levels, how often they are written, and drift."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.helpers.translation import async_get_translations

from .compat import vol
from .const import (
    CONF_DRIFT_THRESHOLD,
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    DEFAULT_DRIFT_THRESHOLD,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_LIVE_VALUES,
    DOMAIN,
    SCOPE_ACTION,
    SCOPE_LIVE,
    SCOPE_READ,
    SCOPE_SYSTEM,
)
from .levels import LIVE_VALUES
from .scopes import ScopeState

# What the features beyond the status need, in the order the form names them.
OPTIONAL_SCOPES = (SCOPE_LIVE, SCOPE_ACTION, SCOPE_SYSTEM)


class MyCirrusOptionsFlow(OptionsFlow):
    """Choose the live values, their write interval and the drift threshold."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options; saved, they apply to the loaded entry at once."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_LIVE_VALUES: [
                        name
                        for name in LIVE_VALUES
                        if name in user_input[CONF_LIVE_VALUES]
                    ],
                    CONF_LIVE_INTERVAL: int(user_input[CONF_LIVE_INTERVAL]),
                    CONF_DRIFT_THRESHOLD: float(user_input[CONF_DRIFT_THRESHOLD]),
                }
            )
        options = self.config_entry.options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_LIVE_VALUES,
                    default=list(options.get(CONF_LIVE_VALUES, DEFAULT_LIVE_VALUES)),
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=list(LIVE_VALUES),
                        multiple=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_LIVE_INTERVAL,
                    default=options.get(CONF_LIVE_INTERVAL, DEFAULT_LIVE_INTERVAL),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=300,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(
                    CONF_DRIFT_THRESHOLD,
                    default=options.get(CONF_DRIFT_THRESHOLD, DEFAULT_DRIFT_THRESHOLD),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=0.05,
                        max=5,
                        step=0.05,
                        unit_of_measurement="dB",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=schema,
            description_placeholders={"scopes": await self._async_scope_lines()},
        )

    async def _async_scope_lines(self) -> str:
        """Say which scopes the key was seen to have, to lack, or not yet used.

        One translated line per state that has scopes: a state with none says
        nothing, rather than a line with nothing after its colon.
        """
        seen = self._seen_scopes()
        strings = await async_get_translations(
            self.hass, self.hass.config.language, "common", {DOMAIN}
        )
        return "\n".join(
            strings[f"component.{DOMAIN}.common.scopes_{state}"].replace(
                "{scopes}", ", ".join(seen[state])
            )
            for state in (ScopeState.GRANTED, ScopeState.MISSING, ScopeState.UNKNOWN)
            if seen[state]
        )

    def _seen_scopes(self) -> dict[ScopeState, list[str]]:
        """Sort the scopes by what the key was seen to do with them."""
        seen: dict[ScopeState, list[str]] = {state: [] for state in ScopeState}
        entry = self.config_entry
        if entry.state is ConfigEntryState.LOADED:
            # A loaded entry has listed its instruments: it has instruments:read.
            seen[ScopeState.GRANTED].append(SCOPE_READ)
            scopes = entry.runtime_data.scopes
            for scope in OPTIONAL_SCOPES:
                seen[scopes.state(scope)].append(scope)
        else:  # not set up: nothing is known of the key
            seen[ScopeState.UNKNOWN] = [SCOPE_READ, *OPTIONAL_SCOPES]
        return seen
