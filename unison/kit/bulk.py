"""Driver-level multi-row INSERTs for the chunked send path (a broadcast's chunk of messages,
outbox rows and recipients): SQLAlchemy's per-value processing of an executemany (a bind
processor per JSON and time value, parameters built per row) cost more than the writes.

Values are written exactly as the columns' types write them, so the rows read back through
the ORM like any other: JSON as the engine's serializer writes it (`kit.db.json_dumps`,
Python None as JSON null, jsonb on PostgreSQL), times as `sqlite_time` on SQLite and aware
(UTC when naive) on PostgreSQL."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.kit.db import chunks, driver_rows, driver_sql, json_dumps, sqlite_time

# Rows per statement: 500 rows of up to 20 values stay within both stores' parameter limits.
ROWS_PER_STATEMENT = 500


@dataclass(frozen=True)
class Columns:
    """The columns a bulk insert writes, and which of them are JSON or times."""

    table: str
    names: tuple[str, ...]
    json: frozenset[str] = frozenset()
    times: frozenset[str] = frozenset()


def insert_rows(
    session: Session,
    columns: Columns,
    rows: Sequence[dict[str, Any]],
    tail: str = "",
    *,
    returning: bool = False,
) -> list[Any]:
    """INSERT `rows` (dicts holding every column of `columns`) in multi-row statements,
    `tail` after the VALUES (ON CONFLICT, then RETURNING when `returning`); the rows every
    statement returned."""
    driver = driver_sql(session)
    sqlite = driver.sqlite
    row_sql = "(" + ", ".join(_mark(sqlite, name, columns) for name in columns.names) + ")"
    # The table and column names are the callers' constants, never input.
    head = f"INSERT INTO {columns.table} ({', '.join(columns.names)}) VALUES "  # noqa: S608
    values = _Values(sqlite, columns)
    found: list[Any] = []
    for part in chunks(rows, ROWS_PER_STATEMENT):
        params = [value for row in part for value in values.of(row)]
        sql = head + ", ".join([row_sql] * len(part)) + (f" {tail}" if tail else "")
        if returning:
            found += driver_rows(session, sql, params)
        else:
            driver.connection.exec_driver_sql(sql, tuple(params))
    return found


def _mark(sqlite: bool, name: str, columns: Columns) -> str:
    if sqlite:
        return "?"
    return "CAST(%s AS jsonb)" if name in columns.json else "%s"


class _Values:
    """A row's values in column order, JSON dumped and times stamped (each moment once: a
    chunk's rows mostly share theirs)."""

    def __init__(self, sqlite: bool, columns: Columns) -> None:
        self._sqlite = sqlite
        self._names = columns.names
        self._json = [i for i, name in enumerate(columns.names) if name in columns.json]
        self._times = [i for i, name in enumerate(columns.names) if name in columns.times]
        self._stamps: dict[datetime, str | datetime] = {}

    def of(self, row: dict[str, Any]) -> list[Any]:
        values = [row[name] for name in self._names]
        for i in self._json:
            values[i] = json_dumps(values[i])
        for i in self._times:
            if values[i] is not None:
                values[i] = self._stamp(values[i])
        return values

    def _stamp(self, moment: datetime) -> str | datetime:
        found = self._stamps.get(moment)
        if found is None:
            if self._sqlite:
                found = sqlite_time(moment)
            else:
                found = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            self._stamps[moment] = found
        return found
