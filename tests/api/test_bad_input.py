"""Bad input never answers 5xx: ids past 64 bits, JSON nested past the limit, on every
entry point, each refused with a 4xx naming the field."""

import base64
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import rejected, stored
from unison.events.importing import import_file
from unison.kit.json_depth import MAX_JSON_DEPTH
from unison.sources.ref import SourceRef

HUGE = "99999999999999999999999"  # past 2**63 - 1, the largest id either store can hold

ID_PATHS = [
    ("GET", "/api/profiles/{id}", "profile_id"),
    ("GET", "/api/profiles/{id}/timeline", "profile_id"),
    ("GET", "/api/profiles/{id}/merges", "profile_id"),
    ("GET", "/api/profiles/{id}/consents", "profile_id"),
    ("GET", "/api/profiles/{id}/consents/history", "profile_id"),
    ("GET", "/api/profiles/{id}/preferences", "profile_id"),
    ("GET", "/api/profiles/{id}/conversations", "profile_id"),
    ("GET", "/api/profiles/{id}/segments", "profile_id"),
    ("GET", "/api/conversations/{id}", "conversation_id"),
    ("GET", "/api/conversations/{id}/messages", "conversation_id"),
    ("GET", "/api/events/{id}", "event_id"),
    ("GET", "/api/segments/{id}", "segment_id"),
    ("GET", "/api/segments/{id}/members", "segment_id"),
    ("DELETE", "/api/segments/{id}", "segment_id"),
    ("DELETE", "/api/consent/suppressions/{id}", "suppression_id"),
    ("DELETE", "/api/consent/webhooks/{id}", "webhook_id"),
    ("POST", "/api/identity/conflicts/{id}/resolve", "conflict_id"),
]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _nested(depth: int) -> Any:
    """An object `depth` levels deep: {"a": {"a": ... {} }}."""
    text = '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)
    return orjson.loads(text) if depth < 1000 else text


def _deep_body(field: str, depth: int, **rest: Any) -> bytes:
    """A JSON body whose `field` holds an object nested `depth` levels below the body."""
    inner = '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)
    return orjson.dumps(rest)[:-1] + f',"{field}":{inner}}}'.encode()


class TestIdsPast64Bits:
    @pytest.mark.parametrize(("method", "template", "field"), ID_PATHS)
    def test_a_path_id_past_64_bits_is_a_400_naming_it(
        self, client: TestClient, admin_token: str, method: str, template: str, field: str
    ) -> None:
        path = template.replace("{id}", HUGE)
        response = client.request(method, path, headers=_bearer(admin_token), json={})
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field

    def test_two_ids_past_64_bits_in_one_path_name_the_first(
        self, client: TestClient, admin_token: str
    ) -> None:
        path = f"/api/segments/{HUGE}/explain/{HUGE}"
        response = client.get(path, headers=_bearer(admin_token))
        assert response.status_code == 400, response.text
        assert response.json()["field"] in {"segment_id", "profile_id"}

    def test_a_query_id_past_64_bits_is_a_400_naming_it(
        self, client: TestClient, admin_token: str
    ) -> None:
        response = client.get(
            "/api/segments/1/history", params={"profile_id": HUGE}, headers=_bearer(admin_token)
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "profile_id"

    @pytest.mark.parametrize("action", ["export", "erase"])
    def test_a_body_id_past_64_bits_is_a_422_naming_it(
        self, client: TestClient, admin_token: str, action: str
    ) -> None:
        response = client.post(
            f"/api/privacy/{action}",
            content=b'{"profile_id": ' + HUGE.encode() + b"}",
            headers={**_bearer(admin_token), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "profile_id"

    def test_a_forged_cursor_holding_an_id_past_64_bits_is_a_400(
        self, client: TestClient, admin_token: str
    ) -> None:
        # 2**64 - 1: JSON readers take it as an integer, which no signed 64-bit column holds
        cursor = base64.urlsafe_b64encode(b"[18446744073709551615]").decode().rstrip("=")
        response = client.get(
            "/api/events", params={"cursor": cursor}, headers=_bearer(admin_token)
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "cursor"


class TestJsonNestedPastTheLimit:
    @pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 10_000])
    @pytest.mark.parametrize("path", ["/v1/track", "/v1/identify"])
    def test_a_deep_event_is_a_400_naming_the_field(
        self, client: TestClient, write_key: str, path: str, depth: int
    ) -> None:
        body = _deep_body("properties", depth, userId="u", event="e", traits={})
        response = client.post(path, content=body, auth=(write_key, ""))
        assert response.status_code == 400, response.text
        # past 1,024 levels the JSON reader itself stops, before any field is known
        assert response.json()["field"] == ("properties" if depth < 1024 else "body")
        assert f"deeper than {MAX_JSON_DEPTH} levels" in response.json()["detail"]

    @pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000])
    def test_a_deep_batch_is_a_400_and_stores_nothing(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        depth: int,
    ) -> None:
        item = _deep_body("properties", depth - 2, type="track", userId="u", event="e")
        body = b'{"batch": [' + item + b"]}"
        response = client.post("/v1/batch", content=body, auth=(write_key, ""))
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "batch"
        assert stored(sessions) == []

    def test_an_event_at_the_limit_is_stored(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        body = _deep_body("properties", MAX_JSON_DEPTH - 1, userId="u", event="e")
        response = client.post("/v1/track", content=body, auth=(write_key, ""))
        assert response.status_code == 200, response.text
        assert len(stored(sessions)) == 1

    @pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 10_000])
    def test_a_deep_api_body_is_a_400_naming_the_field(
        self, client: TestClient, admin_token: str, depth: int
    ) -> None:
        body = _deep_body("definition", depth, name="deep")
        response = client.post(
            "/api/segments",
            content=body,
            headers={**_bearer(admin_token), "Content-Type": "application/json"},
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] in {"definition", "body"}

    def test_a_deep_import_line_is_refused_and_the_others_are_stored(
        self, tmp_path: Path, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        path = tmp_path / "events.jsonl"
        good = orjson.dumps({"type": "track", "userId": "u", "event": "Order Completed"})
        deep = _deep_body("properties", 1_000, type="track", userId="u", event="e")
        path.write_bytes(good + b"\n" + deep + b"\n")
        summary = import_file(sessions, path, source[0], fmt="jsonl")
        assert (summary.accepted, summary.rejected) == (1, 1)
        assert "nested deeper than 64" in summary.errors[0][1]
        assert len(rejected(sessions)) == 1


class TestNulCharacters:
    """PostgreSQL text cannot hold U+0000: once a 500 there (a 404 on SQLite)."""

    def test_a_nul_in_a_path_parameter_is_a_400_naming_it(
        self, client: TestClient, admin_token: str
    ) -> None:
        auth = {"Authorization": f"Bearer {admin_token}"}
        response = client.get("/api/connectors/tele%00gram", headers=auth)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "name"

    def test_a_nul_in_a_query_parameter_is_a_400_naming_it(
        self, client: TestClient, admin_token: str
    ) -> None:
        auth = {"Authorization": f"Bearer {admin_token}"}
        response = client.get("/api/profiles/lookup?type=email&value=a%00b", headers=auth)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "value"

    def test_a_nul_in_a_body_string_is_a_400_naming_the_field_and_creates_nothing(
        self, client: TestClient, admin_token: str
    ) -> None:
        auth = {"Authorization": f"Bearer {admin_token}"}
        body = {"name": "web\u0000site", "channel": "web"}
        response = client.post("/api/sources", json=body, headers=auth)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "name"
        names = [s["name"] for s in client.get("/api/sources", headers=auth).json()]
        assert "web\u0000site" not in names
