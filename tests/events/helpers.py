"""Small helpers shared by the collection tests."""

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from unison.models import Event, RejectedEvent


def send(client: TestClient, path: str, body: Any, key: str | None) -> httpx.Response:
    auth = (key, "") if key is not None else None
    return client.post(path, json=body, auth=auth)


def stored(sessions: sessionmaker[Session]) -> list[Event]:
    with sessions() as session:
        return list(session.execute(select(Event).order_by(Event.id)).scalars())


def rejected(sessions: sessionmaker[Session]) -> list[RejectedEvent]:
    with sessions() as session:
        return list(session.execute(select(RejectedEvent).order_by(RejectedEvent.id)).scalars())
