"""The log processors in flow order: profiles first (identity resolution and projection),
the log's lookup keys, then every processor that needs an event's profile (segments,
consent, conversations...).

A downstream processor reads only events the profile processor has committed, so the
event's profile (event_profiles) is always there when it looks.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from unison.consent.ledger.processor import consent_processor
from unison.events.log import LogEvent
from unison.events.lookup import NAME as LOOKUP
from unison.events.lookup import lookup_processor
from unison.inbox.processor import inbox_processor, rehome
from unison.kit.settings import Settings
from unison.outbox.processor import receipts_processor
from unison.profiles.processor import NAME as PROFILES
from unison.profiles.processor import profile_processor
from unison.segments.realtime.processor import after_split as segments_after_split
from unison.segments.realtime.processor import segments_processor
from unison.worker.runner import LogProcessor, Runner

ProcessorFactory = Callable[[Settings], LogProcessor[Any]]

# Each domain that projects the log appends its factory here (one line), in flow order.
DOWNSTREAM: list[ProcessorFactory] = [consent_processor]
DOWNSTREAM.append(inbox_processor)  # conversations (unison/inbox/)
DOWNSTREAM.append(segments_processor)
DOWNSTREAM.append(receipts_processor)  # provider statuses -> message receipts (issue 17)


# After a profile split replays its events, each projection keyed by profile brings itself
# in line with the events' new owners (inbox: messages move; segments: re-evaluated); one
# line each.
SplitFollower = Callable[[Session, list[LogEvent]], None]
AFTER_SPLIT: list[Callable[[Settings], SplitFollower]] = [lambda _settings: rehome]
AFTER_SPLIT.append(segments_after_split)


def split_replay(settings: Settings) -> SplitFollower:
    """What a split runs on the events of the group it rebuilds: identity resolution again,
    then every AFTER_SPLIT projection, in the split's transaction."""
    steps = [profile_processor(settings).process] + [make(settings) for make in AFTER_SPLIT]

    def replay(session: Session, events: list[LogEvent]) -> None:
        for step in steps:
            step(session, events)

    return replay


def build_chain(
    settings: Settings, sessions: sessionmaker[Session], *, batch_size: int | None = None
) -> list[Runner]:
    size = batch_size or settings.processor_batch_size
    runners = [
        # A device found shared replays its group with the same followers as a split.
        Runner(
            sessions,
            profile_processor(settings, [make(settings) for make in AFTER_SPLIT]),
            batch_size=size,
        ),
        # The log's lookup keys need nothing upstream (unison/events/lookup.py).
        Runner(sessions, lookup_processor(settings), batch_size=size, payload=False),
    ]
    for make in DOWNSTREAM:
        runners.append(Runner(sessions, make(settings), batch_size=size, upstream=PROFILES))
    return runners


def drain_chain(runners: list[Runner]) -> int:
    """Process until every processor has caught up with the log (tests, CLI)."""
    return sum(runner.drain() for runner in runners)


def processor_names(settings: Settings) -> list[str]:
    return [PROFILES, LOOKUP, *(make(settings).name for make in DOWNSTREAM)]
