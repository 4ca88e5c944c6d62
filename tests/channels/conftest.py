"""Channel tests post webhooks exactly as the providers do (their documented JSON, signed
their way) to a real app on a real database, then drive the processor chain themselves."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.app.chain import build_chain
from unison.channels.signing import hmac_hex, sign_unison
from unison.kit.settings import Settings
from unison.models import Event, RejectedEvent

SECRET_KEY = "test-secret-key-for-connectors-0123456789"
TELEGRAM_SECRET = "tg-webhook-secret_0123456789"
VIBER_TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
WHATSAPP_APP_SECRET = "wa-app-secret-0123456789abcdef"
WHATSAPP_VERIFY = "wa-verify-token-42"
UNISON_SECRET = "unison-signing-secret-0123456789"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        # The tests deliver the outbox themselves (to local provider servers); the app's own
        # delivery loop would race them for the rows, sending to the real providers' URLs.
        outbox_delivery_enabled=False,
        consent_webhooks_enabled=False,
        secret_key=SECRET_KEY,
        public_url="https://unison.example",
        connector_max_body_bytes=64 * 1024,
        connector_max_email_bytes=256 * 1024,
    )


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], int]:
    runners = build_chain(settings, sessions, batch_size=7)

    def run() -> int:
        return drain_until_caught_up(runners, sessions)

    return run


class Hooks:
    """Creates connectors through the API and posts webhooks signed like each provider."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token

    def api(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.client.request(method, path, json=body, headers=headers)

    def connector(
        self, type_: str, name: str, secrets: dict[str, str], **extra: Any
    ) -> dict[str, Any]:
        response = self.api(
            "POST", "/api/connectors", {"type": type_, "name": name, "secrets": secrets, **extra}
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def telegram(
        self, update: dict[str, Any], name: str = "shop-bot", secret: str | None = TELEGRAM_SECRET
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.client.post(
            f"/hooks/telegram/{name}", content=orjson.dumps(update), headers=headers
        )

    def viber(
        self,
        body: dict[str, Any] | bytes,
        name: str = "viber-shop",
        token: str | None = VIBER_TOKEN,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["X-Viber-Content-Signature"] = hmac_hex(token, raw)
        return self.client.post(f"/hooks/viber/{name}", content=raw, headers=headers)

    def whatsapp(
        self,
        body: dict[str, Any] | bytes,
        name: str = "wa-shop",
        secret: str | None = WHATSAPP_APP_SECRET,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Hub-Signature-256"] = "sha256=" + hmac_hex(secret, raw)
        return self.client.post(f"/hooks/whatsapp/{name}", content=raw, headers=headers)

    def signed(
        self,
        type_: str,
        name: str,
        body: dict[str, Any] | bytes,
        *,
        secret: str = UNISON_SECRET,
        at: float | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        stamp = str(int(time.time() if at is None else at))
        headers = {
            "Content-Type": content_type,
            "X-Unison-Timestamp": stamp,
            "X-Unison-Signature": sign_unison(secret, stamp, raw),
        }
        return self.client.post(f"/hooks/{type_}/{name}", content=raw, headers=headers)


@pytest.fixture
def hooks(client: TestClient, admin_token: str) -> Hooks:
    return Hooks(client, admin_token)


@pytest.fixture
def telegram_bot(hooks: Hooks) -> dict[str, Any]:
    return hooks.connector(
        "telegram", "shop-bot", {"token": "123456:ABC-DEF", "secret": TELEGRAM_SECRET}, region="GE"
    )


@pytest.fixture
def viber_bot(hooks: Hooks) -> dict[str, Any]:
    return hooks.connector("viber", "viber-shop", {"token": VIBER_TOKEN}, region="UA")


@pytest.fixture
def whatsapp_number(hooks: Hooks) -> dict[str, Any]:
    return hooks.connector(
        "whatsapp", "wa-shop", {"app_secret": WHATSAPP_APP_SECRET, "verify_token": WHATSAPP_VERIFY}
    )


def events(sessions: sessionmaker[Session]) -> list[Event]:
    with sessions() as session:
        return list(session.execute(select(Event).order_by(Event.id)).scalars())


def rejected(sessions: sessionmaker[Session]) -> list[RejectedEvent]:
    with sessions() as session:
        return list(session.execute(select(RejectedEvent).order_by(RejectedEvent.id)).scalars())


def only(sessions: sessionmaker[Session]) -> Event:
    found = events(sessions)
    assert len(found) == 1, [e.payload for e in found]
    return found[0]
