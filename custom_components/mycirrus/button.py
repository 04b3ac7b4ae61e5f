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
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
)
from .const import DOMAIN, SCOPE_ACTION
from .coordinator import MyCirrusCoordinator
from .data import InstrumentRecord, MyCirrusConfigEntry, MyCirrusRuntimeData
from .entity import (
    MyCirrusEntityDescription,
    MyCirrusStatusEntity,
    async_add_instrument_entities,
    supports_sic,
)

# Presses are not limited here: each instrument's actions take turns in live.py.
PARALLEL_UPDATES = 0

# What MyCirrus answers for an action it refused.
_REFUSED = frozenset({"failed", "error"})


@dataclass(frozen=True, kw_only=True)
class MyCirrusButtonEntityDescription(
    ButtonEntityDescription, MyCirrusEntityDescription
):
    """Describes a MyCirrus button."""

    action: Action


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
        exists_fn=supports_sic,
    ),
    MyCirrusButtonEntityDescription(
        key="start_calibration",
        translation_key="start_calibration",
        entity_category=EntityCategory.DIAGNOSTIC,
        # Only useful with an acoustic calibrator fitted to the microphone.
        entity_registry_enabled_default=False,
        action=Action.CALIBRATION,
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
        placeholders = {
            "name": self.record.name,
            "serial": self.serial,
            "action": self.entity_description.action.value,
        }
        try:
            await func(self, *args, **kwargs)
        except MyCirrusPermissionError as err:
            self.runtime.scopes.lacking(SCOPE_ACTION)
            raise _error("action_forbidden", placeholders, SCOPE_ACTION) from err
        except MyCirrusRateLimitError as err:
            raise _error("action_rate_limited", placeholders) from err
        except MyCirrusNotFoundError as err:
            raise _error("action_not_found", placeholders) from err
        except MyCirrusConnectionError as err:
            raise _error("action_cannot_connect", placeholders, str(err)) from err
        except MyCirrusError as err:
            raise _error("action_failed", placeholders, str(err)) from err

    return handler


def _error(
    key: str, placeholders: dict[str, str], detail: str | None = None
) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={**placeholders, "detail": detail or ""},
    )


class MyCirrusButtonEntity(MyCirrusStatusEntity, ButtonEntity):
    """Asks an instrument to run an action: over its websocket if open, else REST."""

    entity_description: MyCirrusButtonEntityDescription

    def __init__(
        self,
        runtime: MyCirrusRuntimeData,
        record: InstrumentRecord,
        description: MyCirrusButtonEntityDescription,
    ) -> None:
        """Initialise the button."""
        super().__init__(runtime.coordinator, record, description)
        self.runtime = runtime

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
        live = self.runtime.live
        answer = await live.async_action(self.serial, action)
        status = (
            answer.status
            if answer is not None
            else (await self.runtime.client.action(self.serial, action)).status
        )
        refused_detail = answer.error if answer is not None else None
        if status is not None and status.lower() in _REFUSED:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="action_refused",
                translation_placeholders={
                    "name": self.record.name,
                    "serial": self.serial,
                    "action": action.value,
                    "detail": refused_detail or status,
                },
            )
        self.runtime.scopes.granted(SCOPE_ACTION)
        coordinator: MyCirrusCoordinator = self.coordinator
        coordinator.async_action_accepted(self.serial, action)
