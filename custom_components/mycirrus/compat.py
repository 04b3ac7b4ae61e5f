"""What differs between the oldest and the newest supported Home Assistant.

Home Assistant 2026.10 validates flows with probatio, which it also installs under
the name ``voluptuous`` at run time, and types repair flows' results as
``RepairsFlowResult``. At run time the older names work on every release; for the
type checker ``scripts/lint`` sets ``HA_2026_10`` to match the installed release,
so each leg checks against the types its Home Assistant declares.
Statistics metadata gains ``unit_class`` in Home Assistant 2025.11, which
older releases refuse; ``external_statistic_metadata`` gives either shape.
Remove this module when 2026.10 is the oldest supported release.
"""

from __future__ import annotations

import inspect
from typing import Any, Final, cast

from homeassistant.components.recorder.models import (
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.helpers.device_registry import DeviceEntry, DeviceRegistry
from homeassistant.helpers.update_coordinator import UpdateFailed

HA_2026_10 = False  # type checking only: `mypy --always-true=HA_2026_10`

if HA_2026_10:
    import probatio as vol

    from homeassistant.components.repairs import RepairsFlowResult
else:
    import voluptuous as vol

    from homeassistant.data_entry_flow import FlowResult as RepairsFlowResult

__all__ = [
    "DEVICES_HAVE_ONE_SUBENTRY",
    "STATISTICS_HAVE_UNIT_CLASS",
    "UPDATE_FAILED_HAS_RETRY_AFTER",
    "RepairsFlowResult",
    "async_get_entry_device",
    "external_statistic_metadata",
    "update_failed",
    "vol",
]

# Home Assistant 2025.12 lets UpdateFailed defer the next refresh (retry_after);
# older releases need the update interval stretched instead.
UPDATE_FAILED_HAS_RETRY_AFTER: Final = (
    "retry_after" in inspect.signature(UpdateFailed.__init__).parameters
)


def update_failed(*, retry_after: float | None = None, **kwargs: Any) -> UpdateFailed:
    """Return UpdateFailed, with ``retry_after`` where the release takes it."""
    if retry_after is not None and UPDATE_FAILED_HAS_RETRY_AFTER:
        kwargs["retry_after"] = retry_after
    return UpdateFailed(**kwargs)


def async_get_entry_device(
    registry: DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> DeviceEntry | None:
    """Return the entry's device with an identifier.

    Home Assistant 2026.10 deprecates ``async_get_device``, since identifiers are
    unique only within a config entry, for ``async_get_device_by_identifier``,
    which older releases lack; there identifiers are unique.
    """
    if hasattr(registry, "async_get_device_by_identifier"):
        device: DeviceEntry | None = registry.async_get_device_by_identifier(
            identifier, config_entry_id
        )
        return device
    return registry.async_get_device(identifiers={identifier})


# Home Assistant 2026.8 gives a device one config subentry, and moves a device
# that entities of another subentry name in their device info (reporting it
# as deprecated). Entities of a noise limit's subentry then link to their
# instrument's device by its registry entry (``Entity.device_entry``, honoured
# from 2025.8); older releases link through the device info alone, which adds
# the limit's subentry to the device. Let this go when 2026.8 is the oldest
# supported release.
DEVICES_HAVE_ONE_SUBENTRY: Final = hasattr(DeviceEntry, "config_subentry_id")


# Home Assistant 2025.11 adds unit_class to statistics metadata and reports its
# absence (an error from 2026.11); 2025.4 stores the metadata's keys as
# database columns and fails on one it does not have. 2025.4 already takes
# mean_type, the replacement of has_mean. Let this go when 2025.11 is the
# oldest supported release.
STATISTICS_HAVE_UNIT_CLASS: Final = "unit_class" in StatisticMetaData.__annotations__


def external_statistic_metadata(
    *, statistic_id: str, name: str, unit: str, unit_class: str | None = None
) -> StatisticMetaData:
    """Return the metadata of an imported statistic with a mean, min and max.

    ``statistic_id`` is ``domain:object_id`` in lower case, and its domain is
    the source, as ``async_add_external_statistics`` requires. ``unit_class``
    names Home Assistant's converter for the unit; decibels have none.
    """
    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.ARITHMETIC,
        "has_sum": False,
        "name": name,
        "source": statistic_id.partition(":")[0],
        "statistic_id": statistic_id,
        "unit_of_measurement": unit,
    }
    if STATISTICS_HAVE_UNIT_CLASS:
        metadata["unit_class"] = unit_class
    return cast("StatisticMetaData", metadata)
