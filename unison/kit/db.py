"""Engine and session construction for the embedded SQLite store and PostgreSQL."""

import fcntl
import itertools
import os
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, TypeVarTuple

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    Selectable,
    and_,
    create_engine,
    event,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
M = TypeVar("M")

CHUNK = 500  # values per IN (...) list or per multi-row statement: within SQLite's limits


def json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def json_loads(value: Any) -> Any:
    # SQLite gives a JSON column NUMERIC affinity, so a bare JSON number comes back as one.
    if isinstance(value, int | float):
        return value
    return orjson.loads(value)


def sqlite_time(moment: datetime) -> str:
    """The exact text SQLAlchemy's SQLite DateTime writes (naive UTC, always microseconds),
    for driver-level bulk inserts whose rows must read back through the ORM like any other."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    text = moment.replace(tzinfo=None).isoformat(" ")
    return text if len(text) > 19 else text + ".000000"


@dataclass(frozen=True, slots=True)
class DriverSql:
    """A session's connection for driver-level executemany, where SQLAlchemy's per-value
    processing would cost more than the write: the dialect's parameter mark and time form."""

    connection: Connection
    sqlite: bool

    @property
    def mark(self) -> str:
        return "?" if self.sqlite else "%s"

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def stamp(self, moment: datetime) -> str | datetime:
        # PostgreSQL's driver takes aware datetimes as they are.
        return sqlite_time(moment) if self.sqlite else moment

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.connection.exec_driver_sql(sql, rows)


def driver_sql(session: Session) -> DriverSql:
    connection = session.connection()
    return DriverSql(connection, connection.dialect.name == "sqlite")


def driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    """The rows of a fixed SQL text, read straight from the DBAPI cursor of the session's
    connection (inside its transaction), for hot indexed reads (the send gate, a segment
    round's facts): SQLAlchemy rebuilds a driver statement's result metadata on every
    execution, which cost as much as the reads themselves. Errors come as the driver's own,
    unwrapped."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def as_is(moment: datetime) -> datetime:
    """PostgreSQL's driver takes aware datetimes directly."""
    return moment


def create_db_engine(url: str, *, sqlite_synchronous: str = "FULL") -> Engine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {
        "json_serializer": json_dumps,
        "json_deserializer": json_loads,
    }
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, sqlite_synchronous)
    return engine


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(
            f"sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous}"
        )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the API read while the ingest writer commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, not left in free space: an erasure must
        # not survive in the file's bytes. Some builds default to it; we do not rely on that.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A 64 MiB page cache keeps the event log's indexes in memory as the file grows;
        # fewer, larger WAL checkpoints keep the fsync cost off most commits.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()


class SqliteWriteLock:
    """One writer at a time on an SQLite file: across this process's threads (a thread lock)
    and across processes serving the same file (an flock on `<file>-writer.lock`).

    Both waits block in the kernel or the interpreter, not in SQLite's sleeping busy
    handler, so the next writer starts the moment the previous one commits.
    """

    def __init__(self, database: str | None) -> None:
        self._thread_lock = threading.Lock()
        self._file: int | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            self._file = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> "SqliteWriteLock":
        self._thread_lock.acquire()
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX)  # releases the GIL while it waits
            except BaseException:
                self._thread_lock.release()
                raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._thread_lock.release()

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None


