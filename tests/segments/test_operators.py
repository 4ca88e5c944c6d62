"""Every operator, answered twice: by the compiled SQL (full recompute) and by the Python
evaluator (real-time path), which must agree with each other and with the expected set."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.segments.conftest import START, Api, identify, iso, track
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.profiles import computed_traits
from unison.segments import repository as rows
from unison.segments import service
from unison.segments.language import parse_text
from unison.segments.language.values import bucket
from unison.segments.realtime.evaluate import evaluate
from unison.segments.realtime.index import needs_of
from unison.segments.realtime.rounds import Loader

DAY = timedelta(days=1)
ORDER = "Order Completed"


@pytest.fixture
def people(api: Api, process: Callable[[], int], sessions: sessionmaker[Session]) -> dict[str, int]:
    born = START - 200 * DAY
    api.send(
        identify(
            "ana",
            born,
            city="Tbilisi",
            tags=["vip", "new"],
            email="ana@example.ge",
            age=34,
            birthday="1990-06-05",
            signed_up_at="2026-04-01T00:00:00Z",
            name="ანა ბერიძე",
        ),
        identify(
            "boris", born, city="Yerevan", age=29, birthday="1985-12-24", signed_up_at="2026-05-25"
        ),
        identify("dana", born, city="Tbilisi", age="forty", tags="vip-ish"),
        track("ana", ORDER, START - 10 * DAY, revenue=50, category="shoes", coupon="SUMMER"),
        track("ana", ORDER, START - 40 * DAY, revenue=150, category="bags"),
        track("ana", ORDER, START - 100 * DAY, revenue=20, category="shoes"),
        track("ana", "Email Opened", START - 5 * DAY),
        track("boris", ORDER, START - 2 * DAY, revenue=5, category="shoes-kids"),
        track("dana", "Page Viewed", START - 1 * DAY),
    )
    process()
    ids = {name: api.profile(name) for name in ("ana", "boris", "dana")}
    with transaction(sessions) as session:
        computed_traits.write(session, "rfm", [(ids["ana"], "rfm_cell", "champions")], START)
    return ids


CASES = [
    ('trait("city") == "Tbilisi"', {"ana", "dana"}),
    ('trait("city") != "Tbilisi"', {"boris"}),
    ('trait("city") in ["Yerevan", "Batumi"]', {"boris"}),
    ('trait("tags") contains "vip"', {"ana", "dana"}),
    ('trait("email") starts_with "ana@"', {"ana"}),
    ('trait("name") starts_with "ანა"', {"ana"}),
    ('trait("age") > 30', {"ana"}),
    ('trait("age") >= 29', {"ana", "boris"}),
    ('trait("age") < 30', {"boris"}),
    ('trait("age") <= 34', {"ana", "boris"}),
    ('trait("city") > "U"', {"boris"}),
    ('exists(trait("tags"))', {"ana", "dana"}),
    ('trait("birthday") anniversary_within_days 7', {"ana"}),
    ('trait("signed_up_at") more_than_days_ago 30', {"ana"}),
    ('trait("signed_up_at") less_than_days_ago 30', {"boris"}),
    ('performed("Order Completed", within="90d") >= 2', {"ana"}),
    ('performed("Order Completed") == 0', {"dana"}),
    ('performed("Order Completed") != 1', {"ana", "dana"}),
    ('performed("Order Completed") > 2', {"ana"}),
    ('performed("Order Completed") < 2', {"boris", "dana"}),
    ('never("Email Opened")', {"boris", "dana"}),
    ('performed("Order Completed") <= 1', {"boris", "dana"}),
    ('performed("Order Completed", where=[prop("category") == "shoes"]) >= 2', {"ana"}),
    ('performed("Order Completed", where=[prop("category") != "shoes"])', {"ana", "boris"}),
    ('performed("Order Completed", where=[prop("category") in ["bags"]])', {"ana"}),
    ('performed("Order Completed", where=[prop("category") contains "kids"])', {"boris"}),
    ('performed("Order Completed", where=[prop("category") starts_with "shoes-"])', {"boris"}),
    ('performed("Order Completed", where=[prop("revenue") > 100])', {"ana"}),
    ('performed("Order Completed", where=[exists(prop("coupon"))])', {"ana"}),
    (
        f'performed("Order Completed", since="{iso(START - 50 * DAY)}", '
        f'until="{iso(START - 20 * DAY)}")',
        {"ana"},
    ),
    ('sum("Order Completed", "revenue", within="90d") >= 100', {"ana"}),
    ('sum("Order Completed", "revenue") < 10', {"boris", "dana"}),
    ('avg("Order Completed", "revenue") > 50', {"ana"}),
    ('min("Order Completed", "revenue") < 10', {"boris"}),
    ('max("Order Completed", "revenue") >= 150', {"ana"}),
    ('first("Order Completed") more_than_days_ago 90', {"ana"}),
    ('last("Order Completed") less_than_days_ago 5', {"boris"}),
    ('exists(last("Page Viewed"))', {"dana"}),
    (f'last("Order Completed") > "{iso(START - 5 * DAY)}"', {"boris"}),
    (f'first("Order Completed") <= "{iso(START - 100 * DAY)}"', {"ana"}),
    ('has_identifier("email")', {"ana"}),
    ('reachable("email")', {"ana"}),
    ('reachable("email", purpose="marketing")', set()),
    ('stat("order_count") >= 1', {"ana", "boris"}),
    ('stat("order_count") in [1, 2]', {"boris"}),
    ('stat("revenue") > 100', {"ana"}),
    ('stat("last_seen") less_than_days_ago 3', {"boris", "dana"}),
    ('stat("last_order_at") more_than_days_ago 3', {"ana"}),
    ('exists(stat("last_order_at"))', {"ana", "boris"}),
    (f'stat("first_seen") < "{iso(START - 100 * DAY)}"', {"ana", "boris", "dana"}),
    ('computed("rfm_cell") == "champions"', {"ana"}),
    ('computed("rfm_cell") != "champions"', set()),
    ('not trait("city") == "Tbilisi"', {"boris"}),
    ('trait("city") == "Yerevan" or trait("age") == "forty"', {"boris", "dana"}),
    ('trait("city") == "Tbilisi" and not performed("Order Completed")', {"dana"}),
]


def answers(
    sessions: sessionmaker[Session], settings: Settings, text: str, people: dict[str, int]
) -> tuple[set[str], set[str]]:
    names = {pid: name for name, pid in people.items()}
    condition = parse_text(text)
    with sessions() as session:
        _count, found = service.preview(session, settings, condition, START, 100)
        facts = Loader(session, settings).facts(sorted(names), needs_of(condition))
        segment_names = {s.id: s.name for s in rows.segments(session)}
        for segment_id, pid in rows.memberships(session, sorted(names)):
            facts[pid].segments.add(segment_names[segment_id])
        python = {names[pid] for pid, f in facts.items() if evaluate(condition, f, START)}
    return {names[pid] for pid in found if pid in names}, python


class TestEveryOperator:
    @pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
    def test_sql_and_python_agree_on_the_expected_members(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        people: dict[str, int],
        text: str,
        expected: set[str],
    ) -> None:
        sql, python = answers(sessions, settings, text, people)
        assert sql == expected
        assert python == expected

    def test_bucket_is_the_same_hash_in_sql_and_python(
        self, sessions: sessionmaker[Session], settings: Settings, people: dict[str, int]
    ) -> None:
        expected = {name for name, pid in people.items() if bucket("holdout", pid) < 50}
        sql, python = answers(sessions, settings, 'bucket("holdout") < 50', people)
        assert sql == python == expected
        sql, python = answers(
            sessions, settings, f'bucket("holdout") in [{bucket("holdout", people["ana"])}]', people
        )
        assert "ana" in sql
        assert sql == python

    def test_consent_grant_makes_the_profile_reachable_for_the_purpose(
        self, api: Api, sessions: sessionmaker[Session], settings: Settings, people: dict[str, int]
    ) -> None:
        response = api.post(
            f"/api/profiles/{people['ana']}/consents",
            {"changes": [{"purpose": "newsletter", "channel": "email", "status": "granted"}]},
        )
        assert response.status_code == 201, response.text
        sql, python = answers(
            sessions, settings, 'reachable("email", purpose="newsletter")', people
        )
        assert sql == python == {"ana"}

    def test_membership_of_another_segment(
        self, sessions: sessionmaker[Session], settings: Settings, people: dict[str, int]
    ) -> None:
        with transaction(sessions) as session:
            service.create(
                session, settings, "Tbilisi", "", parse_text('trait("city") == "Tbilisi"'), START
            )
        sql, python = answers(
            sessions, settings, 'in_segment("Tbilisi") and exists(trait("tags"))', people
        )
        assert sql == python == {"ana", "dana"}
