"""Fan-out processes sharing a broadcast (UNISON_BROADCASTS_SHARE=k/n): each decides only the
recipients whose profile id is k modulo n, their chunks do not overtake each other, every
member gets one message, and a pause still stops them both."""

import threading
from collections.abc import Callable

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import Store, audience, create, segment, template
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut


def _shares(sessions: sessionmaker[Session], settings: Settings) -> list[FanOut]:
    return [
        FanOut(sessions, settings.model_copy(update={"broadcasts_share": f"{k}/2"})) for k in (0, 1)
    ]


def test_two_shares_at_once_decide_every_member_once(
    api: Api,
    process: Callable[[], int],
    sessions: sessionmaker[Session],
    settings: Settings,
    store: Store,
) -> None:
    ids = audience(api, process, "Gyumri", 9)
    made = create(api, name="two", segment_id=segment(api, "Gyumri"), template_id=template(api))
    shares = _shares(sessions, settings)

    def drive(fan_out: FanOut) -> None:
        for _ in range(60):  # at once with the other share, chunk after chunk
            fan_out.chunk(made["id"], utcnow())

    threads = [threading.Thread(target=drive, args=(f,), daemon=True) for f in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    messages = store.messages(made["id"])
    assert sorted(m.profile_id for m in messages) == sorted(ids)  # each once
    assert len({m.idempotency_key for m in messages}) == len(ids)
    shown = api.get(f"/api/broadcasts/{made['id']}").json()
    assert shown["status"] == "done"
    assert shown["counts"]["targeted"] == len(ids)


def test_each_share_sends_only_its_own_recipients(
    api: Api,
    process: Callable[[], int],
    sessions: sessionmaker[Session],
    settings: Settings,
    store: Store,
) -> None:
    ids = audience(api, process, "Vanadzor", 6)
    made = create(api, name="odd", segment_id=segment(api, "Vanadzor"), template_id=template(api))
    even, odd = _shares(sessions, settings)
    for _ in range(30):
        even.chunk(made["id"], utcnow())  # it targets everyone, sends its own share
    assert len(store.recipients(made["id"])) == len(ids)
    sent = sorted(m.profile_id for m in store.messages(made["id"]))
    assert sent == sorted(pid for pid in ids if pid % 2 == 0)
    shown = api.get(f"/api/broadcasts/{made['id']}").json()
    assert shown["status"] == "running"  # the odd share is still pending
    assert shown["counts"]["pending"] == len(ids) - len(sent)
    for _ in range(30):
        odd.chunk(made["id"], utcnow())
    assert sorted(m.profile_id for m in store.messages(made["id"])) == sorted(ids)
    assert api.get(f"/api/broadcasts/{made['id']}").json()["status"] == "done"


def test_a_pause_stops_every_share(
    api: Api,
    process: Callable[[], int],
    sessions: sessionmaker[Session],
    settings: Settings,
    store: Store,
) -> None:
    audience(api, process, "Kutaisi", 6)
    made = create(api, name="p", segment_id=segment(api, "Kutaisi"), template_id=template(api))
    even, odd = _shares(sessions, settings)
    even.chunk(made["id"], utcnow())
    assert api.post(f"/api/broadcasts/{made['id']}/pause", {}).status_code == 200
    decided = len(store.messages(made["id"]))
    assert even.chunk(made["id"], utcnow()) == 0
    assert odd.chunk(made["id"], utcnow()) == 0
    assert len(store.messages(made["id"])) == decided


@pytest.mark.parametrize("bad", ["2/2", "1", "-1/2", "a/b", "0/0", "0/65"])
def test_a_share_must_be_k_of_n(settings: Settings, bad: str) -> None:
    with pytest.raises(ValidationError, match="broadcasts_share must be k/n"):
        Settings(database_url=settings.database_url, broadcasts_share=bad)
    assert Settings(database_url=settings.database_url, broadcasts_share="1/2").broadcast_share == (
        1,
        2,
    )
