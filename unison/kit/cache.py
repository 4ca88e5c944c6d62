"""A bounded time-to-live cache for lookups that sit on a hot path (write keys, connectors)."""

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_LIMIT = 10_000


class TtlCache(Generic[K, V]):
    """key -> (value, expiry) for found values only. There is no way to store a miss: a
    thing created a moment ago must be found on its first use, and a cached "not found"
    would keep refusing it until expiry. A caller that finds nothing simply does not `put`.

    Bounded: when full it starts afresh, so memory stays fixed whatever keys callers try.
    Not thread-safe; each user touches it from one event loop.
    """

    def __init__(self, ttl: float, limit: int = DEFAULT_LIMIT) -> None:
        self.ttl = ttl
        self._limit = limit
        self._entries: dict[K, tuple[V, float]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (value, time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
