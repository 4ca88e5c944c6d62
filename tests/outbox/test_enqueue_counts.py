"""Queueing says truthfully whether a message was new, on both stores (SQLAlchemy reports an
INSERT's rowcount as -1 on PostgreSQL, so the count must not come from it)."""

from sqlalchemy.orm import Session, sessionmaker

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
