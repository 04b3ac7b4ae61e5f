"""How stored periods become hourly statistics and rating levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import math

import pytest

from custom_components.mycirrus.acoustics import (
    DEFAULT_STORED_VALUES,
    STORED_VALUES,
    Period,
    StoredKind,
    conditions_poor,
    energetic_mean,
    hour_floor,
    hourly_rows,
    stored_kind,
)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 6, 1, hour, minute, second, tzinfo=UTC)


def steady(origin: datetime, first: int, last: int, level: float) -> list[Period]:
    """Return back-to-back 15-minute periods at one level from hour first to last."""
    start = origin + timedelta(hours=first)
    return [
        (start + timedelta(minutes=15 * i), 900.0, level)
        for i in range((last - first) * 4)
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("LAeq", StoredKind.ENERGETIC),
        ("lceq", StoredKind.ENERGETIC),
        ("LZeq", StoredKind.ENERGETIC),
        ("LAFMax", StoredKind.MAXIMUM),
        ("LAFmax", StoredKind.MAXIMUM),
        ("LZIMax", StoredKind.MAXIMUM),
        ("LCPeak", StoredKind.MAXIMUM),
        ("LeqT1Max", StoredKind.MAXIMUM),
        ("LAF1", StoredKind.STATISTICAL),
        ("laf90", StoredKind.STATISTICAL),
        ("LAF99", StoredKind.STATISTICAL),
    ],
)
def test_stored_kind(name: str, kind: StoredKind) -> None:
    assert stored_kind(name) is kind


@pytest.mark.parametrize("name", ["LAE", "LCE", "LEX8", "LeqT1Type", "wind"])
def test_sums_and_other_names_are_no_stored_level(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        stored_kind(name)


def test_every_offered_value_has_a_kind() -> None:
    assert set(DEFAULT_STORED_VALUES) <= set(STORED_VALUES)
    assert len(set(STORED_VALUES)) == len(STORED_VALUES)
    kinds = {stored_kind(name) for name in STORED_VALUES}
    assert kinds == set(StoredKind)


def test_energetic_mean() -> None:
    # 10·log10((10^6 + 10^8) / 2): the louder level dominates.
    assert energetic_mean([(60.0, 1.0), (80.0, 1.0)]) == pytest.approx(77.03, abs=0.01)
    # 10 min at 50 dB and 50 min at 70 dB: 10·log10((600·10^5 + 3000·10^7) / 3600).
    expected = 10 * math.log10((600 * 1e5 + 3000 * 1e7) / 3600)
    assert energetic_mean([(50.0, 600.0), (70.0, 3000.0)]) == pytest.approx(expected)
    assert expected == pytest.approx(69.22, abs=0.01)
    assert energetic_mean([(63.2, 5.0)] * 7) == pytest.approx(63.2)
    # Neither 10^25 overflows nor 10^-5 vanishes.
    assert energetic_mean([(250.0, 1.0), (250.0, 3.0)]) == pytest.approx(250.0)
    assert energetic_mean([(-50.0, 2.0)]) == pytest.approx(-50.0)
    assert energetic_mean([(250.0, 1.0), (-50.0, 1.0)]) == pytest.approx(
        246.99, abs=0.01
    )
    assert energetic_mean([]) is None
    assert energetic_mean([(70.0, 0.0)]) is None


def test_hourly_rows_by_kind() -> None:
    periods: list[Period] = [(at(10), 600.0, 50.0), (at(10, 10), 3000.0, 70.0)]
    energetic, maximum, statistical = (
        hourly_rows(periods, kind)
        for kind in (StoredKind.ENERGETIC, StoredKind.MAXIMUM, StoredKind.STATISTICAL)
    )
    (row,) = energetic
    assert row.start == at(10)
    assert row.mean == pytest.approx(10 * math.log10((600 * 1e5 + 3000 * 1e7) / 3600))
    assert (row.min, row.max, row.duration, row.count) == (50.0, 70.0, 3600.0, 2)
    # Maxima and statistical levels: the duration-weighted arithmetic mean;
    # the peak stays in max.
    for rows in (maximum, statistical):
        (row,) = rows
        assert row.mean == pytest.approx((50 * 600 + 70 * 3000) / 3600)
        assert (row.min, row.max) == (50.0, 70.0)


def test_hours_from_period_starts_only() -> None:
    plus_one = timezone(timedelta(hours=1))
    periods: list[Period] = [
        (at(12, 30), 900.0, 60.0),
        (at(10, 59, 59), 900.0, 61.0),  # runs into 11:00 but starts at 10
        (datetime(2026, 6, 1, 11, 0, tzinfo=plus_one), 900.0, 62.0),  # 10:00 UTC
        (at(12), 900.0, 63.0),
    ]
    rows = hourly_rows(periods, StoredKind.ENERGETIC)
    assert [row.start for row in rows] == [at(10), at(12)]  # no 11:00 row
    assert all(row.start.tzinfo is UTC for row in rows)
    assert [row.count for row in rows] == [2, 2]
    assert hourly_rows([], StoredKind.MAXIMUM) == []


def test_duplicates_count_once_and_non_measurements_are_dropped() -> None:
    periods: list[Period] = [
        (at(10), 900.0, 60.0),
        (at(10, 15), 900.0, 99999.0),
        (at(10, 30), 0.0, 80.0),
        (at(10, 45), 900.0, math.nan),
        (at(10), 900.0, 66.0),  # the same period again: the last one wins
    ]
    (row,) = hourly_rows(periods, StoredKind.MAXIMUM)
    assert (row.mean, row.min, row.max, row.count) == (66.0, 66.0, 66.0, 1)
    assert hourly_rows(periods[1:4], StoredKind.MAXIMUM) == []


def test_one_second_periods_count() -> None:
    """Instruments can store periods as short as a second."""
    periods: list[Period] = [(at(10, 0, second), 1.0, 60.0) for second in range(2)]
    (row,) = hourly_rows(periods, StoredKind.ENERGETIC)
    assert (row.mean, row.count, row.duration) == (60.0, 2, 2.0)


def test_naive_period_start_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        hourly_rows([(datetime(2026, 6, 1, 10), 60.0, 50.0)], StoredKind.ENERGETIC)


def test_fingerprint_changes_only_when_the_periods_change() -> None:
    base: list[Period] = [(at(10), 900.0, 60.0), (at(10, 15), 900.0, 61.0)]
    other_hour: list[Period] = [(at(11), 900.0, 50.0)]

    def prints(periods: list[Period]) -> list[object]:
        return [row.fingerprint for row in hourly_rows(periods, StoredKind.ENERGETIC)]

    first = prints(base + other_hour)
    hash(first[0])
    assert prints(other_hour + base[::-1] + base[:1]) == first
    late = prints([*base, (at(10, 30), 900.0, 62.0), *other_hour])
    assert late[0] != first[0]
    assert late[1] == first[1]
    assert prints([base[0], (at(10, 15), 900.0, 61.5), *other_hour])[0] != first[0]
    assert prints([base[0], (at(10, 15), 600.0, 61.0), *other_hour])[0] != first[0]


@pytest.mark.parametrize(
    ("wind", "rain", "poor"),
    [
        (None, None, None),
        (6.0, None, True),
        (5.0, None, False),
        (None, 0.2, True),
        (None, 0.0, False),
        (3.0, 0.0, False),
        (3.0, 0.1, True),
        (8.0, 0.0, True),
    ],
)
def test_conditions_poor(
    wind: float | None, rain: float | None, poor: bool | None
) -> None:
    assert conditions_poor(wind, rain, 5.0) is poor


def test_hour_floor_keeps_the_zone() -> None:
    moment = datetime(2026, 6, 1, 10, 59, 59, 999999, tzinfo=UTC)
    assert hour_floor(moment) == datetime(2026, 6, 1, 10, tzinfo=UTC)
    assert hour_floor(at(10)) == at(10)
