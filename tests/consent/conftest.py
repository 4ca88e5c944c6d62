"""Consent tests drive the whole processor chain themselves (profiles, then consent), so
every assertion follows a complete processing step; webhooks are delivered by calling the
delivery function directly."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.app.chain import build_chain
from unison.kit.settings import Settings

SECRET = "test-secret-key-0123456789abcdef"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        consent_webhooks_enabled=False,
        secret_key=SECRET,
        public_url="https://unison.example",
        processor_batch_size=5,
    )


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], int]:
    runners = build_chain(settings, sessions, batch_size=5)

    def run() -> int:
        return drain_until_caught_up(runners, sessions)

    return run


class Api:
    """Ingest events and call /api with a token, in a test's words."""

    def __init__(self, client: TestClient, write_key: str, token: str) -> None:
        self.client, self.write_key, self.token = client, write_key, token

    def send(self, *events: dict[str, Any]) -> None:
        response = self.client.post(
            "/v1/batch", json={"batch": list(events)}, auth=(self.write_key, "")
        )
        assert response.status_code == 200, response.text
        assert response.json()["rejected"] == []

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self._auth(token))

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        return self.client.post(path, json=body, headers=self._auth(token))

    def _auth(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def profile_of(self, kind: str, value: str) -> int:
        response = self.get("/api/profiles/lookup", type=kind, value=value)
        assert response.status_code == 200, response.text
        return int(response.json()["id"])

    def record(self, profile_id: int, *changes: dict[str, Any]) -> httpx.Response:
        return self.post(f"/api/profiles/{profile_id}/consents", {"changes": list(changes)})

    def decision(
        self, profile_id: int, purpose: str, channel: str, **params: Any
    ) -> dict[str, Any]:
        response = self.get(f"/api/profiles/{profile_id}/reachability", purpose=purpose, **params)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = next(
            c for c in response.json()["channels"] if c["channel"] == channel
        )
        return found


@pytest.fixture
def api(client: TestClient, write_key: str, admin_token: str) -> Api:
    return Api(client, write_key, admin_token)


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {role: make_token(sessions, role) for role in ("marketer", "analyst", "agent")}


def identify(user_id: str, message_id: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user_id, "messageId": message_id, "traits": traits}
