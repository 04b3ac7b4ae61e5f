"""Stored noise data: measurement periods, noise events and weather.

Every refresh (5 minutes unless the options say otherwise) asks each endpoint
once for all of the entry's instruments: the periods and events since the hour
before last (or since the last answer, after an outage), and the last hour's
weather. Once an hour the periods and events of the last two days are read
again, for what the instruments uploaded late. What the periods say goes to
the long-term statistics (statistics.py) and to the rating levels of
yesterday; new events fire once (events.py).

A key without a scope is asked once per set-up: that scope's entities and
statistics are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..acoustics import RatingLevels, rating_levels
from ..api import (
    Measurement,
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
    NoiseEvent,
    WeatherRecord,
)
from ..const import (
    DOMAIN,
    SCOPE_ENVIRO,
    SCOPE_EVENTS,
    SCOPE_NOISE,
    TRAILING_EVERY,
    TRAILING_WINDOW,
)
from ..issues import async_clear_answer_issue, async_raise_answer_issue
from ..scopes import AskedOnce
from .events import EventMemory, trailing_start
from .options import EntryOptions
from .periods import PeriodKeeper
from .store import InstrumentStore

_LOGGER = logging.getLogger(__package__)

HOUR = timedelta(hours=1)
# Status errors of an instrument the stored data is not asked for.
_ASKED_ALONE = frozenset({"forbidden", "not_found"})


@dataclass(frozen=True, kw_only=True, slots=True)
class NoiseState:
    """What the stored data says of one instrument."""

    period: Measurement | None = None  # the last complete period
    period_end: datetime | None = None
    rating: RatingLevels | None = None  # yesterday's, in Home Assistant's zone
    weather: WeatherRecord | None = None  # the latest reading


def hour_floor(moment: datetime) -> datetime:
    """Return the start of the hour of ``moment``."""
    return moment.replace(minute=0, second=0, microsecond=0)


class NoiseDataCoordinator(DataUpdateCoordinator[dict[str, NoiseState]]):
    """Fetches the stored data of all of an entry's instruments at once."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: MyCirrusClient,
        store: InstrumentStore,
        *,
        options: Callable[[], EntryOptions],
        scopes: AskedOnce,
        on_event: Callable[[NoiseEvent], None],
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Initialise; nothing is fetched yet."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} noise data",
            update_interval=options().data_interval,
        )
        self.client = client
        self.store = store
        self.options = options
        self.scopes = scopes
        self.periods = PeriodKeeper(hass, self._name)
        self.events = EventMemory(hass, config_entry.entry_id)
        self._on_event = on_event
        self._on_auth_failed = on_auth_failed
        self._weather: dict[str, WeatherRecord] = {}
        # Where the last answered refresh ended, and when the last two days
        # were last read again.
        self.fetched_until: datetime | None = None
        self.trailing_at: datetime | None = None
        self._shape_logged = False

    def _name(self, serial: str) -> str:
        record = self.store.records.get(serial)
        return record.name if record else serial

    def noise_serials(self) -> list[str]:
        """Return the followed instruments that measure noise.

        Not one the key can no longer see (403) or that MyCirrus no longer
        knows (404): one request asks for all, and it would refuse them all.
        """
        return [
            serial
            for serial, record in self.store.records.items()
            if record.measures_noise and record.error not in _ASKED_ALONE
        ]

    def weather_serials(self) -> list[str]:
        """Return the followed instruments with the Weather feature."""
        return [
            serial
            for serial in self.noise_serials()
            if (details := self.store.records[serial].details) is not None
            and "Weather" in details.features
        ]

    async def _async_update_data(self) -> dict[str, NoiseState]:
        if self.client.limiter.paused:
            return self.state()  # the status coordinator says why; wait
        now = dt_util.utcnow()
        trailing = self.trailing_at is None or now - self.trailing_at >= TRAILING_EVERY
        start = self._start(now, trailing=trailing)
        try:
            await self._async_measurements(start, now)
            await self._async_events(start, now)
            await self._async_weather(now)
        except MyCirrusRateLimitError:
            return self.state()
        except MyCirrusAuthenticationError as err:
            self._on_auth_failed(None)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except MyCirrusError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="noise_data_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.fetched_until = now
        if trailing:
            self.trailing_at = now
        return self.state()

    def _start(self, now: datetime, *, trailing: bool) -> datetime:
        """Return where this refresh's periods and events start.

        The hour before last, the last two days once an hour, or where the
        last answer ended if that is earlier (after an outage): nothing that
        could not be fetched is lost.
        """
        start = (
            trailing_start(now, TRAILING_WINDOW) if trailing else hour_floor(now) - HOUR
        )
        if self.fetched_until is not None:
            start = min(start, hour_floor(self.fetched_until) - HOUR)
        return max(start, hour_floor(now - self.options().backfill))

    async def _async_measurements(self, start: datetime, end: datetime) -> None:
        serials = self.noise_serials()
        if not serials or not self.scopes.may_ask(SCOPE_NOISE):
            return
        try:
            measurements = await self.scopes.async_ask(
                SCOPE_NOISE,
                self.client.measurements(
                    serials,
                    start,
                    end,
                    values=self.periods.values_to_ask(self.options()),
                ),
            )
        except MyCirrusBodyShapeError as err:
            self._async_unknown_answer(err)
            raise
        if measurements is None:
            return
        async_clear_answer_issue(self.hass, self.config_entry)
        await self.periods.async_take(measurements, start, end, self.options())

    async def _async_events(self, start: datetime, end: datetime) -> None:
        serials = self.noise_serials()
        if not serials or not self.scopes.may_ask(SCOPE_EVENTS):
            return
        events = await self.scopes.async_ask(
            SCOPE_EVENTS, self.client.events(serials, start, end)
        )
        if events is None:
            return
        for event in self.events.new(events, trailing_start(end, TRAILING_WINDOW)):
            self._on_event(event)

    async def _async_weather(self, now: datetime) -> None:
        """Keep the latest reading of each instrument: the last hour's is enough."""
        serials = self.weather_serials()
        if not serials or not self.scopes.may_ask(SCOPE_ENVIRO):
            return
        records = await self.scopes.async_ask(
            SCOPE_ENVIRO, self.client.weather(serials, now - HOUR, now)
        )
        if records is None:
            return
        latest: dict[str, WeatherRecord] = {}
        for record in records:
            if (
                seen := latest.get(record.instrument)
            ) is None or record.time > seen.time:
                latest[record.instrument] = record
        self._weather = latest

    def _async_unknown_answer(self, err: MyCirrusBodyShapeError) -> None:
        """Say once, and in a repair issue, that the answer's shape is unknown."""
        if not self._shape_logged:
            self._shape_logged = True
            _LOGGER.warning(
                "MyCirrus answered the stored measurements in a shape this "
                "integration does not know; please report it. It begins: %s",
                err.excerpt,
            )
        async_raise_answer_issue(self.hass, self.config_entry, err.excerpt)

    def state(self) -> dict[str, NoiseState]:
        """Return what the stored data says of each instrument now."""
        yesterday = dt_util.now().date() - timedelta(days=1)
        zone = dt_util.get_default_time_zone()
        hours = self.options().rating_hours
        state: dict[str, NoiseState] = {}
        for serial in self.store.records:
            latest = self.periods.latest.get(serial)
            laeq = self.periods.laeq_periods(serial)
            state[serial] = NoiseState(
                period=latest,
                period_end=self.periods.end_of(latest),
                rating=rating_levels(laeq, yesterday, zone, hours) if laeq else None,
                weather=self._weather.get(serial),
            )
        return state

    def granted(self, scope: str) -> bool:
        """Return whether MyCirrus answered a call needing ``scope``."""
        return self.scopes.granted(scope)

    def forget(self, serials: Iterable[str]) -> None:
        """Forget instruments no longer followed."""
        for serial in serials:
            self._weather.pop(serial, None)
            self.periods.forget(serial)
