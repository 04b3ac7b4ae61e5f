"""Which stored data endpoints failed at the last refresh, each said once."""

from __future__ import annotations

import logging

from homeassistant.helpers.update_coordinator import UpdateFailed

from ...api import MyCirrusBodyShapeError, MyCirrusError
from ...const import DOMAIN

_LOGGER = logging.getLogger(__package__)


class EndpointFailures:
    """Which endpoints (by scope) failed at the last refresh, said once each."""

    def __init__(self) -> None:
        """Know of no failure yet."""
        self.failing: set[str] = set()
        # Those whose failure was logged here, not by the coordinator.
        self._logged: set[str] = set()

    def note(self, asked: set[str], failures: dict[str, MyCirrusError]) -> None:
        """Note a refresh's failures; raise UpdateFailed if every endpoint failed.

        One line when an endpoint fails, one when it is answered again.
        """
        self.failing = set(failures)
        if failures and asked <= self.failing:
            self._logged.clear()  # the coordinator logs this, and its recovery
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="noise_data_failed",
                translation_placeholders={"error": str(next(iter(failures.values())))},
            )
        for scope, err in failures.items():
            # An answer in an unknown shape says so itself, and in a repair.
            if scope not in self._logged and not isinstance(
                err, MyCirrusBodyShapeError
            ):
                self._logged.add(scope)
                # Its entities are unavailable: once at info, as for a device.
                _LOGGER.info(
                    "MyCirrus stored data needing %s could not be fetched: %s",
                    scope,
                    err,
                )
        for scope in self._logged - self.failing:
            self._logged.discard(scope)
            # One not asked (the key was seen to lack its scope) is not back.
            if scope in asked:
                _LOGGER.info("MyCirrus stored data needing %s is fetched again", scope)
