"""Profile tests drive the log processor themselves, so every assertion follows a known,
complete processing step (no waiting on a background thread)."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.kit.settings import Settings
from unison.profiles.processor import profile_processor
from unison.worker.runner import Runner


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        processor_batch_size=7,  # small batches: resolution must not depend on batch borders
    )


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], int]:
    runner = Runner(sessions, profile_processor(settings), batch_size=settings.processor_batch_size)
    return lambda: drain_until_caught_up([runner], sessions)
