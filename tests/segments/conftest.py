"""Segments tests drive the processor chain themselves, with the segments processor on a
controlled clock, so every assertion follows a complete processing step at a known moment."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.consent.ledger.processor import consent_processor
from unison.kit.settings import Settings
from unison.profiles.processor import NAME as PROFILES
from unison.profiles.processor import profile_processor
from unison.segments.realtime.processor import SegmentsProcessor
from unison.segments.realtime.scheduler import fire_due
from unison.worker.runner import Runner

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        consent_webhooks_enabled=False,
        secret_key="test-secret-key-0123456789abcdef",
        processor_batch_size=7,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session], clock: Clock) -> Callable[[], int]:
    runners = [
        Runner(sessions, profile_processor(settings), batch_size=7),
        Runner(sessions, consent_processor(settings), batch_size=7, upstream=PROFILES),
        Runner(sessions, SegmentsProcessor(settings, clock=clock), batch_size=7, upstream=PROFILES),
    ]
    return lambda: drain_until_caught_up(runners, sessions)


@pytest.fixture
def tick(
    settings: Settings, sessions: sessionmaker[Session], clock: Clock, process: Callable[[], int]
) -> Callable[[], int]:
    """Fire due timers at the clock's time, then process what they logged."""

    def run() -> int:
        fired = fire_due(sessions, settings, clock.now)
        process()
        return fired

    return run


class Api:
    def __init__(self, client: TestClient, write_key: str, token: str) -> None:
        self.client, self.write_key, self.token = client, write_key, token
        self.sent = 0

    def send(self, *events: dict[str, Any]) -> None:
        batch = []
        for event in events:
            self.sent += 1
            batch.append({"messageId": f"m-{self.sent}", **event})
        response = self.client.post("/v1/batch", json={"batch": batch}, auth=(self.write_key, ""))
        assert response.status_code == 200, response.text
        assert response.json()["rejected"] == []

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.auth)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.auth)

    def patch(self, path: str, body: Any) -> httpx.Response:
        return self.client.patch(path, json=body, headers=self.auth)

    def delete(self, path: str) -> httpx.Response:
        return self.client.delete(path, headers=self.auth)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def profile(self, user_id: str) -> int:
        response = self.get("/api/profiles/lookup", type="user_id", value=user_id)
        assert response.status_code == 200, response.text
        return int(response.json()["id"])


@pytest.fixture
def api(client: TestClient, write_key: str, admin_token: str) -> Api:
    return Api(client, write_key, admin_token)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def track(user: str, event: str, at: datetime, **properties: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user,
        "event": event,
        "timestamp": iso(at),
        "properties": properties,
    }


def identify(user: str, at: datetime, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "timestamp": iso(at), "traits": traits}
