"""A limit's data: what the form may be given, and what it keeps."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from custom_components.mycirrus.hub.limits.config import (
    LimitConfig,
    normalised,
    parse_time,
    period_minutes,
    problems,
)

FOLLOWED = {"QT100001": "Site gate"}
GOOD: dict[str, Any] = {
    "name": "Works",
    "instrument": "QT100001",
    "value": "LAeq",
    "window": "15",
    "days": ["mon", "fri"],
    "start": "08:00:00",
    "end": "18:00",
    "level": 75,
    "margin": 3,
}


def errors(**change: Any) -> dict[str, str]:
    return problems({**GOOD, **change}, followed=FOLLOWED, stored_period=lambda _: None)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("08:00", time(8)),
        ("23:59:59", time(23, 59)),
        (" 7:05 ", time(7, 5)),
        ("24:00", None),
        ("08:60", None),
        ("8", None),
        ("08:0x", None),
        (800, None),
        (None, None),
    ],
)
def test_times(text: Any, parsed: time | None) -> None:
    """Local times as the form gives them: "HH:MM" or "HH:MM:SS"."""
    assert parse_time(text) == parsed


def test_period_lengths() -> None:
    """An end at or before the start is the next day's."""
    assert period_minutes(time(8), time(18)) == 600
    assert period_minutes(time(23), time(7)) == 480
    assert period_minutes(time(0), time(0)) == 1440
    assert period_minutes(time(8), time(8)) == 1440


def test_good_data_and_what_is_kept() -> None:
    assert errors() == {}
    kept = normalised(GOOD)
    assert kept == {
        "name": "Works",
        "instrument": "QT100001",
        "value": "LAeq",
        "window": 15,
        "days": ["mon", "fri"],
        "start": "08:00",
        "end": "18:00",
        "level": 75.0,
        "margin": 3.0,
    }
    config = LimitConfig.from_data(kept)
    assert config.days == frozenset({0, 4})
    assert config.window_minutes == 15
    assert not config.maximum
    assert config.live_value == "LAeq"
    whole = LimitConfig.from_data({**kept, "window": 0, "value": "LAFMax"})
    assert whole.window_minutes == 600
    assert whole.maximum
    assert whole.live_value == "LAF"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"start": "8am"}, {"start": "invalid_time"}),
        ({"end": None}, {"end": "invalid_time"}),
        ({"window": "an hour"}, {"window": "invalid_window"}),
        ({"window": None}, {"window": "invalid_window"}),
        ({"level": True}, {"level": "level_out_of_range"}),
        ({"level": None}, {"level": "level_out_of_range"}),
        ({"level": "loud"}, {"level": "level_out_of_range"}),
        ({"level": float("nan")}, {"level": "level_out_of_range"}),
        ({"margin": 21}, {"margin": "margin_out_of_range"}),
        ({"days": "wed"}, {}),
        ({"days": ["Someday"]}, {"days": "no_days"}),
        ({"days": None}, {"days": "no_days"}),
    ],
)
def test_what_the_form_refuses(
    change: dict[str, Any], expected: dict[str, str]
) -> None:
    assert errors(**change) == expected


def test_windows_on_the_stored_periods() -> None:
    """Known 15-minute periods: the window and its start must fall on them."""
    quarter = problems(
        {**GOOD, "window": 10}, followed=FOLLOWED, stored_period=lambda _: 900.0
    )
    assert quarter == {"window": "window_not_multiple"}
    assert (
        problems({**GOOD, "window": 30}, followed=FOLLOWED, stored_period=lambda _: 900)
        == {}
    )


def test_data_it_cannot_read() -> None:
    """A sub-entry no form made: refused as a whole."""
    for change in ({"start": "x"}, {"value": "LCeq"}, {"window": 7}):
        with pytest.raises(ValueError, match="usable"):
            LimitConfig.from_data({**normalised(GOOD), **change})
    with pytest.raises(KeyError):
        LimitConfig.from_data(
            {k: v for k, v in normalised(GOOD).items() if k != "level"}
        )
