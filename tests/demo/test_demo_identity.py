"""The shipped demo data resolves into people, not into store tills (issue 14 item 2)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from unison.cli import app
from unison.kit.settings import get_settings
from unison.models import Identifier, IdentityConflict, Merge, Profile, SharedIdentifier
from unison.profiles.processor import profile_processor
from unison.worker.runner import Runner


@pytest.fixture
def demo(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[sessionmaker[Session]]:
    monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
    monkeypatch.setenv("UNISON_SQLITE_SYNCHRONOUS", "NORMAL")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["demo"])  # the shipped dataset: 300 customers, seed 42
    assert result.exit_code == 0, result.output
    Runner(sessions, profile_processor(get_settings()), batch_size=5000).drain()
    yield sessions
    get_settings.cache_clear()


class TestDemoResolution:
    def test_no_profile_is_joined_through_a_store_till(self, demo: sessionmaker[Session]) -> None:
        with demo() as session:
            live = select(Profile.identifier_counts).where(Profile.canonical_id == Profile.id)
            counts = [c for (c,) in session.execute(live)]
            devices = session.execute(
                select(Identifier.value).where(Identifier.type == "device_id")
            ).all()
            through_devices = session.execute(
                select(IdentityConflict.id).where(IdentityConflict.identifier_type == "device_id")
            ).all()
            merges = list(session.execute(select(Merge)).scalars())
            shared = session.execute(select(SharedIdentifier.value)).all()
        assert len(counts) > 300
        assert max(c.get("phone", 0) for c in counts) <= 2
        assert max(c.get("loyalty_card", 0) for c in counts) <= 2
        assert devices == []  # every device id in the demo is a till: it links nobody
        assert through_devices == []
        assert not [
            m
            for m in merges
            if any(kind == "device_id" for kind, _ in m.survivor_identifiers + m.merged_identifiers)
        ]
        assert shared == []
