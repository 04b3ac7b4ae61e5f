"""Repair flows: stop following an instrument MyCirrus no longer knows, clear history.

The second deletes the statistics of an instrument no longer followed, the
third a noise limit whose instrument is no longer followed.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.recorder import get_instance
from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant

from .compat import RepairsFlowResult, vol
from .const import ISSUE_INSTRUMENT_GONE, ISSUE_LIMIT_ORPHANED, ISSUE_STATISTICS_KEPT
from .flow_helpers import followed_serials
from .hub.stored.statistics import statistic_ids


class RemoveInstrumentRepairFlow(RepairsFlow):
    """Confirm, then remove the subentry of an instrument that is gone."""

    def __init__(self, entry_id: str, subentry_id: str, serial: str) -> None:
        """Remember which subentry the issue is about."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id
        self._serial = serial

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start at the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Remove the instrument's subentry once the user confirms."""
        if user_input is not None:
            entry = self.hass.config_entries.async_get_entry(self._entry_id)
            if entry is not None and self._subentry_id in entry.subentries:
                self.hass.config_entries.async_remove_subentry(entry, self._subentry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"serial": self._serial},
        )


class ClearStatisticsRepairFlow(RepairsFlow):
    """Confirm, then delete the statistics an instrument no longer followed left."""

    def __init__(self, serial: str) -> None:
        """Remember whose statistics the issue is about."""
        self._serial = serial

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start at the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Delete the statistics once the user confirms.

        Not those of an instrument followed again meanwhile: its history goes on.
        """
        if self._serial.casefold() in followed_serials(self.hass):
            return self.async_abort(
                reason="followed_again",
                description_placeholders={"serial": self._serial},
            )
        if user_input is not None:
            get_instance(self.hass).async_clear_statistics(statistic_ids(self._serial))
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"serial": self._serial},
        )


class RemoveLimitRepairFlow(RepairsFlow):
    """Confirm, then delete a noise limit whose instrument is no longer followed."""

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Remember which limit the issue is about."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start at the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Delete the limit's subentry once the user confirms; its entities go."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        subentry = entry.subentries.get(self._subentry_id) if entry else None
        if entry is None or subentry is None:
            return self.async_abort(reason="limit_gone")
        if user_input is not None:
            self.hass.config_entries.async_remove_subentry(entry, self._subentry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"limit": subentry.title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Return the fix flow of a MyCirrus repair issue."""
    if data is not None and issue_id.startswith(ISSUE_INSTRUMENT_GONE):
        return RemoveInstrumentRepairFlow(
            str(data["entry_id"]), str(data["subentry_id"]), str(data["serial"])
        )
    if data is not None and issue_id.startswith(ISSUE_LIMIT_ORPHANED):
        return RemoveLimitRepairFlow(
            str(data["entry_id"]), str(data["limit_subentry_id"])
        )
    if data is not None and issue_id.startswith(ISSUE_STATISTICS_KEPT):
        return ClearStatisticsRepairFlow(str(data["kept_serial"]))
    raise ValueError(f"No fix flow for issue {issue_id}")
