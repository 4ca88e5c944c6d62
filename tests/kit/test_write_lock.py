"""The SQLite write lock: processes serving the same file take turns; PostgreSQL needs none.

Each process below is a real interpreter with its own engine on the same file, as the
processes of `unison serve --processes N` are. Times are CLOCK_MONOTONIC, which every process
on the machine reads alike, so the order of events across processes can be compared.
"""

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from unison.kit.db import (
    create_db_engine,
    make_session_factory,
    queue_as_writer,
    write_lock,
    write_transaction,
)

# hold: take the lock, report, keep it until told (a line on stdin), report, let go.
# take: report trying, take the lock, report, let go.
SCRIPT = """
import sys, time
from unison.kit.db import create_db_engine, write_lock

engine = create_db_engine(sys.argv[1])
mode = sys.argv[2]
if mode == "take":
    print("trying", time.monotonic(), flush=True)
with write_lock(engine):
    print("holding", time.monotonic(), flush=True)
    if mode == "hold":
        sys.stdin.readline()
        print("releasing", time.monotonic(), flush=True)
print("released", flush=True)
"""
PATIENCE = 60.0  # seconds: the machine may be slow and busy; only ordering is asserted


class LockProcess:
    """A process using write_lock on the file, whose reports are read with a timeout."""

    def __init__(self, url: str, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, url, mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def report(self, expected: str, timeout: float = PATIENCE) -> float:
        """The time of the next report, which must be `expected`."""
        word, *at = self._lines.get(timeout=timeout).split()
        assert word == expected
        return float(at[0]) if at else 0.0

    def silent_for(self, seconds: float) -> bool:
        try:
            self._lines.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=PATIENCE)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
def processes() -> Iterator[list[LockProcess]]:
    started: list[LockProcess] = []
    yield started
    for process in started:
        process.finish()


class TestProcessesTakeTurns:
    def test_a_second_process_waits_until_the_first_lets_go(
        self, sqlite_url: str, processes: list[LockProcess]
    ) -> None:
        holder = LockProcess(sqlite_url, "hold")
        processes.append(holder)
        holder.report("holding")
        waiter = LockProcess(sqlite_url, "take")
        processes.append(waiter)
        waiter.report("trying")

        assert waiter.silent_for(1.0), "took the lock while another process held it"
        holder.release()
        released_at = holder.report("releasing")
        taken_at = waiter.report("holding")

        assert taken_at > released_at
        waiter.report("released")
        assert waiter.process.wait(timeout=PATIENCE) == 0
        assert holder.process.wait(timeout=PATIENCE) == 0

    def test_this_process_waits_for_another_and_then_takes_the_lock(
        self, sqlite_url: str, processes: list[LockProcess]
    ) -> None:
        holder = LockProcess(sqlite_url, "hold")
        processes.append(holder)
        holder.report("holding")
        engine = create_db_engine(sqlite_url)
        taken = threading.Event()

        def take() -> None:
            with write_lock(engine):
                taken.set()

        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        try:
            assert not taken.wait(1.0), "took the lock while another process held it"
            holder.release()
            holder.report("releasing")
            assert taken.wait(PATIENCE)
        finally:
            holder.finish()
            thread.join(PATIENCE)
            engine.dispose()

    def test_a_holder_that_is_killed_frees_the_lock(
        self, sqlite_url: str, processes: list[LockProcess]
    ) -> None:
        holder = LockProcess(sqlite_url, "hold")
        processes.append(holder)
        holder.report("holding")
        waiter = LockProcess(sqlite_url, "take")
        processes.append(waiter)
        waiter.report("trying")
        assert waiter.silent_for(1.0)

        os.kill(holder.process.pid, signal.SIGKILL)  # a crashed collector never lets go itself

        waiter.report("holding")
        waiter.report("released")
        assert holder.process.wait(timeout=PATIENCE) == -signal.SIGKILL

    def test_one_engine_gives_one_lock_and_its_file_sits_beside_the_database(
        self, sqlite_url: str, tmp_path: Path
    ) -> None:
        engine = create_db_engine(sqlite_url)
        try:
            assert write_lock(engine) is write_lock(engine)
            assert (tmp_path / "shared.db-writer.lock").exists()
        finally:
            engine.dispose()


class TestQueueAsWriter:
    """A session that queues with the background writers (a broadcast's pause): it waits
    for the holder, then keeps the lock until its own transaction ends."""

    @pytest.mark.parametrize("end", ["commit", "rollback", "close"])
    def test_it_waits_for_the_holder_and_keeps_the_lock_until_its_transaction_ends(
        self, sqlite_url: str, end: str
    ) -> None:
        engine = create_db_engine(sqlite_url)
        sessions = make_session_factory(engine)
        queued, holder_done = threading.Event(), threading.Event()
        order: list[str] = []

        def queue_and_end() -> None:
            session = sessions()
            queue_as_writer(session)
            order.append("queued")
            queued.set()
            getattr(session, end)()
            order.append("ended")
            if end != "close":
                session.close()

        try:
            with write_transaction(sessions):
                thread = threading.Thread(target=queue_and_end, daemon=True)
                thread.start()
                assert not queued.wait(0.5), "got the lock while a background writer held it"
                order.append("holder lets go")
            assert queued.wait(PATIENCE)
            thread.join(PATIENCE)
            assert order == ["holder lets go", "queued", "ended"]

            def take() -> None:
                with write_lock(engine):
                    holder_done.set()

            threading.Thread(target=take, daemon=True).start()
            assert holder_done.wait(PATIENCE), f"the lock was not let go after {end}"
        finally:
            engine.dispose()

    def test_twice_in_one_session_is_once(self, sqlite_url: str) -> None:
        engine = create_db_engine(sqlite_url)
        sessions = make_session_factory(engine)
        try:
            with sessions() as session:
                queue_as_writer(session)
                queue_as_writer(session)  # not reentrant: a second take would deadlock
                session.commit()
            with write_transaction(sessions):
                pass
        finally:
            engine.dispose()


class TestPostgreSQL:
    def test_the_lock_is_a_no_op(self) -> None:
        if not (TEST_DATABASE_URL or "").startswith("postgresql"):
            pytest.skip("needs UNISON_TEST_DATABASE_URL pointing at PostgreSQL")
        engine = create_db_engine(TEST_DATABASE_URL)
        try:
            lock = write_lock(engine)
            assert isinstance(lock, nullcontext)
            # A real lock would deadlock here: writers on PostgreSQL never wait for each other.
            with write_lock(engine), write_lock(engine):
                pass
        finally:
            engine.dispose()
