"""What runs while a config entry is loaded: pollers, push, checks and the records.

Each module has one responsibility and reports through callbacks; none imports
the platforms, the flows or runtime.py.
"""

from .hub import MyCirrusHub
from .ratelimit import async_forget_limiter, async_get_limiter
from .stored import async_forget_stored_data, async_offer_to_clear

__all__ = [
    "MyCirrusHub",
    "async_forget_limiter",
    "async_forget_stored_data",
    "async_get_limiter",
    "async_offer_to_clear",
]
