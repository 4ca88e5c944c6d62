"""kit.db's dialect-neutral writes: one upsert, one insert-if-absent, one chunker, on both
SQLite and PostgreSQL (whichever the suite runs on)."""

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from unison.kit.db import chunks, insert_ignore, insert_ignore_from, transaction, upsert
from unison.models import ExchangeRate

_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
_KEY = ["base", "currency", "day"]


def _rate(day: int, rate: float, at: datetime = _AT) -> dict[str, object]:
    return {"base": "EUR", "currency": "USD", "day": date(2026, 12, day), "rate": rate,
            "updated_at": at}  # fmt: skip


def _rates(session: Session) -> list[tuple[date, float]]:
    rows = session.execute(select(ExchangeRate.day, ExchangeRate.rate).order_by(ExchangeRate.day))
    return [(day, rate) for day, rate in rows]


class TestUpsert:
    def test_a_row_with_an_existing_key_overwrites_only_the_named_columns(
        self, sessions: sessionmaker[Session]
    ) -> None:
        later = datetime(2026, 12, 8, tzinfo=UTC)
        with transaction(sessions) as session:
            upsert(session, ExchangeRate, [_rate(1, 1.1), _rate(2, 1.2)], _KEY, ["rate"])
            upsert(session, ExchangeRate, [_rate(2, 1.25, later), _rate(3, 1.3)], _KEY, ["rate"])
        with transaction(sessions) as session:
            assert _rates(session) == [
                (date(2026, 12, 1), 1.1),
                (date(2026, 12, 2), 1.25),
                (date(2026, 12, 3), 1.3),
            ]
            kept = session.execute(
                select(ExchangeRate.updated_at).where(ExchangeRate.day == date(2026, 12, 2))
            ).scalar_one()
            assert kept.replace(tzinfo=UTC) == _AT  # not in `update`, so left as it was

    def test_no_rows_writes_nothing(self, sessions: sessionmaker[Session]) -> None:
        with transaction(sessions) as session:
            upsert(session, ExchangeRate, [], _KEY, ["rate"])
            assert _rates(session) == []


class TestInsertIgnore:
    def test_a_row_with_an_existing_key_is_skipped_and_the_rest_are_written(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with transaction(sessions) as session:
            insert_ignore(session, ExchangeRate, [_rate(1, 1.1)], _KEY)
            insert_ignore(session, ExchangeRate, [_rate(1, 9.9), _rate(2, 1.2)], _KEY)
        with transaction(sessions) as session:
            assert _rates(session) == [(date(2026, 12, 1), 1.1), (date(2026, 12, 2), 1.2)]

    def test_a_replayed_insert_select_adds_nothing(self, sessions: sessionmaker[Session]) -> None:
        columns = ["base", "currency", "day", "rate", "updated_at"]
        with transaction(sessions) as session:
            insert_ignore(session, ExchangeRate, [_rate(1, 1.1)], _KEY)
            source = select(
                ExchangeRate.currency, ExchangeRate.base, ExchangeRate.day, ExchangeRate.rate,
                ExchangeRate.updated_at,
            ).where(ExchangeRate.id > 0)  # fmt: skip
            insert_ignore_from(session, ExchangeRate, columns, source, _KEY)  # USD->EUR: new
            insert_ignore_from(session, ExchangeRate, columns, source, _KEY)  # all exist now
            count = len(session.execute(select(ExchangeRate.id)).all())
        assert count == 2


class TestChunks:
    def test_any_iterable_comes_back_in_order_in_lists_of_at_most_the_size(self) -> None:
        assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
        assert list(chunks(iter([]), 3)) == []
        assert list(chunks({"a": 1}, 500)) == [["a"]]
