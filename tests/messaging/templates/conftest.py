"""Templates tests: customers arrive through the real collection API and processors; the
templates are created, previewed and test-sent through the real HTTP API."""

from collections.abc import Callable, Iterator
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
from unison.worker.runner import Runner


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        consent_webhooks_enabled=False,
        secret_key="test-secret-key-0123456789abcdef",
        public_url="https://unison.example",
        templates_sms_max_segments=3,
    )


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], int]:
    runners = [
        Runner(sessions, profile_processor(settings), batch_size=50),
        Runner(sessions, consent_processor(settings), batch_size=50, upstream=PROFILES),
    ]
    return lambda: drain_until_caught_up(runners, sessions)


class Api:
    def __init__(
        self, client: TestClient, write_key: str, token: str, process: Callable[[], int]
    ) -> None:
        self.client, self.write_key, self.token, self.process = client, write_key, token, process
        self.sent = 0

    def customer(self, user_id: str, **traits: Any) -> int:
        """A profile made the way a website makes one: an identify call, processed."""
        self.sent += 1
        event = {
            "type": "identify",
            "messageId": f"m-{self.sent}",
            "userId": user_id,
            "traits": traits,
        }
        response = self.client.post("/v1/batch", json={"batch": [event]}, auth=(self.write_key, ""))
        assert response.status_code == 200, response.text
        assert response.json()["rejected"] == []
        self.process()
        found = self.get("/api/profiles/lookup", type="user_id", value=user_id)
        assert found.status_code == 200, found.text
        return int(found.json()["id"])

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self._auth(token))

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        return self.client.post(path, json=body, headers=self._auth(token))

    def patch(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        return self.client.patch(path, json=body, headers=self._auth(token))

    def _auth(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def create(self, channel: str, variants: dict[str, Any], **extra: Any) -> dict[str, Any]:
        self.sent += 1
        body = {
            "name": extra.pop("name", f"t-{self.sent}"),
            "channel": channel,
            "variants": variants,
        }
        response = self.post("/api/templates", {**body, **extra})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def preview(self, template_id: int, profile_id: int, **extra: Any) -> httpx.Response:
        return self.post(
            f"/api/templates/{template_id}/preview", {"profile_id": profile_id, **extra}
        )

    def rendered(self, template_id: int, profile_id: int, **extra: Any) -> dict[str, Any]:
        response = self.preview(template_id, profile_id, **extra)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found


@pytest.fixture
def api(client: TestClient, write_key: str, admin_token: str, process: Callable[[], int]) -> Api:
    return Api(client, write_key, admin_token, process)
