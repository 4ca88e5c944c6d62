"""Shared devices never link people: store tills, call-centre desks, a kiosk used by many."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.events.helpers import send
from unison.cli import app
from unison.kit.settings import get_settings
from unison.models import Identifier, IdentityConflict, Profile

TILL = "TBS-VAKE-T4"


def _batch(client: TestClient, key: str, *events: dict[str, Any]) -> None:
    response = send(client, "/v1/batch", {"batch": list(events)}, key)
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == []


def _pos_order(receipt: str, traits: dict[str, str], till: str, at: str) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Order Completed",
        "anonymousId": f"pos-receipt-{receipt}",
        "properties": {"order_id": receipt, "revenue": 10, "currency": "GEL"},
        "context": {"channel": "pos", "traits": traits, "device": {"type": "pos", "id": till}},
        "timestamp": at,
    }


def _web(anon: str, traits: dict[str, str], at: str, device: str | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"channel": "web"}
    if device is not None:
        context["device"] = {"id": device}
    return {
        "type": "identify",
        "anonymousId": anon,
        "traits": traits,
        "context": context,
        "timestamp": at,
    }


def _live(sessions: sessionmaker[Session]) -> list[Profile]:
    with sessions() as session:
        query = select(Profile).where(Profile.canonical_id == Profile.id).order_by(Profile.id)
        return list(session.execute(query).scalars())


def _owner(sessions: sessionmaker[Session], kind: str, value: str) -> int | None:
    with sessions() as session:
        return session.execute(
            select(Identifier.profile_id).where(Identifier.type == kind, Identifier.value == value)
        ).scalar_one_or_none()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestSharedChannelDevices:
    def test_two_customers_at_one_till_stay_two(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        _batch(
            client,
            write_key,
            _pos_order("1", {"email": "nino@example.ge"}, TILL, "2026-03-01T10:00:00.000Z"),
            _pos_order("2", {"phone": "+995 555 98 46 74"}, TILL, "2026-03-01T10:05:00.000Z"),
            _pos_order("3", {"loyalty_card": "LC-77"}, TILL, "2026-03-01T10:09:00.000Z"),
        )
        process()
        profiles = _live(sessions)
        assert len(profiles) == 3
        assert all(p.order_count == 1 for p in profiles)
        assert _owner(sessions, "device_id", TILL) is None  # recorded on the events only
        with sessions() as session:
            assert list(session.execute(select(IdentityConflict)).scalars()) == []

    def test_a_call_centre_desk_links_no_callers(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        calls = [
            {
                "type": "track",
                "event": "Call Completed",
                "anonymousId": f"call-{n}",
                "context": {
                    "channel": "call_center",
                    "traits": {"phone": phone},
                    "device": {"id": "desk-3"},
                },
                "timestamp": f"2026-03-02T10:0{n}:00.000Z",
            }
            for n, phone in enumerate(("+995555000001", "+995555000002"))
        ]
        _batch(client, write_key, *calls)
        process()
        assert len(_live(sessions)) == 2


class TestDeviceSeenWithTooManyPeople:
    def test_a_web_kiosk_crossing_the_limit_stops_linking_is_reported_and_undone(
        self,
        monkeypatch: pytest.MonkeyPatch,
        database_url: str,
        client: TestClient,
        write_key: str,
        admin_token: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        emails = [f"p{n}@example.ge" for n in range(1, 5)]
        # Each person is known first on their own, then signs in on the shop's kiosk.
        at = "2026-04-0{}T{:02d}:00:00.000Z".format
        alone = [_web(f"a{n}", {"email": e}, at(n, 9)) for n, e in enumerate(emails, 1)]
        _batch(client, write_key, *alone)
        process()
        kiosk = [_web(f"k{n}", {"email": e}, at(n, 12), "kiosk-1") for n, e in enumerate(emails, 1)]
        _batch(client, write_key, *kiosk[:3])
        process()
        assert len(_live(sessions)) == 2  # three people glued through the kiosk (limit 3)
        glued = _owner(sessions, "email", emails[0])
        assert glued is not None
        _batch(client, write_key, kiosk[3])
        process()

        owners = {_owner(sessions, "email", e) for e in emails}
        assert len(owners) == 4
        assert len(_live(sessions)) == 4
        assert _owner(sessions, "device_id", "kiosk-1") is None
        listed = client.get("/api/identity/shared-identifiers", headers=_auth(admin_token))
        assert listed.status_code == 200, listed.text
        [shared] = listed.json()["items"]
        assert (shared["type"], shared["value"]) == ("device_id", "kiosk-1")
        assert (shared["strong_type"], shared["identities"]) == ("email", 4)
        assert (shared["profile_id"], shared["undone_merges"]) == (glued, 2)
        merges = client.get(f"/api/profiles/{glued}/merges", headers=_auth(admin_token)).json()
        through = [m for m in merges if ["device_id", "kiosk-1"] in m["survivor_identifiers"]]
        assert len(through) == 2
        assert all("'kiosk-1' is shared" in m["undone_reason"] for m in through)
        monkeypatch.setenv("UNISON_DATABASE_URL", database_url)
        get_settings.cache_clear()
        listing = CliRunner().invoke(app, ["identity", "shared"], terminal_width=200)
        get_settings.cache_clear()
        assert listing.exit_code == 0, listing.output
        assert "kiosk-1" in listing.output
        assert "4 email" in listing.output

        # From now on the kiosk links nobody, whoever uses it next.
        again = [_web(f"k{n}", {"email": emails[n - 5]}, at(6, n), "kiosk-1") for n in (5, 6)]
        _batch(client, write_key, *again)
        process()
        assert len({_owner(sessions, "email", e) for e in emails}) == 4

    def test_a_personal_phone_used_by_one_person_with_many_identifiers_keeps_linking(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        traits = {"email": "me@example.ge", "phone": "+995555111111"}
        _batch(
            client,
            write_key,
            {**_web("phone-anon", traits, "2026-04-01T09:00:00.000Z", "my-phone"), "userId": "u1"},
            _web("web-anon", {"email": "me@example.ge"}, "2026-04-01T10:00:00.000Z"),
            _web("other", {"email": "me.work@example.ge"}, "2026-04-02T10:00:00.000Z", "my-phone"),
        )
        process()
        assert len(_live(sessions)) == 1

    def test_conflicts_through_a_device_found_shared_are_closed_with_the_reason(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        users = [
            {**_web(f"t{n}", {}, f"2026-04-0{n}T12:00:00.000Z", "tablet-9"), "userId": f"u{n}"}
            for n in range(1, 5)
        ]
        _batch(client, write_key, *users[:3])
        process()
        conflicts = client.get("/api/identity/conflicts", headers=_auth(admin_token)).json()
        assert [c["identifier_value"] for c in conflicts["items"]] == ["tablet-9", "tablet-9"]
        _batch(client, write_key, users[3])
        process()
        still_open = client.get("/api/identity/conflicts", headers=_auth(admin_token)).json()
        assert still_open["items"] == []
        closed = client.get(
            "/api/identity/conflicts?status=resolved", headers=_auth(admin_token)
        ).json()["items"]
        assert len(closed) == 2
        assert all(
            c["resolution"].startswith("shared_identifier: device_id 'tablet-9' is shared")
            for c in closed
        )


class TestSplitAfterTills:
    def test_a_split_does_not_re_merge_through_another_terminal(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        sessions: sessionmaker[Session],
        process: Callable[[], int],
    ) -> None:
        nino, giorgi = {"email": "nino@example.ge"}, {"phone": "+995555984674"}
        _batch(
            client,
            write_key,
            _pos_order("1", nino, "TBS-VAKE-T1", "2026-05-01T10:00:00.000Z"),
            _pos_order("2", nino, "TBS-VAKE-T2", "2026-05-02T10:00:00.000Z"),
            _pos_order("3", giorgi, "TBS-VAKE-T1", "2026-05-03T10:00:00.000Z"),
            _pos_order("4", giorgi, "TBS-VAKE-T2", "2026-05-04T10:00:00.000Z"),
            # A mistyped sign-up glues them: the merge to split.
            _web("w1", {**nino, **giorgi}, "2026-05-05T10:00:00.000Z"),
        )
        process()
        [profile] = _live(sessions)
        merges = client.get(f"/api/profiles/{profile.id}/merges", headers=_auth(admin_token))
        [merge] = merges.json()
        split = client.post(
            f"/api/profiles/{profile.id}/split",
            json={"merge_id": merge["id"]},
            headers=_auth(admin_token),
        )
        assert split.status_code == 200, split.text
        assert len(split.json()["profile_ids"]) == 2
        _batch(
            client,
            write_key,
            _pos_order("5", giorgi, "TBS-VAKE-T1", "2026-05-06T10:00:00.000Z"),
            _pos_order("6", nino, "TBS-VAKE-T2", "2026-05-06T11:00:00.000Z"),
        )
        process()
        assert len(_live(sessions)) == 2
        assert _owner(sessions, "email", "nino@example.ge") != _owner(
            sessions, "phone", "+995555984674"
        )
