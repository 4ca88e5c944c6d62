"""The refresh `unison serve` schedules: due when the last one is older than the interval,
skipped (and not retried at every check) when the data cannot be modelled."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tests.clv.conftest import NOW, order
from tests.clv.test_refresh import shoppers, traits
from unison.clv.tasks import ScheduledRefresh
from unison.kit.settings import Settings

Send = Callable[[list[dict[str, Any]]], None]


class TestScheduledRefresh:
    def test_it_runs_when_never_run_then_only_after_the_interval(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(shoppers(30))
        process()
        scheduled = ScheduledRefresh(
            sessions, settings.model_copy(update={"clv_refresh_hours": 24})
        )
        scheduled(NOW)
        first = traits(sessions)
        assert first, "the first check found no refresh and ran one"
        send([order("late-buyer", NOW + timedelta(hours=1), 50.0, order_id="late-1")])
        process()
        scheduled(NOW + timedelta(hours=23))
        assert traits(sessions) == first  # not due yet
        scheduled(NOW + timedelta(hours=25))
        assert len(traits(sessions)) == len(first) + 1  # due: the new customer has traits

    def test_a_refresh_that_cannot_run_waits_for_the_next_interval(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(
            [
                order("a", NOW - timedelta(days=9), 10.0, order_id="a1", currency="GEL"),
                order("b", NOW - timedelta(days=8), 10.0, order_id="b1", currency="UAH"),
            ]
        )
        process()
        scheduled = ScheduledRefresh(sessions, settings.model_copy(update={"clv_refresh_hours": 6}))
        assert scheduled(NOW) == 0
        assert scheduled._failed_at == NOW  # mixed currencies: skipped with a warning
        scheduled(NOW + timedelta(hours=1))
        assert scheduled._failed_at == NOW  # not retried before the interval
        scheduled(NOW + timedelta(hours=7))
        assert scheduled._failed_at == NOW + timedelta(hours=7)
        assert traits(sessions) == {}


class TestSegmentsFollowTheRefresh:
    def test_a_segment_on_clv_tier_is_filled_by_the_refresh_itself(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        from unison.clv import service as clv
        from unison.kit.db import transaction
        from unison.segments import repository as segment_rows
        from unison.segments import service as segments

        with transaction(sessions) as session:
            condition = segments.read_definition(None, 'computed("clv_tier") == "platinum"')
            segments.create(session, settings, "platinum", "top CLV", condition, NOW)
        send(shoppers(40))
        process()
        with transaction(sessions) as session:
            report = clv.refresh(session, settings, NOW)
            segment = segment_rows.segment_named(session, "platinum")
            assert segment is not None
            members = segment_rows.member_ids(session, segment.id)
        tiers = traits(sessions)
        platinum = {pid for pid, values in tiers.items() if values.get("clv_tier") == "platinum"}
        assert platinum, "the top tier has customers"
        assert members == platinum
        assert report.segments_followed == {"platinum": len(platinum)}
