"""How many sends of a batch run at once follows what the last batches showed: fewer when
the sending threads were mostly working (a provider that answers at once), more when they
were mostly waiting (a distant one), within 1 and the most."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.providers import SMS_OK, fake_provider
from unison.channels.outbound.sms import SmsSender
from unison.channels.senders import ConfiguredSenders, Route
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import OutboundMessage
from unison.outbox import delivery
from unison.outbox.pace import Pace
from unison.outbox.queue import Outgoing, enqueue_many


class TestPace:
    def test_busy_threads_halve_waiting_ones_double_within_the_bounds(self) -> None:
        pace = Pace(16)
        assert pace.threads_for(50) == 16
        assert pace.threads_for(3) == 3  # never more threads than sends
        pace.learn(16, cpu=6.0, wall=10.0)  # 0.6 threads working at once: too many
        assert pace.workers == 8
        for threads in (8, 4, 2, 1):
            pace.learn(threads, cpu=0.9, wall=1.0)
        assert pace.workers == 1  # never below one
        pace.learn(1, cpu=0.3, wall=1.0)  # between the marks: stays
        assert pace.workers == 1
        for threads in (1, 2, 4, 8, 16):
            pace.learn(threads, cpu=0.01, wall=1.0)  # waiting on the provider
        assert pace.workers == 16  # never above the most

    def test_a_batch_with_fewer_threads_than_the_pace_says_nothing(self) -> None:
        pace = Pace(16)
        pace.learn(3, cpu=2.9, wall=3.0)  # a short batch: 3 threads, all busy
        assert pace.workers == 16
        pace.learn(16, cpu=0.0, wall=0.0)  # nothing measured
        assert pace.workers == 16


@pytest.fixture
def slow_start(monkeypatch: pytest.MonkeyPatch) -> Pace:
    pace = Pace(delivery.MAX_CONCURRENT_SENDS)
    pace.workers = 1  # as after batches to a provider that answered at once
    monkeypatch.setattr(delivery, "PACE", pace)
    return pace


def test_sends_to_a_distant_provider_go_back_up_to_the_most_at_once(
    sessions: sessionmaker[Session], settings: Settings, slow_start: Pace
) -> None:
    most = delivery.MAX_CONCURRENT_SENDS
    rows = [
        Outgoing(f"pace-{n}", 7, "sms", "phone", "+995555123456", "service", "ka", "")
        for n in range(most * 6)
    ]
    with transaction(sessions) as session:
        enqueue_many(session, rows)
    with fake_provider(SMS_OK, latency=0.05) as provider:
        senders = ConfiguredSenders(
            None, [Route(1, "sms", SmsSender("AC1", "t", "+15005550006", api=provider.url))]
        )
        run = settings.model_copy(update={"outbox_inflight_batch": most, "sms_rate_per_second": 0})
        while delivery.deliver_due(sessions, run, senders, limit=len(rows)):
            pass
        # On a loaded machine a send can meet a connection the stand-in server has just
        # closed (or a full accept queue): that is a temporary failure, retried after its
        # backoff. A later round sends it, as the dispatcher's would.
        later = utcnow() + timedelta(hours=1)
        while delivery.deliver_due(sessions, run, senders, now=later, limit=len(rows)):
            pass
    assert slow_start.workers == most
    assert provider.most_at_once >= most // 2  # from one at a time (threads start apart)
    assert len(provider.accepted) == len(rows)  # each once
    with sessions() as session:
        sent = select(func.count()).where(OutboundMessage.status == "sent")
        assert session.execute(sent).scalar() == len(rows)
