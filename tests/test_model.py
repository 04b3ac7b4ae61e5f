"""The record of an instrument and the functions that change it, by stamp and time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from custom_components.mycirrus import model
from custom_components.mycirrus.api import (
    Action,
    CalibrationResult,
    InstrumentStatus,
    LiveStatus,
    SicResult,
)
from custom_components.mycirrus.const import PUSH_CHECK_INTERVAL, STALE_AFTER
from custom_components.mycirrus.model import (
    EMPTY_STATUS,
    InstrumentRecord,
    LinkState,
    Pending,
)
from custom_components.mycirrus.results import action_refused, result_state

STALE = STALE_AFTER.total_seconds()
CHECK = PUSH_CHECK_INTERVAL.total_seconds()
PASSED = CalibrationResult(
    time=datetime(2026, 11, 20, tzinfo=UTC), level=93.7, offset=0.04, status="Success"
)
FAILED = replace(PASSED, time=datetime(2026, 11, 24, tzinfo=UTC), status="Failed")
SIC = SicResult(time=datetime(2026, 11, 23, tzinfo=UTC), status="Success")


def status(**changes: object) -> InstrumentStatus:
    base = InstrumentStatus(
        online=True,
        measuring=True,
        calibration_in_progress=False,
        sic_in_progress=False,
        last_calibration=PASSED,
        last_sic=SIC,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def pushed(**flags: bool | None) -> LiveStatus:
    values: dict[str, bool | None] = dict.fromkeys(model.FLAGS)
    values.update(flags)
    return LiveStatus(time=None, **values)  # type: ignore[arg-type]


def record(**changes: object) -> InstrumentRecord:
    base = InstrumentRecord(serial="QT100001", subentry_id="s", title="Site gate")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_stamps_only_grow() -> None:
    first = model.next_stamp()
    assert model.next_stamp() > first


# -- nothing older overwrites anything newer ----------------------------------


def test_an_older_answer_changes_nothing() -> None:
    newer = model.polled(record(), status(last_calibration=FAILED), 8, 100.0)
    assert model.polled(newer, status(), 5, 101.0) is newer
    assert model.failed(newer, "cannot_connect", 5, 101.0) is newer
    assert model.polled(newer, status(), 8, 101.0) is newer  # the same answer
    assert model.failed(newer, "cannot_connect", 8, 101.0) is newer


def test_a_newer_answer_replaces_every_field() -> None:
    first = model.polled(record(), status(), 5, 100.0)
    second = model.polled(first, status(measuring=False, last_sic=None), 6, 160.0)
    assert second.status == status(measuring=False, last_sic=None)
    assert second.rest_stamp == 6
    assert (second.current_at, second.checked_at) == (160.0, 160.0)
    assert dict(second.stamps) == dict.fromkeys(model.FLAGS + model.RESULTS, 6)


def test_a_push_newer_than_the_answer_wins_flag_by_flag() -> None:
    asked = model.next_stamp()
    now_pushed = model.pushed(record(), pushed(measuring=False), model.next_stamp())
    answered = model.polled(now_pushed, status(last_calibration=FAILED), asked, 1.0)
    assert answered.status is not None
    assert answered.status.measuring is False  # the push came after the ask
    assert answered.status.online is True  # the push did not say
    assert answered.status.last_calibration == FAILED  # the push has no results


def test_a_push_older_than_the_answer_loses() -> None:
    early = model.pushed(record(), pushed(measuring=False), model.next_stamp())
    late = model.polled(early, status(), model.next_stamp(), 1.0)
    assert late.status == status()
    assert model.pushed(late, pushed(measuring=False), 1).status == status()


def test_a_push_keeps_what_it_does_not_say() -> None:
    answered = model.polled(record(), status(), 5, 1.0)
    after = model.pushed(answered, pushed(sic_in_progress=True), 9)
    assert after.status == status(sic_in_progress=True)
    nothing = model.pushed(record(), pushed(online=True), 3)
    assert nothing.status == replace(EMPTY_STATUS, online=True)


def test_an_offline_answer_keeps_the_last_results() -> None:
    answered = model.polled(record(), status(), 5, 1.0)
    offline = status(online=False, last_calibration=None, last_sic=None)
    after = model.polled(answered, offline, 6, 2.0)
    assert after.status == status(online=False)
    # Online, no result is no result.
    online = model.polled(after, status(last_sic=None), 7, 3.0)
    assert online.status is not None
    assert online.status.last_sic is None
    # An offline answer that has results brings them.
    brought = model.polled(after, status(online=False, last_calibration=FAILED), 8, 4.0)
    assert brought.status is not None
    assert brought.status.last_calibration == FAILED
    assert brought.status.last_sic == SIC
    # Nothing known before: nothing to keep.
    first = model.polled(record(), offline, 1, 1.0)
    assert first.status == offline


def test_failures_count_404s_in_a_row() -> None:
    rec = record()
    for stamp in (1, 2, 3):
        rec = model.failed(rec, model.NOT_FOUND, stamp, float(stamp))
    assert rec.not_found_rounds == 3
    assert rec.error == model.NOT_FOUND
    assert rec.checked_at == 3.0
    other = model.failed(rec, "forbidden", 4, 4.0)
    assert (other.not_found_rounds, other.error) == (0, "forbidden")
    answered = model.polled(rec, status(), 5, 5.0)
    assert (answered.not_found_rounds, answered.error) == (0, None)
    assert answered.current_at == 5.0


# -- a check asked for ------------------------------------------------------------


def test_a_check_asked_for_shows_running_until_mycirrus_takes_over() -> None:
    answered = model.polled(record(), status(), 1, 1.0)
    asked = model.requested(answered, Action.SIC, 5)
    assert asked.pending == {Action.SIC: Pending(5, SIC)}
    assert asked.running(Action.SIC)
    assert not asked.running(Action.CALIBRATION)
    assert asked.status == answered.status  # MyCirrus's word is kept apart
    # A round asked before the press cannot wipe it...
    before = model.polled(asked, status(), 4, 2.0)
    assert before.pending == asked.pending
    assert before.running(Action.SIC)
    # ...nor one asked after it that does not show it yet.
    later = model.polled(asked, status(), 6, 3.0)
    assert later.running(Action.SIC)
    # Shown running by MyCirrus: its flags take over.
    running = model.polled(later, status(sic_in_progress=True), 7, 4.0)
    assert running.pending == {}
    assert running.running(Action.SIC)
    assert not model.polled(running, status(), 8, 5.0).running(Action.SIC)


def test_a_pushed_running_flag_takes_over_too() -> None:
    asked = model.requested(record(), Action.CALIBRATION, 5)
    assert asked.shown == replace(EMPTY_STATUS, calibration_in_progress=True)
    assert model.pushed(asked, pushed(calibration_in_progress=False), 6).pending
    assert not model.pushed(asked, pushed(calibration_in_progress=True), 6).pending
    # Older than the request: it says nothing of it.
    assert model.pushed(asked, pushed(calibration_in_progress=True), 4).pending


def test_a_new_result_ends_the_check() -> None:
    answered = model.polled(record(), status(), 1, 1.0)
    asked = model.requested(answered, Action.CALIBRATION, 5)
    ended = model.polled(asked, status(last_calibration=FAILED), 6, 2.0)
    assert ended.pending == {}
    assert ended.result(Action.CALIBRATION) == FAILED
    # The same result, newer: still running on our word.
    same = model.polled(asked, status(), 6, 2.0)
    assert same.pending == asked.pending


def test_settling_drops_only_the_check_of_that_request() -> None:
    first = model.requested(record(), Action.SIC, 5)
    again = model.requested(first, Action.SIC, 9)
    assert model.settled(again, Action.SIC, 5) is again  # an older request
    assert model.settled(again, Action.SIC, 9).pending == {}
    assert model.settled(record(), Action.SIC, 9).pending == {}
    both = model.requested(again, Action.CALIBRATION, 10)
    assert set(model.settled(both, Action.SIC, 9).pending) == {Action.CALIBRATION}


def test_identify_is_no_check() -> None:
    rec = record()
    assert model.requested(rec, Action.IDENTIFY, 5) is rec
    assert not rec.running(Action.IDENTIFY)
    assert rec.result(Action.IDENTIFY) is None
    assert model.check_result(None, Action.SIC) is None
    assert not model.check_running(None, Action.SIC)


def test_ended_checks() -> None:
    running = status(calibration_in_progress=True, sic_in_progress=True)
    assert model.ended(running, status()) == [Action.CALIBRATION, Action.SIC]
    assert model.ended(running, running) == []
    assert model.ended(status(), running) == []
    unknown = status(calibration_in_progress=None, sic_in_progress=None)
    assert model.ended(running, unknown) == []  # not said is not ended
    assert model.ended(running, None) == []
    assert model.ended(None, status()) == []


# -- current, stale, due ---------------------------------------------------------


def test_current_for_two_and_a_half_intervals_after_an_answer() -> None:
    assert model.is_current(record(), 0.0) is False
    answered = model.polled(record(), status(), 1, 100.0)
    assert model.stale_at(answered) == 100.0 + STALE
    assert model.is_current(answered, 100.0 + STALE - 0.001)
    assert not model.is_current(answered, 100.0 + STALE)


@pytest.mark.parametrize(
    "reason", ["cannot_connect", "invalid_response", "rate_limited", "unknown"]
)
def test_a_passing_failure_leaves_the_last_answer_current(reason: str) -> None:
    answered = model.polled(record(), status(), 1, 100.0)
    failed = model.failed(answered, reason, 2, 160.0)
    assert failed.error == reason
    assert model.is_current(failed, 160.0)
    assert model.stale_at(failed) == 100.0 + STALE  # from when it was asked
    assert not model.is_current(failed, 100.0 + STALE)


@pytest.mark.parametrize("reason", [model.NOT_FOUND, model.FORBIDDEN])
def test_gone_or_not_ours_ends_the_last_answer_at_once(reason: str) -> None:
    answered = model.polled(record(), status(), 1, 100.0)
    failed = model.failed(answered, reason, 2, 110.0)
    assert not model.is_current(failed, 110.0)
    assert model.stale_at(failed) is None
    # A new answer is current again.
    assert model.is_current(model.polled(failed, status(), 3, 170.0), 170.0)


def pushing(rec: InstrumentRecord, now: float) -> InstrumentRecord:
    """Return ``rec`` with a link open at ``now`` that has pushed a status."""
    opened = model.linked(rec, LinkState.OPEN, now)
    return model.pushed(opened, pushed(online=True), model.next_stamp())


def test_pushing_is_current_whatever_the_time() -> None:
    answered = model.polled(record(), status(), 1, 100.0)
    linked = pushing(answered, 101.0)
    assert linked.link is LinkState.PUSHING
    assert model.is_current(linked, 10_000.0)
    assert model.stale_at(linked) is None
    # Even after a failed check: the push says what is current.
    failed = model.failed(linked, model.NOT_FOUND, 2, 102.0)
    assert model.is_current(failed, 10_000.0)


def test_an_open_link_is_current_only_from_its_first_push() -> None:
    answered = model.polled(record(), status(), 1, 100.0)
    opened = model.linked(answered, LinkState.OPEN, 400.0)
    assert not opened.pushing
    assert not model.is_current(opened, 400.0)  # stale since 250 s
    assert model.stale_at(opened) == 100.0 + STALE
    assert model.is_due(opened, 400.0)  # polled until it pushes
    # Its end vouches for nothing.
    assert model.linked(opened, LinkState.WAITING, 500.0).current_at == 100.0
    first = model.pushed(opened, pushed(measuring=False), model.next_stamp())
    assert first.link is LinkState.PUSHING
    assert model.is_current(first, 10_000.0)
    # Only an open link becomes pushing by a push.
    for state in (LinkState.WAITING, LinkState.STOPPED, LinkState.IDLE):
        late = model.pushed(replace(answered, link=state), pushed(), 99)
        assert late.link is state
    # Without a status yet, nothing is current.
    assert not model.is_current(model.linked(record(), LinkState.OPEN, 1.0), 1.0)


def test_a_pushed_status_was_current_until_its_link_ended() -> None:
    answered = model.polled(record(), status(), 1, 100.0)
    linked = pushing(answered, 101.0)
    dropped = model.linked(linked, LinkState.WAITING, 900.0)
    assert dropped.current_at == 900.0
    assert model.is_current(dropped, 900.0 + STALE - 1)
    assert not model.is_current(dropped, 900.0 + STALE)
    # A link that was not open vouched for nothing.
    idle = model.linked(dropped, LinkState.IDLE, 950.0)
    assert idle.current_at == 900.0
    assert model.linked(idle, LinkState.IDLE, 999.0) is idle
    # A passing failure of a check leaves what the push vouched for...
    failed = model.failed(linked, "cannot_connect", 2, 200.0)
    assert model.linked(failed, LinkState.WAITING, 900.0).current_at == 900.0
    # ...one that says the instrument is gone does not.
    gone = model.failed(linked, model.NOT_FOUND, 2, 200.0)
    assert model.linked(gone, LinkState.WAITING, 900.0).current_at == 100.0


def test_due_every_round_unless_pushing() -> None:
    assert model.is_due(record(), 0.0)
    answered = model.polled(record(), status(), 1, 100.0)
    assert model.is_due(answered, 100.0)
    linked = pushing(answered, 101.0)
    assert not model.is_due(linked, 100.0 + CHECK - 1)
    assert model.is_due(linked, 100.0 + CHECK)
    assert model.is_due(record(link=LinkState.PUSHING), 5.0)  # never checked


def test_record_properties() -> None:
    rec = record()
    assert rec.shown is None
    assert rec.name == "Site gate"
    assert not rec.pushing
    assert not rec.known_offline
    assert model.polled(rec, status(online=False), 1, 1.0).known_offline
    assert not rec.supports_sic
    assert model.polled(rec, status(), 1, 1.0).supports_sic
    assert rec.measures_noise
    assert record(link=LinkState.PUSHING).pushing
    assert not record(link=LinkState.OPEN).pushing


def test_described() -> None:
    from custom_components.mycirrus.api import Instrument  # noqa: PLC0415

    instrument = Instrument.from_dict(
        {"serialNumber": "QT100001", "name": "Gate", "type": "Vibration"}
    )
    described = model.described(record(), instrument)
    assert described.name == "Gate"
    assert not described.measures_noise
    assert model.described(described, instrument) is described
    features = Instrument.from_dict({"serialNumber": "QT100001", "feature": ["SIC"]})
    assert model.described(record(), features).supports_sic


# -- results and refusals ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "state"),
    [
        (None, None),
        ("Success", "success"),
        ("passed", "success"),
        ("FAILURE", "failed"),
        ("Error", "error"),
        ("In Progress", "in_progress"),
        ("in_progress", "in_progress"),
        ("Inconclusive", "other"),
    ],
)
def test_result_states(text: str | None, state: str | None) -> None:
    assert result_state(text) == state


@pytest.mark.parametrize(
    ("status_text", "error", "refused"),
    [
        ("InProgress", None, False),
        ("Success", None, False),
        (None, None, False),
        ("Queued", None, False),
        ("Failed", None, True),
        ("Error", None, True),
        (None, "The instrument is busy", True),
        ("InProgress", "odd, but an error", True),
        ("Success", "", False),
    ],
)
def test_action_refusals(
    status_text: str | None, error: str | None, refused: bool
) -> None:
    assert action_refused(status_text, error) is refused
