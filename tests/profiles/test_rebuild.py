"""Incremental processing equals a rebuild from the log, whatever the stream and batching."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tests.processing import drain_until_caught_up
from unison.events.repository import IngestBatch, store_batches
from unison.events.service import prepare_items
from unison.kit.settings import Settings
from unison.models import (
    Event,
    EventProfile,
    Identifier,
    IdentityConflict,
    Merge,
    ProcessorOffset,
    Profile,
    ProfileSearchKey,
    ProfileSearchText,
    RejectedEvent,
)
from unison.profiles.processor import profile_processor
from unison.sources.ref import SourceRef
from unison.worker.rebuild import DERIVED, rebuild
from unison.worker.runner import Runner

START = datetime(2026, 1, 1, tzinfo=UTC)
USERS = st.sampled_from(["u1", "u2", "u3"])
ANONS = st.sampled_from(["a1", "a2", "a3", "a4", "tablet"])
EMAILS = st.sampled_from(["x@example.ge", "Y@example.am", "z@example.il"])
PHONES = st.sampled_from(["+995 555 11 22 33", "+374 91 234567", "+380 50 123 4567"])


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["identify", "track", "order", "alias", "pos"]))
    at = START + timedelta(minutes=draw(st.integers(0, 10_000)))
    event: dict[str, Any] = {"timestamp": at.isoformat()}
    if draw(st.booleans()):
        event["userId"] = draw(USERS)
    if draw(st.booleans()) or "userId" not in event:
        event["anonymousId"] = draw(ANONS)
    if kind == "identify":
        traits = {"city": draw(st.sampled_from(["Tbilisi", "Երևան", "חיפה"]))}
        if draw(st.booleans()):
            traits["email"] = draw(EMAILS)
        if draw(st.booleans()):
            traits["phone"] = draw(PHONES)
        if draw(st.booleans()):  # names are searchable: the search index is compared too
            traits["name"] = draw(st.sampled_from(["ნინო ბერიძე", "Արամ Սարգսյան", "Ольга"]))
        event.update(type="identify", traits=traits)
    elif kind == "alias":
        event.update(type="alias", userId=draw(USERS), previousId=draw(ANONS | USERS))
    elif kind == "pos":
        event.update(
            type="track",
            event="Order Completed",
            anonymousId=f"pos-{draw(st.integers(0, 3))}",
            context={"channel": "pos", "traits": {"phone": draw(PHONES)}},
            properties={"revenue": draw(st.integers(1, 500)), "currency": "GEL"},
        )
        event.pop("userId", None)
    elif kind == "order":
        event.update(
            type="track",
            event="Order Completed",
            properties={"total": draw(st.integers(1, 500)), "currency": "usd"},
        )
    else:
        event.update(type="track", event="Product Viewed", context={"channel": "mobile"})
    return event


def _snapshot(session: Session) -> dict[str, Any]:
    profiles = {
        p.id: (
            p.canonical_id,
            p.traits,
            p.event_count,
            p.order_count,
            p.revenue,
            p.first_seen,
            p.last_seen,
            p.last_order_at,
            p.channels,
            p.identifier_counts,
        )
        for p in session.execute(select(Profile)).scalars()
        if p.canonical_id == p.id
    }
    owners = sorted(
        session.execute(select(Identifier.type, Identifier.value, Identifier.profile_id)).all()
    )
    attributions = sorted(
        session.execute(
            select(EventProfile.event_id, Profile.canonical_id).join(
                Profile, Profile.id == EventProfile.profile_id
            )
        ).all()
    )
    merges = sorted(
        session.execute(select(Merge.event_id, Merge.survivor_id, Merge.merged_id)).all()
    )
    conflicts = sorted(
        session.execute(
            select(
                IdentityConflict.event_id,
                IdentityConflict.rule,
                IdentityConflict.identifier_type,
                IdentityConflict.identifier_value,
            )
        ).all()
    )
    search_keys = sorted(
        session.execute(
            select(ProfileSearchKey.field, ProfileSearchKey.key, ProfileSearchKey.profile_id)
        ).all()
    )
    search_text = sorted(
        session.execute(select(ProfileSearchText.profile_id, ProfileSearchText.body)).all()
    )
    return {
        "search": (search_keys, search_text),
        "profiles": profiles,
        "owners": owners,
        "events": attributions,
        "merges": merges,
        "conflicts": conflicts,
    }


def _wipe(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for table in (*DERIVED, ProcessorOffset, Event, RejectedEvent):
            session.execute(delete(table))
        session.commit()


class TestIncrementalEqualsRebuild:
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        stream=st.lists(events(), min_size=1, max_size=30),
        chunks=st.lists(st.integers(1, 6), min_size=1, max_size=10),
        batch_size=st.integers(1, 8),
    )
    def test_random_streams(
        self,
        sessions: sessionmaker[Session],
        source: tuple[SourceRef, str],
        database_url: str,
        stream: list[dict[str, Any]],
        chunks: list[int],
        batch_size: int,
    ) -> None:
        _wipe(sessions)
        config = Settings(database_url=database_url)
        runner = Runner(sessions, profile_processor(config), batch_size=batch_size)
        position, step = 0, 0
        while position < len(stream):  # ingest a chunk, process, repeat: like production
            size = chunks[step % len(chunks)]
            now = datetime.now(UTC)
            prepared = prepare_items(
                stream[position : position + size],
                source=source[0],
                received_at=now,
                max_event_bytes=32768,
                implied_type=None,
            )
            assert prepared.rejections == []
            with sessions() as session:
                store_batches(session, [IngestBatch(prepared.rows, [], source[0].id, "api", now)])
                session.commit()
            drain_until_caught_up([runner], sessions)
            position, step = position + size, step + 1
        with sessions() as session:
            incremental = _snapshot(session)
        assert incremental["events"], "every stream has events attributed to profiles"
        rebuild(sessions, profile_processor(config), batch_size=50)
        drain_until_caught_up([Runner(sessions, profile_processor(config))], sessions)
        with sessions() as session:
            rebuilt = _snapshot(session)
        assert rebuilt == incremental
        event(f"merges={min(len(incremental['merges']), 3)}")
        event(f"conflicts={min(len(incremental['conflicts']), 3)}")
