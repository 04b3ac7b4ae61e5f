"""Stored noise data: measurement periods, noise events and weather.

Every refresh (5 minutes unless the options say otherwise) asks each endpoint
once for all of the entry's instruments: the periods and events since the hour
before last, and the last hour's weather. Once an hour the periods and events
of the last two days are read again, for what the instruments uploaded late.
What the periods say goes to the long-term statistics (statistics.py) and to
the rating levels of yesterday; how far each statistic was read is kept
(progress.py), and the backfill reads what lies before (backfill.py). New
events wait to fire once (events.py).

Each endpoint fails alone: its entities are unavailable, the others' are not.
A key without a scope is asked again at most hourly: meanwhile that scope's
entities and statistics are left out. One request asks for every instrument,
and a 403 may mean that one of them left the account: the statuses are asked
before a 403 is taken for a missing scope (scopes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import NamedTuple

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ...acoustics import RatingLevels, rating_levels
from ...api import (
    Measurement,
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
    WeatherRecord,
)
from ...const import (
    DOMAIN,
    SCOPE_ENVIRO,
    SCOPE_EVENTS,
    SCOPE_NOISE,
    TRAILING_EVERY,
    TRAILING_WINDOW,
)
from ...issues import async_clear_answer_issue, async_raise_answer_issue
from ...scopes import DataScopes
from ..options import EntryOptions
from ..store import InstrumentStore
from .events import EventMemory, trailing_start
from .periods import PeriodKeeper
from .progress import ReadProgress

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


class ReadWindow(NamedTuple):
    """What an answered request for periods read: from, to, and whose."""

    start: datetime
    end: datetime
    serials: frozenset[str]


def hour_floor(moment: datetime) -> datetime:
    """Return the start of the hour of ``moment``."""
    return moment.replace(minute=0, second=0, microsecond=0)


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


class StoredDataCoordinator(DataUpdateCoordinator[dict[str, NoiseState]]):
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
        scopes: DataScopes,
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Initialise; nothing is fetched yet."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} noise",  # HA logs "Error fetching {name} data"
            update_interval=options().data_interval,
        )
        self.client = client
        self.store = store
        self.options = options
        self.scopes = scopes
        self.periods = PeriodKeeper(
            hass, self._name, lambda serial: serial in store.records
        )
        self.progress = ReadProgress(hass, config_entry.entry_id)
        self.events = EventMemory(hass, config_entry.entry_id)
        self._on_auth_failed = on_auth_failed
        self._weather: dict[str, WeatherRecord] = {}
        # When each endpoint's last two days were last read.
        self.trailing_at: dict[str, datetime] = {}
        # The window of the last answered request for periods.
        self.read_window: ReadWindow | None = None
        self.failures = EndpointFailures()
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

    def followed(self, measurements: list[Measurement]) -> list[Measurement]:
        """Return the periods of the instruments still followed.

        One removed while its answer was on its way is forgotten: its
        statistics must not come back once deleted.
        """
        records = self.store.records
        return [m for m in measurements if m.instrument in records]

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
        self.scopes.new_refresh()
        self.events.follow(self.noise_serials())
        await self._async_begin(now)
        fetches = {
            SCOPE_NOISE: self._async_measurements,
            SCOPE_EVENTS: self._async_events,
            SCOPE_ENVIRO: self._async_weather,
        }
        asked: set[str] = set()
        failures: dict[str, MyCirrusError] = {}
        for scope, fetch in fetches.items():
            if not self.scopes.may_ask(scope):
                continue
            try:
                if await fetch(now):
                    asked.add(scope)
            except MyCirrusRateLimitError:
                # The status coordinator says why; the rest waits, and what
                # failed before still counts as failed.
                return self.state()
            except MyCirrusAuthenticationError as err:
                self._on_auth_failed(None)
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN,
                    translation_key="invalid_auth",
                    translation_placeholders={"error": str(err)},
                ) from err
            except MyCirrusError as err:
                asked.add(scope)
                failures[scope] = err
        self.failures.note(asked, failures)
        return self.state()

    def _window(self, scope: str, now: datetime) -> tuple[datetime, bool]:
        """Return where a request starts, and whether it reads the last two days.

        The hour before last, or the last two days once an hour: after an
        outage of up to two days the first request reaches back over it.
        """
        read_at = self.trailing_at.get(scope)
        if read_at is None or now - read_at >= TRAILING_EVERY:
            return trailing_start(now, TRAILING_WINDOW), True
        return hour_floor(now) - HOUR, False

    async def _async_begin(self, now: datetime) -> None:
        """Give each statistic new to the progress where its reading starts.

        Before this refresh imports anything: its last imported hour, or
        where the options say a new one starts.
        """
        importer = self.periods.importer
        if not importer.available:
            return
        values = self.options().stored_values
        keys = [(s, value) for s in self.noise_serials() for value in values]
        if not (missing := self.progress.missing(keys)):
            return
        last = await importer.async_last_hours(missing)
        start = now - self.options().backfill
        records = self.store.records  # one removed meanwhile starts anew
        self.progress.begin(
            {key: last.get(key, start) for key in missing if key[0] in records}
        )

    async def _async_measurements(self, now: datetime) -> bool:
        """Read the periods; return whether MyCirrus was asked."""
        if not (serials := self.noise_serials()):
            return False
        start, trailing = self._window(SCOPE_NOISE, now)
        options = self.options()
        values = self.periods.values_to_ask(options)
        try:
            asked = await self.scopes.async_ask(
                SCOPE_NOISE,
                serials,
                lambda s: self.client.measurements(s, start, now, values=values),
            )
        except MyCirrusBodyShapeError as err:
            self._async_unknown_answer(err)
            raise
        if asked is None:
            return True
        serials, measurements = asked
        async_clear_answer_issue(self.hass, self.config_entry)
        await self.periods.async_take(self.followed(measurements), start, now, options)
        self.progress.read(
            [(s, value) for s in serials for value in options.stored_values],
            start,
            now,
        )
        self.read_window = ReadWindow(start, now, frozenset(serials))
        if trailing:
            self.trailing_at[SCOPE_NOISE] = now
        return True

    async def _async_events(self, now: datetime) -> bool:
        """Find the events not fired yet; return whether MyCirrus was asked."""
        if not (serials := self.noise_serials()):
            return False
        start, trailing = self._window(SCOPE_EVENTS, now)
        asked = await self.scopes.async_ask(
            SCOPE_EVENTS, serials, lambda s: self.client.events(s, start, now)
        )
        if asked is not None:
            self.events.found(asked[1], trailing_start(now, TRAILING_WINDOW))
            if trailing:
                self.trailing_at[SCOPE_EVENTS] = now
        return True

    async def _async_weather(self, now: datetime) -> bool:
        """Keep each instrument's latest reading; return whether MyCirrus was asked.

        The last hour's readings are enough.
        """
        if not (serials := self.weather_serials()):
            return False
        asked = await self.scopes.async_ask(
            SCOPE_ENVIRO, serials, lambda s: self.client.weather(s, now - HOUR, now)
        )
        if asked is None:
            return True
        latest: dict[str, WeatherRecord] = {}
        for record in asked[1]:
            if (
                seen := latest.get(record.instrument)
            ) is None or record.time > seen.time:
                latest[record.instrument] = record
        self._weather = latest
        return True

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
        """Forget instruments no longer followed; their statistics stay."""
        for serial in serials:
            self._weather.pop(serial, None)
            self.periods.forget(serial)
            self.progress.forget(serial)
            self.events.forget(serial)
