"""The real-time path: events move profiles in and out at once, windows close on timers at
the exact moment, and every change is history and an event on the log."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.segments.conftest import START, Api, Clock, identify, track
from unison.kit.clock import ensure_utc
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Event, SegmentHistory, SegmentMember, SegmentTimer
from unison.profiles import computed_traits
from unison.segments import service
from unison.segments.language import parse_text
from unison.segments.language.nodes import TraitDefinition
from unison.segments.realtime import catalog as catalogs

DAY = timedelta(days=1)
ORDER = "Order Completed"
BUYERS = 'performed("Order Completed", within="90d") >= 2 and trait("city") == "Tbilisi"'


def create(
    sessions: sessionmaker[Session], settings: Settings, name: str, text: str, clock: Clock
) -> int:
    with transaction(sessions) as session:
        row, _ = service.create(session, settings, name, "", parse_text(text), clock.now)
        return row.id


def members(sessions: sessionmaker[Session], segment_id: int) -> set[int]:
    with sessions() as session:
        query = select(SegmentMember.profile_id).where(SegmentMember.segment_id == segment_id)
        return set(session.execute(query).scalars())


def log_of(sessions: sessionmaker[Session], name: str) -> list[dict[str, Any]]:
    with sessions() as session:
        query = select(Event.payload).where(Event.event == name).order_by(Event.id)
        return list(session.execute(query).scalars())


def _one_order_each(api: Api) -> None:
    """An anonymous visitor and the user tamar, one order each: two profiles."""
    api.send(
        {
            "type": "track",
            "anonymousId": "anon-1",
            "event": ORDER,
            "timestamp": "2026-05-31T00:00:00Z",
        },
        track("tamar", ORDER, START - 2 * DAY),
    )


def _link(api: Api) -> None:
    """tamar identifies on the visitor's device: the two profiles merge."""
    api.send(
        {
            "type": "identify",
            "userId": "tamar",
            "anonymousId": "anon-1",
            "timestamp": "2026-06-01T00:00:00Z",
        }
    )


