"""Which hours of each instrument's record are incomplete, and when to read them again.

An hour is complete when it holds every period its instrument's measurement
period implies, but for the time the instrument reported it was not measuring
(online, measuring off): an hour it spent not measuring is complete when
empty. Time it was offline, or that Home Assistant did not see, counts as
measuring: an instrument keeps measuring while its modem is down and uploads
the backlog when it is back, in whatever order.

Every hour that a request covers whole is judged from the answer (the answer
holds every period that starts in it). An incomplete hour is read again
until it is complete or 31 days old: when its instrument comes back online,
for half an hour after it comes back or its data starts flowing again (a
backlog follows the newest periods), when an entity of it is updated
(``homeassistant.update_entity``), and at least hourly. A re-read asks only
for the instruments with incomplete hours, over the span of those hours, one
request per 31 days of it.

What is incomplete, and when each instrument reported not measuring, is
saved, so that a restart forgets nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ...acoustics import hour_floor
from ...api import MAX_DATA_SPAN, InstrumentStatus
from ...const import DOMAIN, MAX_BACKFILL_DAYS

STORAGE_VERSION = 1
HOUR: Final = timedelta(hours=1)
# Incomplete hours older than this are no longer read, nor listed.
MAX_AGE: Final = timedelta(days=MAX_BACKFILL_DAYS)
# Every instrument's incomplete hours are read again at least this often.
REREAD_EVERY: Final = timedelta(hours=1)
# After an instrument comes back, or its periods flow again after a gap, its
# incomplete hours are read again at every refresh for this long: its backlog
# may follow its newest periods by minutes.
RECOVERY: Final = timedelta(minutes=30)

type Span = tuple[float, float]
"""A stretch of time, POSIX seconds from and to."""


def hour_complete(
    hour: datetime,
    periods: Sequence[tuple[int, float]],
    length: float | None,
    not_measuring: Sequence[Span],
) -> bool:
    """Return whether an hour holds every period its instrument implies.

    ``periods`` are the (POSIX start, length in s) of the periods that start
    in the hour; ``length`` is the instrument's measurement period where the
    hour's own periods do not tell it. The periods lie on a grid of their
    length (its phase from the hour's periods, else on whole multiples); a
    slot of the grid that overlaps a time the instrument reported not
    measuring is not expected. Without any period length, an hour is complete
    only when the instrument was not measuring all of it.
    """
    begin = int(hour.timestamp())
    end = begin + 3600
    lengths = Counter(round(seconds) for _, seconds in periods if seconds >= 1)
    if lengths:
        step = max(lengths.items(), key=lambda item: (item[1], -item[0]))[0]
    elif length is not None and length >= 1:
        step = round(length)
    else:
        return _covered(begin, end, not_measuring)
    starts = {start for start, _ in periods}
    phases = Counter(start % step for start in starts)
    phase = (
        max(phases.items(), key=lambda item: (item[1], -item[0]))[0] if phases else 0
    )
    slot = begin + (phase - begin) % step
    while slot < end:
        if slot not in starts and not _overlaps(slot, slot + step, not_measuring):
            return False
        slot += step
    return True


def _overlaps(begin: float, end: float, spans: Sequence[Span]) -> bool:
    return any(low < end and high > begin for low, high in spans)


def _covered(begin: float, end: float, spans: Sequence[Span]) -> bool:
    """Return whether ``spans`` cover the whole of ``begin`` to ``end``."""
    reached = begin
    for low, high in sorted(spans):
        if low > reached:
            return False
        reached = max(reached, high)
        if reached >= end:
            return True
    return reached >= end


@dataclass(frozen=True, slots=True)
class ReRead:
    """One request of a re-read: whose periods, from when to when."""

    start: datetime
    end: datetime
    serials: tuple[str, ...]


def _ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Return consecutive hours as (first hour, end of the last) ranges."""
    ranges: list[tuple[datetime, datetime]] = []
    for hour in sorted(hours):
        if ranges and ranges[-1][1] == hour:
            ranges[-1] = (ranges[-1][0], hour + HOUR)
        else:
            ranges.append((hour, hour + HOUR))
    return ranges


class GapTracker:
    """The incomplete hours of each instrument, and when they are read again."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Know nothing yet; ``async_load`` reads what the last run saved."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.gaps.{entry_id}"
        )
        self._incomplete: dict[str, set[datetime]] = {}
        # When each instrument reported not measuring: closed spans, and the
        # moment an open one began.
        self._spans: dict[str, list[tuple[datetime, datetime]]] = {}
        self._since: dict[str, datetime] = {}
        self._recovering: dict[str, datetime] = {}  # until when
        self._asked: set[str] = set()  # by an entity update
        self._silent: set[str] = set()  # the last refresh brought no period
        self._last_reread: datetime | None = None

    # -- what is known -------------------------------------------------------

    def incomplete(self, serial: str) -> set[datetime]:
        """Return the instrument's incomplete hours (UTC hour starts)."""
        return self._incomplete.get(serial, set())

    def incomplete_ranges(self, serial: str) -> list[tuple[datetime, datetime]]:
        """Return the instrument's incomplete hours as (first, end) ranges."""
        return _ranges(self._incomplete.get(serial, ()))

    @property
    def last_reread(self) -> datetime | None:
        """Return when every instrument's incomplete hours were last read."""
        return self._last_reread

    def not_measuring(self, serial: str, now: datetime) -> list[Span]:
        """Return when the instrument reported not measuring, up to ``now``."""
        spans = [(a.timestamp(), b.timestamp()) for a, b in self._spans.get(serial, [])]
        if (since := self._since.get(serial)) is not None:
            spans.append((since.timestamp(), now.timestamp()))
        return spans

    def serials(self) -> set[str]:
        """Return the instruments anything is known of."""
        return set(self._incomplete) | set(self._spans) | set(self._since)

    # -- what was learnt -----------------------------------------------------

    def judged(self, serial: str, verdicts: Mapping[datetime, bool]) -> None:
        """Note which hours of an answer were complete; save if anything changed."""
        hours = self._incomplete.setdefault(serial, set())
        oldest = hour_floor(dt_util.utcnow() - MAX_AGE)
        changed = False
        for hour, complete in verdicts.items():
            if complete:
                if hour in hours:
                    hours.discard(hour)
                    changed = True
            elif hour >= oldest and hour not in hours:
                hours.add(hour)
                changed = True
        if changed:
            self._save()

    def flowing(self, serial: str, brought: bool, now: datetime) -> None:
        """Note whether a refresh brought the instrument any period.

        Periods again after a refresh that brought none: the backlog may
        follow, so its incomplete hours are read at every refresh a while.
        """
        if not brought:
            self._silent.add(serial)
        elif serial in self._silent:
            self._silent.discard(serial)
            if self._incomplete.get(serial):
                self._recovering[serial] = now + RECOVERY

    def status(
        self, serial: str, online: bool | None, measuring: bool | None, now: datetime
    ) -> None:
        """Note a status: whether the instrument reported not measuring from now."""
        off = online is not False and measuring is False
        since = self._since.get(serial)
        if off and since is None:
            self._since[serial] = now
            self._save()
        elif not off and since is not None:
            del self._since[serial]
            if now > since:
                self._spans.setdefault(serial, []).append((since, now))
            self._save()

    def status_changed(
        self,
        serial: str,
        before: InstrumentStatus | None,
        after: InstrumentStatus | None,
        now: datetime,
    ) -> bool:
        """Note a new status; return whether to read the instrument again now.

        Now when it came online with incomplete hours: its backlog comes.
        """
        online = after.online if after else None
        self.status(serial, online, after.measuring if after else None, now)
        was_online = before is not None and before.online is True
        if online is not True or was_online or not self._incomplete.get(serial):
            return False
        self._recovering[serial] = now + RECOVERY
        return True

    def ask(self, serial: str) -> None:
        """Read the instrument's incomplete hours at the next re-read."""
        self._asked.add(serial)

    def forget(self, serial: str) -> None:
        """Forget an instrument no longer followed: followed again, it starts anew."""
        for kept in (self._incomplete, self._spans, self._since, self._recovering):
            kept.pop(serial, None)
        self._asked.discard(serial)
        self._silent.discard(serial)
        self._save()

    # -- reading again ---------------------------------------------------------

    def plan(self, now: datetime, followed: Iterable[str]) -> list[ReRead]:
        """Return the requests of the re-read due now, if any; note it as done.

        Every instrument with incomplete hours at least hourly; in between,
        those asked for and those recovering.
        """
        self._prune(now)
        for serial in [s for s, until in self._recovering.items() if until <= now]:
            del self._recovering[serial]
        gapped = [serial for serial in followed if self._incomplete.get(serial)]
        every = self._last_reread is None or now - self._last_reread >= REREAD_EVERY
        if not every:
            gapped = [s for s in gapped if s in self._asked or s in self._recovering]
        self._asked.difference_update(gapped)
        if not gapped:
            return []
        if every:
            self._last_reread = now
        return self._requests(gapped)

    def _prune(self, now: datetime) -> None:
        """Forget what is older than MAX_AGE: it is read no more."""
        oldest = hour_floor(now - MAX_AGE)
        for hours in self._incomplete.values():
            hours.difference_update([h for h in hours if h < oldest])
        for serial, spans in self._spans.items():
            self._spans[serial] = [(a, b) for a, b in spans if b > oldest]

    def _requests(self, serials: list[str]) -> list[ReRead]:
        """Return the fewest requests that cover the serials' incomplete hours."""
        hours = {serial: self._incomplete[serial] for serial in serials}
        start = min(min(h) for h in hours.values())
        end = max(max(h) for h in hours.values()) + HOUR
        requests: list[ReRead] = []
        while start < end:
            stop = min(start + MAX_DATA_SPAN, end)
            within = tuple(
                serial
                for serial, gaps in hours.items()
                if any(start <= hour < stop for hour in gaps)
            )
            if within:
                first = min(h for s in within for h in hours[s] if start <= h < stop)
                last = max(h for s in within for h in hours[s] if start <= h < stop)
                requests.append(ReRead(first, last + HOUR, within))
            start = stop
        return requests

    # -- kept across restarts ----------------------------------------------------

    async def async_load(self) -> None:
        """Read what was saved; an unreadable entry is left out."""
        saved = await self._store.async_load() or {}
        for serial, ranges in dict(saved.get("incomplete", {})).items():
            hours = self._incomplete.setdefault(str(serial), set())
            for first, last in _pairs(ranges):
                hour = hour_floor(first)
                while hour < last:
                    hours.add(hour)
                    hour += HOUR
        for serial, spans in dict(saved.get("not_measuring", {})).items():
            self._spans[str(serial)] = list(_pairs(spans))
        for serial, since in dict(saved.get("not_measuring_since", {})).items():
            if (moment := dt_util.parse_datetime(str(since))) is not None:
                self._since[str(serial)] = moment

    def as_dict(self) -> dict[str, Any]:
        """Return what is saved: incomplete hours as ranges, for diagnostics too."""
        oldest = dt_util.utcnow() - MAX_AGE
        return {
            "incomplete": {
                serial: [[a.isoformat(), b.isoformat()] for a, b in _ranges(hours)]
                for serial, hours in sorted(self._incomplete.items())
                if hours
            },
            "not_measuring": {
                serial: [[a.isoformat(), b.isoformat()] for a, b in spans if b > oldest]
                for serial, spans in sorted(self._spans.items())
                if spans
            },
            "not_measuring_since": {
                serial: since.isoformat()
                for serial, since in sorted(self._since.items())
            },
        }

    def _save(self) -> None:
        self._store.async_delay_save(self.as_dict, 1)

    async def async_flush(self) -> None:
        """Write what is known now: a reload reads it at once."""
        await self._store.async_save(self.as_dict())

    async def async_remove(self) -> None:
        """Forget everything of a deleted entry."""
        await self._store.async_remove()


def _pairs(saved: Any) -> Iterable[tuple[datetime, datetime]]:
    """Return the readable [from, to] pairs of a saved list."""
    if not isinstance(saved, list):
        return
    for item in saved:
        if not isinstance(item, list) or len(item) != 2:
            continue
        first, last = (dt_util.parse_datetime(str(moment)) for moment in item)
        if first is not None and last is not None and first < last:
            yield first, last
