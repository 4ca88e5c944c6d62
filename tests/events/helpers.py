"""Small helpers shared by the collection tests."""

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from unison.events import repository
from unison.events.service import prepare_items
from unison.kit.clock import utcnow
from unison.models import Event, RejectedEvent
from unison.sources.ref import SourceRef


def send(client: TestClient, path: str, body: Any, key: str | None) -> httpx.Response:
    auth = (key, "") if key is not None else None
    return client.post(path, json=body, auth=auth)


def stored(sessions: sessionmaker[Session]) -> list[Event]:
    with sessions() as session:
        return list(session.execute(select(Event).order_by(Event.id)).scalars())


def rejected(sessions: sessionmaker[Session]) -> list[RejectedEvent]:
    with sessions() as session:
        return list(session.execute(select(RejectedEvent).order_by(RejectedEvent.id)).scalars())


def insert_track(session: Session, source: SourceRef, message_id: str, name: str) -> None:
    """One track event written in `session`'s transaction, not committed: tests of what
    readers see while a writing transaction is still open."""
    now = utcnow()
    event = {"type": "track", "userId": "u-1", "event": name, "messageId": message_id}
    prepared = prepare_items([event], source=source, received_at=now, max_event_bytes=32_768)
    outcome = repository.store(
        session, prepared.rows, [], source_id=source.id, origin="api", received_at=now
    )
    assert outcome.accepted == 1
