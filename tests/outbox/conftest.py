"""Outbox tests: a customer profile built through the real ingest path and processors, so
receipts land on a real profile's timeline."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.processing import drain_until_caught_up
from unison.app.chain import build_chain
from unison.kit.settings import Settings
from unison.profiles.service import lookup


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], int]:
    runners = build_chain(settings, sessions, batch_size=50)
    return lambda: drain_until_caught_up(runners, sessions)


@pytest.fixture
def customer(
    client: TestClient,
    write_key: str,
    sessions: sessionmaker[Session],
    process: Callable[[], int],
) -> int:
    """The profile of user `nino-1` (email nino@example.ge, phone +995555123456)."""
    event = {
        "type": "identify",
        "userId": "nino-1",
        "traits": {"email": "nino@example.ge", "phone": "+995555123456", "name": "ნინო"},
    }
    response = client.post("/v1/batch", json={"batch": [event]}, auth=(write_key, ""))
    assert response.status_code == 200, response.text
    process()
    with sessions() as session:
        return lookup(session, "user_id", "nino-1").id
