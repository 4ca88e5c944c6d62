"""The log reader's horizon on PostgreSQL: a transaction still running in *this* database
holds the read back (its rows may yet appear below the position), while one running in
another database of the same server does not (it can never add a row to this log).

Transaction ids are cluster-wide, so a horizon taken from the snapshot's xmin alone would let
any long write elsewhere on the server (another tenant's database, a nightly job) stall
every processor here. SQLite has one writer and no such horizon: these tests are
PostgreSQL's.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import insert_track
from unison.events.log import Claim, read_after
from unison.sources.ref import SourceRef

START = Claim(0, 0, "", 0)


def _insert(session: Session, source: SourceRef, message_id: str) -> None:
    insert_track(session, source, message_id, "Horizon")


def _read(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return [str(e.payload.get("messageId")) for e in read_after(session, START, 100)]


@pytest.fixture
def postgres_only(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the transaction-id horizon is PostgreSQL's")


@pytest.fixture
def other_database_writer(
    sessions: sessionmaker[Session], postgres_only: None
) -> Iterator[Connection]:
    """An open transaction holding a transaction id in another database of the server."""
    with sessions() as session:
        url = make_url(str(session.get_bind().url.render_as_string(hide_password=False)))
    engine = create_engine(url.set(database="postgres"))
    connection = engine.connect()
    try:
        connection.execute(text("SELECT pg_current_xact_id()"))  # assigns the id, stays open
        yield connection
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def test_a_write_open_in_another_database_does_not_hold_the_log_back(
    sessions: sessionmaker[Session],
    source: tuple[SourceRef, str],
    other_database_writer: Connection,
) -> None:
    with sessions() as session:
        _insert(session, source[0], "after-the-other-database-began")
        session.commit()
    assert _read(sessions) == ["after-the-other-database-began"]


def test_a_write_open_in_this_database_holds_the_log_back_until_it_ends(
    sessions: sessionmaker[Session], source: tuple[SourceRef, str], postgres_only: None
) -> None:
    older, younger = sessions(), sessions()
    try:
        older.execute(text("SELECT pg_current_xact_id()"))  # an older transaction, still open
        _insert(younger, source[0], "younger")
        younger.commit()
        assert _read(sessions) == []  # the older one could still add rows before it
        _insert(older, source[0], "older")
        older.commit()
        assert _read(sessions) == ["older", "younger"]  # (txid, id) order
    finally:
        older.close()
        younger.close()


def test_a_transaction_does_not_read_its_own_uncommitted_events(
    sessions: sessionmaker[Session], source: tuple[SourceRef, str], postgres_only: None
) -> None:
    with sessions() as session:
        _insert(session, source[0], "mine")
        assert read_after(session, START, 100) == []
        session.commit()
    assert _read(sessions) == ["mine"]
