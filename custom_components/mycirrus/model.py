"""What the integration believes about each followed instrument, and how it changes.

A record is frozen: it changes only by the functions here, each of which returns
a new one. Each is given the stamp of its information: a REST answer's stamp is
taken when it is asked for, a pushed status's when it arrives, an action's when
it is sent. Stamps come from one counter, so they order what happened in this
process even while the clock stands still. The record keeps the stamp of each
field of the status, and an older stamp never overwrites a newer one, whichever
path it comes by.

``current_at`` is a monotonic time: the last moment the status was known to be
current (when the last REST answer was asked for, or the end of the live
connection that pushed it). Availability is judged against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
import itertools
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry

from .api import (
    Action,
    CalibrationResult,
    Instrument,
    InstrumentStatus,
    LiveStatus,
    SicResult,
)
from .const import (
    CONF_SERIAL,
    PUSH_CHECK_INTERVAL,
    STALE_AFTER,
    SUBENTRY_TYPE_INSTRUMENT,
)

_STAMPS = itertools.count(1)

FLAGS: Final = ("online", "measuring", "calibration_in_progress", "sic_in_progress")
RESULTS: Final = ("last_calibration", "last_sic")
CHECKS: Final = (Action.CALIBRATION, Action.SIC)
_FLAG_OF: Final = {
    Action.CALIBRATION: "calibration_in_progress",
    Action.SIC: "sic_in_progress",
}
_RESULT_OF: Final = {Action.CALIBRATION: "last_calibration", Action.SIC: "last_sic"}

# The reasons a status request failed with a 404 and a 403 (translation keys).
NOT_FOUND: Final = "not_found"
FORBIDDEN: Final = "forbidden"
# Failures that say the instrument itself is gone or not the key's: its last
# status stops being current at once. Any other failure (a time-out, a 5xx, an
# unreadable answer) leaves the last answer current for STALE_AFTER.
GONE: Final = frozenset({NOT_FOUND, FORBIDDEN})

EMPTY_STATUS: Final = InstrumentStatus(
    online=None,
    measuring=None,
    calibration_in_progress=None,
    sic_in_progress=None,
    last_calibration=None,
    last_sic=None,
)

type CheckResult = CalibrationResult | SicResult | None


def next_stamp() -> int:
    """Return a stamp later than every stamp returned before."""
    return next(_STAMPS)


class LinkState(StrEnum):
    """Where an instrument's live websocket stands."""

    IDLE = "idle"  # not wanted: offline, not seen online yet, or over the cap
    CONNECTING = "connecting"  # the handshake is under way
    OPEN = "open"  # open, but no status pushed over it yet: it vouches for nothing
    PUSHING = "pushing"  # a status came over it: current by push while it lasts
    WAITING = "waiting"  # backing off before the next attempt
    STOPPED = "stopped"  # MyCirrus refused the key: no tries until it changes


@dataclass(frozen=True, slots=True)
class Pending:
    """A calibration or SIC asked for that MyCirrus has not shown running yet.

    ``before`` is the check's result when it was asked for: a different one
    means it has ended.
    """

    stamp: int
    before: CheckResult


