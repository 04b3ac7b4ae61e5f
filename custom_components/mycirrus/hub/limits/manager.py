"""An entry's noise limits: one runner per limit whose instrument is followed.

Limits are the entry's ``limit`` subentries; they are added, changed and
removed while the entry runs. A limit whose instrument is no longer followed
stops (its entities are unavailable) and a repair issue offers to delete it;
following the instrument again starts it anew. The live messages and the
stored periods the entry already fetches are handed to the limits of their
instrument: limits ask MyCirrus for nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial
import logging
import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from ...api import Measurement
from ...const import SUBENTRY_TYPE_LIMIT
from ...issues import async_prune_limit_issues, async_raise_limit_issue
from ...levels import LIVE_VALUES
from ..signals import limit_event_signal, limit_signal
from .batch import LiveRoutes
from .config import LimitConfig, time_text
from .display import LimitState
from .periods import PeriodCache, values_of
from .runner import LimitHooks, LimitRunner
from .schedule import Schedule

_LOGGER = logging.getLogger(__package__)

# How often the limits look whether their live messages paused, or what they
# show has stood long enough to be shown exactly.
TICK: Final = timedelta(seconds=2)
_DAY: Final = 86400.0


def _now() -> float:
    # POSIX time, as dt_util.utcnow().timestamp() (and as frozen in tests),
    # without making a datetime for every live message.
    return time.time()


class LimitsManager:
    """Runs the entry's noise limits and hands them their data."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        followed: Callable[[], Collection[str]],
        period_seconds: Callable[[str], float | None],
        changed: Callable[[], None],
    ) -> None:
        """Prepare; ``changed`` hears that the running limits changed.

        ``followed`` returns the serials followed now, ``period_seconds`` an
        instrument's measurement period once known.
        """
        self.hass = hass
        self.entry = entry
        self._followed = followed
        self._changed = changed
        self.configs: dict[str, LimitConfig] = {}
        self.runners: dict[str, LimitRunner] = {}
        self._live = LiveRoutes()
        self._periods = PeriodCache(period_seconds)
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._midnight: CALLBACK_TYPE | None = None
        self.started = False

    # -- life -------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start the limits, the settle tick and the midnight reset."""
        self.started = True
        self._unsubscribe.append(
            async_track_time_interval(
                self.hass, self._async_tick, TICK, name="mycirrus limits"
            )
        )
        self._schedule_midnight()
        self.async_apply()

    @callback
    def async_stop(self) -> None:
        """Stop every limit and timer."""
        self.started = False
        for runner in self.runners.values():
            runner.stop()
        self.runners.clear()
        self._live.route([])
        while self._unsubscribe:
            self._unsubscribe.pop()()
        if self._midnight is not None:
            self._midnight()
            self._midnight = None

    def live_types(self) -> tuple[str, ...]:
        """Return the live levels the running limits follow, in the usual order."""
        wanted = {runner.config.live_value for runner in self.runners.values()}
        return tuple(name for name in LIVE_VALUES if name in wanted)

    def state(self, subentry_id: str) -> LimitState | None:
        """Return what a running limit shows; None if it is not running."""
        runner = self.runners.get(subentry_id)
        return None if runner is None else runner.state

    # -- the entry's limits -------------------------------------------------------

    def _read(self) -> dict[str, LimitConfig]:
        configs: dict[str, LimitConfig] = {}
        for subentry_id, subentry in self.entry.subentries.items():
            if subentry.subentry_type != SUBENTRY_TYPE_LIMIT:
                continue
            try:
                configs[subentry_id] = LimitConfig.from_data(subentry.data)
            except (KeyError, TypeError, ValueError) as err:
                _LOGGER.warning("Noise limit %s is unusable: %s", subentry.title, err)
        return configs

    @callback
    def async_apply(self) -> None:
        """Start, restart or stop limits after the entry's subentries changed."""
        if not self.started:
            return
        self._live.flush()
        configs = self._read()
        followed = set(self._followed())
        wanted = {s: c for s, c in configs.items() if c.serial in followed}
        before = dict(self.runners)
        for subentry_id, runner in before.items():
            if wanted.get(subentry_id) != runner.config:
                runner.stop()
                del self.runners[subentry_id]
        for subentry_id, config in wanted.items():
            if subentry_id not in self.runners:
                self._async_run(subentry_id, config)
        orphaned = set(configs) - set(wanted)
        for subentry_id in orphaned:
            config = configs[subentry_id]
            async_raise_limit_issue(
                self.hass, self.entry, subentry_id, config.name, config.serial
            )
        async_prune_limit_issues(self.hass, self.entry, orphaned)
        if configs != self.configs:
            self._forget_old_entities(configs)
        self.configs = configs
        self._live.route(self.runners.values())
        self._periods.keep_only(followed)
        self._live.keep_only(followed)
        if self.runners != before:
            self._changed()

    def _async_run(self, subentry_id: str, config: LimitConfig) -> None:
        entry_id = self.entry.entry_id
        hass = self.hass

        @callback
        def publish() -> None:
            async_dispatcher_send(hass, limit_signal(entry_id, subentry_id))

        @callback
        def fire(event_type: str, data: dict[str, Any]) -> None:
            async_dispatcher_send(
                hass, limit_event_signal(entry_id, subentry_id), event_type, data
            )

        runner = LimitRunner(
            subentry_id,
            config,
            Schedule(config, dt_util.get_default_time_zone()),
            LimitHooks(
                publish=publish,
                fire=fire,
                timer=partial(self._timer, config.serial),
                clock=_now,
            ),
        )
        self.runners[subentry_id] = runner
        runner.start()
        if periods := self._periods.kept(config.serial):
            runner.take_stored(values_of(periods, config.value))

    def _timer(
        self, serial: str, at: float, action: Callable[[], None]
    ) -> CALLBACK_TYPE:
        @callback
        def run(_now: datetime) -> None:
            # A window of the instrument ends or starts: it has every message,
            # and then new room.
            self._live.flush(serial)
            action()
            self._live.measure_room(serial)

        return async_track_point_in_utc_time(
            self.hass, run, dt_util.utc_from_timestamp(at)
        )

    def _forget_old_entities(self, configs: Mapping[str, LimitConfig]) -> None:
        """Remove the entities a limit had on an instrument it no longer watches.

        Their unique ids start with the serial: the new ones are others.
        """
        registry = er.async_get(self.hass)
        for registered in er.async_entries_for_config_entry(
            registry, self.entry.entry_id
        ):
            subentry_id = registered.config_subentry_id
            config = configs.get(subentry_id) if subentry_id else None
            if config is not None and not registered.unique_id.startswith(
                f"{config.serial}_limit_{subentry_id}_"
            ):
                registry.async_remove(registered.entity_id)

    # -- their data -------------------------------------------------------------

    @callback
    def async_take_live(
        self, serial: str, sent: datetime | None, values: Mapping[str, float]
    ) -> None:
        """Hand one live message (names in lower case) to the instrument's limits."""
        self._live.take(serial, sent, values, _now())

    @callback
    def async_take_periods(self, serial: str, measurements: list[Measurement]) -> None:
        """Keep an instrument's new or changed periods; hand them to its limits."""
        if serial not in self._followed():
            return
        cutoff = dt_util.start_of_local_day().timestamp() - _DAY
        fresh = self._periods.take(serial, measurements, cutoff)
        if not fresh:
            return
        for runner in self.runners.values():
            if runner.config.serial == serial:
                # A limit at a time: a day of periods costs each a few ms.
                self.hass.loop.call_soon(
                    self._take_stored, runner, values_of(fresh, runner.config.value)
                )

    @callback
    def _take_stored(
        self, runner: LimitRunner, periods: list[tuple[float, float, float]]
    ) -> None:
        """Hand periods to a limit, unless it stopped meanwhile."""
        if self.runners.get(runner.subentry_id) is runner:
            serial = runner.config.serial
            self._live.flush(serial)
            runner.take_stored(periods)
            self._live.measure_room(serial)

    # -- the clock ----------------------------------------------------------------

    @callback
    def _async_tick(self, _time: datetime) -> None:
        self._live.before_tick(_now())
        for runner in list(self.runners.values()):
            runner.tick()

    def _schedule_midnight(self) -> None:
        midnight = dt_util.start_of_local_day() + timedelta(days=1)
        self._midnight = async_track_point_in_utc_time(
            self.hass, self._async_midnight, dt_util.as_utc(midnight)
        )

    @callback
    def _async_midnight(self, _now: datetime) -> None:
        """Start the day's counts again; forget the periods of the day before last."""
        self._schedule_midnight()
        self._live.flush()
        self._periods.forget_before(dt_util.start_of_local_day().timestamp() - _DAY)
        for runner in list(self.runners.values()):
            runner.new_day()

    def diagnostics(self) -> dict[str, Any]:
        """Return each limit: what it is, and what it shows (POSIX times)."""
        return {
            subentry_id: {
                **asdict(config),
                "days": sorted(config.days),
                "start": time_text(config.start),
                "end": time_text(config.end),
                "running": subentry_id in self.runners,
                "state": asdict(state) if (state := self.state(subentry_id)) else None,
            }
            for subentry_id, config in self.configs.items()
        }
