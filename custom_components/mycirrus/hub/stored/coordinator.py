"""The stored data's refresh: measurement periods, noise events and weather.

Every refresh (5 minutes unless the options say otherwise) asks each endpoint
once for all of the entry's instruments: the periods and events since the hour
before last, and the last hour's weather. The first refresh after set-up, or
after an instrument was added, reaches back over the rating levels' two days.
What the periods say goes to the statistics and the rating levels
(periods.py); which hours are still incomplete is judged from each answer
(gaps.py) and read again later (rereads.py); what lies before the refreshes
is read by the backfill (backfill.py). New events wait to fire once
(events.py).

Each endpoint fails alone: its entities are unavailable, the others' are not.
A key without a scope is asked again at most hourly: meanwhile that scope's
entities and statistics are left out. One request asks for every instrument,
and a 403 may mean that one of them left the account: the statuses are asked
before a 403 is taken for a missing scope (scopes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import logging
from typing import NamedTuple

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ...acoustics import hour_floor
from ...api import (
    Measurement,
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
    NoiseEvent,
    WeatherRecord,
)
from ...const import DOMAIN, SCOPE_ENVIRO, SCOPE_EVENTS, SCOPE_NOISE
from ...issues import async_clear_answer_issue, async_raise_answer_issue
from ...rating import RatingLevels
from ...scopes import DataScopes
from ..options import EntryOptions
from ..store import InstrumentStore
from .events import EventMemory, forget_before
from .failures import EndpointFailures
from .gaps import GapTracker
from .periods import PeriodKeeper, rated_from
from .progress import ReadProgress
from .statistics import StatisticsImporter

_LOGGER = logging.getLogger(__package__)

HOUR = timedelta(hours=1)
# Status errors of an instrument the stored data is not asked for.
_ASKED_ALONE = frozenset({"forbidden", "not_found"})


@dataclass(frozen=True, kw_only=True, slots=True)
class NoiseState:
    """What the stored data says of one instrument."""

    period: Measurement | None = None  # the last complete period
    period_end: datetime | None = None
    rating: RatingLevels | None = None  # the last ended windows
    weather: WeatherRecord | None = None  # the latest reading


class ReadWindow(NamedTuple):
    """What an answered request for periods read: from, to, and whose."""

    start: datetime
    end: datetime
    serials: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoredParts:
    """What the coordinator works with, made by whoever wires it."""

    periods: PeriodKeeper
    importer: StatisticsImporter
    progress: ReadProgress
    events: EventMemory
    gaps: GapTracker


def canonical[RecordT: NoiseEvent | WeatherRecord](
    records: Iterable[RecordT], serials: Iterable[str]
) -> list[RecordT]:
    """Return the records of ``serials``, spelled as they are followed.

    MyCirrus may spell a serial in another letter case than it was typed.
    """
    spelling = {serial.casefold(): serial for serial in serials}
    found: list[RecordT] = []
    for record in records:
        serial = spelling.get(record.instrument.casefold())
        if serial == record.instrument:
            found.append(record)
        elif serial is not None:
            found.append(replace(record, instrument=serial))
    return found


def latest_readings(records: Iterable[WeatherRecord]) -> dict[str, WeatherRecord]:
    """Return each instrument's latest weather reading."""
    latest: dict[str, WeatherRecord] = {}
    for record in records:
        if (seen := latest.get(record.instrument)) is None or record.time > seen.time:
            latest[record.instrument] = record
    return latest


