"""`unison serve` of several processes splits each broadcast's fan-out across them: with
UNISON_BROADCASTS_SHARE unset, process k of n decides the recipients whose profile id is k
modulo n (app/serving.py `fan_out_shares`), so a large broadcast is decided on every core
the server uses; a share set explicitly stays the first process's alone."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.api.test_serve_processes import Server
from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import Store, audience, create, segment, template
from tests.messaging.conftest import SECRET
from unison.app.serving import fan_out_shares
from unison.kit.settings import Settings

PROFILES = 12
PATIENCE = 120.0  # seconds: two busy interpreters on a loaded machine


def test_unset_share_splits_broadcasts_across_the_processes(settings: Settings) -> None:
    unset = Settings(database_url=settings.database_url)
    assert "broadcasts_share" not in unset.model_fields_set
    assert fan_out_shares(unset, 1) == ["0/1"]
    assert fan_out_shares(unset, 2) == ["0/2", "1/2"]
    assert fan_out_shares(unset, 3) == ["0/3", "1/3", "2/3"]


def test_a_share_set_explicitly_stays_the_first_process_alone(settings: Settings) -> None:
    given = Settings(database_url=settings.database_url, broadcasts_share="1/2")
    assert fan_out_shares(given, 3) == ["1/2", None, None]
    everything = Settings(database_url=settings.database_url, broadcasts_share="0/1")
    assert fan_out_shares(everything, 2) == ["0/1", None]  # set, if to the default: kept


@pytest.fixture
def server(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A real `unison serve --processes 2` on the test database, its fan-out on (in small
    chunks, so both processes take many turns)."""
    for name, value in {
        "UNISON_SECRET_KEY": SECRET,
        "UNISON_PUBLIC_URL": "https://unison.example",
        "UNISON_BROADCASTS_CHUNK_SIZE": "2",
        "UNISON_BROADCASTS_POLL_SECONDS": "0.1",
        "UNISON_MESSAGING_QUIET_START": "00:00",
        "UNISON_MESSAGING_QUIET_END": "00:00",
        "UNISON_EMBEDDED_WORKER": "false",  # the log is processed by the test's own `process`
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("UNISON_BROADCASTS_SHARE", raising=False)
    monkeypatch.delenv("UNISON_BROADCASTS_ENABLED", raising=False)
    started = Server(settings.database_url, tmp_path / "serve.log")
    try:
        yield started
    finally:
        started.stop()


def test_both_processes_of_serve_decide_their_share_each_member_once(
    api: Api, process: Callable[[], int], store: Store, server: Server, tmp_path: Path
) -> None:
    ids = audience(api, process, "Batumi", PROFILES)
    assert {pid % 2 for pid in ids} == {0, 1}  # both shares have recipients
    made = create(api, name="served", segment_id=segment(api, "Batumi"), template_id=template(api))
    bid = made["id"]
    # The first process decides only the even profile ids (0/2): the odd ones are decided
    # only if the collector process runs share 1/2.
    deadline = time.monotonic() + PATIENCE
    while len(store.messages(bid)) < len(ids):
        assert server.process.poll() is None, (tmp_path / "serve.log").read_text()
        assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
        time.sleep(0.1)
    messages = store.messages(bid)
    assert sorted(m.profile_id for m in messages) == sorted(ids)  # each once
    assert len({m.idempotency_key for m in messages}) == len(ids)
    deadline = time.monotonic() + PATIENCE
    while api.get(f"/api/broadcasts/{bid}").json()["status"] != "done":
        assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
        time.sleep(0.1)
    assert all(r.state == "sent" for r in store.recipients(bid))
