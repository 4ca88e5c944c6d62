"""The event log's secondary keys (user id, anonymous id, time), off the ingest commit.

Every index on `events` is written inside the transaction that acknowledges a request, under
SQLite's single write lock; three random-key indexes roughly halved the rows the ingest
writer could commit per second. So `events` keeps only its dedupe index and this log
processor copies each event's keys into `event_lookup` (indexed), in large batches, after the
acknowledgement.

Reads stay exact whatever the processor's lag: the repository's `lookup_matching` looks up
the indexed part and also scans the events the processor has not reached yet (a short range
of the log's primary key when it keeps up; all of it right after an upgrade, until it
catches up).
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from unison.events import repository
from unison.events.log import LogEvent
from unison.events.processing import Processor
from unison.kit.settings import Settings

NAME = repository.LOOKUP_PROCESSOR


def lookup_processor(_settings: Settings) -> "LookupProcessor":
    return LookupProcessor()


# A batch, by its first and last event in the log's reading order; None when empty.
Span = tuple[LogEvent, LogEvent] | None


class LookupProcessor(Processor[Span]):
    """Copies a batch's keys with one INSERT ... SELECT inside the database.

    The keys are the log's own columns (the ones `matching` scans for events not reached
    yet), so nothing travels to Python and back, and the runner reads batches without their
    payloads. Kept short on purpose: on PostgreSQL every processor waits for the oldest
    running transaction before it reads (events/log.py), so a slow write here would
    delay identity resolution; sending rows from Python took seconds per 5,000 events under
    load, this takes milliseconds.
    """

    name = NAME

    def plan(self, _session: Session, events: list[LogEvent]) -> Span:
        return (events[0], events[-1]) if events else None

    def write(self, session: Session, plan: Span) -> None:
        if plan is None:
            return
        repository.copy_lookup_keys(session, *plan)


def forget_keys(session: Session, event_ids: Sequence[int]) -> None:
    """Erasure: the events keep what happened and when, their lookup rows lose who."""
    repository.forget_lookup_keys(session, event_ids)
