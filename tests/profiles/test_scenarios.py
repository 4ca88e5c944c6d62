"""End to end through the HTTP API: however a customer reaches the company, one profile."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import send
from unison.models import Identifier, IdentityConflict, Profile


def _batch(client: TestClient, key: str, *events: dict[str, Any]) -> None:
    response = send(client, "/v1/batch", {"batch": list(events)}, key)
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == []


def _live_profiles(sessions: sessionmaker[Session]) -> list[Profile]:
    with sessions() as session:
        query = select(Profile).where(Profile.canonical_id == Profile.id).order_by(Profile.id)
        return list(session.execute(query).scalars())


def _owners(sessions: sessionmaker[Session]) -> dict[tuple[str, str], int]:
    with sessions() as session:
        rows = session.execute(select(Identifier.type, Identifier.value, Identifier.profile_id))
        return {(t, v): p for t, v, p in rows}


class TestOneCustomerAcrossChannels:
    def test_web_visitor_logs_in_buys_in_store_and_writes_in_telegram(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        _batch(
            client,
            write_key,
            {
                "type": "page",
                "anonymousId": "anon-1",
                "name": "Home",
                "timestamp": "2026-01-01T10:00:00.000Z",
            },
            {
                "type": "track",
                "anonymousId": "anon-1",
                "event": "Product Viewed",
                "timestamp": "2026-01-01T10:01:00.000Z",
            },
            {
                "type": "identify",
                "anonymousId": "anon-1",
                "userId": "u-42",
                "traits": {
                    "name": "Нино Беридзе",
                    "email": "Nino@Example.ge",
                    "phone": "+995 555 12 34 56",
                    "city": "Тбилиси",
                },
                "timestamp": "2026-01-01T10:02:00.000Z",
            },
            {
                "type": "track",
                "anonymousId": "pos-receipt-1",
                "event": "Order Completed",
                "properties": {"revenue": 120.5, "currency": "GEL"},
                "context": {
                    "channel": "pos",
                    "traits": {"phone": "555 12 34 56"},
                    "timezone": "Asia/Tbilisi",
                },
                "timestamp": "2026-01-05T12:00:00.000Z",
            },
            {
                "type": "track",
                "anonymousId": "telegram:777",
                "event": "Contact Shared",
                "context": {
                    "channel": "telegram",
                    "traits": {"telegram_id": "777", "phone": "+995555123456"},
                },
                "timestamp": "2026-01-06T08:00:00.000Z",
            },
        )
        assert process() == 5
        [profile] = _live_profiles(sessions)
        owners = _owners(sessions)
        assert {
            owners[("user_id", "u-42")],
            owners[("anonymous_id", "anon-1")],
            owners[("email", "nino@example.ge")],
            owners[("phone", "+995555123456")],
            owners[("anonymous_id", "pos-receipt-1")],
            owners[("telegram_id", "777")],
        } == {profile.id}
        assert profile.event_count == 5
        assert profile.order_count == 1
        assert profile.revenue == {"GEL": 120.5}
        assert profile.traits["city"]["value"] == "Тбилиси"
        assert set(profile.channels) == {"web", "pos", "telegram"}


class TestSharedDevices:
    def test_a_shared_tablet_used_by_two_logged_in_people_keeps_two_profiles(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        _batch(
            client,
            write_key,
            {
                "type": "identify",
                "anonymousId": "tablet",
                "userId": "alice",
                "traits": {"name": "Alice"},
                "timestamp": "2026-02-01T09:00:00.000Z",
            },
            {
                "type": "identify",
                "anonymousId": "tablet",
                "userId": "bob",
                "traits": {"name": "Bob"},
                "timestamp": "2026-02-01T10:00:00.000Z",
            },
            {
                "type": "track",
                "userId": "bob",
                "event": "Order Completed",
                "properties": {"total": 10, "currency": "usd"},
                "timestamp": "2026-02-01T10:05:00.000Z",
            },
        )
        process()
        profiles = _live_profiles(sessions)
        assert len(profiles) == 2
        owners = _owners(sessions)
        assert owners[("user_id", "alice")] != owners[("user_id", "bob")]
        by_id = {p.id: p for p in profiles}
        bob = by_id[owners[("user_id", "bob")]]
        assert bob.traits["name"]["value"] == "Bob"
        assert bob.revenue == {"USD": 10.0}
        assert by_id[owners[("user_id", "alice")]].traits["name"]["value"] == "Alice"
        with sessions() as session:
            [conflict] = session.execute(select(IdentityConflict)).scalars()
        assert conflict.rule == "limit"
        assert (conflict.identifier_type, conflict.identifier_value) == ("anonymous_id", "tablet")


class TestTraitsByEventTime:
    @pytest.mark.parametrize("late_first", [True, False])
    def test_a_late_old_event_never_overwrites_a_newer_value(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
        late_first: bool,
    ) -> None:
        new = {
            "type": "identify",
            "userId": "u",
            "traits": {"city": "Batumi"},
            "timestamp": "2026-03-02T00:00:00.000Z",
        }
        old = {
            "type": "identify",
            "userId": "u",
            "traits": {"city": "Kutaisi", "age": 30},
            "timestamp": "2026-03-01T00:00:00.000Z",
        }
        _batch(client, write_key, *((old, new) if late_first else (new, old)))
        process()
        [profile] = _live_profiles(sessions)
        assert profile.traits["city"]["value"] == "Batumi"
        assert profile.traits["city"]["at"] == "2026-03-02T00:00:00.000Z"
        assert profile.traits["city"]["source"] == "website"
        assert profile.traits["age"]["value"] == 30


class TestAlias:
    def test_alias_links_the_previous_id_to_the_user(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        _batch(
            client,
            write_key,
            {
                "type": "track",
                "anonymousId": "old-device",
                "event": "Product Viewed",
                "timestamp": "2026-06-01T00:00:00.000Z",
            },
            {
                "type": "identify",
                "userId": "u-9",
                "traits": {"email": "u9@example.ua"},
                "timestamp": "2026-06-02T00:00:00.000Z",
            },
            {
                "type": "alias",
                "previousId": "old-device",
                "userId": "u-9",
                "timestamp": "2026-06-03T00:00:00.000Z",
            },
        )
        process()
        [profile] = _live_profiles(sessions)
        owners = _owners(sessions)
        assert owners[("anonymous_id", "old-device")] == owners[("user_id", "u-9")] == profile.id
        assert profile.event_count == 3


class TestRejectedIdentifiers:
    def test_a_bad_identifier_is_recorded_and_the_rest_still_resolve(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        from unison.models import IdentifierRejection

        _batch(
            client,
            write_key,
            {
                "type": "identify",
                "userId": "u",
                "traits": {"email": "nobody-at-example", "phone": "+995 555 12 34 56"},
            },
        )
        process()
        with sessions() as session:
            [rejected] = session.execute(select(IdentifierRejection)).scalars()
        assert (rejected.type, rejected.value) == ("email", "nobody-at-example")
        assert ("phone", "+995555123456") in _owners(sessions)
