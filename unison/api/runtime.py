"""What a running app holds (settings, engine, sessions, the ingest writer, metrics, its
background loops), as endpoints see it.

Built by the composition root (unison/app/runtime.py); this module imports no domain, so
every domain's endpoints can depend on it without depending on each other.
"""

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from unison.api.metrics import Metrics
from unison.kit.background import PollingLoop
from unison.kit.group_commit import GroupCommitWriter
from unison.kit.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # GroupCommitWriter[IngestBatch, StoreOutcome]: typed loosely so api needs no domain.
    writer: GroupCommitWriter[Any, Any]
    # What a profile split replays its events through (identity resolution, then every
    # projection keyed by profile): built from the processors, which only the root knows.
    split_replay: Callable[[Settings], Callable[[Session, list[Any]], None]]
    loops: list[PollingLoop] = field(default_factory=list)  # started and stopped with the app
    processors: PollingLoop | None = None  # the log processors' loop, woken by ingest commits
    metrics: Metrics = field(default_factory=Metrics)

    def start(self) -> None:
        self.writer.start()
        for loop in self.loops:
            loop.start()
        # Everything alive now (modules, app, pools) lives as long as the process; moving it
        # out of the collector's view makes full collections cheap, which removes the
        # ~100 ms pauses they caused on the ingest path.
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        self.writer.stop()
        for loop in self.loops:
            loop.stop()
        self.engine.dispose()
