"""The real-time membership (events, then timers as the clock moves) always equals a full
recompute by the compiled SQL at the same moment, on random event streams."""

from collections.abc import Callable
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from tests.segments.conftest import START, Api, Clock, identify, track
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import Base
from unison.segments import repository as rows
from unison.segments import service
from unison.segments.language import parse_text

DAY = timedelta(days=1)
KEEP = {"sources", "api_tokens", "alembic_version"}
DEFINITIONS = [
    'performed("Order Completed", within="30d") >= 2 and trait("city") == "Tbilisi"',
    'never("Email Opened", within="14d")',
    'sum("Order Completed", "revenue", within="60d") >= 100 or trait("city") in ["Batumi"]',
    'last("Order Completed") less_than_days_ago 10',
    'performed("Order Completed", where=[prop("revenue") > 40], within="45d") == 1',
    'stat("last_seen") more_than_days_ago 20 and exists(trait("city"))',
    'in_segment("s0") and not performed("Email Opened", within="7d")',
]

users = st.sampled_from(["u1", "u2", "u3", "u4"])
events = st.one_of(
    st.builds(
        lambda u, d, r: track(u, "Order Completed", START - d * DAY, revenue=r),
        users,
        st.integers(0, 90),
        st.integers(1, 120),
    ),
    st.builds(lambda u, d: track(u, "Email Opened", START - d * DAY), users, st.integers(0, 40)),
    st.builds(
        lambda u, d, c: identify(u, START - d * DAY, city=c),
        users,
        st.integers(0, 90),
        st.sampled_from(["Tbilisi", "Batumi", "Yerevan"]),
    ),
)


def empty(engine: Engine) -> None:
    names = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY"))
        else:
            for name in names:
                connection.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our own names


def agree(
    sessions: sessionmaker[Session], settings_: Settings, ids: list[int], now: object
) -> None:
    with sessions() as session:
        for segment_id in ids:
            row = service.get(session, segment_id)
            query = service.compiled(session, settings_, parse_text(row.text), now)  # type: ignore[arg-type]
            expected = set(rows.matching_ids(session, query))
            assert rows.member_ids(session, segment_id) == expected, row.text


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=st.lists(events, min_size=1, max_size=14), later=st.integers(1, 40))
def test_real_time_equals_full_recompute(
    stream: list[dict[str, object]],
    later: int,
    api: Api,
    process: Callable[[], int],
    tick: Callable[[], int],
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: Clock,
    engine: Engine,
) -> None:
    empty(engine)
    clock.now = START
    ids = []
    with transaction(sessions) as session:
        for i, definition in enumerate(DEFINITIONS):
            row, _ = service.create(session, settings, f"s{i}", "", parse_text(definition), START)
            ids.append(row.id)
    half = len(stream) // 2
    api.send(*stream[: half or 1])
    process()
    agree(sessions, settings, ids, clock.now)
    if stream[half or 1 :]:
        api.send(*stream[half or 1 :])
        process()
        agree(sessions, settings, ids, clock.now)
    clock.now = START + later * DAY
    while tick():
        pass
    agree(sessions, settings, ids, clock.now)
