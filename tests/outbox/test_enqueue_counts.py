"""Queueing says truthfully whether a message was new, on both stores (SQLAlchemy reports an
INSERT's rowcount as -1 on PostgreSQL, so the count must not come from it)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from unison.models import OutboundMessage
from unison.outbox.queue import Outgoing, enqueue, enqueue_many


def _message(key: str) -> Outgoing:
    return Outgoing(key, 1, "email", "email", "nino@example.ge", "marketing", "ka", "გამარჯობა")


class TestEnqueueSaysWhatWasNew:
    def test_a_key_is_new_once(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            assert enqueue(session, _message("k-1")) is True
            assert enqueue(session, _message("k-1")) is False

    def test_a_batch_counts_only_its_new_keys(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            enqueue(session, _message("k-1"))
            batch = [_message("k-1"), _message("k-2"), _message("k-3")]
            assert enqueue_many(session, batch) == 2


class TestQueuedRowsReadBackAsWritten:
    """enqueue_many writes through the driver (bulk.py): JSON, None and times must read back
    through the ORM as SQLAlchemy's own insert wrote them."""

    def test_json_none_and_times_round_trip(self, sessions: sessionmaker[Session]) -> None:
        naive = datetime(2026, 3, 1, 9, 30)  # naive: UTC, as UTCDateTime takes it
        tbilisi = datetime(2026, 3, 1, 13, 30, 0, 5, tzinfo=timezone(timedelta(hours=4)))
        rows = [
            replace(_message("k-1"), content={"text": "ნინო", "n": [1, 2.5]}, meta=None),
            replace(_message("k-2"), next_attempt_at=naive),
        ]
        with sessions.begin() as session:
            assert enqueue_many(session, rows, now=tbilisi) == 2
        with sessions() as session:
            found = {
                m.idempotency_key: m for m in session.execute(select(OutboundMessage)).scalars()
            }
            null = session.execute(
                select(func.count()).where(OutboundMessage.meta.is_(None))
            ).scalar()
        first, second = found["k-1"], found["k-2"]
        assert first.content == {"text": "ნინო", "n": [1, 2.5]}
        assert first.meta is None
        assert second.content is None
        assert null == 0  # None is written as JSON null, as the JSON column writes it
        assert first.created_at == datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=UTC)
        assert second.next_attempt_at == naive.replace(tzinfo=UTC)
        assert (first.status, first.attempts, first.next_attempt_at) == ("queued", 0, None)
