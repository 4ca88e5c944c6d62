"""The processor chain: a downstream processor only ever sees events whose profile the
profile processor has already committed."""

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import send
from unison.events.log import LogEvent
from unison.kit.settings import Settings
from unison.models import EventProfile
from unison.profiles.processor import NAME as PROFILES
from unison.profiles.processor import profile_processor
from unison.worker.runner import Runner, run_chain_once


class ProfileChecker:
    """Records, for each event it is fed, whether the event already had its profile."""

    name = "test-profile-checker"

    def __init__(self) -> None:
        self.seen: list[tuple[int, bool]] = []

    def plan(self, session: Session, events: list[LogEvent]) -> list[tuple[int, bool]]:
        ids = [event.id for event in events]
        resolved = set(
            session.execute(
                select(EventProfile.event_id).where(EventProfile.event_id.in_(ids))
            ).scalars()
        )
        return [(event_id, event_id in resolved) for event_id in ids]

    def write(self, session: Session, plan: list[tuple[int, bool]]) -> None:
        self.seen.extend(plan)

    def process(self, session: Session, events: list[LogEvent]) -> None:
        self.write(session, self.plan(session, events))

    def forget(self) -> None:
        pass


def _send_events(client: TestClient, write_key: str, count: int) -> None:
    batch: list[dict[str, Any]] = [
        {"type": "track", "event": "Viewed", "userId": f"u{i % 3}", "messageId": f"m{i}"}
        for i in range(count)
    ]
    assert send(client, "/v1/batch", {"batch": batch}, write_key).status_code == 200


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        log_json=False,
        embedded_worker=False,
    )


def _first_batch(runner: Runner) -> int:
    """The first batch the runner gets. On PostgreSQL the log is read only below the oldest
    transaction open anywhere on the server (other databases' included), so a committed
    event can take a moment to become readable; that is waiting on others, not on us."""
    deadline = time.monotonic() + 30
    while (count := runner.run_once()) == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    return count


class TestDownstreamProcessor:
    def test_waits_for_the_profile_processor(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        checker = ProfileChecker()
        profiles = Runner(sessions, profile_processor(settings), batch_size=3)
        downstream = Runner(sessions, checker, batch_size=100, upstream=PROFILES)
        _send_events(client, write_key, 10)
        assert downstream.drain() == 0
        assert _first_batch(profiles) == 3
        assert downstream.drain() == 3
        assert checker.seen
        assert all(resolved for _id, resolved in checker.seen)

    def test_every_event_reaches_it_once_with_its_profile(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        checker = ProfileChecker()
        profiles = Runner(sessions, profile_processor(settings), batch_size=3)
        downstream = Runner(sessions, checker, batch_size=4, upstream=PROFILES)
        _send_events(client, write_key, 10)
        deadline = time.monotonic() + 30
        while len(checker.seen) < 10 and time.monotonic() < deadline:
            if not run_chain_once([profiles, downstream]):
                time.sleep(0.005)  # see _first_batch
        ids = [event_id for event_id, _ in checker.seen]
        assert len(ids) == 10
        assert ids == sorted(set(ids))
        assert all(resolved for _id, resolved in checker.seen)
