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


@pytest.fixture
def shares(sessions: sessionmaker[Session], settings: Settings) -> list[FanOut]:
    """The fan-outs of two processes: shares 0/2 and 1/2."""
    return [
        FanOut(sessions, settings.model_copy(update={"broadcasts_share": f"{k}/2"})) for k in (0, 1)
    ]


def _broadcast(
    api: Api, process: Callable[[], int], city: str, count: int
) -> tuple[list[int], int]:
    """`count` customers in `city` and a broadcast to them: their ids and its id."""
    ids = audience(api, process, city, count)
    made = create(api, name=city, segment_id=segment(api, city), template_id=template(api))
    return ids, int(made["id"])


def test_two_shares_at_once_decide_every_member_once(
    api: Api, process: Callable[[], int], shares: list[FanOut], store: Store
) -> None:
    ids, bid = _broadcast(api, process, "Gyumri", 9)

    def drive(fan_out: FanOut) -> None:
        for _ in range(60):  # at once with the other share, chunk after chunk
            fan_out.chunk(bid, utcnow())

    threads = [threading.Thread(target=drive, args=(f,), daemon=True) for f in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    messages = store.messages(bid)
    assert sorted(m.profile_id for m in messages) == sorted(ids)  # each once
    assert len({m.idempotency_key for m in messages}) == len(ids)
    shown = api.get(f"/api/broadcasts/{bid}").json()
    assert shown["status"] == "done"
    assert shown["counts"]["targeted"] == len(ids)


def test_each_share_sends_only_its_own_recipients(
    api: Api, process: Callable[[], int], shares: list[FanOut], store: Store
) -> None:
    ids, bid = _broadcast(api, process, "Vanadzor", 6)
    even, odd = shares
    for _ in range(30):
        even.chunk(bid, utcnow())  # it targets everyone, sends its own share
    assert len(store.recipients(bid)) == len(ids)
    sent = sorted(m.profile_id for m in store.messages(bid))
    assert sent == sorted(pid for pid in ids if pid % 2 == 0)
    shown = api.get(f"/api/broadcasts/{bid}").json()
    assert shown["status"] == "running"  # the odd share is still pending
    assert shown["counts"]["pending"] == len(ids) - len(sent)
    for _ in range(30):
        odd.chunk(bid, utcnow())
    assert sorted(m.profile_id for m in store.messages(bid)) == sorted(ids)
    assert api.get(f"/api/broadcasts/{bid}").json()["status"] == "done"


def test_a_pause_stops_every_share(
    api: Api, process: Callable[[], int], shares: list[FanOut], store: Store
) -> None:
    _ids, bid = _broadcast(api, process, "Kutaisi", 6)
    even, odd = shares
    even.chunk(bid, utcnow())
    assert api.post(f"/api/broadcasts/{bid}/pause", {}).status_code == 200
    decided = len(store.messages(bid))
    assert even.chunk(bid, utcnow()) == 0
    assert odd.chunk(bid, utcnow()) == 0
    assert len(store.messages(bid)) == decided


@pytest.mark.parametrize("bad", ["2/2", "1", "-1/2", "a/b", "0/0", "0/65"])
def test_a_share_must_be_k_of_n(settings: Settings, bad: str) -> None:
    with pytest.raises(ValidationError, match="broadcasts_share must be k/n"):
        Settings(database_url=settings.database_url, broadcasts_share=bad)
    assert Settings(database_url=settings.database_url, broadcasts_share="1/2").broadcast_share == (
        1,
        2,
    )
