"""Feeding the event log to processors in order, one transaction per batch.

A batch's effects and the processor's new position commit together, so a crash (or a
SIGKILL) repeats nothing and loses nothing: the next run starts after the last committed
batch. Several workers may run one processor; the offset row lock serializes them.
"""

import gc
import logging
import os
import socket
import threading
import time
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.kit.db import transaction, write_lock

log = logging.getLogger(__name__)
PlanT = TypeVar("PlanT")


class LogProcessor(Protocol[PlanT]):
    name: str

    def plan(self, session: Session, events: list[LogEvent]) -> PlanT:
        """Decide a batch's effects from reads alone."""
        ...

    def write(self, session: Session, plan: PlanT) -> None:
        """Write the decided effects."""
        ...

    def process(self, session: Session, events: list[LogEvent]) -> None: ...

    def forget(self) -> None: ...


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Runner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        processor: LogProcessor[Any],
        *,
        batch_size: int = 2000,
        upstream: str | None = None,
        payload: bool = True,
    ) -> None:
        self.sessions = sessions
        self.processor = processor
        self.batch_size = batch_size
        # A downstream processor (segments, consent, ...) needs the events' profiles, so it
        # never reads past the committed position of the processor that resolves them.
        self.upstream = upstream
        # A processor that never looks at payloads (the log's lookup keys) is spared
        # fetching and decoding them.
        self.payload = payload
        self.writer = worker_id()
        self._seen_epoch: int | None = None

    def run_once(self) -> int:
        """Process one batch if there is one; returns how many events it held."""
        # A batch allocates many short-lived objects that reference counting frees; cyclic
        # collections in the middle of it would only rescan the whole heap, so they wait.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run_batch()
        finally:
            if enabled:
                gc.enable()

    def _run_batch(self) -> int:
        # Decide from a read snapshot first, holding no lock (on SQLite the write lock is
        # the ingest writer's too); then write in a short transaction that first moves the
        # offset only if nobody else did (compare-and-set on position and epoch). A worker
        # that loses the race discards its plan and tries again with fresh state.
        with self.sessions() as reader:
            position = offsets.current(reader, self.processor.name)
            if position.writer != self.writer or position.epoch != self._seen_epoch:
                self.processor.forget()  # someone else wrote since: caches may be stale
            self._seen_epoch = position.epoch
            until = offsets.current(reader, self.upstream) if self.upstream else None
            events = offsets.read_after(
                reader, position, self.batch_size, until=until, payload=self.payload
            )
            if not events:
                return 0
            plan = self.processor.plan(reader, events)
        engine = self.sessions.kw["bind"]
        with write_lock(engine), transaction(self.sessions) as session:
            if not offsets.advance_from(
                session, self.processor.name, position, events[-1], self.writer
            ):
                session.rollback()
                return 0
            self.processor.write(session, plan)
        return len(events)

    def drain(self) -> int:
        """Process until the log is exhausted (tests, rebuilds)."""
        total = 0
        while True:
            count = self.run_once()
            if count == 0 and not self._more():
                return total
            total += count

    def _more(self) -> bool:
        """Whether events are waiting (a lost race returns 0 although work remains)."""
        with self.sessions() as reader:
            position = offsets.current(reader, self.processor.name)
            until = offsets.current(reader, self.upstream) if self.upstream else None
            return bool(offsets.read_after(reader, position, 1, until=until, payload=False))


def run_chain_once(runners: list[Runner]) -> int:
    """One batch of each processor in flow order (the round of the log-processor loop,
    unison/app/loops.py); a failing batch rolled back and is retried
    on the next round (after a pause), without stopping the others."""
    total = 0
    for runner in runners:
        try:
            total += runner.run_once()
        except Exception:
            log.exception("log processor batch failed", extra={"processor": runner.processor.name})
            time.sleep(1.0)
    return total
