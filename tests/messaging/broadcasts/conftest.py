"""Broadcasts' tests: customers through ingest and the processors, consent through the API,
a segment recomputed on creation, templates through /api/templates, and the real fan-out."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut
from unison.models import BroadcastRecipient, Message, OutboundMessage


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The app's own fan-out loop off: the tests drive the fan-out chunk by chunk, of two
    # profiles each whatever the machine's load (a generous time budget).
    update = {
        "broadcasts_chunk_size": 2,
        "broadcasts_enabled": False,
        "broadcasts_chunk_seconds": 10,
    }
    return settings.model_copy(update=update)


def audience(
    api: Api,
    process: Callable[[], int],
    city: str,
    count: int,
    *,
    granted: int | None = None,
    start: int = 0,
    **traits: Any,
) -> list[int]:
    """`count` customers in `city` with an email; the first `granted` (all by default)
    allow marketing email."""
    users = [f"{city}-{n}" for n in range(start, start + count)]
    api.send(
        *(
            identify(user, f"{user}-id", email=f"{user}@example.ge", city=city, **traits)
            for user in users
        )
    )
    process()
    ids = [api.profile_of("email", f"{user}@example.ge") for user in users]
    for pid in ids[: count if granted is None else granted]:
        change = {"purpose": "marketing", "channel": "email", "status": "granted"}
        assert api.record(pid, change).status_code == 201
    return ids


def segment(api: Api, city: str) -> int:
    created = api.post("/api/segments", {"name": city, "text": f'trait("city") == "{city}"'})
    assert created.status_code == 201, created.text
    return int(created.json()["segment"]["id"])


def template(api: Api, name: str = "news", subject: str = "Hello {{ traits.city }}") -> int:
    variants = {"en": {"subject": subject, "html": "<p>Новости / სიახლეები</p>"}}
    body = {"name": name, "channel": "email", "variants": variants}
    response = api.post("/api/templates", body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def create(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("/api/broadcasts", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def local_broadcast(api: Api, name: str, city: str, day: str) -> dict[str, Any]:
    """A broadcast to `city`'s segment at 10:00 on `day` in each customer's own zone."""
    return create(
        api,
        name=name,
        segment_id=segment(api, city),
        template_id=template(api),
        local_time=f"{day}T10:00",
    )


def run(fan_out: FanOut, broadcast_id: int, now: datetime, rounds: int = 100) -> int:
    """Chunks until the broadcast has nothing due at `now` (each chunk a second later)."""
    total = 0
    for step in range(rounds):
        done = fan_out.chunk(broadcast_id, now + timedelta(seconds=step))
        if not done:
            return total
        total += done
    raise AssertionError("the fan-out did not finish")


class Store:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def messages(self, broadcast_id: int) -> list[Message]:
        with self.sessions() as session:
            query = select(Message).where(Message.broadcast_id == broadcast_id)
            return list(session.execute(query.order_by(Message.profile_id)).scalars())

    def outbox(self) -> list[OutboundMessage]:
        with self.sessions() as session:
            query = select(OutboundMessage).order_by(OutboundMessage.id)
            return list(session.execute(query).scalars())

    def recipients(self, broadcast_id: int) -> list[BroadcastRecipient]:
        with self.sessions() as session:
            query = select(BroadcastRecipient).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
            return list(session.execute(query.order_by(BroadcastRecipient.profile_id)).scalars())


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> Store:
    return Store(sessions)


@pytest.fixture
def fan_out(sessions: sessionmaker[Session], settings: Settings) -> FanOut:
    return FanOut(sessions, settings)
