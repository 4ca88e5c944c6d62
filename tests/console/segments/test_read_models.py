"""What the segment pages read: the list, membership over time, a profile's segments."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.profiles import service as profiles
from unison.segments import service
from unison.segments.language import parse_text

Send = Callable[[list[dict[str, Any]]], None]


def _people(cities: list[str]) -> list[dict[str, Any]]:
    return [
        {"type": "identify", "userId": f"u-{n}", "traits": {"city": city}}
        for n, city in enumerate(cities)
    ]


class TestMembershipOverTime:
    def test_counts_walk_back_from_now_through_entries_and_exits(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(_people(["თბილისი", "თბილისი", "ბათუმი"]))
        process()
        condition = parse_text('trait("city") == "თბილისი"')
        with transaction(sessions) as session:
            row, outcome = service.create(
                session, settings, "Tbilisi", "", condition, datetime.now(UTC)
            )
        assert outcome.members == 2
        send([{"type": "identify", "userId": "u-2", "traits": {"city": "თბილისი"}}])
        send([{"type": "identify", "userId": "u-0", "traits": {"city": "ქუთაისი"}}])
        process()
        now = datetime.now(UTC)
        with sessions() as session:
            series = service.membership_over_time(session, row.id, 3, now)
            listed = service.segments_list(session)
            mine = service.of_profile(session, profiles.lookup(session, "user_id", "u-2").id)
        assert [day for day, _ in series] == [now.date() - timedelta(days=d) for d in (2, 1, 0)]
        assert [count for _, count in series] == [0, 0, 2]
        assert [(s.name, s.member_count) for s in listed] == [("Tbilisi", 2)]
        assert [s.name for s, _ in mine] == ["Tbilisi"]
