"""The event-log read API: filters, cursor pagination, roles, errors."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_token
from tests.events.helpers import send


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def loaded(client: TestClient, write_key: str) -> None:
    batch = [
        {
            "type": "track",
            "userId": "u1",
            "event": "Order Completed",
            "timestamp": f"2026-01-0{i + 1}T10:00:00Z",
            "context": {"channel": "pos"},
        }
        for i in range(5)
    ] + [
        {"type": "page", "anonymousId": "a1", "name": "Home", "timestamp": "2026-02-01T00:00:00Z"},
        {
            "type": "identify",
            "userId": "u2",
            "traits": {"name": "Олена"},
            "timestamp": "2026-03-01T00:00:00Z",
            "context": {"channel": "telegram"},
        },
    ]
    assert send(client, "/v1/batch", {"batch": batch}, write_key).json()["accepted"] == 7


@pytest.mark.usefixtures("loaded")
class TestListingEvents:
    def test_newest_first_with_every_field(self, client: TestClient, admin_token: str) -> None:
        body = client.get("/api/events", headers=_bearer(admin_token)).json()
        ids = [item["id"] for item in body["items"]]
        assert ids == sorted(ids, reverse=True)
        assert len(ids) == 7
        newest = body["items"][0]
        assert newest["type"] == "identify"
        assert newest["source"] == "website"
        assert newest["payload"]["traits"]["name"] == "Олена"
        assert body["next_cursor"] is None

    @pytest.mark.parametrize(
        ("query", "count"),
        [
            ("type=track", 5),
            ("event=Order%20Completed", 5),
            ("user_id=u1", 5),
            ("anonymous_id=a1", 1),
            ("channel=telegram", 1),
            ("channel=pos&type=track", 5),
            ("source=website", 7),
            ("since=2026-02-01T00:00:00Z", 2),
            ("until=2026-02-01T00:00:00Z", 5),
            ("since=2026-01-02T00:00:00Z&until=2026-01-04T00:00:00Z", 2),
        ],
    )
    def test_filters(self, client: TestClient, admin_token: str, query: str, count: int) -> None:
        response = client.get(f"/api/events?{query}", headers=_bearer(admin_token))
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == count

    def test_cursor_pagination_walks_every_event_once(
        self, client: TestClient, admin_token: str
    ) -> None:
        seen: list[int] = []
        url = "/api/events?limit=3"
        while True:
            page = client.get(url, headers=_bearer(admin_token)).json()
            seen += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            url = f"/api/events?limit=3&cursor={page['next_cursor']}"
        assert len(seen) == 7 == len(set(seen))
        assert seen == sorted(seen, reverse=True)

    def test_one_event_by_id(self, client: TestClient, admin_token: str) -> None:
        first = client.get("/api/events?limit=1", headers=_bearer(admin_token)).json()["items"][0]
        one = client.get(f"/api/events/{first['id']}", headers=_bearer(admin_token))
        assert one.json() == first

    @pytest.mark.parametrize(
        ("url", "status", "field"),
        [
            ("/api/events/999999", 404, "event_id"),
            ("/api/events/abc", 400, "event_id"),
            ("/api/events?limit=0", 400, "limit"),
            ("/api/events?limit=5000", 400, "limit"),
            ("/api/events?type=purchase", 400, "type"),
            ("/api/events?channel=fax", 400, "channel"),
            ("/api/events?since=someday", 400, "since"),
            ("/api/events?source=nope", 400, "source"),
            ("/api/events?cursor=garbage!", 400, "cursor"),
            ("/api/events?cursor=WyJ4Il0", 400, "cursor"),
        ],
    )
    def test_bad_parameters_get_a_precise_error(
        self, client: TestClient, admin_token: str, url: str, status: int, field: str
    ) -> None:
        response = client.get(url, headers=_bearer(admin_token))
        assert response.status_code == status, response.text
        assert response.json()["field"] == field


class TestApiAuth:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDo="}],
    )
    def test_no_valid_bearer_token_is_a_401(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get("/api/events", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "Unauthorized"

    def test_a_write_key_grants_nothing_on_the_api(
        self, client: TestClient, write_key: str
    ) -> None:
        assert client.get("/api/events", headers=_bearer(write_key)).status_code == 401
        assert client.get("/api/events", auth=(write_key, "")).status_code == 401

    def test_a_revoked_token_stops_working(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        from tests.conftest import transaction
        from unison.auth.service import revoke_token

        token = make_token(sessions, "analyst", "temp")
        assert client.get("/api/events", headers=_bearer(token)).status_code == 200
        with transaction(sessions) as session:
            revoke_token(session, "temp")
        assert client.get("/api/events", headers=_bearer(token)).status_code == 401

    @pytest.mark.parametrize(
        ("role", "events", "sources"),
        [("admin", 200, 200), ("marketer", 200, 403), ("analyst", 200, 403), ("agent", 403, 403)],
    )
    def test_roles_decide_what_a_token_may_read(
        self,
        client: TestClient,
        sessions: sessionmaker[Session],
        role: str,
        events: int,
        sources: int,
    ) -> None:
        token = make_token(sessions, role)
        assert client.get("/api/events", headers=_bearer(token)).status_code == events
        denied = client.get("/api/sources", headers=_bearer(token))
        assert denied.status_code == sources
        if sources == 403:
            assert denied.json()["error"] == "Forbidden"


class TestSourcesAndTokensApi:
    def test_sources_are_listed_without_their_keys(
        self, client: TestClient, admin_token: str, write_key: str
    ) -> None:
        response = client.get("/api/sources", headers=_bearer(admin_token))
        [only] = response.json()
        assert only["name"] == "website"
        assert only["channel"] == "web"
        assert write_key not in response.text
        assert only["write_key_hint"].startswith(write_key[:12])

    def test_an_admin_creates_a_source_and_its_key_works_at_once(
        self, client: TestClient, admin_token: str
    ) -> None:
        created = client.post(
            "/api/sources", json={"name": "კასა", "channel": "pos"}, headers=_bearer(admin_token)
        )
        assert created.status_code == 201
        key = created.json()["write_key"]
        track = {"userId": "u", "event": "Bought"}
        assert send(client, "/v1/track", track, key).status_code == 200

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"name": "x", "channel": "fax"}, 400, "channel"),
            ({"name": "website", "channel": "web"}, 409, "name"),
            ({"channel": "web"}, 422, "name"),
        ],
    )
    def test_bad_source_definitions_are_refused(
        self,
        client: TestClient,
        admin_token: str,
        write_key: str,
        body: dict[str, str],
        status: int,
        field: str,
    ) -> None:
        response = client.post("/api/sources", json=body, headers=_bearer(admin_token))
        assert response.status_code == status
        assert response.json()["field"] == field

    def test_an_admin_creates_a_token_with_a_role(
        self, client: TestClient, admin_token: str
    ) -> None:
        created = client.post(
            "/api/tokens", json={"name": "ops", "role": "analyst"}, headers=_bearer(admin_token)
        )
        assert created.status_code == 201
        secret = created.json()["token"]
        assert client.get("/api/events", headers=_bearer(secret)).status_code == 200
        listed = client.get("/api/tokens", headers=_bearer(admin_token))
        assert secret not in listed.text
        assert {t["name"] for t in listed.json()} == {"admin-token", "ops"}


class TestRejectedEvents:
    def test_rejected_items_are_listed_with_reason_and_payload(
        self, client: TestClient, write_key: str, admin_token: str
    ) -> None:
        send(
            client,
            "/v1/batch",
            {
                "batch": [
                    {"type": "track", "userId": "u"},
                    {"type": "track", "userId": "u", "event": "A"},
                ]
            },
            write_key,
        )
        body = client.get("/api/rejected-events", headers=_bearer(admin_token)).json()
        [item] = body["items"]
        assert item["source"] == "website"
        assert item["origin"] == "api"
        assert item["item_index"] == 0
        assert item["field"] == "event"
        assert item["payload"] == {"type": "track", "userId": "u"}
