"""Time in one place, so tests and timers can control it."""

from datetime import UTC, datetime, timedelta

_ZERO = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat_z(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and a Z, the Segment wire format."""
    if moment.utcoffset() != _ZERO:  # on the ingest hot path: skip the conversion when UTC
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def ensure_utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC (SQLite stores them naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is UTC:
        return moment
    return moment.astimezone(UTC)
