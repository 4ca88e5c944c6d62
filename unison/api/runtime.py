"""Everything a running app holds: settings, engine, sessions, the ingest writer, metrics."""

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from unison.api.metrics import Metrics
from unison.api.write_keys import WriteKeyCache
from unison.kit.db import create_db_engine, make_session_factory
from unison.kit.group_commit import GroupCommitWriter
from unison.kit.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    writer: GroupCommitWriter
    write_keys: WriteKeyCache
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def build(cls, settings: Settings) -> "Runtime":
        engine = create_db_engine(
            settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        sessions = make_session_factory(engine)
        writer = GroupCommitWriter(sessions, max_group=settings.ingest_group_max)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            writer=writer,
            write_keys=WriteKeyCache(settings.write_key_cache_seconds),
        )

    def start(self) -> None:
        self.writer.start()

    def stop(self) -> None:
        self.writer.stop()
        self.engine.dispose()
