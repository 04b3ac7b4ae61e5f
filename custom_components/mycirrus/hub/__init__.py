"""What runs while a config entry is loaded: pollers, push, checks and the records.

Each module has one responsibility and reports through callbacks; none imports
the platforms, the flows or runtime.py.
"""

from .events import EventMemory
from .hub import MyCirrusHub
from .ratelimit import async_forget_limiter, async_get_limiter
from .statistics import async_offer_to_clear

__all__ = [
    "EventMemory",
    "MyCirrusHub",
    "async_forget_limiter",
    "async_get_limiter",
    "async_offer_to_clear",
]
