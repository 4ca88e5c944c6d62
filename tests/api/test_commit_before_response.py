"""A 2xx means committed: a client that reads right after the answer sees its write.

Against a real `unison serve` under concurrent ingest (a thread posting /v1/batch all along),
each write is used or read back immediately after its 2xx, 30 times each, without waiting.
Before the fix the request session committed after the response was sent, and about two
reads in three saw the old state.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute

from tests.api.live import LiveServer
from tests.conftest import _empty_tables, make_token
from tests.processing import drain_until_caught_up
from unison.api.deps import get_session
from unison.app import create_app
from unison.app.chain import build_chain
from unison.kit.db import make_session_factory, transaction
from unison.kit.settings import Settings
from unison.sources.service import create_source

ROUNDS = 30
LOADERS = 3  # threads posting /v1/batch all along: the writer is rarely idle
TELEGRAM_SECRET = "tg-secret_0123456789"


def _phone(n: int) -> str:
    return f"+99559900{n:04d}"


@dataclass
class Served:
    url: str
    key: str  # a write key for the ingest load
    token: str  # admin bearer token

    def api(self, client: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return client.request(method, path, json=body, headers=headers)


def _people(settings: Settings, key: str, engine: Engine) -> None:
    """Profiles 0..ROUNDS, each with a phone, resolved before the server starts."""
    batch = [
        {
            "type": "identify",
            "userId": f"p-{n}",
            "messageId": f"p-{n}",
            "traits": {"phone": _phone(n)},
        }
        for n in range(ROUNDS + 1)
    ]
    quiet = settings.model_copy(update={"embedded_worker": False})
    with TestClient(create_app(quiet, background=False)) as client:
        response = client.post("/v1/batch", json={"batch": batch}, auth=(key, ""))
        assert response.json()["accepted"] == ROUNDS + 1, response.text
    sessions = make_session_factory(engine)
    drain_until_caught_up(build_chain(settings, sessions), sessions)


def _ingest_load(url: str, key: str, worker: int, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, auth=(key, ""), timeout=30) as client:
        n = 0
        while not stop.is_set():
            tracks = [
                {
                    "type": "track",
                    "userId": f"load-{n}-{i}",
                    "event": "Load",
                    "messageId": f"{n}-{i}",
                }
                for i in range(100)
            ]
            client.post("/v1/batch", json={"batch": tracks})
            n += 1


@pytest.fixture(scope="class")
def served(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One server under ingest load for the class; every test writes its own rows."""
    sessions = make_session_factory(engine)
    settings = Settings(database_url=database_url, sqlite_synchronous="NORMAL", log_json=False)
    with transaction(sessions) as session:
        _row, key = create_source(session, "load", "web")
    token = make_token(sessions, "admin")
    server, stop, loaders = None, threading.Event(), []
    try:
        _people(settings, key, engine)
        log = tmp_path_factory.mktemp("serve") / "serve.log"
        server = LiveServer(database_url, log, sqlite_synchronous="NORMAL")
        loaders = [
            threading.Thread(target=_ingest_load, args=(server.url, key, n, stop), daemon=True)
            for n in range(LOADERS)
        ]
        for loader in loaders:
            loader.start()
        yield Served(server.url, key, token)
    finally:
        stop.set()
        for loader in loaders:
            loader.join(60)
        if server is not None:
            server.stop()
        _empty_tables(engine)


def _lookup(client: httpx.Client, served: Served, n: int) -> httpx.Response:
    return client.get(
        "/api/profiles/lookup",
        params={"type": "phone", "value": _phone(n)},
        headers={"Authorization": f"Bearer {served.token}"},
    )


def _profile_id(client: httpx.Client, served: Served, n: int) -> int:
    response = _lookup(client, served, n)
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


