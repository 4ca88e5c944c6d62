"""Fixtures: a real database built by the real migrations (SQLite file by default,
PostgreSQL when UNISON_TEST_DATABASE_URL is set), emptied after every test.

Tests do not roll back a wrapping transaction, because the ingest path commits on its own
writer thread exactly as in production; the tables are emptied after each test instead.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from tests.browser import browser, page  # noqa: F401 - fixtures for every test package
from unison import migrations
from unison.app import create_app
from unison.auth.service import create_token
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.settings import Settings
from unison.models import Base
from unison.sources.ref import SourceRef
from unison.sources.service import create_source

TEST_DATABASE_URL = os.environ.get("UNISON_TEST_DATABASE_URL")
# Every error a test triggers must be one its operation declares in OpenAPI (api/openapi.py
# `raises`); set here, so servers the tests start in subprocesses check it too.
os.environ["UNISON_STRICT_ERROR_DECLARATIONS"] = "1"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")
        return _database_for_worker(TEST_DATABASE_URL, worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'unison-test.db'}"


def _database_for_worker(url: str, worker_id: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (`<name>_gw0`, ...),
    created afresh beside the configured one, since every worker drops and migrates its
    schema and empties tables after each test."""
    if worker_id == "master":
        return url
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url, sqlite_synchronous="NORMAL")
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(engine)
    _empty_tables(engine)


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our own names


@pytest.fixture
def settings(database_url: str) -> Settings:
    # NORMAL keeps the suite fast; the durability test runs a real server on FULL.
    return Settings(database_url=database_url, sqlite_synchronous="NORMAL", log_json=False)


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def source(sessions: sessionmaker[Session]) -> tuple[SourceRef, str]:
    with transaction(sessions) as session:
        row, key = create_source(session, "website", "web")
        return SourceRef(row.id, row.name, row.channel), key


@pytest.fixture
def write_key(source: tuple[SourceRef, str]) -> str:
    return source[1]


def make_token(sessions: sessionmaker[Session], role: str, name: str | None = None) -> str:
    with transaction(sessions) as session:
        _token, secret = create_token(session, name or f"{role}-token", role)
        return secret


@pytest.fixture
def admin_token(sessions: sessionmaker[Session]) -> str:
    return make_token(sessions, "admin")


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
