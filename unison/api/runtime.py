"""Everything a running app holds: settings, engine, sessions, the ingest writer, metrics."""

import gc
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from unison.api.metrics import Metrics
from unison.api.write_keys import WriteKeyCache
from unison.channels.senders import load_senders
from unison.clv.tasks import ScheduledRefresh
from unison.consent.webhooks import webhook_channel
from unison.events import repository
from unison.events.repository import IngestBatch, StoreOutcome
from unison.kit.background import PollingThread
from unison.kit.db import create_db_engine, make_session_factory
from unison.kit.group_commit import GroupCommitWriter
from unison.kit.settings import Settings
from unison.messaging.delivery import deliver_due as deliver_messages
from unison.segments.scheduler import SchedulerThread
from unison.worker.chain import build_chain
from unison.worker.runner import RunnerThread


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    writer: GroupCommitWriter[IngestBatch, StoreOutcome]
    write_keys: WriteKeyCache
    processors: RunnerThread | None = None
    webhooks: PollingThread | None = None  # consent-change webhook delivery
    outbox: PollingThread | None = None  # outbound message delivery
    clv_refresh: PollingThread | None = None  # the scheduled CLV refresh
    metrics: Metrics = field(default_factory=Metrics)
    segment_timers: SchedulerThread | None = None  # fires segments' window timers

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        background: bool = True,
        on_commit: Callable[[], None] | None = None,
    ) -> "Runtime":
        """`background=False` builds a collector process's runtime (api/serving.py): it
        serves requests, and tells the first process about its commits via `on_commit`
        instead of running the processors and delivery loops itself."""
        engine = create_db_engine(
            settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        sessions = make_session_factory(engine)
        # SQLite admits one writer at a time; more threads would only queue for its lock.
        writers = 1 if engine.dialect.name == "sqlite" else (settings.ingest_writers or 4)
        processors = None
        if settings.embedded_worker and background:
            processors = RunnerThread(build_chain(settings, sessions))
        writer = GroupCommitWriter(
            engine,
            repository.store_batches,
            max_group=settings.ingest_group_max,
            threads=writers,
            on_commit=processors.wake if processors else on_commit,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            writer=writer,
            write_keys=WriteKeyCache(settings.write_key_cache_seconds),
            processors=processors,
            webhooks=PollingThread(
                "consent-webhooks",
                lambda: deliver_messages(sessions, settings, webhook_channel(sessions, settings)),
            )
            if settings.consent_webhooks_enabled and background
            else None,
            outbox=_outbox_thread(sessions, settings) if background else None,
            clv_refresh=PollingThread(
                "clv-refresh",
                ScheduledRefresh(sessions, settings),
                poll_seconds=300,
                first_after=300,  # not in the way of start-up and a first burst of traffic
            )
            if settings.clv_refresh_hours > 0 and background
            else None,
            segment_timers=SchedulerThread(sessions, settings)
            if settings.embedded_worker and background
            else None,
        )

    def start(self) -> None:
        self.writer.start()
        if self.processors is not None:
            self.processors.start()
        for loop in (self.webhooks, self.outbox, self.clv_refresh):
            if loop is not None:
                loop.start()
        if self.segment_timers is not None:
            self.segment_timers.start()
        # Everything alive now (modules, app, pools) lives as long as the process; moving it
        # out of the collector's view makes full collections cheap, which removes the
        # ~100 ms pauses they caused on the ingest path.
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        self.writer.stop()
        if self.processors is not None:
            self.processors.stop()
        for loop in (self.webhooks, self.outbox, self.clv_refresh):
            if loop is not None:
                loop.stop()
        if self.segment_timers is not None:
            self.segment_timers.stop()
        self.engine.dispose()


def _outbox_thread(sessions: sessionmaker[Session], settings: Settings) -> PollingThread | None:
    if not settings.outbox_delivery_enabled:
        return None
    return PollingThread(
        "outbox", lambda: deliver_messages(sessions, settings, load_senders(sessions, settings))
    )
