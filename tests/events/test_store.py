"""Storing a group of batches: exact new/duplicate counts per batch, one transaction."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import stored
from unison.events.repository import IngestBatch, store_batches
from unison.events.service import prepare_items
from unison.sources.ref import SourceRef


def _batch(source: SourceRef, *message_ids: str) -> IngestBatch:
    now = datetime.now(UTC)
    items = [{"type": "track", "userId": "u", "event": "E", "messageId": m} for m in message_ids]
    prepared = prepare_items(items, source=source, received_at=now, max_event_bytes=32768)
    return IngestBatch(prepared.rows, prepared.rejections, source.id, "api", now)


class TestStoreBatches:
    def test_a_group_without_duplicates_is_all_new(
        self, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        ref = source[0]
        with sessions() as session:
            outcomes = store_batches(session, [_batch(ref, "a", "b"), _batch(ref, "c")])
            session.commit()
        assert [(o.accepted, o.duplicates) for o in outcomes] == [(2, 0), (1, 0)]
        assert len(stored(sessions)) == 3

    def test_duplicates_in_a_group_are_attributed_to_the_right_batch(
        self, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        ref = source[0]
        with sessions() as session:
            store_batches(session, [_batch(ref, "old")])
            session.commit()
        with sessions() as session:
            outcomes = store_batches(
                session,
                [_batch(ref, "x", "old"), _batch(ref, "y"), _batch(ref, "x", "z", "z")],
            )
            session.commit()
        assert [(o.accepted, o.duplicates) for o in outcomes] == [(1, 1), (1, 0), (1, 2)]
        assert sorted(e.message_id for e in stored(sessions)) == ["old", "x", "y", "z"]

    def test_rows_read_back_through_the_orm_with_their_times(
        self, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        batch = _batch(source[0], "t")
        with sessions() as session:
            store_batches(session, [batch])
            session.commit()
        [event] = stored(sessions)
        assert event.timestamp == batch.rows[0]["timestamp"]
        assert event.received_at == batch.received_at
        assert event.payload == batch.rows[0]["payload"]
