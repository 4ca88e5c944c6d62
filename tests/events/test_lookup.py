"""The log's lookup keys live in event_lookup, kept by a log processor: reads by user,
anonymous id and time are exact before, during and after the processor's work."""

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import send
from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.consent.privacy.repository import anonymize_events
from unison.events import log as offsets
from unison.events.lookup import NAME, lookup_processor
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Event, EventLookup
from unison.worker.runner import Runner

QUERIES = [
    "user_id=u1",
    "user_id=%E1%83%98%E1%83%90",  # Georgian "ია"
    "anonymous_id=a1",
    "user_id=u1&anonymous_id=a1",
    "since=2026-02-01T00:00:00Z",
    "until=2026-02-01T00:00:00Z",
    "user_id=u1&since=2026-01-03T00:00:00Z&until=2026-03-01T00:00:00Z",
    "user_id=nobody",
]


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    quiet = settings.model_copy(update={"embedded_worker": False})  # the test drives it
    with TestClient(create_app(quiet), raise_server_exceptions=False) as test_client:
        yield test_client


def _runner(sessions: sessionmaker[Session], settings: Settings) -> Runner:
    return Runner(sessions, lookup_processor(settings), batch_size=3)


def _send(client: TestClient, write_key: str, month: int) -> None:
    batch = [
        {
            "type": "track",
            "userId": "u1",
            "anonymousId": "a1" if day % 2 else None,
            "event": "Viewed",
            "timestamp": f"2026-{month:02d}-0{day}T10:00:00Z",
        }
        for day in range(1, 5)
    ] + [
        {"type": "identify", "userId": "ია", "timestamp": f"2026-{month:02d}-09T00:00:00Z"},
        {"type": "page", "anonymousId": "a2", "timestamp": f"2026-{month:02d}-09T00:00:00Z"},
    ]
    assert send(client, "/v1/batch", {"batch": batch}, write_key).json()["accepted"] == 6


def _ids(client: TestClient, token: str, query: str) -> list[int]:
    answer = client.get(
        f"/api/events?{query}&limit=1000", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def _expected(sessions: sessionmaker[Session], query: str) -> list[int]:
    """The same filter evaluated straight on the events table (the reference)."""
    conditions = []
    for part in query.split("&"):
        key, value = part.split("=")
        value = unquote(value)
        if key == "user_id":
            conditions.append(Event.user_id == value)
        elif key == "anonymous_id":
            conditions.append(Event.anonymous_id == value)
        elif key == "since":
            conditions.append(Event.timestamp >= datetime.fromisoformat(value))
        elif key == "until":
            conditions.append(Event.timestamp < datetime.fromisoformat(value))
    with sessions() as session:
        return list(session.scalars(select(Event.id).where(*conditions).order_by(Event.id.desc())))


def _indexed(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(EventLookup)).scalar_one()


def test_reads_are_exact_before_during_and_after_indexing(
    client: TestClient,
    write_key: str,
    admin_token: str,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    _send(client, write_key, 1)
    _send(client, write_key, 2)
    runner = _runner(sessions, settings)
    before = {q: _ids(client, admin_token, q) for q in QUERIES}  # nothing indexed yet
    assert _indexed(sessions) == 0
    for query in QUERIES:
        assert before[query] == _expected(sessions, query), query
    assert len(before["user_id=u1"]) == 8

    runner.run_once()  # part of the log indexed, the rest only in events
    assert _indexed(sessions) == 3
    _send(client, write_key, 3)
    for query in QUERIES:
        assert _ids(client, admin_token, query) == _expected(sessions, query), query

    drain_until_caught_up([runner], sessions)
    assert _indexed(sessions) == 18
    for query in QUERIES:
        assert _ids(client, admin_token, query) == _expected(sessions, query), query


def test_a_replayed_log_adds_no_lookup_rows(
    client: TestClient, write_key: str, sessions: sessionmaker[Session], settings: Settings
) -> None:
    _send(client, write_key, 1)
    runner = _runner(sessions, settings)
    drain_until_caught_up([runner], sessions)
    with transaction(sessions) as session:
        offsets.reset(session, NAME)
    drain_until_caught_up([runner], sessions)
    assert _indexed(sessions) == 6


def test_erased_events_lose_their_lookup_keys(
    client: TestClient,
    write_key: str,
    admin_token: str,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    _send(client, write_key, 1)
    drain_until_caught_up([_runner(sessions, settings)], sessions)
    mine = _ids(client, admin_token, "user_id=u1")
    with transaction(sessions) as session:
        anonymize_events(session, mine)
    with sessions() as session:
        keys = session.execute(
            select(EventLookup.user_id, EventLookup.anonymous_id).where(
                EventLookup.event_id.in_(mine)
            )
        ).all()
    assert keys == [(None, None)] * len(mine)
    assert _ids(client, admin_token, "user_id=u1") == []
    assert _ids(client, admin_token, "anonymous_id=a1") == []


def test_each_lookup_row_holds_its_events_keys_across_batch_borders(
    client: TestClient, write_key: str, sessions: sessionmaker[Session], settings: Settings
) -> None:
    _send(client, write_key, 1)
    runner = Runner(sessions, lookup_processor(settings), batch_size=4, payload=False)
    runner.run_once()
    _send(client, write_key, 2)  # arrives between two batches
    drain_until_caught_up([runner], sessions)
    with sessions() as session:
        stored = session.execute(
            select(Event.id, Event.user_id, Event.anonymous_id, Event.timestamp).order_by(Event.id)
        ).all()
        indexed = session.execute(
            select(
                EventLookup.event_id,
                EventLookup.user_id,
                EventLookup.anonymous_id,
                EventLookup.timestamp,
            ).order_by(EventLookup.event_id)
        ).all()
    assert indexed == stored
    assert len(indexed) == 12


def test_events_erased_before_indexing_get_no_keys(
    client: TestClient,
    write_key: str,
    admin_token: str,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    _send(client, write_key, 1)
    mine = _ids(client, admin_token, "user_id=u1")  # found by scanning: nothing indexed yet
    with transaction(sessions) as session:
        anonymize_events(session, mine)
    drain_until_caught_up([_runner(sessions, settings)], sessions)
    assert _indexed(sessions) == 6
    assert _ids(client, admin_token, "user_id=u1") == []
    assert _ids(client, admin_token, "anonymous_id=a1") == []
    assert len(_ids(client, admin_token, "anonymous_id=a2")) == 1
