"""The records of an entry's instruments, and the one place they are written.

The pollers, the live connections and the button presses report what they
learnt; the store applies it through model.py, then tells whom it concerns:
the instrument's entities (a dispatcher signal), the repair issues, the live
connections (an instrument came online or went offline) and the check follower
(a pushed status says a check ended). A status answered over REST goes stale
STALE_AFTER after it was asked for: a timer tells the entities when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import logging
import time
from typing import NamedTuple

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later

from .. import model
from ..api import Action, Instrument, InstrumentStatus, LiveStatus, MyCirrusError
from ..const import ISSUE_INSTRUMENT_FORBIDDEN, ISSUE_INSTRUMENT_GONE, NOT_FOUND_ROUNDS
from ..errors import status_reason
from ..issues import (
    async_check_results,
    async_clear_instrument_issue,
    async_raise_instrument_issue,
)
from ..model import InstrumentRecord, LinkState
from .signals import instrument_signal

_LOGGER = logging.getLogger(__package__)

type Outcome = InstrumentStatus | Exception
"""One instrument's status, or why asking for it failed."""


class Answer(NamedTuple):
    """One instrument's outcome, with the stamp and monotonic time it was asked at."""

    stamp: int
    asked_at: float
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class StoreHooks:
    """Whom the store tells besides the entities."""

    # An instrument came online or went offline (the live connections follow).
    online: Callable[[], None]
    # A pushed status says checks ended: their results are to be fetched.
    ended: Callable[[InstrumentRecord, list[Action]], None]
    # An instrument's status changed (before, after), however it was learnt.
    status: Callable[[InstrumentRecord, InstrumentRecord], None]


class InstrumentStore:
    """Holds one record per followed instrument; the only writer of them."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        records: dict[str, InstrumentRecord],
        hooks: StoreHooks,
    ) -> None:
        """Hold ``records`` (by serial); nothing is known of them yet."""
        self.hass = hass
        self.entry = entry
        self._records = records
        self.hooks = hooks
        # MyCirrus refused the key: nothing of the entry is current until a new
        # key is entered (which reloads the entry).
        self.auth_failed = False
        self.closed = False
        self._stale_timer: CALLBACK_TYPE | None = None
        self._stale_when: float | None = None
        # Statuses that went stale up to this moment have been told already.
        self._told_until = float("-inf")
        self._log = FailureLog()

    @property
    def records(self) -> Mapping[str, InstrumentRecord]:
        """Return the record of each followed instrument, by serial."""
        return self._records

    def current(self, serial: str) -> bool:
        """Return whether the instrument's status entities have a current value."""
        record = self._records.get(serial)
        return (
            not self.auth_failed
            and record is not None
            and model.is_current(record, time.monotonic())
        )

    # -- what was learnt ----------------------------------------------------

    @callback
    def async_outcomes(
        self, answers: Mapping[str, Answer], *, quiet: bool = False
    ) -> None:
        """Apply a polling round's outcomes, each with when it was asked for.

        ``quiet``: the round failed as a whole and says so itself: no line per
        instrument.
        """
        for serial, answer in answers.items():
            self._apply_outcome(serial, answer, quiet=quiet)
        self._arm()

    @callback
    def async_outcome(self, serial: str, answer: Answer) -> None:
        """Apply one instrument's status (or failure), with when it was asked for."""
        self._apply_outcome(serial, answer)
        self._arm()

    @callback
    def async_pushed(self, serial: str, message: LiveStatus, stamp: int) -> None:
        """Apply a status the instrument's live websocket pushed."""
        if (record := self._records.get(serial)) is None:
            return
        after = self._replace(record, model.pushed(record, message, stamp))
        if after is not record and (ended := model.ended(record.shown, after.shown)):
            self.hooks.ended(after, ended)

    @callback
    def async_linked(self, serial: str, state: LinkState) -> None:
        """Apply a change of the instrument's live link."""
        if (record := self._records.get(serial)) is not None:
            self._replace(record, model.linked(record, state, time.monotonic()))
            self._arm()

    @callback
    def async_described(self, serial: str, instrument: Instrument) -> None:
        """Apply the instrument's details."""
        if (record := self._records.get(serial)) is not None:
            self._replace(record, model.described(record, instrument))

    @callback
    def async_requested(self, serial: str, action: Action, stamp: int) -> None:
        """Show a check as running from the moment it is asked for."""
        if (record := self._records.get(serial)) is not None:
            self._replace(record, model.requested(record, action, stamp))

    @callback
    def async_settled(self, serial: str, action: Action, stamp: int) -> None:
        """Stop showing the check asked for at ``stamp`` as running on our word."""
        if (record := self._records.get(serial)) is not None:
            self._replace(record, model.settled(record, action, stamp))

    @callback
    def async_auth_failed(self) -> None:
        """Make every status of the entry unavailable until the key changes."""
        if self.auth_failed:
            return
        self.auth_failed = True
        _LOGGER.warning(
            "MyCirrus refused the API key of %s: its instruments are unavailable "
            "until a new key is entered",
            self.entry.title,
        )
        self.async_dispatch_all()

    # -- the followed set ---------------------------------------------------

    @callback
    def async_add(self, record: InstrumentRecord) -> None:
        """Follow one more instrument."""
        self._records[record.serial] = record

    @callback
    def async_remove(self, serial: str) -> None:
        """Stop following an instrument: what is still asked of it is ignored."""
        self._records.pop(serial, None)
        self._log.forget(serial)
        self._arm()

    @callback
    def async_close(self) -> None:
        """Stop, when the entry unloads: later answers change nothing."""
        self.closed = True
        if self._stale_timer is not None:
            self._stale_timer()
            self._stale_timer = None

    # -- applying -----------------------------------------------------------

    def _apply_outcome(
        self, serial: str, answer: Answer, *, quiet: bool = False
    ) -> None:
        if self.closed or (record := self._records.get(serial)) is None:
            return
        stamp, asked_at, outcome = answer
        if isinstance(outcome, InstrumentStatus):
            after = model.polled(record, outcome, stamp, asked_at)
        else:
            after = model.failed(record, status_reason(outcome), stamp, asked_at)
            if after is not record:
                self._log.failed(serial, None if quiet else str(outcome))
                if (
                    not isinstance(outcome, MyCirrusError)
                    and record.error != after.error
                ):
                    # A bug: its traceback once, whatever it does to availability.
                    _LOGGER.error(
                        "Unexpected error asking MyCirrus for the status of %s",
                        serial,
                        exc_info=outcome,
                    )
        if self._replace(record, after) is not record:
            _async_issues(self.hass, self.entry, record, after)

    def _replace(
        self, before: InstrumentRecord, after: InstrumentRecord
    ) -> InstrumentRecord:
        """Store ``after`` in place of ``before``; tell whom it concerns."""
        if after is before or self._records.get(before.serial) is not before:
            return before
        self._records[after.serial] = after
        now = time.monotonic()
        if (
            before.shown != after.shown
            or before.error != after.error
            or before.details != after.details
            or before.link != after.link
            or model.is_current(before, now) != model.is_current(after, now)
        ):
            self._dispatch(after.serial)
        self._log.say(after, now)
        if before.status != after.status:
            self.hooks.status(before, after)
        if (before.status and before.status.online) != (
            after.status and after.status.online
        ):
            self.hooks.online()
        return after

    def _dispatch(self, serial: str) -> None:
        async_dispatcher_send(self.hass, instrument_signal(self.entry.entry_id, serial))

    @callback
    def async_dispatch_all(self) -> None:
        """Tell every instrument's entities to look again (options, scopes, health)."""
        for serial in self._records:
            self._dispatch(serial)

    @callback
    def async_raise_gone(self, serial: str) -> None:
        """Say that MyCirrus does not know a followed instrument any more."""
        if (record := self._records.get(serial)) is not None and not self.closed:
            async_raise_instrument_issue(
                self.hass, self.entry, ISSUE_INSTRUMENT_GONE, record
            )

    # -- going stale by time --------------------------------------------------

    def _arm(self) -> None:
        """Wake up when the next status answered over REST goes stale."""
        if self.closed:
            return
        now = time.monotonic()
        when = min(
            (
                stale
                for record in self._records.values()
                if (stale := model.stale_at(record)) is not None and stale > now
            ),
            default=None,
        )
        if when == self._stale_when:
            return
        if self._stale_timer is not None:
            self._stale_timer()
            self._stale_timer = None
        self._stale_when = when
        if when is not None:
            self._stale_timer = async_call_later(self.hass, when - now, self._expire)

    @callback
    def _expire(self, _now: object) -> None:
        self._stale_timer = None
        self._stale_when = None
        now = time.monotonic()
        for record in self._records.values():
            stale = model.stale_at(record)
            if stale is not None and self._told_until < stale <= now:
                self._dispatch(record.serial)
                self._log.say(record, now)
        self._told_until = now
        self._arm()


