"""Messaging tests build customers through the real path (ingest, the processor chain,
consent through the API) and put messages through the real gate into the real outbox."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.consent.conftest import Api, identify
from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.app.chain import build_chain
from unison.kit.db import transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.messaging.batch import decide_many
from unison.messaging.enqueue import Candidate, Draft, decide_and_queue
from unison.messaging.schemas import MessageDecision as MessageView
from unison.models import Message, OutboundMessage

SECRET = "test-secret-key-0123456789abcdef"


def messaging_settings(database_url: str, **overrides: Any) -> Settings:
    """No background work (the tests run the processors and the outbox themselves)."""
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
        consent_webhooks_enabled=False,
        outbox_delivery_enabled=False,
        secret_key=SECRET,
        public_url="https://unison.example",
        processor_batch_size=5,
        # Quiet hours off unless a test turns them on: most tests run at any time of day.
        messaging_quiet_start="00:00",
        messaging_quiet_end="00:00",
        **overrides,
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return messaging_settings(database_url)


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


@pytest.fixture
def api(client: TestClient, write_key: str, admin_token: str) -> Api:
    return Api(client, write_key, admin_token)


class Gate:
    """Put drafts through the gate, each in its own transaction, as a caller would: one at
    a time (`decide_and_queue`) or as a chunk of one through the batch path (`decide_many`,
    what broadcasts and POST /api/messages use); every gate test runs on both."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, path: str = "one"
    ) -> None:
        self.sessions, self.settings, self.path = sessions, settings, path

    def send(
        self,
        profile_id: int,
        key: str,
        *candidates: tuple[str, dict[str, Any]],
        purpose: str = "marketing",
        now: datetime | None = None,
        **extra: Any,
    ) -> MessageView:
        draft = Draft(
            profile_id=profile_id,
            purpose=purpose,
            idempotency_key=key,
            candidates=[Candidate(channel, content) for channel, content in candidates],
            **extra,
        )
        if self.path == "one":
            with transaction(self.sessions) as session:
                return decide_and_queue(session, self.settings, draft, now)
        (outcome,) = self.send_many([draft], now)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def send_many(
        self, drafts: list[Draft], now: datetime | None = None
    ) -> list[MessageView | UnisonError]:
        """A chunk through the batch path, in one transaction."""
        with transaction(self.sessions) as session:
            return decide_many(session, self.settings, drafts, now)

    def messages(self) -> list[Message]:
        with self.sessions() as session:
            return list(session.execute(select(Message).order_by(Message.id)).scalars())

    def outbox(self) -> list[OutboundMessage]:
        with self.sessions() as session:
            query = select(OutboundMessage).order_by(OutboundMessage.id)
            return list(session.execute(query).scalars())


@pytest.fixture(params=["one", "batch"])
def gate(sessions: sessionmaker[Session], settings: Settings, request: Any) -> Gate:
    return Gate(sessions, settings, request.param)


EMAIL_TEXT = {"subject": "Სალამი", "html": None, "text": "გამარჯობა"}
SMS_TEXT = {"text": "Привет"}


def customer(api: Api, process: Callable[[], int], user: str, *grants: str, **traits: Any) -> int:
    """A profile with the given traits (email, phone...) and marketing granted on the
    given channels."""
    api.send(identify(user, f"{user}-identify", **traits))
    process()
    kind, value = next((k, v) for k, v in traits.items() if k in ("email", "phone"))
    pid = api.profile_of(kind, value)
    for channel in grants:
        response = api.record(
            pid, {"purpose": "marketing", "channel": channel, "status": "granted"}
        )
        assert response.status_code == 201, response.text
    return pid


@pytest.fixture
def tokens_marketer(sessions: sessionmaker[Session]) -> str:
    return make_token(sessions, "marketer")
