"""/health and /metrics report lag in the order processors read the log.

On PostgreSQL concurrent transactions commit ids out of order, and processors read in
(transaction id, id) order. A backlog counted as "ids above the position" then shows events
that were read long ago, forever. Here two transactions interleave their inserts (ids N and
N+2 in the first, N+1 in the second, which commits first); once the processors are done,
nothing is behind. SQLite admits one writer at a time, so there they commit one after the
other and the test holds trivially.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import insert_track
from tests.processing import drain_until_caught_up
from unison.app import create_app
from unison.app.chain import build_chain
from unison.kit.settings import Settings
from unison.sources.ref import SourceRef


@pytest.fixture
def quiet_client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """No embedded worker: the test runs the processors itself, to completion."""
    quiet = settings.model_copy(update={"embedded_worker": False})
    with TestClient(create_app(quiet), raise_server_exceptions=False) as client:
        yield client


def _insert(session: Session, source: SourceRef, message_id: str) -> None:
    insert_track(session, source, message_id, "Interleaved")


def _interleaved_commits(sessions: sessionmaker[Session], source: SourceRef) -> None:
    first, second = sessions(), sessions()
    try:
        if first.get_bind().dialect.name == "postgresql":
            _insert(first, source, "a-1")  # id N, the older transaction
            _insert(second, source, "b-1")  # id N+1, a younger one
            _insert(first, source, "a-2")  # id N+2, the older transaction again
            second.commit()
            first.commit()
        else:
            _insert(first, source, "a-1")
            _insert(first, source, "a-2")
            first.commit()
            _insert(second, source, "b-1")
            second.commit()
    finally:
        first.close()
        second.close()


def _gauges(text: str, name: str) -> dict[str, float]:
    return {
        sample.labels["processor"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


class TestLagAfterOutOfOrderCommits:
    def test_processors_done_with_interleaved_transactions_show_no_backlog(
        self,
        quiet_client: TestClient,
        settings: Settings,
        sessions: sessionmaker[Session],
        source: tuple[SourceRef, str],
    ) -> None:
        _interleaved_commits(sessions, source[0])
        drain_until_caught_up(build_chain(settings, sessions), sessions)

        processors = quiet_client.get("/health").json()["processors"]
        assert processors
        behind = {name: (p["behind_events"], p["lag_seconds"]) for name, p in processors.items()}
        assert behind == dict.fromkeys(processors, (0, 0.0))

        scraped = quiet_client.get("/metrics").text
        assert _gauges(scraped, "unison_processor_lag_events") == dict.fromkeys(processors, 0.0)
        assert _gauges(scraped, "unison_processor_lag_seconds") == dict.fromkeys(processors, 0.0)
