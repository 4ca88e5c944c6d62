"""Building the runtime an app holds: engine, sessions, the ingest writer and the loops."""

from collections.abc import Callable

from unison.api.runtime import Runtime
from unison.app.chain import split_replay
from unison.app.loops import background_loops
from unison.events import repository
from unison.kit.db import create_db_engine, make_session_factory
from unison.kit.group_commit import GroupCommitWriter
from unison.kit.settings import Settings


def build_runtime(
    settings: Settings,
    *,
    background: bool = True,
    on_commit: Callable[[], None] | None = None,
    fan_out: bool | None = None,
) -> Runtime:
    """`background=False` builds a collector process's runtime (app/serving.py): it
    serves requests, and tells the first process about its commits via `on_commit`
    instead of running the processors and delivery loops itself. `fan_out` (by default
    as `background`): broadcasts' fan-out of `settings.broadcast_share`, which a collector
    runs for its own share when the server splits broadcasts across its processes."""
    engine = create_db_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    sessions = make_session_factory(engine)
    # SQLite admits one writer at a time; more threads would only queue for its lock.
    writers = 1 if engine.dialect.name == "sqlite" else (settings.ingest_writers or 4)
    loops = background_loops(
        settings,
        sessions,
        processing=settings.embedded_worker and background,
        delivery=background,
        fan_out=background if fan_out is None else fan_out,
    )
    writer = GroupCommitWriter(
        engine,
        repository.store_batches,
        max_group=settings.ingest_group_max,
        threads=writers,
        on_commit=loops.processors.wake if loops.processors else on_commit,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        writer=writer,
        split_replay=split_replay,
        loops=loops.all,
        processors=loops.processors,
    )
