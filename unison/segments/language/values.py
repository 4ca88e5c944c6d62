"""How one JSON value compares with a condition's value: the rules both evaluators follow.

The SQL compiler (compile_sql.py) renders exactly these rules; the hypothesis test holds the
two to each other. Comparisons are typed: a string never equals a number, `gt` with a number
only looks at numbers and with a string only at strings (code-point order), a missing value
or JSON null satisfies nothing (so `neq` needs the value to exist).
"""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def typed_equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if is_number(expected):
        return is_number(actual) and actual == expected
    return isinstance(actual, str) and actual == expected


def as_moment(value: Any) -> datetime | None:
    """A datetime, or an ISO 8601 date/date-time string, as an aware UTC moment."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not _MOMENT.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def anniversary_days(now: datetime, days: int) -> list[str]:
    """The "MM-DD" of today (UTC) and the next `days` days; a 29 February birthday is
    celebrated on the 28th in other years."""
    today = now.astimezone(UTC).date()
    found: list[str] = []
    for step in range(min(days, 366) + 1):
        day = today + timedelta(days=step)
        found.append(day.strftime("%m-%d"))
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            found.append("02-29")
    return found


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def month_day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.strftime("%m-%d")
    if isinstance(value, str) and as_moment(value) is not None:
        return value[5:10]
    return None


def compare(op: str, actual: Any, expected: Any, now: datetime) -> bool:
    """Whether `actual` (None when missing) satisfies `op expected` at `now`."""
    if actual is None:
        return False
    if op in ("exists", "eq", "neq", "in"):
        return _equality(op, actual, expected)
    if op in ("contains", "starts_with"):
        return _text_or_list(op, actual, expected)
    if op in ("gt", "gte", "lt", "lte"):
        return _ordered(op, actual, expected)
    if op == "anniversary_within_days":
        return month_day(actual) in anniversary_days(now, expected)
    return _days_ago(op, actual, expected, now)


def _equality(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return True
    if op == "in":
        return any(typed_equal(actual, item) for item in expected)
    return typed_equal(actual, expected) == (op == "eq")


def _text_or_list(op: str, actual: Any, expected: Any) -> bool:
    if op == "starts_with":
        return isinstance(actual, str) and actual.startswith(expected)
    if isinstance(actual, list):
        return any(typed_equal(item, expected) for item in actual)
    return isinstance(actual, str) and isinstance(expected, str) and expected in actual


def _days_ago(op: str, actual: Any, days: Any, now: datetime) -> bool:
    """`more_than_days_ago` / `less_than_days_ago` of a moment value."""
    moment = as_moment(actual)
    if moment is None:
        return False
    cutoff = now - timedelta(days=days)
    return moment < cutoff if op == "more_than_days_ago" else moment >= cutoff


def _ordered(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(actual, datetime):
        moment = as_moment(expected)
        if moment is None:
            return False
        left: Any = actual
        right: Any = moment
    elif is_number(expected):
        if not is_number(actual):
            return False
        left, right = actual, expected
    elif isinstance(expected, str) and isinstance(actual, str):
        left, right = actual, expected
    else:
        return False
    if op == "gt":
        return bool(left > right)
    if op == "gte":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)


def count_matches(op: str, actual: float, expected: float) -> bool:
    return {
        "eq": actual == expected,
        "neq": actual != expected,
        "gt": actual > expected,
        "gte": actual >= expected,
        "lt": actual < expected,
        "lte": actual <= expected,
    }[op]


def bucket(salt: str, profile_id: int) -> int:
    """0-99 from the first 32 bits of md5("salt:profile id"); PostgreSQL computes the same."""
    digest = hashlib.md5(f"{salt}:{profile_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 100


def next_anniversary_change(value: Any, days: int, now: datetime) -> datetime | None:
    """The next UTC midnight at which "anniversary within `days`" may flip for this value."""
    md = month_day(value)
    if md is None:
        return None
    today = now.astimezone(UTC).date()
    upcoming = _next_anniversary(md, today)
    if (upcoming - today).days <= days:
        return _midnight(upcoming + timedelta(days=1))  # the day after it, it drops out
    return _midnight(upcoming - timedelta(days=days))  # the day it comes into range


def _next_anniversary(md: str, today: date) -> date:
    month, day = int(md[:2]), int(md[3:])
    for year in (today.year, today.year + 1, today.year + 2):
        if month == 2 and day == 29 and not _leap(year):
            candidate = date(year, 2, 28)
        else:
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
        if candidate >= today:
            return candidate
    return today


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
