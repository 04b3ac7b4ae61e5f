"""The options flow: live levels, drift, and the stored noise data."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.helpers.translation import async_get_translations

from .acoustics import DEFAULT_STORED_VALUES, STORED_VALUES
from .compat import vol
from .const import (
    CONF_BACKFILL_DAYS,
    CONF_DATA_INTERVAL,
    CONF_DAY_START,
    CONF_DRIFT_THRESHOLD,
    CONF_EVENING_START,
    CONF_LIVE_INTERVAL,
    CONF_LIVE_VALUES,
    CONF_NIGHT_START,
    CONF_STORED_VALUES,
    CONF_WIND_LIMIT,
    DEFAULT_BACKFILL_DAYS,
    DEFAULT_DATA_INTERVAL,
    DEFAULT_DRIFT_THRESHOLD,
    DEFAULT_LIVE_INTERVAL,
    DEFAULT_LIVE_VALUES,
    DEFAULT_WIND_LIMIT,
    DOMAIN,
    MAX_BACKFILL_DAYS,
    SCOPE_ACTION,
    SCOPE_AUDIO,
    SCOPE_ENVIRO,
    SCOPE_EVENTS,
    SCOPE_LIVE,
    SCOPE_NOISE,
    SCOPE_READ,
    SCOPE_SYSTEM,
    SECTION_NOISE_DATA,
)
from .levels import LIVE_VALUES
from .rating import RatingHours
from .scopes import ScopeState

# What the features beyond the status need, in the order the form names them.
OPTIONAL_SCOPES = (
    SCOPE_LIVE,
    SCOPE_ACTION,
    SCOPE_SYSTEM,
    SCOPE_NOISE,
    SCOPE_EVENTS,
    SCOPE_ENVIRO,
    SCOPE_AUDIO,
)
_HOURS = (CONF_DAY_START, CONF_EVENING_START, CONF_NIGHT_START)


def _number(low: float, high: float, step: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=low,
            max=high,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


def _noise_data_schema(options: dict[str, Any]) -> vol.Schema:
    """Return the fields of the stored noise data, at the options' values."""
    hours = RatingHours()
    defaults = {
        CONF_STORED_VALUES: list(DEFAULT_STORED_VALUES),
        CONF_DATA_INTERVAL: DEFAULT_DATA_INTERVAL,
        CONF_BACKFILL_DAYS: DEFAULT_BACKFILL_DAYS,
        CONF_DAY_START: hours.day_start,
        CONF_EVENING_START: hours.evening_start,
        CONF_NIGHT_START: hours.night_start,
        CONF_WIND_LIMIT: DEFAULT_WIND_LIMIT,
    }
    selectors: dict[str, Any] = {
        CONF_STORED_VALUES: SelectSelector(
            SelectSelectorConfig(
                options=list(STORED_VALUES),
                multiple=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        CONF_DATA_INTERVAL: _number(1, 60, 1, "min"),
        CONF_BACKFILL_DAYS: _number(1, MAX_BACKFILL_DAYS, 1, "d"),
        CONF_DAY_START: _number(0, 23, 1, "h"),
        CONF_EVENING_START: _number(0, 23, 1, "h"),
        CONF_NIGHT_START: _number(0, 23, 1, "h"),
        CONF_WIND_LIMIT: _number(0.5, 20, 0.5, "m/s"),
    }
    return vol.Schema(
        {
            vol.Required(key, default=options.get(key, default)): selectors[key]
            for key, default in defaults.items()
        }
    )


def _read_noise_data(section_input: dict[str, Any]) -> dict[str, Any] | None:
    """Return the stored data options; None if the rating hours are out of order."""
    hours = {key: int(section_input[key]) for key in _HOURS}
    try:
        RatingHours(
            day_start=hours[CONF_DAY_START],
            evening_start=hours[CONF_EVENING_START],
            night_start=hours[CONF_NIGHT_START],
        )
    except ValueError:
        return None
    return {
        CONF_STORED_VALUES: [
            name for name in STORED_VALUES if name in section_input[CONF_STORED_VALUES]
        ],
        CONF_DATA_INTERVAL: int(section_input[CONF_DATA_INTERVAL]),
        CONF_BACKFILL_DAYS: int(section_input[CONF_BACKFILL_DAYS]),
        **hours,
        CONF_WIND_LIMIT: float(section_input[CONF_WIND_LIMIT]),
    }


class MyCirrusOptionsFlow(OptionsFlow):
    """Choose the live values, their write interval and the drift threshold."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options; saved, they apply to the loaded entry at once."""
        errors: dict[str, str] = {}
        if user_input is not None:
            noise_data = _read_noise_data(user_input[SECTION_NOISE_DATA])
            if noise_data is not None:
                return self.async_create_entry(
                    data={
                        CONF_LIVE_VALUES: [
                            name
                            for name in LIVE_VALUES
                            if name in user_input[CONF_LIVE_VALUES]
                        ],
                        CONF_LIVE_INTERVAL: int(user_input[CONF_LIVE_INTERVAL]),
                        CONF_DRIFT_THRESHOLD: float(user_input[CONF_DRIFT_THRESHOLD]),
                        **noise_data,
                    }
                )
            errors["base"] = "rating_hours"
        options = dict(self.config_entry.options)
        if user_input is not None:  # keep what was typed
            options |= {**user_input, **user_input[SECTION_NOISE_DATA]}
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
                vol.Required(SECTION_NOISE_DATA): section(
                    _noise_data_schema(options), {"collapsed": not errors}
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=schema,
            errors=errors,
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
