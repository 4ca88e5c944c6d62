"""Time in one place, so tests and timers can control it."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat_z(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and a Z, the Segment wire format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ensure_utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC (SQLite stores them naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
