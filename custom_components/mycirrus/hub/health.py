"""The monitor health coordinator: one request for every instrument, every 5 min."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..api import (
    MonitorHealth,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
)
from ..const import DOMAIN, HEALTH_INTERVAL, SCOPE_RECHECK_INTERVAL, SCOPE_SYSTEM
from ..scopes import KeyScopes

_LOGGER = logging.getLogger(__package__)


class MyCirrusHealthCoordinator(DataUpdateCoordinator[dict[str, MonitorHealth]]):
    """Polls ``/data/monitor/current`` for all of an entry's instruments at once.

    Its data holds only the instruments MyCirrus reports. A key without the
    data.system:read scope gets no health sensors and is asked again hourly.
    """

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: MyCirrusClient,
        scopes: KeyScopes,
        serials: Callable[[], list[str]],
        *,
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Initialise; nothing is fetched yet."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} health",
            update_interval=HEALTH_INTERVAL,
            always_update=False,
        )
        self.client = client
        self.scopes = scopes
        self.serials = serials
        self._on_auth_failed = on_auth_failed
        # When each instrument booted, worked out when its uptime was
        # measured, and that uptime: the boot moves only when it restarts.
        self.boots: dict[str, datetime] = {}
        self._uptimes: dict[str, float] = {}

    async def _async_update_data(self) -> dict[str, MonitorHealth]:
        if not self.scopes.may_try(SCOPE_SYSTEM) or self.client.limiter.paused:
            # Nothing to ask now: keep the last health, quietly.
            return self.data or {}
        asked_at = dt_util.utcnow()
        try:
            health = await self.client.monitor_health(self.serials())
        except MyCirrusPermissionError:
            if not self.scopes.missing(SCOPE_SYSTEM):
                _LOGGER.info(
                    "The MyCirrus API key lacks the %s scope: no health sensors",
                    SCOPE_SYSTEM,
                )
            self.scopes.lacking(SCOPE_SYSTEM)
            self.update_interval = SCOPE_RECHECK_INTERVAL
            return {}
        except MyCirrusAuthenticationError as err:
            self._on_auth_failed(None)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except MyCirrusRateLimitError:
            # The status coordinator reports the pause; health waits it out.
            return self.data or {}
        except MyCirrusError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="health_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.scopes.granted(SCOPE_SYSTEM)
        self.update_interval = HEALTH_INTERVAL
        self._boots(health, asked_at)
        return health

    def _boots(self, health: Mapping[str, MonitorHealth], asked_at: datetime) -> None:
        """Note when each instrument booted: again only if its uptime dropped.

        The boot is the moment the uptime was asked for less the uptime, so
        that it stays put between reports instead of moving with the clock.
        """
        for serial, reported in health.items():
            if (uptime := reported.uptime) is None:
                continue
            last = self._uptimes.get(serial)
            if last is None or uptime < last or serial not in self.boots:
                self.boots[serial] = (asked_at - timedelta(seconds=uptime)).replace(
                    microsecond=0
                )
            self._uptimes[serial] = uptime
