"""Per-provider send rates, in this process: a token bucket per rate key (a Telegram bot,
an SMS account...) paces sends to the provider's documented rate, and a provider's own
`retry_after` / `Retry-After` pauses that key until then. Several dispatcher processes each
keep their own buckets, so the configured rates are per process (docs/design/outbox.md)."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    rate: float
    tokens: float
    stamp: float
    paused_until: float = 0.0


class RateLimits:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._guard = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def paused(self, key: str) -> float:
        """Seconds until the provider allows this key again (0: now)."""
        with self._guard:
            bucket = self._buckets.get(key)
            return max(0.0, bucket.paused_until - self._clock()) if bucket else 0.0

    def pause(self, key: str, seconds: float) -> None:
        with self._guard:
            bucket = self._bucket(key, None)
            bucket.paused_until = max(bucket.paused_until, self._clock() + seconds)

    def take(self, key: str, rate: float | None) -> None:
        """Wait (pacing, not synchronization) until one send under `key` fits its rate."""
        if not rate:
            return
        while (wait := self._try(key, rate)) > 0:
            self._sleep(wait)

    def _try(self, key: str, rate: float) -> float:
        with self._guard:
            bucket, now = self._bucket(key, rate), self._clock()
            # A burst of at most one second's worth, refilled continuously.
            bucket.tokens = min(rate, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate

    def _bucket(self, key: str, rate: float | None) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            start = rate or 1.0
            bucket = self._buckets[key] = _Bucket(start, start, self._clock())
        elif rate and bucket.rate != rate:
            bucket.rate = rate
        return bucket


# One set of buckets per process: delivery rounds come and go, the provider's limits stay.
LIMITS = RateLimits()
