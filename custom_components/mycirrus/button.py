"""Buttons: identify an instrument, run a SIC, start a calibration."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Action
from .entity import (
    MyCirrusEntity,
    MyCirrusEntityDescription,
    async_add_instrument_entities,
)
from .model import InstrumentRecord
from .runtime import MyCirrusConfigEntry, MyCirrusHub

# Presses are not limited here: over the live websocket each instrument's
# actions take turns (hub/link.py); over REST each request is answered alone.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MyCirrusButtonEntityDescription(
    ButtonEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus button."""

    action: Action
    # What a press needs on site, shown (translated) as the "requirement"
    # attribute: Home Assistant has no translated description for an entity.
    requirement: str | None = None


BUTTONS: tuple[MyCirrusButtonEntityDescription, ...] = (
    MyCirrusButtonEntityDescription(
        key="identify",
        translation_key="identify",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.DIAGNOSTIC,
        action=Action.IDENTIFY,
    ),
    MyCirrusButtonEntityDescription(
        key="run_sic",
        translation_key="run_sic",
        entity_category=EntityCategory.DIAGNOSTIC,
        action=Action.SIC,
        exists_fn=lambda record: record.supports_sic,
    ),
    MyCirrusButtonEntityDescription(
        key="start_calibration",
        translation_key="start_calibration",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Only useful with an acoustic calibrator fitted to the microphone.
        entity_registry_enabled_default=False,
        action=Action.CALIBRATION,
        requirement="acoustic_calibrator",
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MyCirrusConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every followed instrument."""
    hub = entry.runtime_data

    def factory(
        record: InstrumentRecord, description: MyCirrusButtonEntityDescription
    ) -> MyCirrusButtonEntity:
        return MyCirrusButtonEntity(hub, record, description)

    async_add_instrument_entities(entry, async_add_entities, lambda: BUTTONS, factory)


class MyCirrusButtonEntity(MyCirrusEntity, ButtonEntity):
    """Asks an instrument to run an action: over its websocket if open, else REST."""

    entity_description: MyCirrusButtonEntityDescription
    # Fixed for the button's life: not worth a row in every recorded state.
    _unrecorded_attributes = frozenset({"requirement"})

    def __init__(
        self,
        hub: MyCirrusHub,
        record: InstrumentRecord,
        description: MyCirrusButtonEntityDescription,
    ) -> None:
        """Initialise the button."""
        super().__init__(hub, record, description)
        if description.requirement is not None:
            self._attr_extra_state_attributes = {"requirement": description.requirement}

    @property
    def available(self) -> bool:
        """Return False while the key is refused or the instrument is offline.

        A button needs no current status: MyCirrus says if it cannot act.
        """
        return self.hub.reachable(self.serial)

    async def async_press(self) -> None:
        """Send the action; an accepted calibration or SIC shows at once.

        Every refusal and failure raises a translated error (hub/actions.py).
        """
        await self.hub.actions.async_press(self.serial, self.entity_description.action)
