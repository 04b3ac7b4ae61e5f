"""How a stream of live levels becomes one written value per interval."""

from __future__ import annotations

import math

import pytest

from custom_components.mycirrus.levels import (
    LIVE_VALUES,
    LevelKind,
    LevelWindow,
    level_kind,
    translation_key,
)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("LAeq", LevelKind.ENERGETIC_MEAN),
        ("LCeq", LevelKind.ENERGETIC_MEAN),
        ("LZeq", LevelKind.ENERGETIC_MEAN),
        ("31.5Hz", LevelKind.ENERGETIC_MEAN),
        ("1KHz", LevelKind.ENERGETIC_MEAN),
        ("LCPeak", LevelKind.MAXIMUM),
        ("LAPeak", LevelKind.MAXIMUM),
        ("LAFMax", LevelKind.MAXIMUM),
        ("LAFMin", LevelKind.MINIMUM),
        ("LAF", LevelKind.LATEST),
        ("LAS", LevelKind.LATEST),
        ("Ln10", LevelKind.LATEST),
        ("Ln90", LevelKind.LATEST),
    ],
)
def test_level_kind(name: str, kind: LevelKind) -> None:
    assert level_kind(name) is kind


def test_energetic_average_is_not_the_mean_of_decibels() -> None:
    window = LevelWindow(LevelKind.ENERGETIC_MEAN)
    for level in (50.0, 70.0):
        window.add(level)
    level = window.take()
    assert level is not None
    # 10·log10((10^5 + 10^7) / 2): the loud second dominates.
    assert level == pytest.approx(10 * math.log10((1e5 + 1e7) / 2))
    assert level == pytest.approx(67.03, abs=0.01)
    assert level != pytest.approx(60.0, abs=1)


def test_equal_levels_average_to_themselves() -> None:
    window = LevelWindow(LevelKind.ENERGETIC_MEAN)
    for _ in range(5):
        window.add(63.2)
    assert window.take() == pytest.approx(63.2)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (LevelKind.MAXIMUM, 92.5),
        (LevelKind.MINIMUM, 61.0),
        (LevelKind.LATEST, 75.0),
    ],
)
def test_extremes_and_latest(kind: LevelKind, expected: float) -> None:
    window = LevelWindow(kind)
    for level in (80.0, 92.5, 61.0, 75.0):
        window.add(level)
    assert window.take() == expected


def test_take_starts_a_new_interval() -> None:
    window = LevelWindow(LevelKind.MAXIMUM)
    assert window.take() is None
    window.add(90.0)
    assert window.take() == 90.0
    assert window.take() is None
    window.add(70.0)
    window.clear()
    assert window.take() is None
    window.add(71.0)
    assert window.take() == 71.0


def test_translation_keys_are_snake_case_and_unique() -> None:
    keys = [translation_key(name) for name in LIVE_VALUES]
    assert len(set(keys)) == len(LIVE_VALUES)
    assert translation_key("LAeq") == "laeq"
    assert translation_key("31.5Hz") == "band_31_5hz"
    assert translation_key("1KHz") == "band_1khz"
    assert all(key.replace("_", "").isalnum() and key.islower() for key in keys)
