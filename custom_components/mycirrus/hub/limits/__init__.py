"""Noise limits: LAeq,T or a maximum against a schedule, while an entry runs.

``config`` reads a limit's subentry and says what makes one invalid,
``schedule`` finds its periods and windows, ``feed`` turns live messages into
spans of time, ``tally`` sums one window, ``runner`` keeps one limit's windows
and verdicts and ``manager`` runs the entry's limits and hands them their data.
"""

from .config import LimitConfig, normalised, problems
from .display import LimitState
from .manager import LimitsManager
from .schedule import Window

__all__ = [
    "LimitConfig",
    "LimitState",
    "LimitsManager",
    "Window",
    "normalised",
    "problems",
]
