"""Time in the demo history: integer milliseconds since the epoch, written as ISO 8601 UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final

from unison.demo.draw import cumulative

SEC: Final = 1_000
MIN: Final = 60 * SEC
HOUR: Final = 60 * MIN
DAY: Final = 24 * HOUR
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

HOURS: Final = tuple(range(24))
# Local hour of day at which people browse, read mail and write to the brand.
ONLINE_HOUR_CUM: Final = cumulative(
    [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 2, 4, 6, 7, 7, 8, 8, 7, 7, 7, 8, 9, 10, 10, 8, 5, 2]
)
STORE_HOUR_CUM: Final = cumulative(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 6, 7, 6, 5, 5, 6, 8, 9, 7, 4, 0, 0]
)
OFFICE_HOUR_CUM: Final = cumulative(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 8, 8, 7, 6, 7, 8, 7, 6, 5, 3, 1, 0, 0, 0]
)


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000 + delta.microseconds // 1_000


def iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"
