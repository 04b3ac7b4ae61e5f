"""Buttons: identify an instrument, run a SIC, start a calibration."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    Action,
    MyCirrusAuthenticationError,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
)
from .checks import running
from .const import DOMAIN, SCOPE_ACTION
from .coordinator import MyCirrusCoordinator
from .data import (
    RESULTS_FAILED,
    InstrumentRecord,
    MyCirrusConfigEntry,
    MyCirrusRuntimeData,
    result_state,
)
from .entity import (
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
)

# Presses are not limited here: over the live websocket each instrument's
# actions take turns (live_link.py); over REST each request is answered alone.
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
    runtime = entry.runtime_data

    def factory(
        record: InstrumentRecord, description: MyCirrusButtonEntityDescription
    ) -> MyCirrusButtonEntity:
        return MyCirrusButtonEntity(runtime, record, description)

    async_add_instrument_entities(entry, async_add_entities, BUTTONS, factory)


def action_errors[EntityT: MyCirrusButtonEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Turn every way an action can fail into a translated HomeAssistantError."""

    @wraps(func)
    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        error = self.action_error
        try:
            await func(self, *args, **kwargs)
        except MyCirrusAuthenticationError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            raise error("action_invalid_auth") from err
        except MyCirrusPermissionError as err:
            self.runtime.scopes.lacking(SCOPE_ACTION)
            raise error("action_forbidden", SCOPE_ACTION) from err
        except MyCirrusRateLimitError as err:
            raise error("action_rate_limited") from err
        except MyCirrusNotFoundError as err:
            raise error("action_not_found") from err
        except MyCirrusConnectionError as err:
            raise error("action_cannot_connect", str(err)) from err
        except MyCirrusError as err:
            raise error("action_failed", str(err)) from err

    return handler


class MyCirrusButtonEntity(MyCirrusStatusEntity, ButtonEntity):
    """Asks an instrument to run an action: over its websocket if open, else REST."""

    entity_description: MyCirrusButtonEntityDescription
    # Fixed for the button's life: not worth a row in every recorded state.
    _unrecorded_attributes = frozenset({"requirement"})

    def __init__(
        self,
        runtime: MyCirrusRuntimeData,
        record: InstrumentRecord,
        description: MyCirrusButtonEntityDescription,
    ) -> None:
        """Initialise the button."""
        super().__init__(runtime.coordinator, record, description)
        self.runtime = runtime
        if description.requirement is not None:
            self._attr_extra_state_attributes = {"requirement": description.requirement}

    def action_error(self, key: str, detail: str | None = None) -> HomeAssistantError:
        """Return the translated error ``key`` about this button's action."""
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "name": self.record.name,
                "serial": self.serial,
                "action": self.entity_description.action.value,
                "detail": detail or "",
            },
        )

    @property
    def available(self) -> bool:
        """Return False only while the instrument is known to be offline.

        A button needs no status to exist: MyCirrus says if it cannot act.
        """
        status = self.record.status
        return status is None or status.online is not False

    @action_errors
    async def async_press(self) -> None:
        """Send the action; show an accepted calibration or SIC at once."""
        action = self.entity_description.action
        if running(self.record.status, action) and action is not Action.IDENTIFY:
            # Refused here: a second answer could not be told from the first's.
            raise self.action_error("action_running")
        answer = await self.runtime.live.async_action(self.serial, action)
        if answer is not None:
            status, detail = answer.status, answer.error
        else:
            status = (await self.runtime.client.action(self.serial, action)).status
            detail = None
        if result_state(status) in RESULTS_FAILED:
            raise self.action_error("action_refused", detail or str(status))
        self.runtime.scopes.granted(SCOPE_ACTION)
        coordinator: MyCirrusCoordinator = self.coordinator
        coordinator.async_action_accepted(self.serial, action)
