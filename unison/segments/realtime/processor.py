"""The segments log processor: each event re-evaluates, for its profile only, the segments
and computed traits the event can affect (see index.py), after the profile processor.

A batch is planned from reads (one round for all its profiles, a few queries in all) and
written with the processor's offset in one transaction, like every processor.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.events.processing import Processor
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.profiles.projection import ORDER_EVENT
from unison.segments import repository as rows
from unison.segments.computed_traits import rfm
from unison.segments.realtime import catalog as catalogs
from unison.segments.realtime import rounds
from unison.segments.realtime.rounds import Plan, Work

NAME = "segments"


def segments_processor(settings: Settings) -> "SegmentsProcessor":
    return SegmentsProcessor(settings)


def _carries_traits(event: LogEvent) -> bool:
    if event.type == "identify":
        return True
    context = event.payload.get("context")
    return isinstance(context, dict) and bool(context.get("traits"))


class SegmentsProcessor(Processor[Plan]):
    name = NAME

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self._catalog: catalogs.Catalog | None = None

    def forget(self) -> None:
        self._catalog = None

    def catalog(self, session: Session) -> catalogs.Catalog:
        self._catalog = catalogs.load(session, self._catalog)
        return self._catalog

    def plan(self, session: Session, events: list[LogEvent]) -> Plan:
        catalog = self.catalog(session)
        now = self.clock()
        if not catalog.segments and not catalog.traits and rfm.boundaries(session) is None:
            return Plan(now=now)
        work = self.work(session, catalog, events)
        return rounds.decide(session, catalog, work, now, self.settings)

    def work(
        self, session: Session, catalog: catalogs.Catalog, events: list[LogEvent]
    ) -> dict[int, Work]:
        owners = rows.event_owners(session, [e.id for e in events])
        everything = rows.merged_by(session, [e.id for e in events])
        work: dict[int, Work] = {}
        for event in events:
            owner = owners.get(event.id)
            if owner is None:
                continue  # an event without identifiers belongs to no profile
            attributed, cid = owner
            item = work.setdefault(cid, Work())
            item.event_id = event.id
            if attributed == event.id or cid in everything:
                # A profile born of this event may already satisfy "never ..." segments, and
                # a merge changes everything the survivor holds: evaluate all of them.
                item.segments |= set(catalog.segments)
                item.traits |= set(catalog.traits)
                item.rfm = True
                continue
            item.segments |= catalog.affected(event.name, _carries_traits(event))
            if event.name is not None:
                item.traits |= catalog.traits_by_event.get(event.name, set())
            if event.name == ORDER_EVENT:
                item.rfm = True
        return {cid: item for cid, item in work.items() if item.segments or item.traits or item.rfm}

    def write(self, session: Session, plan: Plan) -> None:
        rounds.write(session, plan)


def after_split(settings: Settings) -> Callable[[Session, list[LogEvent]], None]:
    """After a profile split (identity/service.py) has replayed `events`: every profile that
    owns one of them now is evaluated against every segment, computed trait and RFM score,
    as after a merge, in the split's transaction. Without it a survivor stayed in segments
    it qualified for only with the other profile's events until its next event."""

    def follow(session: Session, events: list[LogEvent]) -> None:
        # Takes the processor's offset row, and a batch planned with the old owners is
        # discarded at its compare-and-set and planned again.
        offsets.bump_epoch(session, NAME)
        processor = SegmentsProcessor(settings)
        catalog = processor.catalog(session)
        if not catalog.segments and not catalog.traits and rfm.boundaries(session) is None:
            return
        owners = rows.event_owners(session, [event.id for event in events])
        work = {
            cid: Work(set(catalog.segments), set(catalog.traits), rfm=True, trigger="split")
            for _, cid in owners.values()
        }
        if work:
            processor.write(
                session, rounds.decide(session, catalog, work, processor.clock(), settings)
            )

    return follow
