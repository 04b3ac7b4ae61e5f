"""The energy budget of a noise limit on LAeq,T: what a window may still take.

A window of T seconds stays at or below a limit L (dB) while its sound energy
stays at or below the budget T·10^(L/10): decibels are a logarithm of energy,
and an LAeq is the level of the window's mean energy. Each second at level Li
spends 10^(Li/10) of it. What the window has spent so far, E, leaves
T·10^(L/10) - E for the T_left seconds still to come: the highest constant
level they may have is the headroom, 10·log10((T·10^(L/10) - E) / T_left).
Once E is over the budget, no quiet end can bring the window back under the
limit: its exceedance is certain.

A maximum limit (LAFMax, LCPeak) is exceeded by any level above it: its
headroom is the limit less the highest level so far.

Energies are seconds times 10^(L/10), with L at most ``levels.HIGHEST_LEVEL``
(250 dB): a day of it is about 1e30, far inside a float.
"""

from __future__ import annotations

import math
from typing import Final

# A level equal to its limit is within it: rounding in sums of many messages
# must not turn "at the limit" into "over it".
TOLERANCE: Final = 1e-9


def energy(level: float, seconds: float) -> float:
    """Return the sound energy of ``seconds`` at ``level`` dB (s·10^(L/10))."""
    return seconds * 10 ** (level / 10)


def mean_level(spent: float, seconds: float) -> float | None:
    """Return the level (dB) of ``spent`` energy over ``seconds``; None if none."""
    if seconds <= 0 or spent <= 0:
        return None
    return 10 * math.log10(spent / seconds)


def budget(limit: float, seconds: float) -> float:
    """Return the energy a window of ``seconds`` may hold and stay at ``limit``."""
    return energy(limit, seconds)


def over_budget(limit: float, window: float, spent: float) -> bool:
    """Return whether ``spent`` already takes a ``window``-second window over ``limit``.

    What comes after can only add energy, and the window's level is its energy
    over its length at most: the exceedance is certain.
    """
    return spent > budget(limit, window) * (1 + TOLERANCE)


def headroom(limit: float, window: float, spent: float, left: float) -> float | None:
    """Return the highest constant level the ``left`` seconds may still have.

    The window (``window`` seconds long, ``spent`` energy so far) then ends at
    ``limit`` exactly. None when nothing is left of the window or of its budget.
    """
    remaining = budget(limit, window) - spent
    if left <= 0 or remaining <= 0 or over_budget(limit, window, spent):
        return None
    return 10 * math.log10(remaining / left)


def over(limit: float) -> float:
    """Return the level a level must be above to be over ``limit`` (rounding aside)."""
    return limit + TOLERANCE * abs(limit)


def above(level: float | None, limit: float) -> bool:
    """Return whether a level (a window's LAeq, or a maximum) is over ``limit``."""
    return level is not None and level > over(limit)


def maximum_headroom(limit: float, highest: float | None) -> float | None:
    """Return how far the highest level so far is under a maximum limit.

    None before any level, and once a level went over the limit.
    """
    if highest is None or above(highest, limit):
        return None
    return limit - highest


def warning_rate(limit: float, margin: float) -> float:
    """Return the energy per second of the level ``margin`` dB under ``limit``."""
    return 10 ** ((limit - margin) / 10)