@dataclass(frozen=True, kw_only=True, slots=True)
class InstrumentRecord:
    """One followed instrument: details, status, failures and its live link."""

    serial: str
    subentry_id: str
    title: str
    details: Instrument | None = None
    # What MyCirrus last said, field by field, and the stamp of each field.
    status: InstrumentStatus | None = None
    stamps: Mapping[str, int] = field(default_factory=dict)
    # The stamp of the newest REST outcome applied, answer or failure.
    rest_stamp: int = 0
    # Why the last status request failed (a translation key), None if it worked.
    error: str | None = None
    not_found_rounds: int = 0
    current_at: float | None = None
    # Monotonic time the last REST outcome was asked for: a pushing instrument
    # is checked over REST only every PUSH_CHECK_INTERVAL.
    checked_at: float | None = None
    link: LinkState = LinkState.IDLE
    pending: Mapping[Action, Pending] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Return the name MyCirrus gives the instrument, else the subentry's."""
        return (self.details and self.details.name) or self.title

    @property
    def pushing(self) -> bool:
        """Return whether the live websocket is open and has pushed a status."""
        return self.link is LinkState.PUSHING

    @property
    def shown(self) -> InstrumentStatus | None:
        """Return the status as entities show it: a check asked for is running."""
        if not self.pending:
            return self.status
        return (self.status or EMPTY_STATUS).with_flags(
            calibration_in_progress=True
            if Action.CALIBRATION in self.pending
            else None,
            sic_in_progress=True if Action.SIC in self.pending else None,
        )

    @property
    def supports_sic(self) -> bool:
        """Return whether the instrument can run a System Integrity Check."""
        return (self.status is not None and self.status.last_sic is not None) or (
            self.details is not None and "SIC" in self.details.features
        )

    @property
    def measures_noise(self) -> bool:
        """Return whether the instrument is a noise monitor (or not known not to be)."""
        kind = self.details.type if self.details else None
        return kind is None or kind.lower() == "noise"

    @property
    def known_offline(self) -> bool:
        """Return whether MyCirrus last said the instrument is offline."""
        return self.status is not None and self.status.online is False

    def running(self, action: Action) -> bool:
        """Return whether the check of ``action`` shows as running."""
        return check_running(self.shown, action)

    def result(self, action: Action) -> CheckResult:
        """Return the last result of the check of ``action``."""
        return check_result(self.status, action)


def check_running(status: InstrumentStatus | None, action: Action) -> bool:
    """Return whether ``status`` says the check of ``action`` runs."""
    flag = _FLAG_OF.get(action)
    return status is not None and flag is not None and getattr(status, flag) is True


def check_result(status: InstrumentStatus | None, action: Action) -> CheckResult:
    """Return the last result of the check of ``action`` in ``status``."""
    if status is None or action not in _RESULT_OF:
        return None
    result: CheckResult = getattr(status, _RESULT_OF[action])
    return result


def ended(
    before: InstrumentStatus | None, after: InstrumentStatus | None
) -> list[Action]:
    """Return the checks that went from running to not running."""
    return [
        action
        for action in CHECKS
        if check_running(before, action)
        and after is not None
        and getattr(after, _FLAG_OF[action]) is False
    ]


# -- judging a record by time ----------------------------------------------


def is_current(record: InstrumentRecord, now: float) -> bool:
    """Return whether the record's status is current at monotonic time ``now``.

    Pushed over an open websocket, or answered over REST to a request asked
    for within STALE_AFTER, unless a request since said the instrument is gone
    or not the key's. A failure of any other kind ends nothing.
    """
    if record.status is None:
        return False
    if record.pushing:
        return True
    stale = stale_at(record)
    return stale is not None and now < stale


def stale_at(record: InstrumentRecord) -> float | None:
    """Return when a current status goes stale by time alone; None if it cannot.

    It cannot while pushed, nor once said gone or not the key's (it is stale).
    """
    if (
        record.status is None
        or record.pushing
        or record.error in GONE
        or record.current_at is None
    ):
        return None
    return record.current_at + STALE_AFTER.total_seconds()


def is_due(record: InstrumentRecord, now: float) -> bool:
    """Return whether a polling round asks for the record's status.

    Every round, unless the live websocket pushes it: then only as a check,
    every PUSH_CHECK_INTERVAL.
    """
    return (
        not record.pushing
        or record.checked_at is None
        or now - record.checked_at >= PUSH_CHECK_INTERVAL.total_seconds()
    )


# -- changes ------------------------------------------------------------------


def polled(
    record: InstrumentRecord, status: InstrumentStatus, stamp: int, asked_at: float
) -> InstrumentRecord:
    """Apply a status answered over REST, asked for at ``stamp``.

    ``asked_at`` is the monotonic time it was asked for: the answer is current
    from then. An offline instrument's answer may leave its calibration and SIC
    out: the last known ones stay.
    """
    if stamp <= record.rest_stamp:
        return record
    values: dict[str, Any] = {name: getattr(status, name) for name in FLAGS + RESULTS}
    if status.online is False and record.status is not None:
        for name in RESULTS:
            if values[name] is None:
                values[name] = getattr(record.status, name)
    return replace(
        _merged(record, values, stamp),
        rest_stamp=stamp,
        error=None,
        not_found_rounds=0,
        current_at=asked_at,
        checked_at=asked_at,
    )