_WRITE_LOCKS: "weakref.WeakKeyDictionary[Engine, SqliteWriteLock]" = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[object]:
    """Serializes write transactions on an SQLite file, in this process and across the
    processes of `unison serve --processes N`.

    SQLite admits one writer at a time and makes the others wait in its busy handler, which
    sleeps in growing steps (up to 100 ms) and so turns a few milliseconds of contention
    into long stalls. Writers (the ingest writer, the log processors, timers) queue on this
    lock instead and start the moment it is free. PostgreSQL needs no such lock.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = SqliteWriteLock(engine.url.database)
            weakref.finalize(engine, lock.close)
    return lock


def queue_as_writer(session: Session) -> None:
    """On SQLite, queue on `write_lock` now, before this session's first write, and hold
    it until the session's transaction ends (committed, rolled back or closed).

    For a unit of work that reads and decides first and writes last (a fan-out chunk: the
    lock is not held while it renders and judges), and for a request that must get through
    while background writers commit back to back (a broadcast's pause): waiting in SQLite's
    busy handler it would poll every 100 ms and keep missing the moments the file is free.
    Only for units of
    work that take no other write lock on this engine meanwhile (the lock is not
    reentrant). PostgreSQL needs nothing: row locks queue there."""
    engine = session.get_bind()
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return
    if _QUEUED in session.info:
        return
    lock = write_lock(engine)
    lock.__enter__()
    session.info[_QUEUED] = lock

    def release(_session: Session, transaction: Any) -> None:
        # Left registered once done (listeners cannot be removed while they run): a
        # session lives for one unit of work.
        if transaction.parent is None and _QUEUED in session.info:
            session.info.pop(_QUEUED).__exit__(None, None, None)

    event.listen(session, "after_transaction_end", release)
    try:
        session.connection()  # the transaction whose end releases the lock has begun
    except BaseException:
        if _QUEUED in session.info:
            session.info.pop(_QUEUED).__exit__(None, None, None)
        raise


_QUEUED = "unison.queued_writer"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work for boundaries (CLI commands, tasks): commit on success, else roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """`transaction` for a background writer that writes early in its unit of work (the
    outbox's lease, claim and record): on SQLite it first queues on
    `write_lock`, so two such writers hand over the moment one commits, instead of one
    polling in SQLite's busy handler while the other holds the file."""
    with write_lock(factory.kw["bind"]), transaction(factory) as session:
        yield session


def newest_first(
    query: Select[*Ts],
    moment: Any,
    key: Any,
    before: tuple[datetime, int] | None,
    limit: int,
) -> Select[*Ts]:
    """A keyset page of `query`, newest first by (moment, key), strictly older than
    `before` (the last row of the previous page) when given."""
    if before is not None:
        at, last = before
        query = query.where(or_(moment < at, and_(moment == at, key < last)))
    return query.order_by(moment.desc(), key.desc()).limit(limit)


class NamedRows(Generic[M]):
    """The queries every table of named configuration (API tokens, sources, connectors)
    needs: one by its unique name, all in creation order, and adding one."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._name: Any = getattr(model, "name")  # noqa: B009 - a column every such model has
        self._id: Any = getattr(model, "id")  # noqa: B009

    def by_name(self, session: Session, name: str) -> M | None:
        return session.execute(select(self.model).where(self._name == name)).scalar_one_or_none()

    def all(self, session: Session) -> list[M]:
        return list(session.execute(select(self.model).order_by(self._id)).scalars())

    def add(self, session: Session, row: M) -> M:
        session.add(row)
        session.flush()
        return row


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, in order: bounded IN (...) lists and batches."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT in the session's dialect, the one that knows ON CONFLICT (both spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert(
    session: Session,
    table: Any,
    rows: Sequence[dict[str, Any]],
    index_elements: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert `rows`; a row whose `index_elements` already exist overwrites the `update`
    columns with the new values instead."""
    if not rows:
        return
    statement = dialect_insert(session, table)
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(index_elements),
            set_={column: excluded[column] for column in update},
        ),
        list(rows),
    )


def insert_ignore(
    session: Session,
    table: Any,
    rows: Sequence[dict[str, Any]],
    index_elements: Sequence[str] | None = None,
) -> None:
    """Insert `rows`, skipping those that clash with an existing row (on `index_elements`,
    or on any unique constraint when None)."""
    if not rows:
        return
    session.execute(
        dialect_insert(session, table).on_conflict_do_nothing(index_elements=index_elements),
        list(rows),
    )


def insert_ignore_from(
    session: Session,
    table: Any,
    columns: Sequence[Any],
    query: Selectable,
    index_elements: Sequence[str] | None = None,
) -> None:
    """INSERT ... SELECT `query`, skipping rows that clash with existing ones. SQLite parses
    `ON CONFLICT` after a SELECT only when the SELECT has a WHERE clause (`WHERE true` will do)."""
    session.execute(
        dialect_insert(session, table)
        .from_select(list(columns), query)
        .on_conflict_do_nothing(index_elements=index_elements)
    )
