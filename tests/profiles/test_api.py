"""The profile API: 360 view, lookup, search, timeline, merges, split, conflicts."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.events.helpers import send


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _send(client: TestClient, key: str, *events: dict[str, Any]) -> None:
    response = send(client, "/v1/batch", {"batch": list(events)}, key)
    assert response.status_code == 200, response.text


ANON_BROWSING = [
    {
        "type": "page",
        "anonymousId": "anon-1",
        "name": "Home",
        "context": {"traits": {"city": "Երևան"}},
        "timestamp": "2026-04-01T10:00:00.000Z",
    },
    {
        "type": "track",
        "anonymousId": "anon-1",
        "event": "Product Viewed",
        "timestamp": "2026-04-01T10:05:00.000Z",
    },
]
KNOWN_USER = [
    {
        "type": "identify",
        "userId": "u-1",
        "traits": {"name": "Арам Петросян", "email": "aram@example.am", "phone": "+374 91 234567"},
        "timestamp": "2026-04-02T09:00:00.000Z",
    },
    {
        "type": "track",
        "userId": "u-1",
        "event": "Order Completed",
        "properties": {"revenue": 9790, "currency": "AMD"},
        "timestamp": "2026-04-02T09:30:00.000Z",
    },
]
LINK = {
    "type": "identify",
    "userId": "u-1",
    "anonymousId": "anon-1",
    "timestamp": "2026-04-03T08:00:00.000Z",
}


def _view(client: TestClient, token: str, profile_id: int) -> dict[str, Any]:
    response = client.get(f"/api/profiles/{profile_id}", headers=_bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _lookup(client: TestClient, token: str, kind: str, value: str) -> dict[str, Any]:
    response = client.get(
        "/api/profiles/lookup", params={"type": kind, "value": value}, headers=_bearer(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def two_profiles(
    client: TestClient, write_key: str, admin_token: str, process: Callable[[], int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    _send(client, write_key, *ANON_BROWSING, *KNOWN_USER)
    process()
    anon = _lookup(client, admin_token, "anonymous_id", "anon-1")
    user = _lookup(client, admin_token, "user_id", "u-1")
    assert anon["id"] != user["id"]
    return anon, user


class TestProfileView:
    def test_the_360_view_has_identifiers_traits_with_provenance_and_stats(
        self, client: TestClient, admin_token: str, two_profiles: tuple[dict[str, Any], ...]
    ) -> None:
        _, user = two_profiles
        assert {(i["type"], i["value"]) for i in user["identifiers"]} == {
            ("user_id", "u-1"),
            ("email", "aram@example.am"),
            ("phone", "+37491234567"),
        }
        name = user["traits"]["name"]
        assert name["value"] == "Арам Петросян"
        assert (name["source"], name["channel"], name["at"]) == (
            "website",
            "web",
            "2026-04-02T09:00:00.000Z",
        )
        assert user["stats"]["event_count"] == 2
        assert user["stats"]["revenue"] == {"AMD": 9790.0}
        assert user["stats"]["average_order_value"] == {"AMD": 9790.0}
        assert user["channels"]["web"]["events"] == 2

    @pytest.mark.parametrize(
        ("kind", "value"),
        [("email", "  ARAM@Example.AM "), ("phone", "+374 (91) 23-45-67"), ("user_id", "u-1")],
    )
    def test_lookup_normalizes_the_value_like_ingestion(
        self,
        client: TestClient,
        admin_token: str,
        two_profiles: tuple[dict[str, Any], ...],
        kind: str,
        value: str,
    ) -> None:
        assert _lookup(client, admin_token, kind, value)["id"] == two_profiles[1]["id"]

    @pytest.mark.parametrize(
        ("params", "status", "field"),
        [
            ({"type": "email", "value": "nobody@example.com"}, 404, "value"),
            ({"type": "email", "value": "not-an-email"}, 400, "value"),
            ({"type": "passport", "value": "x"}, 400, "type"),
            ({"type": "phone", "value": "12"}, 400, "value"),
        ],
    )
    def test_bad_lookups_get_precise_errors(
        self,
        client: TestClient,
        admin_token: str,
        two_profiles: tuple[dict[str, Any], ...],
        params: dict[str, str],
        status: int,
        field: str,
    ) -> None:
        response = client.get("/api/profiles/lookup", params=params, headers=_bearer(admin_token))
        assert response.status_code == status, response.text
        assert response.json()["field"] == field

    @pytest.mark.parametrize("q", ["арам", "aram@ex", "+374 91", "37491"])
    def test_search_by_name_email_or_phone_prefix(
        self,
        client: TestClient,
        admin_token: str,
        two_profiles: tuple[dict[str, Any], ...],
        q: str,
    ) -> None:
        response = client.get("/api/profiles", params={"q": q}, headers=_bearer(admin_token))
        assert [p["id"] for p in response.json()["items"]] == [two_profiles[1]["id"]]

    def test_an_agent_reads_profiles_but_cannot_split(
        self,
        client: TestClient,
        sessions: sessionmaker[Session],
        two_profiles: tuple[dict[str, Any], ...],
    ) -> None:
        agent = make_token(sessions, "agent")
        assert (
            client.get(f"/api/profiles/{two_profiles[1]['id']}", headers=_bearer(agent)).status_code
            == 200
        )
        denied = client.post(
            f"/api/profiles/{two_profiles[1]['id']}/split",
            json={"merge_id": 1},
            headers=_bearer(agent),
        )
        assert denied.status_code == 403


class TestMergeAndSplit:
    def test_a_link_merges_and_the_old_id_resolves_to_the_survivor(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
        two_profiles: tuple[dict[str, Any], ...],
    ) -> None:
        anon, user = two_profiles
        _send(client, write_key, LINK)
        process()
        survivor_id, merged_id = sorted((anon["id"], user["id"]))
        via_old = _view(client, admin_token, merged_id)
        assert via_old["id"] == survivor_id
        assert via_old["requested_id"] == merged_id
        assert via_old["stats"]["event_count"] == 5
        assert via_old["traits"]["city"]["value"] == "Երևան"
        assert via_old["traits"]["name"]["value"] == "Арам Петросян"
        assert via_old["merge_history"]["merged_profile_ids"] == [merged_id]
        [merge] = client.get(
            f"/api/profiles/{survivor_id}/merges", headers=_bearer(admin_token)
        ).json()
        assert (merge["survivor_id"], merge["merged_id"]) == (survivor_id, merged_id)
        assert merge["rule"] == "identifier_match"
        timeline = client.get(
            f"/api/profiles/{survivor_id}/timeline", headers=_bearer(admin_token)
        ).json()["items"]
        stamps = [e["timestamp"] for e in timeline]
        assert len(timeline) == 5
        assert stamps == sorted(stamps, reverse=True)
        assert {e["profile_id"] for e in timeline} == {anon["id"], user["id"]}

    def test_a_split_restores_both_profiles_and_blocks_the_link(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
        two_profiles: tuple[dict[str, Any], ...],
    ) -> None:
        anon, user = two_profiles
        _send(client, write_key, LINK)
        process()
        survivor_id = min(anon["id"], user["id"])
        [merge] = client.get(
            f"/api/profiles/{survivor_id}/merges", headers=_bearer(admin_token)
        ).json()
        split = client.post(
            f"/api/profiles/{survivor_id}/split",
            json={"merge_id": merge["id"]},
            headers=_bearer(admin_token),
        )
        assert split.status_code == 200, split.text
        assert sorted(split.json()["profile_ids"]) == sorted((anon["id"], user["id"]))
        anon_after, user_after = (
            _view(client, admin_token, anon["id"]),
            _view(client, admin_token, user["id"]),
        )
        assert anon_after["id"] == anon["id"]
        assert user_after["id"] == user["id"]
        for before, after in ((anon, anon_after), (user, user_after)):
            assert after["identifiers"] == before["identifiers"]
            assert after["created_at"] == before["created_at"]
        assert anon_after["traits"] == anon["traits"]
        assert anon_after["stats"] == anon["stats"]
        # The linking event still happened: it stays with the user it was sent for.
        assert user_after["stats"]["event_count"] == user["stats"]["event_count"] + 1
        # ...and the same link later is refused, recorded as a conflict.
        _send(client, write_key, {**LINK, "timestamp": "2026-04-04T08:00:00.000Z"})
        process()
        assert _view(client, admin_token, anon["id"])["id"] == anon["id"]
        conflicts = client.get("/api/identity/conflicts", headers=_bearer(admin_token)).json()[
            "items"
        ]
        assert {c["rule"] for c in conflicts} == {"blocked"}
        again = client.post(
            f"/api/profiles/{survivor_id}/split",
            json={"merge_id": merge["id"]},
            headers=_bearer(admin_token),
        )
        assert again.status_code == 409

    def test_a_conflict_can_be_resolved_once(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        _send(
            client,
            write_key,
            {
                "type": "identify",
                "userId": "a",
                "anonymousId": "kiosk",
                "timestamp": "2026-05-01T00:00:00.000Z",
            },
            {
                "type": "identify",
                "userId": "b",
                "anonymousId": "kiosk",
                "timestamp": "2026-05-01T01:00:00.000Z",
            },
        )
        process()
        [conflict] = client.get("/api/identity/conflicts", headers=_bearer(admin_token)).json()[
            "items"
        ]
        url = f"/api/identity/conflicts/{conflict['id']}/resolve"
        body = {"resolution": "confirmed_separate", "note": "shared kiosk in the Tbilisi store"}
        done = client.post(url, json=body, headers=_bearer(admin_token))
        assert done.json()["status"] == "resolved"
        assert client.post(url, json=body, headers=_bearer(admin_token)).status_code == 409
        open_now = client.get("/api/identity/conflicts", headers=_bearer(admin_token)).json()
        assert open_now["items"] == []


class TestTimeline:
    def test_filters_and_cursor_pagination(
        self,
        client: TestClient,
        write_key: str,
        admin_token: str,
        process: Callable[[], int],
    ) -> None:
        events = [
            {
                "type": "track",
                "userId": "t-1",
                "event": "Message Received",
                "context": {"channel": "telegram" if i % 2 else "viber"},
                "timestamp": f"2026-07-01T00:{i:02d}:00.000Z",
            }
            for i in range(9)
        ]
        _send(client, write_key, *events)
        process()
        profile = _lookup(client, admin_token, "user_id", "t-1")
        url = f"/api/profiles/{profile['id']}/timeline"
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            page = client.get(url, params=params, headers=_bearer(admin_token)).json()
            seen += [e["timestamp"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 9
        assert seen == sorted(seen, reverse=True)
        telegram = client.get(
            url, params={"channel": "telegram"}, headers=_bearer(admin_token)
        ).json()["items"]
        assert len(telegram) == 4
        assert {e["channel"] for e in telegram} == {"telegram"}
        bad = client.get(url, params={"channel": "fax"}, headers=_bearer(admin_token))
        assert (bad.status_code, bad.json()["field"]) == (400, "channel")


class TestHealthShowsProcessing:
    def test_lag_is_reported_until_processed(
        self,
        client: TestClient,
        write_key: str,
        process: Callable[[], int],
    ) -> None:
        _send(client, write_key, *ANON_BROWSING)
        before = client.get("/health").json()["processors"]["profiles"]
        assert before["behind_events"] == 2
        assert before["embedded"] is False
        process()
        assert client.get("/health").json()["processors"]["profiles"]["behind_events"] == 0
        metrics = client.get("/metrics").text
        assert 'unison_processor_lag_events{processor="profiles"} 0.0' in metrics


class TestProfileAuth:
    @pytest.mark.parametrize(
        "url", ["/api/profiles/1", "/api/profiles/lookup?type=email&value=a@b.ge"]
    )
    def test_no_token_is_a_401_and_a_write_key_is_not_a_token(
        self, client: TestClient, write_key: str, url: str
    ) -> None:
        assert client.get(url).status_code == 401
        assert client.get(url, headers=_bearer(write_key)).status_code == 401