def failed(
    record: InstrumentRecord, reason: str, stamp: int, asked_at: float
) -> InstrumentRecord:
    """Apply a failed status request asked for at ``stamp``; ``reason`` names why.

    The last answer stays current unless ``reason`` is one of GONE.
    """
    if stamp <= record.rest_stamp:
        return record
    return replace(
        record,
        error=reason,
        rest_stamp=stamp,
        not_found_rounds=record.not_found_rounds + 1 if reason == NOT_FOUND else 0,
        checked_at=asked_at,
    )


def pushed(
    record: InstrumentRecord, message: LiveStatus, stamp: int
) -> InstrumentRecord:
    """Apply the flags a live websocket pushed; a flag it leaves out stays.

    The first status pushed over an open websocket makes it current by push.
    """
    values = {
        name: value for name in FLAGS if (value := getattr(message, name)) is not None
    }
    merged = _merged(record, values, stamp)
    if record.link is LinkState.OPEN:
        return replace(merged, link=LinkState.PUSHING)
    return merged


def requested(record: InstrumentRecord, action: Action, stamp: int) -> InstrumentRecord:
    """Show a check as running from the moment it is asked for."""
    if action not in CHECKS:
        return record
    pending = {**record.pending, action: Pending(stamp, record.result(action))}
    return replace(record, pending=pending)


def settled(record: InstrumentRecord, action: Action, stamp: int) -> InstrumentRecord:
    """Stop showing the check asked for at ``stamp`` as running on our word.

    For a refused or failed request, and for an accepted check that MyCirrus
    never showed running. A later request of the same check stays.
    """
    pending = record.pending.get(action)
    if pending is None or pending.stamp != stamp:
        return record
    return replace(
        record, pending={a: p for a, p in record.pending.items() if a is not action}
    )


def linked(record: InstrumentRecord, state: LinkState, now: float) -> InstrumentRecord:
    """Apply a change of the live link; a status it pushed was current till now.

    A link becomes PUSHING only by the status it pushes (``pushed``).
    """
    if state is record.link:
        return record
    current_at = record.current_at
    if record.pushing and record.error not in GONE:
        current_at = now
    return replace(record, link=state, current_at=current_at)


def described(record: InstrumentRecord, instrument: Instrument) -> InstrumentRecord:
    """Apply the instrument's details (name, model, type, features)."""
    return (
        record if record.details == instrument else replace(record, details=instrument)
    )


def _merged(
    record: InstrumentRecord, values: Mapping[str, Any], stamp: int
) -> InstrumentRecord:
    """Return the record with each value newer than its field's applied.

    A pending check ends when information newer than its request shows it
    running (MyCirrus has taken over) or shows a new result.
    """
    stamps = dict(record.stamps)
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if stamp > stamps.get(name, 0):  # pragma: no mutate (stamps are unique)
            stamps[name] = stamp
            changes[name] = value
    pending = {
        action: waiting
        for action, waiting in record.pending.items()
        if stamp <= waiting.stamp  # pragma: no mutate (stamps are unique)
        or not (
            values.get(_FLAG_OF[action]) is True
            or values.get(_RESULT_OF[action], waiting.before) != waiting.before
        )
    }
    return replace(
        record,
        status=replace(record.status or EMPTY_STATUS, **changes),
        stamps=stamps,
        pending=pending,
    )


# -- the entry's instruments ------------------------------------------------


def followed_subentries(entry: ConfigEntry[Any]) -> dict[str, str]:
    """Return the subentry id of each instrument the entry follows, by serial."""
    return {
        subentry.data[CONF_SERIAL]: subentry.subentry_id
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_TYPE_INSTRUMENT
    }


def new_record(entry: ConfigEntry[Any], serial: str) -> InstrumentRecord:
    """Return a record of an instrument the entry follows, knowing nothing yet."""
    subentry_id = followed_subentries(entry)[serial]
    return InstrumentRecord(
        serial=serial,
        subentry_id=subentry_id,
        title=entry.subentries[subentry_id].title,
    )
