"""A pause and a fan-out chunk in progress. A pause does not wait for a chunk that is still
deciding: the chunk reads the broadcast without locking its row and records its progress
only if nothing changed it meanwhile; a chunk overtaken by a pause rolls back (nothing
decided, nothing queued) and is redone after the resume. On PostgreSQL not even a chunk that
is writing holds it up. On SQLite (one writer) a chunk that has begun writing holds the
write lock and the pause queues on it: it gets in the moment the chunk commits and holds
what the chunk queued."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import Store, audience, create, segment, template
from unison.messaging.broadcasts import repository, tasks
from unison.messaging.broadcasts.tasks import FanOut

# Long enough never to run out on a loaded machine; the test releases the chunk itself.
STALL_SECONDS = 60


class Stalled:
    """A chunk run in a thread, stopped at one step until released."""

    def __init__(self, fan_out: FanOut, broadcast_id: int) -> None:
        self.reached, self.release = threading.Event(), threading.Event()
        self.result: list[int] = []
        self.thread = threading.Thread(
            target=lambda: self.result.append(fan_out.chunk(broadcast_id)), daemon=True
        )

    def wrap(self, step: Callable[..., Any]) -> Callable[..., Any]:
        def stalled(*args: Any, **kwargs: Any) -> Any:
            found = step(*args, **kwargs)
            self.reached.set()
            assert self.release.wait(STALL_SECONDS)
            return found

        return stalled

    def start(self) -> None:
        self.thread.start()
        assert self.reached.wait(STALL_SECONDS)

    def finish(self) -> int:
        self.release.set()
        self.thread.join(STALL_SECONDS)
        return self.result[0]


@pytest.fixture
def stalled_chunks() -> Iterator[list[Stalled]]:
    started: list[Stalled] = []
    yield started
    for chunk in started:  # never leave a thread waiting behind a failed assertion
        chunk.release.set()
        chunk.thread.join(STALL_SECONDS)


@pytest.fixture
def stalled_writing(
    fan_out: FanOut, monkeypatch: pytest.MonkeyPatch, stalled_chunks: list[Stalled]
) -> Callable[[int], Stalled]:
    """Start a chunk of a broadcast, stopped after deciding its messages (recipients and
    messages written, not committed; on SQLite holding the write lock)."""

    def start(broadcast_id: int) -> Stalled:
        chunk = Stalled(fan_out, broadcast_id)
        stalled_chunks.append(chunk)
        monkeypatch.setattr(tasks, "send_many", chunk.wrap(tasks.send_many))
        chunk.start()
        return chunk

    return start


def _broadcast(api: Api, process: Callable[[], int], city: str) -> int:
    audience(api, process, city, 4)
    made = create(api, name=city, segment_id=segment(api, city), template_id=template(api))
    return int(made["id"])


def test_a_pause_during_a_chunk_rolls_the_chunk_back(
    api: Api,
    process: Callable[[], int],
    fan_out: FanOut,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    stalled_chunks: list[Stalled],
) -> None:
    bid = _broadcast(api, process, "Zugdidi")
    chunk = Stalled(fan_out, bid)
    stalled_chunks.append(chunk)
    # Stopped after reading the broadcast, before any write (so on SQLite too the pause
    # finds the write lock free).
    monkeypatch.setattr(repository, "claim", chunk.wrap(repository.claim))
    chunk.start()
    paused = api.post(f"/api/broadcasts/{bid}/pause", {})
    assert paused.status_code == 200, paused.text
    assert chunk.finish() == 0
    assert store.messages(bid) == []
    assert store.recipients(bid) == []
    monkeypatch.undo()
    assert api.post(f"/api/broadcasts/{bid}/resume", {}).status_code == 200
    assert fan_out.chunk(bid) == 4  # the chunk redone: 2 targeted, 2 sent
    assert len(store.messages(bid)) == 2


def test_on_postgresql_a_pause_does_not_wait_for_a_chunk_writing(
    api: Api,
    process: Callable[[], int],
    store: Store,
    sessions: sessionmaker[Session],
    stalled_writing: Callable[[int], Stalled],
) -> None:
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: a pause queues on the write lock (the next test)")
    bid = _broadcast(api, process, "Poti")
    chunk = stalled_writing(bid)
    asked = time.monotonic()
    paused = api.post(f"/api/broadcasts/{bid}/pause", {})
    assert paused.status_code == 200, paused.text
    assert chunk.thread.is_alive()  # answered while the chunk still held its writes
    assert time.monotonic() - asked < STALL_SECONDS / 2
    assert chunk.finish() == 2  # its targeting had committed: 2 recipients, nothing sent
    assert store.messages(bid) == []
    assert store.outbox() == []
    assert paused.json()["status"] == "paused"


def test_on_sqlite_a_pause_gets_in_right_after_the_chunk_and_holds_what_it_queued(
    api: Api,
    process: Callable[[], int],
    fan_out: FanOut,
    store: Store,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    stalled_writing: Callable[[int], Stalled],
) -> None:
    if sessions.kw["bind"].dialect.name != "sqlite":
        pytest.skip("PostgreSQL's pause does not wait for a writing chunk (the test above)")
    bid = _broadcast(api, process, "Batumi")
    chunk = stalled_writing(bid)
    answers: list[Any] = []
    pausing = threading.Thread(
        target=lambda: answers.append(api.post(f"/api/broadcasts/{bid}/pause", {})), daemon=True
    )
    pausing.start()
    pausing.join(0.5)
    assert pausing.is_alive()  # queued behind the chunk: neither failing nor overtaking it
    assert chunk.finish() == 4  # the chunk confirmed: 2 targeted, 2 decided and queued
    pausing.join(STALL_SECONDS)
    paused = answers[0]
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    queued = [row for row in store.outbox() if row.status != "suppressed"]
    assert queued
    assert {row.status for row in queued} == {"held"}
    assert len(store.messages(bid)) == 2
    monkeypatch.undo()
    assert fan_out.chunk(bid) == 0  # paused: nothing more
