"""RFM: quintile scores, the named cells, refresh and incremental scoring of new orders."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.segments.conftest import START, Api, Clock, track
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.profiles import computed_traits
from unison.segments import repository as rows
from unison.segments.computed_traits import rfm
from unison.segments.realtime.scheduler import SegmentTimers

DAY = timedelta(days=1)


class TestCells:
    @pytest.mark.parametrize(
        ("r", "fm", "cell"),
        [
            (5, 5, "champions"),
            (5, 4, "champions"),
            (4, 5, "loyal"),
            (3, 4, "loyal"),
            (5, 2, "potential_loyalists"),
            (4, 3, "potential_loyalists"),
            (5, 1, "new"),
            (4, 1, "promising"),
            (3, 3, "needs_attention"),
            (3, 2, "about_to_sleep"),
            (2, 4, "at_risk"),
            (1, 3, "at_risk"),
            (1, 5, "cannot_lose_them"),
            (2, 2, "hibernating"),
            (1, 2, "hibernating"),
            (1, 1, "lost"),
        ],
    )
    def test_the_standard_map(self, r: int, fm: int, cell: str) -> None:
        assert rfm.cell(r, fm) == cell

    def test_every_combination_has_a_named_cell(self) -> None:
        found = {rfm.cell(r, fm) for r in range(1, 6) for fm in range(1, 6)}
        assert found == set(rfm.CELLS)


class TestRefresh:
    def test_refresh_scores_buyers_and_new_orders_score_incrementally(
        self, api: Api, process: Callable[[], int], sessions: sessionmaker[Session]
    ) -> None:
        events = []
        for i in range(10):  # customer i: i+1 orders, the last i*30 days ago, 10*(i+1) each
            for k in range(i + 1):
                events.append(
                    track(
                        f"c{i}", "Order Completed", START - (i * 30 + k) * DAY, revenue=10 * (i + 1)
                    )
                )
        api.send(*events)
        process()
        with transaction(sessions) as session:
            result = rfm.refresh(session, START)
        assert result["buyers"] == 10
        ids = {i: api.profile(f"c{i}") for i in range(10)}
        with sessions() as session:
            values = computed_traits.values(session, list(ids.values()), list(rfm.NAMES))
        newest, oldest = values[ids[0]], values[ids[9]]
        assert newest["rfm_r"] == 5
        assert newest["rfm_f"] == 1
        assert oldest["rfm_r"] == 1
        assert oldest["rfm_f"] == 5
        assert oldest["rfm_m"] == 5
        assert oldest["rfm_cell"] == "cannot_lose_them"
        assert newest["rfm_cell"] == "new"
        # c9 comes back with a big order today: scored against the stored boundaries at once
        api.send(track("c9", "Order Completed", START, revenue=500))
        process()
        with sessions() as session:
            back = computed_traits.values(session, [ids[9]], list(rfm.NAMES))[ids[9]]
        assert back["rfm_r"] == 5
        assert back["rfm_cell"] == "champions"


class TestSchedule:
    def test_the_timer_thread_refreshes_once_a_period(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Clock,
    ) -> None:
        api.send(track("a", "Order Completed", START - DAY, revenue=5))
        process()
        thread = SegmentTimers(sessions, settings, clock=clock)
        thread.refresh_rfm_if_due()
        with sessions() as session:
            assert rows.state_updated(session, rfm.STATE_KEY) is None  # not started by hand
        with transaction(sessions) as session:
            rfm.refresh(session, START)
        clock.advance(hours=1)
        thread.refresh_rfm_if_due()
        with sessions() as session:
            first = rows.state_updated(session, rfm.STATE_KEY)
        assert first == START
        clock.advance(hours=24)
        thread.refresh_rfm_if_due()
        with sessions() as session:
            assert rows.state_updated(session, rfm.STATE_KEY) == clock.now


class TestSegmentsFollowTheRescoring:
    def test_a_segment_on_rfm_cell_is_recomputed_by_the_refresh_without_new_events(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        from unison.segments import service

        with transaction(sessions) as session:
            condition = service.read_definition(None, 'computed("rfm_cell") == "new"')
            service.create(session, settings, "newcomers", "", condition, START)
        events = [
            track(f"c{i}", "Order Completed", START - (i * 30 + k) * DAY, revenue=10 * (i + 1))
            for i in range(10)
            for k in range(i + 1)
        ]
        api.send(*events)
        process()
        with transaction(sessions) as session:
            result = service.refresh_rfm(session, settings, START)
            members = rows.member_ids(session, rows.segment_named(session, "newcomers").id)
            cells = computed_traits.values(session, sorted(members), ["rfm_cell"])
        assert result["segments_followed"] == {"newcomers": len(members)}
        assert members, "the latest first-time buyer scores as new"
        assert {v["rfm_cell"] for v in cells.values()} == {"new"}
