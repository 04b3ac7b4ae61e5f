"""What an answer of stored periods is made into, away from the event loop.

One job per answer, run in the executor: a month of fifty instruments'
periods is hundreds of thousands of records. It reads nothing that changes
while it runs: the caller gives it a snapshot and applies what it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from ...acoustics import Period, hour_floor, hourly_rows, stored_kind
from ...api import Measurement
from .gaps import Span, hour_complete
from .statistics import Key, Rows

HOUR = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class Answer:
    """An answer of periods, with what is needed to read it."""

    measurements: list[Measurement]
    asked: tuple[str, ...]  # the instruments asked for
    # Each followed instrument's serial by its case-folded spelling: MyCirrus
    # may spell it otherwise; periods of any other instrument are left out.
    spelling: Mapping[str, str]
    start: datetime  # the range asked for
    end: datetime
    rated: str  # the value the rating levels are made of
    kept: tuple[str, ...]  # the values kept as statistics
    lengths: Mapping[str, float]  # each instrument's period (s), as last seen
    not_measuring: Mapping[str, Sequence[Span]]
    keep_from: datetime  # what the rating levels need goes back to here
    # Each instrument's rating periods so far (start -> (s, dB)): read only.
    rated_before: Mapping[str, Mapping[datetime, tuple[float, float]]]


@dataclass(frozen=True, kw_only=True, slots=True)
class Digest:
    """What an answer says, ready to apply."""

    rows: Rows  # the kept values' whole hours
    # Each instrument's rating periods from keep_from, the answer's merged
    # in (start -> (s, dB)), for those whose periods changed.
    rated: dict[str, dict[datetime, tuple[float, float]]]
    recent: dict[str, list[Measurement]]  # from keep_from, oldest first
    latest: dict[str, Measurement]  # each instrument's newest period
    lengths: dict[str, float]  # each instrument's period (s), as now seen
    verdicts: dict[str, dict[datetime, bool]]  # whole hours asked: complete?
    brought: dict[str, int] = field(default_factory=dict)  # periods each


def periods_by_value(
    measurements: Iterable[Measurement],
    values: Iterable[str],
    lengths: Mapping[str, float],
) -> dict[Key, list[Period]]:
    """Return each instrument's periods of each value: (start, seconds, dB).

    A period with no length of its own takes its instrument's from
    ``lengths`` (seconds), as last seen.
    """
    wanted = tuple(values)
    periods: defaultdict[Key, list[Period]] = defaultdict(list)
    for measurement in measurements:
        seconds = _seconds(measurement, lengths)
        for value in wanted:
            if (level := measurement.values.get(value)) is not None:
                periods[(measurement.instrument, value)].append(
                    (measurement.start, seconds, level)
                )
    return periods


def hour_rows(
    periods: Mapping[Key, list[Period]], start: datetime, end: datetime
) -> Rows:
    """Return the rows of the whole hours from ``start`` that ended by ``end``."""
    return {
        key: [
            row
            for row in hourly_rows(members, stored_kind(key[1]))
            if row.start >= start and row.start + HOUR <= end
        ]
        for key, members in periods.items()
    }


def whole_hours(start: datetime, end: datetime) -> list[datetime]:
    """Return the hours that lie wholly within ``start`` to ``end``."""
    hour = hour_floor(start)
    if hour < start:
        hour += HOUR
    hours = []
    while hour + HOUR <= end:
        hours.append(hour)
        hour += HOUR
    return hours


def _seconds(measurement: Measurement, lengths: Mapping[str, float]) -> float:
    if measurement.period is not None:
        return measurement.period.total_seconds()
    return lengths.get(measurement.instrument, 0.0)


def digest(answer: Answer) -> Digest:
    """Return what an answer says: rows, rating periods, newest, complete hours."""
    lengths = dict(answer.lengths)
    latest: dict[str, Measurement] = {}
    by_serial: defaultdict[str, list[Measurement]] = defaultdict(list)
    measurements = _ours(answer.measurements, answer.spelling)
    for measurement in measurements:
        serial = measurement.instrument
        if measurement.period is not None:
            lengths[serial] = measurement.period.total_seconds()
        seen = latest.get(serial)
        if seen is None or measurement.start > seen.start:
            latest[serial] = measurement
        by_serial[serial].append(measurement)
    values = tuple(dict.fromkeys((answer.rated, *answer.kept)))
    periods = periods_by_value(measurements, values, lengths)
    rated: dict[str, dict[datetime, tuple[float, float]]] = {}
    for (serial, value), members in periods.items():
        if value == answer.rated:
            merged = _merged(
                answer.rated_before.get(serial, {}), members, answer.keep_from
            )
            if merged is not None:
                rated[serial] = merged
    kept = {key: members for key, members in periods.items() if key[1] in answer.kept}
    recent = {
        serial: sorted(
            (m for m in members if m.start >= answer.keep_from), key=lambda m: m.start
        )
        for serial, members in by_serial.items()
    }
    return Digest(
        rows=hour_rows(kept, answer.start, answer.end),
        rated=rated,
        recent={serial: members for serial, members in recent.items() if members},
        latest=latest,
        lengths=lengths,
        verdicts=_verdicts(answer, by_serial, lengths),
        brought={serial: len(by_serial.get(serial, ())) for serial in answer.asked},
    )


def _merged(
    before: Mapping[datetime, tuple[float, float]],
    members: Iterable[Period],
    keep_from: datetime,
) -> dict[datetime, tuple[float, float]] | None:
    """Return the rating periods with an answer's merged in; None if unchanged.

    A new mapping: the one before may be read while this runs.
    """
    new = {
        begin: (seconds, level)
        for begin, seconds, level in members
        if begin >= keep_from
    }
    kept = {begin: value for begin, value in before.items() if begin >= keep_from}
    if len(kept) == len(before) and all(kept.get(b) == v for b, v in new.items()):
        return None
    kept.update(new)
    return kept


def _ours(
    measurements: Iterable[Measurement], spelling: Mapping[str, str]
) -> list[Measurement]:
    """Return the periods of followed instruments, spelled as they are followed."""
    ours = []
    for measurement in measurements:
        serial = spelling.get(measurement.instrument.casefold())
        if serial == measurement.instrument:
            ours.append(measurement)
        elif serial is not None:
            ours.append(replace(measurement, instrument=serial))
    return ours


def _verdicts(
    answer: Answer,
    by_serial: Mapping[str, list[Measurement]],
    lengths: Mapping[str, float],
) -> dict[str, dict[datetime, bool]]:
    """Return, for each instrument asked, which whole hours asked are complete."""
    hours = whole_hours(answer.start, answer.end)
    verdicts: dict[str, dict[datetime, bool]] = {}
    for serial in answer.asked:
        in_hour: defaultdict[datetime, list[tuple[int, float]]] = defaultdict(list)
        for measurement in by_serial.get(serial, ()):
            in_hour[hour_floor(measurement.start.astimezone(UTC))].append(
                (int(measurement.start.timestamp()), _seconds(measurement, lengths))
            )
        spans = answer.not_measuring.get(serial, ())
        length = lengths.get(serial)
        verdicts[serial] = {
            hour: hour_complete(hour, in_hour.get(hour, ()), length, spans)
            for hour in hours
        }
    return verdicts
