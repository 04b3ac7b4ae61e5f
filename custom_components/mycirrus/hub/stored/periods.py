"""What the stored periods say: hourly rows, complete hours, the latest, rating levels.

Each answer is read in the executor (work.py); what it says is applied here,
on the event loop: each instrument's period length and latest period, the
LAeq periods the rating levels need, which hours are complete (gaps.py), and
the periods the listeners hear of. The rating levels are worked out again,
in the executor, only when their periods or their windows changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from ...api import Measurement
from ...const import RATED_WINDOW
from ...rating import WINDOWS, RatingHours, RatingLevels, last_ended, rating_levels
from .gaps import GapTracker
from .statistics import Rows
from .work import Answer, Digest, digest

# Rating levels need LAeq whatever the statistics keep.
RATED = "LAeq"

type PeriodsListener = Callable[[str, list[Measurement]], None]
"""Hears an instrument's recent periods, oldest first, as answers bring them."""


def rated_from(now: datetime) -> datetime:
    """Return how far back the rating levels' periods are kept: whole hours."""
    return (now - RATED_WINDOW).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Taken:
    """What an answer brought: its rows, and the periods each instrument got."""

    rows: Rows
    brought: Mapping[str, int]


class PeriodKeeper:
    """Takes answers of periods, and keeps what entities and statistics need."""

    def __init__(
        self,
        hass: HomeAssistant,
        gaps: GapTracker,
        followed: Callable[[], Iterable[str]],
    ) -> None:
        """Keep nothing yet; ``followed`` returns the serials followed now.

        An instrument removed while its answer was read gets nothing.
        """
        self.hass = hass
        self.gaps = gaps
        self._followed = followed
        # Each instrument's period length (seconds), as last seen.
        self.lengths: dict[str, float] = {}
        # Each instrument's last complete period.
        self.latest: dict[str, Measurement] = {}
        # Each instrument's LAeq periods of the last RATED_WINDOW: start ->
        # (seconds, dB), for the rating levels; changed, a new version.
        self._rated: dict[str, dict[datetime, tuple[float, float]]] = {}
        self._versions: dict[str, int] = {}
        self._ratings: dict[str, tuple[object, RatingLevels]] = {}
        self.periods_taken = 0
        self._listeners: list[PeriodsListener] = []
        # One answer at a time: each is read with what the last one taught.
        self._lock = asyncio.Lock()

    @staticmethod
    def values_to_ask(stored_values: Iterable[str]) -> list[str]:
        """Return the values to ask for: LAeq and the values kept."""
        return list(dict.fromkeys((RATED, *stored_values)))

    @callback
    def async_add_listener(self, listener: PeriodsListener) -> CALLBACK_TYPE:
        """Call ``listener`` with each instrument's recent periods an answer brought.

        Those of the last RATED_WINDOW (two days); a re-read brings them
        again: a listener keeps the last of each start. Returns the remover.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def async_take(
        self,
        measurements: list[Measurement],
        asked: Iterable[str],
        span: tuple[datetime, datetime],
        kept: tuple[str, ...],
        *,
        only_incomplete: bool = False,
    ) -> Taken:
        """Take what an answer for ``asked`` from ``span[0]`` to ``span[1]`` brought.

        Returns the rows of the whole hours of ``kept`` values, for the caller
        to import; ``only_incomplete``: only those of hours known incomplete
        before (a re-read: the others were imported whole).
        """
        self.periods_taken += len(measurements)
        async with self._lock:
            followed = list(self._followed())
            spelling = {serial.casefold(): serial for serial in followed}
            asked = tuple(serial for serial in asked if serial in followed)
            start, end = span
            now = end
            gaps = self.gaps
            answer = Answer(
                measurements=measurements,
                asked=asked,
                spelling=spelling,
                start=start,
                end=end,
                rated=RATED,
                kept=kept,
                lengths=dict(self.lengths),
                not_measuring={s: gaps.not_measuring(s, now) for s in asked},
                keep_from=rated_from(now),
                rated_before=dict(self._rated),
            )
            found = await self.hass.async_add_executor_job(digest, answer)
            # One removed meanwhile gets nothing: its statistics may go.
            still = set(self._followed())
            rows = {key: rows for key, rows in found.rows.items() if key[0] in still}
            if only_incomplete:
                rows = {
                    key: [r for r in key_rows if r.start in gaps.incomplete(key[0])]
                    for key, key_rows in rows.items()
                }
            self._apply(found, still)
            return Taken(rows, found.brought)

    def _apply(self, found: Digest, still: set[str]) -> None:
        """Apply what an answer says of the instruments still followed."""
        self.lengths.update(
            (serial, seconds)
            for serial, seconds in found.lengths.items()
            if serial in still
        )
        for serial, measurement in found.latest.items():
            seen = self.latest.get(serial)
            if serial in still and (seen is None or measurement.start > seen.start):
                self.latest[serial] = measurement
        for serial, verdicts in found.verdicts.items():
            if serial in still:
                self.gaps.judged(serial, verdicts)
        for serial, rated in found.rated.items():
            if serial in still:
                # Replaced, never changed in place: a job may be reading it.
                self._rated[serial] = rated
                self._versions[serial] = self._versions.get(serial, 0) + 1
        for serial, recent in found.recent.items():
            if serial in still:
                for listener in list(self._listeners):
                    # An instrument at a time, each in its own turn of the
                    # loop: two days of one-minute periods of fifty
                    # instruments cost a listener about 0.1 s.
                    self.hass.loop.call_soon(listener, serial, recent)

    async def async_ratings(
        self, now: datetime, tz: tzinfo, hours: RatingHours
    ) -> dict[str, RatingLevels]:
        """Return each instrument's rating levels at ``now``.

        Worked out again, in one executor job, only for the instruments whose
        LAeq periods or last ended windows changed.
        """
        days = tuple(last_ended(now, tz, hours, window) for window in WINDOWS)
        stale: dict[str, object] = {}
        for serial in self._rated:
            key = (self._versions.get(serial, 0), days, hours, tz)
            cached = self._ratings.get(serial)
            if cached is None or cached[0] != key:
                stale[serial] = key
        if stale:
            periods = {serial: self._rated[serial] for serial in stale}
            made = await self.hass.async_add_executor_job(
                _rate_all, periods, now, tz, hours
            )
            for serial, levels in made.items():
                if serial in self._rated:
                    self._ratings[serial] = (stale[serial], levels)
        return {serial: levels for serial, (_, levels) in self._ratings.items()}

    def end_of(self, measurement: Measurement | None) -> datetime | None:
        """Return when a period ended, where its length is known."""
        if measurement is None:
            return None
        if measurement.period is not None:
            return measurement.start + measurement.period
        if (seconds := self.lengths.get(measurement.instrument)) is not None:
            return measurement.start + timedelta(seconds=seconds)
        return None

    def forget(self, serial: str) -> None:
        """Forget an instrument no longer followed; its statistics stay."""
        for kept in (self.lengths, self.latest, self._rated, self._versions):
            kept.pop(serial, None)
        self._ratings.pop(serial, None)

    def per_hour(self, serials: Iterable[str], assumed: float) -> float:
        """Return how many periods an hour of ``serials`` holds.

        An instrument whose period is not known yet counts as ``assumed``
        seconds long.
        """
        return sum(3600 / self.lengths.get(serial, assumed) for serial in serials)


def _rate_all(
    periods: Mapping[str, Mapping[datetime, tuple[float, float]]],
    now: datetime,
    tz: tzinfo,
    hours: RatingHours,
) -> dict[str, RatingLevels]:
    return {
        serial: rating_levels(
            [(begin, seconds, level) for begin, (seconds, level) in members.items()],
            now,
            tz,
            hours,
        )
        for serial, members in periods.items()
    }
