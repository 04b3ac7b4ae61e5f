"""A small cache of what MyCirrus answered: audio clips and time histories.

A browser asks for the same clip several times (once, then in byte ranges),
and a picture, a service call and a notification may all want one time
history: each is fetched once. A fetch that fails is not kept, so the next
request tries again; two requests for the same item at once share one fetch.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable


class LruCache[KeyT: Hashable, ValueT]:
    """Keeps the values last used, up to a total cost (``cost`` of each value)."""

    def __init__(self, capacity: int, cost: Callable[[ValueT], int]) -> None:
        """Keep values whose costs add up to at most ``capacity``."""
        self.capacity = capacity
        self._cost = cost
        self._values: OrderedDict[KeyT, ValueT] = OrderedDict()
        self._total = 0
        self._fetching: dict[KeyT, asyncio.Lock] = {}

    def __len__(self) -> int:
        """Return how many values are kept."""
        return len(self._values)

    @property
    def total(self) -> int:
        """Return the cost of what is kept."""
        return self._total

    def get(self, key: KeyT) -> ValueT | None:
        """Return a kept value (now the last used), else None."""
        if (value := self._values.get(key)) is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: KeyT, value: ValueT) -> None:
        """Keep a value; the least recently used go until the rest fits.

        A value that alone costs more than the capacity is not kept.
        """
        cost = self._cost(value)
        if cost > self.capacity:
            return
        if (old := self._values.pop(key, None)) is not None:
            self._total -= self._cost(old)
        self._values[key] = value
        self._total += cost
        while self._total > self.capacity:
            _, dropped = self._values.popitem(last=False)
            self._total -= self._cost(dropped)

    async def async_get(
        self, key: KeyT, fetch: Callable[[], Awaitable[ValueT]]
    ) -> ValueT:
        """Return the value of ``key``, fetched once if it is not kept."""
        if (value := self.get(key)) is not None:
            return value
        lock = self._fetching.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                if (value := self.get(key)) is not None:
                    return value
                value = await fetch()
                self.put(key, value)
                return value
        finally:
            if not lock.locked() and self._fetching.get(key) is lock:
                del self._fetching[key]

    def clear(self) -> None:
        """Forget everything kept."""
        self._values.clear()
        self._total = 0
