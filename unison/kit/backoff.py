"""When to try again after a failed delivery: doubling from a base, capped."""

from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=6)


def next_attempt(now: datetime, attempts: int, base_seconds: float) -> datetime:
    """After the n-th failed attempt, wait base, twice that, four times... at most six hours."""
    return now + min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)
