"""Rebuilding every profile from the log: the projection is disposable, the log is not."""

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from unison.events import log as offsets
from unison.kit.db import transaction
from unison.models import (
    EventProfile,
    Identifier,
    IdentifierRejection,
    IdentityConflict,
    Merge,
    Profile,
    ProfileSearchKey,
    ProfileSearchText,
)
from unison.worker import repository
from unison.worker.runner import LogProcessor, Runner

# Derived from the log, so rebuilt; identity_blocks (set by people through splits) are kept.
DERIVED = (
    EventProfile,
    Profile,
    Identifier,
    IdentifierRejection,
    Merge,
    IdentityConflict,
    ProfileSearchKey,
    ProfileSearchText,
)


def rebuild(
    sessions: sessionmaker[Session], processor: LogProcessor[Any], *, batch_size: int = 2000
) -> int:
    """Forget every profile and replay the whole log; returns the events replayed."""
    with transaction(sessions) as session:
        offsets.reset(session, processor.name)  # also holds the processor's lock meanwhile
        repository.delete_all(session, DERIVED)
    return Runner(sessions, processor, batch_size=batch_size).drain()
