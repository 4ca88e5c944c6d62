"""`reachable(channel, purpose=...)` asks consent's one decision point for all the profiles of
a round (or of a recompute) at once: the statements run do not grow with the profiles."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tests.segments.conftest import START, Api, identify
from unison.consent import service as consent_service
from unison.consent.ledger.decision import can_contact
from unison.kit.settings import Settings
from unison.segments import service
from unison.segments.language import parse_text
from unison.segments.realtime.evaluate import evaluate
from unison.segments.realtime.index import needs_of
from unison.segments.realtime.rounds import Loader

REACHABLE = parse_text('reachable("email", purpose="newsletter")')
# Georgian, Armenian, Hebrew, Russian, Ukrainian and English names on the profiles
NAMES = ["ნინო", "Արամ", "דנה", "Иван", "Олена", "Alice"]


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Every statement the session's engine sends to the database inside the block."""
    seen: list[str] = []
    engine = session.get_bind()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_people(api: Api, process: Callable[[], int], first: int, count: int) -> list[int]:
    """`count` profiles with an email; every other one granted the newsletter by email."""
    users = [f"reach-{n}" for n in range(first, first + count)]
    api.send(
        *(
            identify(user, START, email=f"{user}@example.ge", name=NAMES[n % len(NAMES)])
            for n, user in enumerate(users)
        )
    )
    process()
    ids = [api.profile(user) for user in users]
    for pid in ids[::2]:
        response = api.post(
            f"/api/profiles/{pid}/consents",
            {"changes": [{"purpose": "newsletter", "channel": "email", "status": "granted"}]},
        )
        assert response.status_code == 201, response.text
    return ids


def members(facts: dict[int, Any]) -> set[int]:
    return {pid for pid, f in facts.items() if evaluate(REACHABLE, f, START)}


class TestReachabilityInARound:
    def test_twelve_profiles_take_as_many_statements_as_three(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        ids = add_people(api, process, 0, 12)
        needs = needs_of(REACHABLE)
        with sessions() as session:
            Loader(session, settings).facts(ids, needs)  # warm: first-use reads out of the count
            with statements(session) as few:
                three = Loader(session, settings).facts(ids[:3], needs)
            with statements(session) as many:
                twelve = Loader(session, settings).facts(ids, needs)
        assert len(many) == len(few), many
        assert members(three) == {ids[0], ids[2]}
        assert members(twelve) == set(ids[::2])

    def test_each_answer_is_the_decision_points_answer(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        ids = add_people(api, process, 0, 4)
        response = api.post(
            "/api/consent/suppressions",
            {"identifier_type": "email", "identifier": "reach-0@example.ge", "reason": "manual"},
        )
        assert response.status_code == 201, response.text
        with sessions() as session:
            facts = Loader(session, settings).facts(ids, needs_of(REACHABLE))
            kind = consent_service.kinds(session, settings)["newsletter"]
            expected = {
                pid: can_contact(session, pid, "newsletter", "email", kind=kind) for pid in ids
            }
        for pid in ids:
            decision = expected[pid]
            assert facts[pid].reachability[("email", "newsletter")] == (
                decision.allowed,
                decision.reason,
            )
        assert [expected[pid].reason for pid in ids] == [
            "suppressed_manual",
            "no_consent",
            "consent",
            "no_consent",
        ]


class TestReachabilityInARecompute:
    def test_a_recompute_asks_consent_in_as_many_statements_for_more_profiles(
        self,
        api: Api,
        process: Callable[[], int],
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        first = add_people(api, process, 0, 3)

        def preview() -> tuple[set[int], int]:
            with sessions() as session:
                service.preview(session, settings, REACHABLE, START, 100)  # warm
                with statements(session) as seen:
                    _count, found = service.preview(session, settings, REACHABLE, START, 100)
            return set(found), len(seen)

        found_few, few = preview()
        everyone = first + add_people(api, process, 3, 9)
        found_many, many = preview()
        assert found_few == set(first[::2])
        assert found_many == set(first[::2]) | set(everyone[3::2])
        assert many == few