class StoredDataCoordinator(DataUpdateCoordinator[dict[str, NoiseState]]):
    """Fetches the stored data of all of an entry's instruments at once."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: MyCirrusClient,
        store: InstrumentStore,
        parts: StoredParts,
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
        self.periods = parts.periods
        self.importer = parts.importer
        self.progress = parts.progress
        self.events = parts.events
        self.gaps = parts.gaps
        self._on_auth_failed = on_auth_failed
        self._weather: dict[str, WeatherRecord] = {}
        # Whether the rating levels' periods were read since set-up, and the
        # noise events of as long (set back when an instrument is added).
        self.reach_back: set[str] = {SCOPE_NOISE, SCOPE_EVENTS}
        # When each endpoint's last answered refresh was asked.
        self._read_at: dict[str, datetime] = {}
        # The window of the last answered request for periods.
        self.read_window: ReadWindow | None = None
        self.failures = EndpointFailures()
        self._shape_logged = False

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
            return await self.async_state()  # the status coordinator says why
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
                return await self.async_state()
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
        return await self.async_state()

    def _start(self, scope: str, now: datetime) -> datetime:
        """Return where a refresh's request starts: the hour before last.

        Or the hour of the last answered refresh, where it is older (Home
        Assistant slept, MyCirrus failed), up to the rating levels' two days;
        the first refresh after set-up, or after an instrument was added,
        reaches back that far. The backfill reads what lies before.
        """
        oldest = rated_from(now)
        if scope in self.reach_back or (read_at := self._read_at.get(scope)) is None:
            return oldest
        return max(oldest, min(hour_floor(now) - HOUR, hour_floor(read_at)))

    async def _async_begin(self, now: datetime) -> None:
        """Give each statistic new to the progress where its reading starts.

        Before this refresh imports anything: its last imported hour, or
        where the options say a new one starts.
        """
        if not self.importer.available:
            return
        values = self.options().stored_values
        keys = [(s, value) for s in self.noise_serials() for value in values]
        if not (missing := self.progress.missing(keys)):
            return
        last = await self.importer.async_last_hours(missing)
        start = now - self.options().backfill
        records = self.store.records  # one removed meanwhile starts anew
        self.progress.begin(
            {key: last.get(key, start) for key in missing if key[0] in records}
        )

    async def _async_measurements(self, now: datetime) -> bool:
        """Read the periods; return whether MyCirrus was asked."""
        if not (serials := self.noise_serials()):
            return False
        start = self._start(SCOPE_NOISE, now)
        options = self.options()
        values = self.periods.values_to_ask(options.stored_values)
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
        taken = await self.periods.async_take(
            measurements, serials, (start, now), options.stored_values
        )
        await self.importer.async_import(taken.rows, rated_from(now))
        for serial in serials:
            self.gaps.flowing(serial, taken.brought.get(serial, 0) > 0, now)
        self.progress.read(
            [(s, value) for s in serials for value in options.stored_values],
            start,
            now,
        )
        self.read_window = ReadWindow(start, now, frozenset(serials))
        self.reach_back.discard(SCOPE_NOISE)
        self._read_at[SCOPE_NOISE] = now
        return True

    async def _async_events(self, now: datetime) -> bool:
        """Find the events not fired yet; return whether MyCirrus was asked."""
        if not (serials := self.noise_serials()):
            return False
        start = self._start(SCOPE_EVENTS, now)
        asked = await self.scopes.async_ask(
            SCOPE_EVENTS, serials, lambda s: self.client.events(s, start, now)
        )
        if asked is not None:
            self.found_events(asked[1], now)
            self.reach_back.discard(SCOPE_EVENTS)
            self._read_at[SCOPE_EVENTS] = now
        return True

    def found_events(self, events: list[NoiseEvent], now: datetime) -> None:
        """Keep the events of an answer that have not fired, to fire them."""
        self.events.found(canonical(events, self.store.records), forget_before(now))

    async def _async_weather(self, now: datetime) -> bool:
        """Keep each instrument's latest reading; return whether MyCirrus was asked.

        The last hour's readings are enough.
        """
        if not (serials := self.weather_serials()):
            return False
        asked = await self.scopes.async_ask(
            SCOPE_ENVIRO, serials, lambda s: self.client.weather(s, now - HOUR, now)
        )
        if asked is not None:
            self._weather = latest_readings(canonical(asked[1], serials))
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

    async def async_state(self) -> dict[str, NoiseState]:
        """Return what the stored data says of each instrument now.

        The rating levels are worked out in the executor where they changed.
        """
        ratings = await self.periods.async_ratings(
            dt_util.utcnow(),
            dt_util.get_default_time_zone(),
            self.options().rating_hours,
        )
        return self._state(ratings)

    def _state(self, ratings: Mapping[str, RatingLevels]) -> dict[str, NoiseState]:
        periods = self.periods
        return {
            serial: NoiseState(
                period=(latest := periods.latest.get(serial)),
                period_end=periods.end_of(latest),
                rating=ratings.get(serial),
                weather=self._weather.get(serial),
            )
            for serial in self.store.records
        }

    def forget(self, serials: Iterable[str]) -> None:
        """Forget instruments no longer followed; their statistics stay."""
        for serial in serials:
            self._weather.pop(serial, None)
            self.periods.forget(serial)
            self.importer.forget(serial)
            self.progress.forget(serial)
            self.events.forget(serial)
            self.gaps.forget(serial)