class TestRealTimeEntryAndExit:
    def test_second_order_enters_and_window_end_exits_exactly(
        self,
        api: Api,
        process: Callable[[], int],
        tick: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        segment = create(sessions, settings, "Tbilisi buyers", BUYERS, clock)
        first = START - 1 * DAY
        api.send(identify("nino", START - 30 * DAY, city="Tbilisi"), track("nino", ORDER, first))
        process()
        nino = api.profile("nino")
        assert members(sessions, segment) == set()
        api.send(track("nino", ORDER, START - 3600 * timedelta(seconds=1)))
        process()
        assert members(sessions, segment) == {nino}
        entered = log_of(sessions, "segment.entered")
        assert len(entered) == 1
        assert entered[0]["userId"] == "nino"
        assert entered[0]["properties"]["segment"] == "Tbilisi buyers"
        assert entered[0]["properties"]["trigger"] == "event"
        assert any(leaf["result"] for leaf in entered[0]["properties"]["reason"])
        with sessions() as session:
            timer = session.execute(select(SegmentTimer)).scalar_one()
        assert ensure_utc(timer.due_at) == first + 90 * DAY  # the older order leaves first

        clock.now = first + 90 * DAY - timedelta(microseconds=1)
        assert tick() == 0
        assert members(sessions, segment) == {nino}
        clock.now = first + 90 * DAY
        assert tick() == 1
        assert members(sessions, segment) == set()
        with sessions() as session:
            exit_row = session.execute(
                select(SegmentHistory).where(SegmentHistory.change == "exited")
            ).scalar_one()
        assert ensure_utc(exit_row.at) == first + 90 * DAY
        assert exit_row.trigger == "timer"
        exited = log_of(sessions, "segment.exited")
        assert len(exited) == 1
        assert exited[0]["timestamp"].startswith((first + 90 * DAY).strftime("%Y-%m-%dT%H:%M:%S"))

    def test_a_new_profile_enters_a_never_segment_on_its_first_event(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        segment = create(
            sessions, settings, "Never opened", 'never("Email Opened", within="30d")', clock
        )
        api.send(track("gia", "Page Viewed", START - DAY))
        process()
        gia = api.profile("gia")
        assert members(sessions, segment) == {gia}
        api.send(track("gia", "Email Opened", START - 2 * DAY))
        process()
        assert members(sessions, segment) == set()

    def test_segment_of_segment_follows_in_the_same_step(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        base = create(sessions, settings, "Tbilisi", 'trait("city") == "Tbilisi"', clock)
        derived = create(
            sessions,
            settings,
            "Tbilisi openers",
            'in_segment("Tbilisi") and performed("Email Opened")',
            clock,
        )
        api.send(
            track("lasha", "Email Opened", START - DAY), identify("lasha", START, city="Tbilisi")
        )
        process()
        lasha = api.profile("lasha")
        assert members(sessions, base) == {lasha}
        assert members(sessions, derived) == {lasha}
        api.send(identify("lasha", START + DAY, city="Kutaisi"))
        process()
        assert members(sessions, base) == members(sessions, derived) == set()

    def test_a_merge_moves_membership_to_the_survivor(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        segment = create(
            sessions, settings, "Two orders", 'performed("Order Completed") >= 2', clock
        )
        _one_order_each(api)
        process()
        assert members(sessions, segment) == set()
        _link(api)
        process()
        assert members(sessions, segment) == {api.profile("tamar")}

    def test_a_split_takes_membership_back_from_the_survivor(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        segment = create(
            sessions, settings, "Two orders", 'performed("Order Completed") >= 2', clock
        )
        one = create(sessions, settings, "An order", 'performed("Order Completed")', clock)
        _one_order_each(api)
        _link(api)
        process()
        survivor = api.profile("tamar")
        assert members(sessions, segment) == {survivor}
        [merge] = api.get(f"/api/profiles/{survivor}/merges").json()
        split = api.post(f"/api/profiles/{survivor}/split", {"merge_id": merge["id"]})
        assert split.status_code == 200, split.text
        # Each profile has one order again: none has two, both have one, at once.
        assert members(sessions, segment) == set()
        assert members(sessions, one) == set(split.json()["profile_ids"])
        assert len(members(sessions, one)) == 2
        process()  # the processor goes on from there without undoing it
        assert members(sessions, segment) == set()


class TestOnlyAffectedSegmentsAreEvaluated:
    def test_index_routes_events_to_the_segments_that_read_them(
        self, sessions: sessionmaker[Session], settings: Settings, clock: Clock
    ) -> None:
        orders = create(sessions, settings, "orders", 'performed("Order Completed")', clock)
        city = create(sessions, settings, "city", 'trait("city") == "Tbilisi"', clock)
        seen = create(sessions, settings, "seen", 'stat("last_seen") less_than_days_ago 7', clock)
        bought = create(sessions, settings, "bought", 'stat("order_count") > 0', clock)
        with sessions() as session:
            catalog = catalogs.load(session)
        assert catalog.affected("Order Completed", False) == {orders, seen, bought}
        assert catalog.affected("Page Viewed", False) == {seen}
        assert catalog.affected(None, True) == {city, seen}


class TestComputedTraits:
    def test_counts_and_favourites_follow_events_and_windows(
        self,
        api: Api,
        process: Callable[[], int],
        tick: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        with transaction(sessions) as session:
            service.define_trait(
                session,
                "orders_30d",
                TraitDefinition(fn="count", event=ORDER, window={"last_days": 30}),  # type: ignore[arg-type]
                clock.now,
            )
            service.define_trait(
                session,
                "favourite_category",
                TraitDefinition(fn="most_frequent", event=ORDER, property="category"),
                clock.now,
            )
            service.define_trait(
                session,
                "spent",
                TraitDefinition(fn="sum", event=ORDER, property="revenue"),
                clock.now,
            )
        segment = create(sessions, settings, "Frequent", 'computed("orders_30d") >= 2', clock)
        api.send(
            track("eka", ORDER, START - 20 * DAY, category="წიგნები", revenue=10),
            track("eka", ORDER, START - 5 * DAY, category="წიგნები", revenue=12.5),
            track("eka", ORDER, START - 1 * DAY, category="toys", revenue=3),
        )
        process()
        eka = api.profile("eka")
        with sessions() as session:
            values = computed_traits.values(
                session, [eka], ["orders_30d", "favourite_category", "spent"]
            )[eka]
        assert values == {"orders_30d": 3, "favourite_category": "წიგნები", "spent": 25.5}
        assert members(sessions, segment) == {eka}
        clock.now = START + 25 * DAY  # the first two orders have left the 30-day window
        tick()
        tick()
        with sessions() as session:
            values = computed_traits.values(session, [eka], ["orders_30d"])[eka]
        assert values == {"orders_30d": 1}
        assert members(sessions, segment) == set()


class TestTimersAfterARecompute:
    def test_a_segment_created_on_existing_events_gets_its_timers(
        self,
        api: Api,
        process: Callable[[], int],
        tick: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        api.send(
            identify("mari", START - 50 * DAY, city="Tbilisi"),
            track("mari", ORDER, START - 80 * DAY),
            track("mari", ORDER, START - 10 * DAY),
            track("sopo", "Email Opened", START - 20 * DAY),
        )
        process()
        mari, sopo = api.profile("mari"), api.profile("sopo")
        buyers = create(sessions, settings, "buyers", BUYERS, clock)  # only members get timers
        quiet = create(sessions, settings, "quiet", 'never("Email Opened", within="30d")', clock)
        assert members(sessions, buyers) == {mari}
        assert sopo not in members(sessions, quiet)
        clock.now = START + 10 * DAY  # mari's older order has left the window
        tick()
        assert members(sessions, buyers) == set()
        assert sopo in members(sessions, quiet)  # her open is more than 30 days old now
