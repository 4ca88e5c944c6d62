"""What the customer pages read and write through the domains' services."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from unison.consent import service as consent
from unison.consent.schemas import ConsentChange, Proof
from unison.kit.db import transaction
from unison.kit.errors import InvalidParameter
from unison.kit.settings import Settings
from unison.profiles import service as profiles

Send = Callable[[list[dict[str, Any]]], None]
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _events(count: int) -> list[dict[str, Any]]:
    first = {
        "type": "identify",
        "userId": "u-nino",
        "timestamp": START.isoformat(),
        "traits": {"name": "ნინო ჯაფარიძე", "email": "nino@example.ge", "phone": "+995599123456"},
    }
    views = [
        {
            "type": "track",
            "userId": "u-nino",
            "event": "Product Viewed" if n % 2 else "Email Opened",
            "timestamp": (START + timedelta(minutes=n + 1)).isoformat(),
            "context": {"channel": "web" if n % 2 else "email"},
        }
        for n in range(count)
    ]
    return [first, *views]


def _profile_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return profiles.lookup(session, "user_id", "u-nino").id


class TestTimeline:
    def test_pages_follow_each_other_newest_first_without_gaps(
        self, sessions: sessionmaker[Session], send: Send, process: Callable[[], int]
    ) -> None:
        send(_events(25))
        process()
        pid, seen, cursor = _profile_id(sessions), [], None
        with sessions() as session:
            while True:
                page = profiles.timeline(
                    session,
                    pid,
                    channel=None,
                    event=None,
                    system="include",
                    cursor=cursor,
                    limit=10,
                )
                seen += page.items
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        assert len(seen) == 26
        assert [i.timestamp for i in seen] == sorted((i.timestamp for i in seen), reverse=True)

    def test_filters_by_channel_and_kind(
        self, sessions: sessionmaker[Session], send: Send, process: Callable[[], int]
    ) -> None:
        send(_events(6))
        process()
        pid = _profile_id(sessions)
        with sessions() as session:
            email = profiles.timeline(
                session, pid, channel="email", event=None, system="include", cursor=None, limit=50
            )
            views = profiles.timeline(
                session, pid, channel=None, event="Product Viewed", system="include", cursor=None,
                limit=50,
            )  # fmt: skip
        assert {i.channel for i in email.items} == {"email"}
        assert len(email.items) == 3
        assert {i.event for i in views.items} == {"Product Viewed"}
        assert len(views.items) == 3

    def test_an_unknown_channel_or_a_forged_cursor_is_refused(
        self, sessions: sessionmaker[Session], send: Send, process: Callable[[], int]
    ) -> None:
        send(_events(1))
        process()
        pid = _profile_id(sessions)
        with sessions() as session:
            for channel, cursor, field in (
                ("fax", None, "channel"),
                (None, "bm90LWEtY3Vyc29y", "cursor"),
            ):
                with pytest.raises(InvalidParameter) as caught:
                    profiles.timeline(
                        session, pid, channel=channel, event=None, system="include", cursor=cursor,
                        limit=5,
                    )  # fmt: skip
                assert caught.value.field == field


class TestStaffEdits:
    def test_an_edited_trait_is_an_event_and_shows_with_its_provenance(
        self, sessions: sessionmaker[Session], send: Send, process: Callable[[], int]
    ) -> None:
        send(_events(1))
        process()
        pid = _profile_id(sessions)
        with transaction(sessions) as session:
            profiles.edit_trait(session, pid, "city", "ქუთაისი", "user:eka", datetime.now(UTC))
        process()
        with sessions() as session:
            view = profiles.profile_view(session, pid)
            events = profiles.timeline(
                session, pid, channel=None, event=None, system="only", cursor=None, limit=5
            )
        assert view.traits["city"].value == "ქუთაისი"
        assert view.traits["city"].source == profiles.STAFF_SOURCE
        assert view.merge_history.merges == 0  # attributed to the profile, nothing merged
        assert events.items[0].payload["context"]["actor"] == "user:eka"

    @pytest.mark.parametrize("name", ["email", "user_id", "1st", "a b", ""])
    def test_identifiers_and_odd_names_are_not_editable(
        self, sessions: sessionmaker[Session], send: Send, process: Callable[[], int], name: str
    ) -> None:
        send(_events(1))
        process()
        pid = _profile_id(sessions)
        with transaction(sessions) as session, pytest.raises(InvalidParameter) as caught:
            profiles.edit_trait(session, pid, name, "x", "user:eka", datetime.now(UTC))
        assert caught.value.field == "name"

    def test_a_consent_change_recorded_by_staff_names_them_and_keeps_the_proof(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        send: Send,
        process: Callable[[], int],
    ) -> None:
        send(_events(1))
        process()
        pid = _profile_id(sessions)
        change = ConsentChange(
            purpose="newsletter",
            channel="sms",
            status="granted",
            proof=Proof(notice_version="v3", notice_text="Yes, send me news", message_id="call-81"),
        )
        with transaction(sessions) as session:
            live, written = consent.record_requested(session, settings, pid, [change], "user:eka")
        assert live == pid
        assert len(written) == 1
        record = written[0]
        assert (record.identifier_value, record.actor) == ("+995599123456", "user:eka")
        assert record.proof["notice_version"] == "v3"
        assert "notice_text" not in record.proof
        assert len(record.proof["notice_hash"]) == 64
