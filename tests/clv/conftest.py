"""CLV tests send events through the real API, run the profile processor, then refresh."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.processing import caught_up, drain_until_caught_up
from unison.app import create_app
from unison.app.chain import build_chain
from unison.kit.settings import Settings

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        consent_webhooks_enabled=False,
        secret_key="test-secret-key-0123456789abcdef",
        clv_min_customers=5,
    )


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def process(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], int]:
    runners = build_chain(settings, sessions, batch_size=500)

    def run() -> int:
        total = drain_until_caught_up(runners, sessions, timeout=60.0)
        # Say so rather than assert on half-processed data: on a shared PostgreSQL server a
        # foreign transaction can hold the read horizon back.
        behind = [r.processor.name for r in runners if not caught_up(sessions, r.processor.name)]
        assert not behind, f"{behind} did not catch up with the log within 60 s"
        return total

    return run


@pytest.fixture
def send(client: TestClient, write_key: str) -> Callable[[list[dict[str, Any]]], None]:
    def post(events: list[dict[str, Any]]) -> None:
        for start in range(0, len(events), 500):
            response = client.post(
                "/v1/batch", json={"batch": events[start : start + 500]}, auth=(write_key, "")
            )
            assert response.status_code == 200, response.text
            assert response.json()["rejected"] == []

    return post


def order(user: str, at: datetime, amount: float | None, **properties: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"currency": "GEL", **properties}
    if amount is not None:
        props["revenue"] = amount
    return {
        "type": "track",
        "userId": user,
        "event": "Order Completed",
        "timestamp": at.isoformat(),
        "properties": props,
    }


def track(
    user: str, name: str, at: datetime, via: str = "web", **properties: Any
) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "timestamp": at.isoformat(),
        "context": {"channel": via},
        "properties": properties,
    }


def clv_traits(session: Session, source: str = "clv") -> dict[int, dict[str, Any]]:
    """Every profile's computed traits from one producer."""
    from sqlalchemy import select

    from unison.models import ComputedTrait

    found: dict[int, dict[str, Any]] = {}
    rows = session.execute(
        select(ComputedTrait.profile_id, ComputedTrait.name, ComputedTrait.value).where(
            ComputedTrait.source == source
        )
    )
    for pid, name, value in rows:
        found.setdefault(pid, {})[name] = value
    return found
