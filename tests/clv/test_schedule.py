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
