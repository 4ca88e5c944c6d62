"""Group commit: many requests' writes share one transaction and one fsync.

Acknowledging an event only after its commit is durable costs an fsync; doing one fsync per
request caps a single SQLite file at a few hundred requests per second. A single writer
thread instead takes every write queued while the previous commit was in flight and commits
them together, then answers each caller. Callers still hear back only after *their* rows are
committed, so durability is unchanged; throughput scales with concurrency.

On PostgreSQL several writer threads (each with its own connection) drain the same queue,
so one group's round trips overlap the next group's; SQLite takes one writer at a time, so
it gets one thread.

The writer is given one `handler(session, items) -> results` and callers submit items: the
handler sees the whole group at once, so it can write all of them in a few statements. The
writer keeps one connection for its lifetime (no pool checkout or liveness ping per
group) and reopens it after a failure; it wakes each event loop once per group, not once per
caller.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from unison.kit.db import write_lock

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
# (item, event loop of an async caller or None, asyncio or concurrent future)
Job = tuple[Any, asyncio.AbstractEventLoop | None, "asyncio.Future[Any] | Future[Any]"]

log = logging.getLogger(__name__)

_STOP = object()


class WriterStopped(RuntimeError):
    """The writer is not running, so the write cannot be acknowledged."""


class GroupCommitWriter(Generic[ItemT, ResultT]):
    def __init__(
        self,
        engine: Engine,
        handler: Callable[[Session, list[ItemT]], list[ResultT]],
        *,
        max_group: int = 500,
        threads: int = 1,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._handler = handler
        self._max_group = max_group
        self._thread_count = threads
        self._on_commit = on_commit  # e.g. wake the log processors: there is news
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._local = threading.local()  # each writer thread's own connection
        self._commits = 0
        self._commits_lock = threading.Lock()

    @property
    def commits(self) -> int:
        return self._commits

    def start(self) -> None:
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._run, name=f"group-commit-{n}", daemon=True)
                for n in range(self._thread_count)
            ]
            for thread in self._threads:
                thread.start()

    def stop(self) -> None:
        """Commit what is queued, then stop every writer thread."""
        for _ in self._threads:
            self._queue.put(_STOP)
        for thread in self._threads:
            thread.join()
        self._threads = []

    def submit_future(self, item: ItemT) -> "Future[ResultT]":
        """For threads: a future resolved once `item` is committed (or has failed)."""
        self._ensure_running()
        future: Future[ResultT] = Future()
        self._queue.put((item, None, future))
        return future

    async def submit(self, item: ItemT) -> ResultT:
        """For the event loop: returns once `item` is committed; raises what the write raised."""
        self._ensure_running()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ResultT] = loop.create_future()
        self._queue.put((item, loop, future))
        return await future

    def _ensure_running(self) -> None:
        if not self._threads:
            raise WriterStopped("the ingest writer is not running")

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                group: list[Job] = [first]
                stopping = False
                while len(group) < self._max_group:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:  # finish this group, then stop
                        stopping = True
                        break
                    group.append(item)
                self._commit_group(group)
                if stopping:
                    return
        finally:
            self._close()

    def _session(self) -> Session:
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None or connection.invalidated:
            self._close()
            connection = self._local.connection = self._engine.connect()
        return Session(bind=connection, expire_on_commit=False)

    def _close(self) -> None:
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a broken connection may fail to close; it is dropped anyway
                log.debug("closing the writer connection failed", exc_info=True)
            self._local.connection = None

    def _count_commit(self) -> None:
        with self._commits_lock:
            self._commits += 1

    def _commit_group(self, group: list[Job]) -> None:
        try:
            with write_lock(self._engine), self._session() as session:
                results = self._handler(session, [item for item, _, _ in group])
                session.commit()
        except Exception:
            self._close()  # the connection may be broken; the retry gets a fresh one
            log.warning("group commit failed; retrying its writes one by one", exc_info=True)
            for job in group:
                self._commit_single(job)
            return
        self._count_commit()
        _resolve([(job, result, None) for job, result in zip(group, results, strict=True)])
        if self._on_commit is not None:
            self._on_commit()

    def _commit_single(self, job: Job) -> None:
        # Isolates one bad write so it cannot fail its neighbours.
        try:
            with write_lock(self._engine), self._session() as session:
                [result] = self._handler(session, [job[0]])
                session.commit()
        except Exception as exc:
            self._close()
            _resolve([(job, None, exc)])
        else:
            self._count_commit()
            _resolve([(job, result, None)])


def _resolve(outcomes: list[tuple[Job, Any, BaseException | None]]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, Any, BaseException | None]]] = {}
    for (_, loop, future), result, error in outcomes:
        if loop is None:
            assert isinstance(future, Future)
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        else:
            by_loop.setdefault(loop, []).append((future, result, error))
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, items)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            log.debug("event loop closed before its writes were acknowledged")


def _settle(items: list[tuple[Any, Any, BaseException | None]]) -> None:
    """Runs on the caller's loop: one wake-up resolves every caller of the group."""
    for future, result, error in items:
        if future.done():  # the caller went away (request cancelled); the write still stands
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
