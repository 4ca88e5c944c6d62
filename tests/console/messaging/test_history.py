"""A customer's messages on their profile (loaded from the messaging area): every decision
with its reasons, for the roles that may read them; and messaging's part of data-subject
requests: exported with the person, deleted on erasure."""

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.console.conftest import Login
from tests.console.messaging.conftest import people, segment, template
from tests.messaging.conftest import EMAIL_TEXT, SMS_TEXT, Gate
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import FanOut
from unison.models import BroadcastRecipient, Message, OutboundMessage


@pytest.fixture
def decided(api: Api, process: Callable[[], int], gate: Gate) -> int:
    """Nino: one email queued (marketing granted), one SMS suppressed (no consent)."""
    nino = people(api, process)["u-nino"]
    gate.send(nino, "welcome-1", ("email", EMAIL_TEXT))
    gate.send(nino, "promo-2", ("sms", SMS_TEXT))
    return nino


class TestHistory:
    @pytest.mark.parametrize("role", ["agent", "analyst", "marketer"])
    def test_each_decision_with_its_reasons(self, as_role: Login, decided: int, role: str) -> None:
        console = as_role(role)
        profile = console.get(f"/console/customers/{decided}")
        assert f'hx-get="/console/messaging/customers/{decided}/messages"' in profile.text
        part = console.get(
            f"/console/messaging/customers/{decided}/messages", headers={"HX-Request": "true"}
        )
        assert part.status_code == 200
        assert "<html" not in part.text  # a fragment for the profile page
        assert "suppressed" in part.text
        assert "no_consent" in part.text
        assert "queued" in part.text
        assert "nino@example.ge" in part.text
        # without htmx, the same section in the layout
        whole = console.get(f"/console/messaging/customers/{decided}/messages")
        assert "<html" in whole.text
        assert "no_consent" in whole.text

    def test_older_messages_load_page_by_page(
        self, as_role: Login, api: Api, process: Callable[[], int], gate: Gate
    ) -> None:
        nino = people(api, process)["u-nino"]
        for n in range(23):
            gate.send(nino, f"k-{n}", ("sms", SMS_TEXT))
        console = as_role("agent")
        first = console.get(f"/console/messaging/customers/{nino}/messages")
        assert first.text.count("<tr>") == 20 + 1  # the header row and 20 messages
        cursor = first.text.split("?cursor=")[1].split('"')[0]
        more = console.get(f"/console/messaging/customers/{nino}/messages?cursor={cursor}")
        assert more.text.count("<tr>") == 3
        assert "more-row" not in more.text

    def test_bad_ids_and_cursors(self, as_role: Login, decided: int) -> None:
        console = as_role("agent")
        assert console.get("/console/messaging/customers/999999/messages").status_code == 404
        bad = console.get(f"/console/messaging/customers/{decided}/messages?cursor=zzz")
        assert bad.status_code == 400


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


class TestPrivacy:
    def test_export_has_the_messages_and_erasure_deletes_them(
        self,
        api: Api,
        process: Callable[[], int],
        gate: Gate,
        sessions: sessionmaker[Session],
        settings: Settings,
    ) -> None:
        ids = people(api, process)
        nino, yael = ids["u-nino"], ids["u-yael"]
        gate.send(nino, "welcome-1", ("email", EMAIL_TEXT))
        gate.send(nino, "promo-2", ("sms", SMS_TEXT))
        gate.send(yael, "welcome-3", ("email", EMAIL_TEXT))
        created = api.post(
            "/api/broadcasts",
            {"name": "b", "segment_id": segment(api), "template_id": template(api)},
        )
        FanOut(sessions, settings.model_copy(update={"broadcasts_enabled": False})).chunk(
            created.json()["id"]
        )
        assert _count(sessions, BroadcastRecipient) == 3

        bundle = api.post("/api/privacy/export", {"profile_id": nino}).json()
        mine = bundle["messaging"]["messages"]
        assert sorted(m["decision"] for m in mine) == ["queued", "queued", "suppressed"]
        assert {m["recipient"] for m in mine} <= {None, "nino@example.ge", "+995599123456"}
        assert [b["holdout"] for b in bundle["messaging"]["broadcasts"]] == [False]

        erased = api.post("/api/privacy/erase", {"profile_id": nino})
        assert erased.status_code == 200, erased.text
        assert erased.json()["affected"]["messaging"] == 4  # 3 messages, 1 recipient row
        with sessions() as session:
            left = session.execute(select(Message.profile_id)).scalars().all()
            assert nino not in left
            assert sorted(set(left)) == sorted({yael, ids["u-aram"]})
            outbox = session.execute(select(OutboundMessage.recipient)).scalars().all()
            assert "nino@example.ge" not in outbox
        assert _count(sessions, BroadcastRecipient) == 2
