"""The records of an entry's instruments, and the one place they are written.

The pollers, the live connections and the button presses report what they
learnt; the store applies it through model.py, then tells whom it concerns:
the instrument's entities (a dispatcher signal), the repair issues, the live
connections (an instrument came online or went offline) and the check follower
(a pushed status says a check ended). A status answered over REST goes stale
after STALE_AFTER: a timer tells the entities when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import logging
import time

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


@dataclass(frozen=True, slots=True)
class StoreHooks:
    """Whom the store tells besides the entities."""

    # An instrument came online or went offline (the live connections follow).
    online: Callable[[], None]
    # A pushed status says checks ended: their results are to be fetched.
    ended: Callable[[InstrumentRecord, list[Action]], None]


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
        self, outcomes: Mapping[str, tuple[int, Outcome]], *, quiet: bool = False
    ) -> None:
        """Apply a polling round's outcomes, each with the stamp it was asked at.

        ``quiet``: the round failed as a whole and says so itself: no line per
        instrument.
        """
        now = time.monotonic()
        for serial, (stamp, outcome) in outcomes.items():
            self._apply_outcome(serial, outcome, stamp, now, quiet=quiet)
        self._arm()

    @callback
    def async_outcome(self, serial: str, outcome: Outcome, stamp: int) -> None:
        """Apply one instrument's status (or failure) asked for at ``stamp``."""
        self._apply_outcome(serial, outcome, stamp, time.monotonic())
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
        self,
        serial: str,
        outcome: Outcome,
        stamp: int,
        now: float,
        *,
        quiet: bool = False,
    ) -> None:
        if self.closed or (record := self._records.get(serial)) is None:
            return
        if isinstance(outcome, InstrumentStatus):
            after = self._replace(record, model.polled(record, outcome, stamp, now))
        else:
            reason = status_reason(outcome)
            after = self._replace(record, model.failed(record, reason, stamp, now))
        if after is not record:
            # A bug is logged with its traceback even then.
            if not quiet or not isinstance(outcome, MyCirrusError):
                _log(record, after, outcome)
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
        self._told_until = now
        self._arm()


def _log(before: InstrumentRecord, after: InstrumentRecord, outcome: Outcome) -> None:
    """Say once that an instrument became unavailable, and once that it is back."""
    if before.error is None and after.error is not None:
        _LOGGER.info(
            "MyCirrus instrument %s is unavailable: %s",
            after.serial,
            outcome,
            exc_info=not isinstance(outcome, MyCirrusError),
        )
    elif before.error is not None and after.error is None:
        _LOGGER.info("MyCirrus instrument %s is available again", after.serial)


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
    elif after.error == "forbidden":
        async_raise_instrument_issue(hass, entry, ISSUE_INSTRUMENT_FORBIDDEN, after)
