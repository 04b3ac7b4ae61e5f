"""The noise limit form: its fields, in the issue's order, and their values.

Where a value needs a translated error rather than a refusal of the whole
form (an instrument no longer followed, a window the form does not offer),
its select takes any text and the step checks it (hub/limits/config.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_NAME, UnitOfSoundPressure
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)

from .compat import vol
from .const import (
    CONF_DAYS,
    CONF_END,
    CONF_INSTRUMENT,
    CONF_LEVEL,
    CONF_MARGIN,
    CONF_START,
    CONF_VALUE,
    CONF_WINDOW,
)
from .hub.limits.config import DAYS, DEFAULT_MARGIN, ENERGETIC_VALUE, VALUES, WINDOWS

DEFAULT_WINDOW = "60"
ALL_DAY = "00:00"


class TextSelect(SelectSelector):
    """A select whose choice the step checks: any text passes, a number as text."""

    def __call__(self, data: Any) -> Any:
        """Return the choice (or choices) as text."""
        if self.config["multiple"]:
            if not isinstance(data, list):
                data = [data]
            return [_text(item) for item in data]
        return _text(data)


def _text(data: Any) -> str:
    if isinstance(data, int | float) and not isinstance(data, bool):
        return str(int(data)) if float(data).is_integer() else str(data)
    text: str = vol.Schema(str)(data)
    return text


def _decibels() -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            mode=NumberSelectorMode.BOX,
            step=0.1,
            unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        )
    )


def limit_schema(instruments: Mapping[str, str]) -> vol.Schema:
    """Return the form; ``instruments`` labels the followed serials."""
    return vol.Schema(
        {
            vol.Required(CONF_NAME): TextSelector(),
            vol.Required(CONF_INSTRUMENT): TextSelect(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=serial, label=label)
                        for serial, label in instruments.items()
                    ],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            # Acoustic quantities are written the same in every language.
            vol.Required(CONF_VALUE, default=ENERGETIC_VALUE): TextSelect(
                SelectSelectorConfig(
                    options=list(VALUES), mode=SelectSelectorMode.DROPDOWN
                )
            ),
            vol.Required(CONF_WINDOW, default=DEFAULT_WINDOW): TextSelect(
                SelectSelectorConfig(
                    options=[str(window) for window in WINDOWS],
                    translation_key="limit_window",
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_DAYS, default=list(DAYS)): TextSelect(
                SelectSelectorConfig(
                    options=list(DAYS),
                    multiple=True,
                    translation_key="limit_days",
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Required(CONF_START, default=ALL_DAY): TimeSelector(),
            vol.Required(CONF_END, default=ALL_DAY): TimeSelector(),
            vol.Required(CONF_LEVEL): _decibels(),
            vol.Required(CONF_MARGIN, default=DEFAULT_MARGIN): _decibels(),
        }
    )


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a limit subentry's data as the form shows it."""
    return {**data, CONF_WINDOW: str(data.get(CONF_WINDOW, DEFAULT_WINDOW))}
