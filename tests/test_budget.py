"""The energy budget of a noise limit, against figures worked out by hand."""

from __future__ import annotations

import math

import pytest

from custom_components.mycirrus.budget import (
    above,
    budget,
    energy,
    headroom,
    maximum_headroom,
    mean_level,
    over_budget,
    warning_rate,
)

HOUR = 3600.0


def test_energy_and_mean_level() -> None:
    """Energy is seconds times 10^(L/10); its mean level is 10·log10(E/T)."""
    assert energy(70.0, 10.0) == pytest.approx(10 * 1e7)
    # 30 minutes at 80 dB and 30 at 60 dB: 10·log10((1e8 + 1e6) / 2) = 77.03 dB.
    spent = energy(80.0, 1800) + energy(60.0, 1800)
    assert mean_level(spent, HOUR) == pytest.approx(77.0329, abs=1e-4)
    assert mean_level(0.0, HOUR) is None
    assert mean_level(spent, 0.0) is None


def test_budget_of_an_hour_at_75() -> None:
    """LAeq,1h 75 dB: an hour's budget is 3600·10^7.5."""
    assert budget(75.0, HOUR) == pytest.approx(3600 * 10**7.5)


def test_headroom_after_half_an_hour_at_70() -> None:
    """Half an hour at 70 dB leaves the second half 77.6 dB (75 dB LAeq,1h).

    (3600·10^7.5 - 1800·10^7) / 1800 = 2·10^7.5 - 10^7 = 5.3246e7: 77.263 dB.
    """
    by_hand = 10 * math.log10(2 * 10**7.5 - 10**7)
    result = headroom(75.0, HOUR, energy(70.0, 1800), 1800)
    assert result == pytest.approx(by_hand)
    assert result == pytest.approx(77.263, abs=1e-3)
    # A window ending at the limit: the rest at the headroom spends the budget.
    assert energy(70.0, 1800) + energy(by_hand, 1800) == pytest.approx(
        budget(75.0, HOUR)
    )


def test_headroom_at_the_start_is_the_limit() -> None:
    """Nothing spent, the whole window left: the headroom is the limit."""
    assert headroom(65.0, 900, 0.0, 900) == pytest.approx(65.0)


def test_headroom_when_nothing_is_left() -> None:
    """No time or no budget left, or the budget overspent: no headroom."""
    assert headroom(75.0, HOUR, energy(70.0, HOUR), 0.0) is None
    assert headroom(75.0, HOUR, budget(75.0, HOUR), 60.0) is None
    assert headroom(75.0, HOUR, budget(75.0, HOUR) * 1.01, 60.0) is None


def test_certain_exceedance() -> None:
    """Over budget is certain: 12 minutes at 82 dB exceed LAeq,1h 75 dB.

    720·10^8.2 = 1.141e11 > 3600·10^7.5 = 1.138e11; 11 minutes do not.
    """
    assert over_budget(75.0, HOUR, energy(82.0, 720))
    assert not over_budget(75.0, HOUR, energy(82.0, 660))


def test_a_window_at_its_limit_is_not_exceeded() -> None:
    """An hour at exactly 75 dB, summed a second at a time, is within the limit."""
    spent = sum(energy(75.0, 1.0) for _ in range(3600))
    assert not over_budget(75.0, HOUR, spent)
    assert not above(mean_level(spent, HOUR), 75.0)
    assert above(75.01, 75.0)
    assert not above(None, 75.0)


def test_maximum_headroom() -> None:
    """A maximum limit's headroom is the limit less the highest level so far."""
    assert maximum_headroom(85.0, 79.5) == pytest.approx(5.5)
    assert maximum_headroom(85.0, 85.0) == 0.0
    assert maximum_headroom(85.0, 85.2) is None
    assert maximum_headroom(85.0, None) is None


def test_warning_rate() -> None:
    """The warning level's energy per second: 10^((75 - 3)/10)."""
    assert warning_rate(75.0, 3.0) == pytest.approx(10**7.2)
