"""Group commit: many requests' writes share one transaction and one fsync.

Acknowledging an event only after its commit is durable costs an fsync; doing one fsync per
request caps a single SQLite file at a few hundred requests per second. A single writer
thread instead takes every write queued while the previous commit was in flight and commits
them together, then answers each caller. Callers still hear back only after *their* rows are
committed, so durability is unchanged; throughput scales with concurrency.
"""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
Work = Callable[[Session], Any]

log = logging.getLogger(__name__)

_STOP = object()


class WriterStopped(RuntimeError):
    """The writer is not running, so the write cannot be acknowledged."""


class GroupCommitWriter:
    def __init__(self, factory: sessionmaker[Session], *, max_group: int = 500) -> None:
        self._factory = factory
        self._max_group = max_group
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.commits = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def submit_future(self, work: Callable[[Session], T]) -> "Future[T]":
        if self._thread is None:
            raise WriterStopped("the ingest writer is not running")
        future: Future[T] = Future()
        self._queue.put((work, future))
        return future

    async def submit(self, work: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self.submit_future(work))

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            stopping = False
            while len(group) < self._max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
            self._commit_group(group)
            if stopping:
                return

    def _commit_group(self, group: list[tuple[Work, "Future[Any]"]]) -> None:
        session = self._factory()
        try:
            results = [work(session) for work, _ in group]
            session.commit()
        except Exception:
            session.rollback()
            log.warning("group commit failed; retrying its writes one by one", exc_info=True)
            session.close()
            for item in group:
                self._commit_single(*item)
            return
        finally:
            session.close()
        self.commits += 1
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)

    def _commit_single(self, work: Work, future: "Future[Any]") -> None:
        # Isolates one bad write so it cannot fail its neighbours.
        session = self._factory()
        try:
            result = work(session)
            session.commit()
        except Exception as exc:
            session.rollback()
            future.set_exception(exc)
        else:
            self.commits += 1
            future.set_result(result)
        finally:
            session.close()
