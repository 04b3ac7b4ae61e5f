"""The stored record of a loaded entry's instruments.

Measurement periods into long-term statistics, read back as far as they go and
re-read where they are incomplete; rating levels; noise events; weather. The
parts are given their collaborators: none reaches another through the
coordinator.
"""

from .statistics import async_keep, async_offer_to_clear
from .stored_data import StoredData, async_forget_stored_data

__all__ = [
    "StoredData",
    "async_forget_stored_data",
    "async_keep",
    "async_offer_to_clear",
]