class TestAWriteIsCommittedBeforeItsAnswer:
    def test_a_consent_change_is_read_back_right_after_its_201(self, served: Served) -> None:
        stale = []
        with httpx.Client(base_url=served.url, timeout=30) as client:
            pid = _profile_id(client, served, ROUNDS)
            for n in range(ROUNDS):
                status = "withdrawn" if n % 2 else "granted"
                change = {
                    "purpose": "promotions",
                    "channel": "sms",
                    "status": status,
                    "occurred_at": f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z",
                }
                path = f"/api/profiles/{pid}/consents"
                written = served.api(client, "POST", path, {"changes": [change]})
                assert written.status_code == 201, written.text
                read = served.api(client, "GET", path).json()["items"]
                seen = [i["status"] for i in read if i["purpose"] == "promotions"]
                if seen != [status]:
                    stale.append((n, status, seen))
        assert stale == []

    def test_a_new_connector_answers_its_webhook_right_after_its_201(self, served: Served) -> None:
        refused = []
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for n in range(ROUNDS):
                name = f"bot-{n}"
                secrets = {"token": "123456:ABC-DEF", "secret": TELEGRAM_SECRET}
                body = {"type": "telegram", "name": name, "secrets": secrets}
                created = served.api(client, "POST", "/api/connectors", body)
                assert created.status_code == 201, created.text
                update = {
                    "update_id": n,
                    "message": {
                        "message_id": n,
                        "from": {"id": 7000 + n, "is_bot": False, "first_name": "Nino"},
                        "chat": {"id": 7000 + n, "type": "private"},
                        "date": 1764581400,
                        "text": "hello",
                    },
                }
                hook = client.post(
                    f"/hooks/telegram/{name}",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
                )
                if hook.status_code != 200:
                    refused.append((n, hook.status_code, hook.text))
        assert refused == []

    def test_an_erased_profile_is_gone_right_after_the_erasure_answers(
        self, served: Served
    ) -> None:
        found = []
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for n in range(ROUNDS):
                pid = _profile_id(client, served, n)
                erased = served.api(client, "POST", "/api/privacy/erase", {"profile_id": pid})
                assert erased.status_code == 200, erased.text
                lookup = _lookup(client, served, n)
                if lookup.status_code != 404:
                    found.append((n, lookup.status_code))
        assert found == []

    def test_a_new_write_key_collects_right_after_its_201(self, served: Served) -> None:
        refused = []
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for n in range(ROUNDS):
                body = {"name": f"site-{n}", "channel": "web"}
                created = served.api(client, "POST", "/api/sources", body)
                assert created.status_code == 201, created.text
                key = created.json()["write_key"]
                event = {"userId": f"new-{n}", "event": "Signed Up", "messageId": f"new-{n}"}
                tracked = client.post("/v1/track", json=event, auth=(key, ""))
                again = client.post("/v1/track", json=event, auth=(key, ""))
                if (tracked.status_code, again.status_code) != (200, 200):
                    refused.append((n, tracked.status_code, again.status_code))
        assert refused == []

    def test_a_new_token_is_accepted_right_after_its_201(self, served: Served) -> None:
        refused = []
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for n in range(ROUNDS):
                body = {"name": f"ops-{n}", "role": "admin"}
                created = served.api(client, "POST", "/api/tokens", body)
                assert created.status_code == 201, created.text
                secret = created.json()["token"]
                used = client.get("/api/sources", headers={"Authorization": f"Bearer {secret}"})
                if used.status_code != 200:
                    refused.append((n, used.status_code))
        assert refused == []


@pytest.fixture
def still_client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """No background loops: every commit in the process belongs to a request."""
    still = settings.model_copy(
        update={
            "embedded_worker": False,
            "consent_webhooks_enabled": False,
            "outbox_delivery_enabled": False,
            "clv_refresh_hours": 0,
        }
    )
    with TestClient(create_app(still), raise_server_exceptions=False) as client:
        yield client


class TestAFailedCommitIsNeverA2xx:
    def test_a_source_whose_commit_fails_is_answered_500_and_not_created(
        self, still_client: TestClient, admin_token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The database refusing the commit (disk full, serialization failure, a lost
        connection) is stood in for by SQLAlchemy's commit raising, once."""
        commit, refusals = Session.commit, [OperationalError("COMMIT", {}, Exception("refused"))]

        def refuse_once(session: Session) -> None:
            if refusals:
                raise refusals.pop()
            commit(session)

        monkeypatch.setattr(Session, "commit", refuse_once)
        auth = {"Authorization": f"Bearer {admin_token}"}
        body = {"name": "doomed", "channel": "web"}
        response = still_client.post("/api/sources", json=body, headers=auth)
        assert response.status_code == 500, response.text
        assert response.json()["error"] == "InternalError"
        assert refusals == []
        listed = still_client.get("/api/sources", headers=auth).json()
        assert "doomed" not in [source["name"] for source in listed]


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's include_router
        if included is not None:
            yield from _api_routes(included.routes)


class TestEveryRequestSessionCommitsBeforeSending:
    def test_every_route_takes_its_session_in_function_scope(self, client: TestClient) -> None:
        """scope="function" is what orders the commit before the response (and lets a failed
        commit become an error response); one route with the default scope would commit
        after sending again, and would even get a second session of its own."""
        late, routes = [], list(_api_routes(client.app.routes))  # type: ignore[attr-defined]
        assert len(routes) > 50
        for route in routes:
            pending = list(route.dependant.dependencies)
            while pending:
                dependency = pending.pop()
                pending += dependency.dependencies
                if dependency.call is get_session and dependency.scope != "function":
                    late.append(route.path)
        assert late == []
