"""Stored measurement periods into Home Assistant's long-term statistics.

One external statistic per followed instrument and stored value
(``mycirrus:{serial}_{value}``), one row per hour: for Leq-type values the
energetic mean of the hour's periods, for maxima and peaks their maximum (and
the mean and minimum of the periods), for statistical levels the arithmetic
mean (see acoustics.py). Only hours that have ended are imported, and an hour
again only when its periods changed (a period uploaded late): a re-import
replaces the hour's row, never adds one. The statistics stay when an
instrument is no longer followed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
import logging
import re
from typing import Final

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import UnitOfSoundPressure
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ...acoustics import STORED_VALUES, HourRow
from ...compat import external_statistic_metadata
from ...const import DOMAIN
from ...issues import async_clear_statistics_issue, async_raise_statistics_issue

_LOGGER = logging.getLogger(__package__)

HOUR = timedelta(hours=1)

type Key = tuple[str, str]
"""An instrument's serial and a stored value's name."""
type Rows = dict[Key, list[HourRow]]

# Rows handed to Home Assistant in one call (it checks each on the event loop).
ROWS_PER_CALL: Final = 1000


def statistic_id(serial: str, value: str) -> str:
    """Return the id of an instrument's statistic of a stored value.

    Lower case, as Home Assistant requires; a serial's characters other than
    letters and digits become "_".
    """
    slug = re.sub(r"[^a-z0-9]+", "_", serial.lower()).strip("_")
    return f"{DOMAIN}:{slug}_{value.lower()}"


@callback
def async_offer_to_clear(hass: HomeAssistant, serial: str, name: str) -> None:
    """Offer, in a repair issue, to delete an instrument's statistics.

    For an instrument no longer followed: they stay unless the user says so.
    """
    if "recorder" in hass.config.components:
        async_raise_statistics_issue(hass, serial, name)


@callback
def async_keep(hass: HomeAssistant, serial: str) -> None:
    """Withdraw the offer: the instrument is followed again."""
    async_clear_statistics_issue(hass, serial)


def statistic_ids(serial: str) -> list[str]:
    """Return the ids of every statistic an instrument may have.

    Every value's, whichever the options kept over time.
    """
    return [statistic_id(serial, value) for value in STORED_VALUES]


class StatisticsImporter:
    """Imports the hourly rows of an entry's instruments, each hour once."""

    def __init__(self, hass: HomeAssistant, name: Callable[[str], str]) -> None:
        """Import for instruments named by ``name`` (serial -> name)."""
        self.hass = hass
        self._name = name
        # What each imported hour was made of: an hour is imported again only
        # when its periods change. Hours before the trailing window go.
        self._imported: dict[Key, dict[datetime, int]] = {}
        self.rows_imported = 0

    @property
    def available(self) -> bool:
        """Return whether the recorder runs (a user may go without one)."""
        return "recorder" in self.hass.config.components

    async def async_last_hours(self, keys: Iterable[Key]) -> dict[Key, datetime]:
        """Return the start of the last imported hour of each statistic that has one.

        One job in the recorder's executor asks for all of them.
        """
        instance = get_instance(self.hass)
        # What an earlier run of the entry (before a reload) imported may still
        # wait in the recorder's queue.
        await instance.async_block_till_done()
        return await instance.async_add_executor_job(_last_hours, self.hass, list(keys))

    async def async_written(self) -> None:
        """Wait until the recorder has written what was imported.

        A backfill imports faster than the recorder writes: waiting after each
        request keeps its queue, and the memory it holds, to one request's rows.
        """
        await get_instance(self.hass).async_block_till_done()

    def forget(self, serial: str) -> None:
        """Forget what was imported of an instrument.

        Its statistics may be deleted before it is followed again: then every
        hour is imported anew.
        """
        for key in [key for key in self._imported if key[0] == serial]:
            del self._imported[key]

    async def async_import(self, rows: Rows, keep_from: datetime) -> int:
        """Import the rows not imported as they are; return how many went.

        What is remembered of hours before ``keep_from`` is forgotten. Home
        Assistant checks each row on the event loop as it is handed over: a
        backfill's rows go ROWS_PER_CALL at a time, the loop free between.
        Without a recorder nothing is imported.
        """
        if not self.available:
            return 0
        sent = 0
        for key, key_rows in rows.items():
            imported = self._imported.setdefault(key, {})
            for hour in [h for h in imported if h < keep_from]:
                del imported[hour]
            new = [
                row for row in key_rows if imported.get(row.start) != row.fingerprint
            ]
            serial, value = key
            metadata = external_statistic_metadata(
                statistic_id=statistic_id(serial, value),
                name=f"{self._name(serial)} {value}",
                unit=UnitOfSoundPressure.DECIBEL,
            )
            for first in range(0, len(new), ROWS_PER_CALL):
                if sent:
                    await asyncio.sleep(0)
                part = new[first : first + ROWS_PER_CALL]
                async_add_external_statistics(
                    self.hass,
                    metadata,
                    [
                        StatisticData(
                            start=row.start, mean=row.mean, min=row.min, max=row.max
                        )
                        for row in part
                    ],
                )
                sent += len(part)
            for row in new:
                imported[row.start] = row.fingerprint
        self.rows_imported += sent
        return sent


def _last_hours(hass: HomeAssistant, keys: list[Key]) -> dict[Key, datetime]:
    """Return the last imported hour of each statistic that has one (blocking)."""
    last: dict[Key, datetime] = {}
    for key in keys:
        ident = statistic_id(*key)
        found = get_last_statistics(hass, 1, ident, False, {"mean"})
        if rows := found.get(ident):
            last[key] = dt_util.utc_from_timestamp(rows[0]["start"])
    return last