class FailureLog:
    """Says once that an instrument is unavailable for a failure, once it is back.

    A failure that leaves the last answer current says nothing yet: the line
    comes when the status goes stale before a new answer comes.
    """

    def __init__(self) -> None:
        """Know of no failure yet."""
        # Each instrument's last failure as the log says it; None when a
        # failed round said it for all.
        self._failures: dict[str, str | None] = {}
        # Instruments unavailable for a failure, and whether a line said so.
        self._said: dict[str, bool] = {}

    def failed(self, serial: str, failure: str | None) -> None:
        """Note the instrument's last failure; None: the round said it."""
        self._failures[serial] = failure

    def forget(self, serial: str) -> None:
        """Forget an instrument no longer followed."""
        self._failures.pop(serial, None)
        self._said.pop(serial, None)

    def say(self, record: InstrumentRecord, now: float) -> None:
        """Log what the record's availability at ``now`` has not said yet."""
        serial = record.serial
        if model.is_current(record, now):
            if self._said.pop(serial, False):
                _LOGGER.info("MyCirrus instrument %s is available again", serial)
        elif record.error is not None and serial not in self._said:
            failure = self._failures.get(serial)
            self._said[serial] = failure is not None
            if failure is not None:
                _LOGGER.info(
                    "MyCirrus instrument %s is unavailable: %s", serial, failure
                )


def _async_issues(
    hass: HomeAssistant,
    entry: ConfigEntry,
    before: InstrumentRecord,
    after: InstrumentRecord,
) -> None:
    """Raise or withdraw the repair issues a REST outcome decides."""
    if after.error is None:
        async_clear_instrument_issue(hass, entry, ISSUE_INSTRUMENT_GONE, after.serial)
        async_clear_instrument_issue(
            hass, entry, ISSUE_INSTRUMENT_FORBIDDEN, after.serial
        )
        if before.status is None or before.status != after.status:
            async_check_results(hass, entry, after)
    elif after.error == model.NOT_FOUND:
        if after.not_found_rounds >= NOT_FOUND_ROUNDS:
            async_raise_instrument_issue(hass, entry, ISSUE_INSTRUMENT_GONE, after)
    elif after.error == model.FORBIDDEN:
        async_raise_instrument_issue(hass, entry, ISSUE_INSTRUMENT_FORBIDDEN, after)
