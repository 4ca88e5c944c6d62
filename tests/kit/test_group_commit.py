"""Group commit: companions share a commit; a failing write cannot fail its neighbours."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from unison.kit.clock import utcnow
from unison.kit.group_commit import GroupCommitWriter, WriterStopped
from unison.models import ApiToken

TOKENS = ApiToken.__table__


def _token_writer(name: str):  # type: ignore[no-untyped-def]
    def work(session: Session) -> str:
        session.execute(
            insert(TOKENS).values(
                name=name, role="admin", token_hash=name, token_hint=name, created_at=utcnow()
            )
        )
        return name

    return work


def _run_each(session: Session, works: list[Callable[[Session], Any]]) -> list[Any]:
    """A handler for tests: each submitted item is a function of the session."""
    return [work(session) for work in works]


def _names(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return sorted(session.execute(select(ApiToken.name)).scalars())


class TestGroupCommit:
    def test_writes_queued_together_commit_together_and_each_caller_hears_back(
        self, sessions: sessionmaker[Session]
    ) -> None:
        writer = GroupCommitWriter(sessions.kw["bind"], _run_each)
        gate, started = threading.Event(), threading.Event()

        def blocker(session: Session) -> str:
            started.set()
            gate.wait(10)
            return "first"

        writer.start()
        try:
            first = writer.submit_future(blocker)
            assert started.wait(10)  # the writer is busy with the first commit...
            queued = [writer.submit_future(_token_writer(f"t{i}")) for i in range(20)]
            gate.set()
            assert first.result(10) == "first"
            assert [f.result(10) for f in queued] == [f"t{i}" for i in range(20)]
        finally:
            writer.stop()
        # ...so the 20 writes queued behind it went out in one more commit, not 20.
        assert writer.commits == 2
        assert len(_names(sessions)) == 20

    def test_a_failing_write_fails_alone(self, sessions: sessionmaker[Session]) -> None:
        writer = GroupCommitWriter(sessions.kw["bind"], _run_each)
        gate = threading.Event()
        writer.start()
        try:
            writer.submit_future(lambda s: gate.wait(10))
            good = writer.submit_future(_token_writer("good"))
            bad = writer.submit_future(lambda s: s.execute(text("SELECT * FROM no_such_table")))
            also_good = writer.submit_future(_token_writer("also-good"))
            gate.set()
            assert good.result(10) == "good"
            assert also_good.result(10) == "also-good"
            with pytest.raises(Exception, match="no_such_table"):
                bad.result(10)
        finally:
            writer.stop()
        assert _names(sessions) == ["also-good", "good"]

    def test_a_stopped_writer_refuses_work_instead_of_dropping_it(
        self, sessions: sessionmaker[Session]
    ) -> None:
        writer = GroupCommitWriter(sessions.kw["bind"], _run_each)
        with pytest.raises(WriterStopped):
            writer.submit_future(_token_writer("never"))

    def test_stopping_commits_what_was_already_queued(
        self, sessions: sessionmaker[Session]
    ) -> None:
        writer = GroupCommitWriter(sessions.kw["bind"], _run_each)
        writer.start()
        futures = [writer.submit_future(_token_writer(f"q{i}")) for i in range(5)]
        writer.stop()
        assert all(f.done() and f.exception() is None for f in futures)
        assert len(_names(sessions)) == 5


class TestSeveralWriterThreads:
    def test_every_write_is_committed_once_whichever_thread_takes_it(
        self, sessions: sessionmaker[Session]
    ) -> None:
        writer = GroupCommitWriter(sessions.kw["bind"], _run_each, threads=3)
        writer.start()
        try:
            futures = [writer.submit_future(_token_writer(f"p{i}")) for i in range(60)]
            assert sorted(f.result(30) for f in futures) == sorted(f"p{i}" for i in range(60))
        finally:
            writer.stop()
        assert len(_names(sessions)) == 60
        assert 1 <= writer.commits <= 60
