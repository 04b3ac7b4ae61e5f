"""The integration's own words (``common`` in its translations), for what it writes.

Titles in the media browser and the labels of the event picture are not
entity names or states: the integration puts them together itself, in Home
Assistant's language.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN


async def async_common_strings(hass: HomeAssistant) -> dict[str, str]:
    """Return the ``common`` words, by key, in Home Assistant's language."""
    prefix = f"component.{DOMAIN}.common."
    translated = await async_get_translations(
        hass, hass.config.language, "common", {DOMAIN}
    )
    return {
        key.removeprefix(prefix): value
        for key, value in translated.items()
        if key.startswith(prefix)
    }
