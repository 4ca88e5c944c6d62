"""Holding outbox rows back and letting them go (outbox/holds.py, what a paused, resumed or
cancelled broadcast does to what it queued), on both stores: only the named rows move, only
from the states each move allows, and a held row is not dispatched until released."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from unison.kit.clock import utcnow
from unison.models import OutboundMessage
from unison.outbox import holds
from unison.outbox.queue import SENT, Outgoing, enqueue_many, lease_due


def _queue(session: Session, *keys: str) -> None:
    enqueue_many(
        session,
        [Outgoing(k, 1, "sms", "phone", "+995555123456", "marketing", "ka", "x") for k in keys],
    )


def _states(session: Session) -> dict[str, str]:
    query = select(OutboundMessage.idempotency_key, OutboundMessage.status)
    return {str(key): str(status) for key, status in session.execute(query)}


def _mark_sent(session: Session, key: str) -> None:
    session.execute(
        update(OutboundMessage).where(OutboundMessage.idempotency_key == key).values(status=SENT)
    )


class TestHold:
    def test_only_the_named_queued_rows_are_held(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            _queue(session, "a", "b", "c", "other")
            _mark_sent(session, "c")
            assert holds.hold(session, ["a", "b", "c"]) == 2
            assert _states(session) == {"a": "held", "b": "held", "c": "sent", "other": "queued"}

    def test_a_held_row_is_not_dispatched_until_released(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            _queue(session, "a", "b")
            holds.hold(session, ["a"])
            due = lease_due(session, ["sms"], utcnow(), 10)
            assert [row.idempotency_key for row in due] == ["b"]
        with sessions.begin() as session:
            assert holds.release(session, ["a"]) == 1
            due = lease_due(session, ["sms"], utcnow(), 10)
            assert sorted(row.idempotency_key for row in due) == ["a", "b"]

    def test_rows_named_by_a_subquery(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            _queue(session, "broadcast-1", "broadcast-2", "other")
            named = select(OutboundMessage.idempotency_key).where(
                OutboundMessage.idempotency_key.like("broadcast-%")
            )
            assert holds.hold(session, named) == 2
            assert _states(session)["other"] == "queued"

    def test_no_keys_moves_nothing(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            _queue(session, "a")
            assert holds.hold(session, []) == 0
            assert _states(session) == {"a": "queued"}


class TestReleaseAndCancel:
    def test_release_moves_only_held_rows(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            _queue(session, "a", "b", "c")
            holds.hold(session, ["a"])
            _mark_sent(session, "c")
            assert holds.release(session, ["a", "b", "c"]) == 1
            assert _states(session) == {"a": "queued", "b": "queued", "c": "sent"}

    def test_cancel_takes_queued_and_held_rows_but_not_sent_ones(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            _queue(session, "a", "b", "c", "other")
            holds.hold(session, ["a"])
            _mark_sent(session, "c")
            assert holds.cancel(session, ["a", "b", "c"]) == 2
            assert _states(session) == {
                "a": "cancelled",
                "b": "cancelled",
                "c": "sent",
                "other": "queued",
            }
