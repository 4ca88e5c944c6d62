"""The Segment-compatible collection API: endpoints, validation, auth, dedupe, time, limits."""

import base64
import gzip
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import rejected, send, stored

TRACK = {"userId": "u-1", "event": "Order Completed", "properties": {"revenue": 20}}


class TestEachCallType:
    @pytest.mark.parametrize(
        ("path", "body", "expected_name"),
        [
            ("/v1/track", {"userId": "u", "event": "Clicked"}, "Clicked"),
            ("/v1/identify", {"userId": "u", "traits": {"email": "a@b.ge"}}, None),
            ("/v1/page", {"anonymousId": "a", "name": "Home"}, "Home"),
            ("/v1/screen", {"anonymousId": "a", "name": "Cart"}, "Cart"),
            ("/v1/group", {"userId": "u", "groupId": "g-1"}, None),
            ("/v1/alias", {"userId": "u", "previousId": "a-1"}, None),
        ],
    )
    def test_a_valid_call_is_stored_with_its_type(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        path: str,
        body: dict[str, str],
        expected_name: str | None,
    ) -> None:
        response = send(client, path, body, write_key)
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1
        [event] = stored(sessions)
        assert event.type == path.rsplit("/", 1)[1]
        assert event.event == expected_name
        assert event.payload["type"] == event.type

    def test_a_batch_stores_every_type_in_one_request(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        batch = [
            {"type": "identify", "userId": "u", "traits": {"name": "ნინო ბერიძე"}},
            {"type": "track", "userId": "u", "event": "Signed Up"},
            {"type": "page", "anonymousId": "a", "name": "שלום"},
            {"type": "alias", "userId": "u", "previousId": "a"},
        ]
        response = send(client, "/v1/batch", {"batch": batch}, write_key)
        assert response.json() == {"success": True, "accepted": 4, "duplicates": 0, "rejected": []}
        events = stored(sessions)
        assert [e.type for e in events] == ["identify", "track", "page", "alias"]
        assert events[0].payload["traits"]["name"] == "ნინო ბერიძე"
        assert events[2].event == "שלום"

    def test_numeric_ids_are_kept_as_strings(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        send(client, "/v1/track", {"userId": 1234, "event": "X"}, write_key)
        assert stored(sessions)[0].user_id == "1234"

    def test_unknown_top_level_fields_are_kept(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        send(client, "/v1/track", {**TRACK, "version": 2, "channel": "server"}, write_key)
        payload = stored(sessions)[0].payload
        assert payload["version"] == 2
        assert payload["channel"] == "server"


class TestValidationRules:
    @pytest.mark.parametrize(
        ("path", "body", "field", "words"),
        [
            ("/v1/track", {"event": "X"}, "userId", "userId or anonymousId"),
            ("/v1/track", {"userId": "", "anonymousId": "", "event": "X"}, "userId", "userId or"),
            ("/v1/track", {"userId": "u"}, "event", "track events need event"),
            ("/v1/track", {"userId": "u", "event": ""}, "event", "track events need event"),
            ("/v1/alias", {"userId": "u"}, "previousId", "previousId"),
            ("/v1/alias", {"anonymousId": "a", "previousId": "p"}, "userId", "need userId"),
            ("/v1/group", {"userId": "u"}, "groupId", "groupId"),
            ("/v1/track", {"userId": ["u"], "event": "X"}, "userId", "got an array"),
            ("/v1/track", {"userId": "u", "event": "X", "properties": [1]}, "properties", "dict"),
            ("/v1/track", {"userId": "u", "event": "X", "context": "web"}, "context", "string"),
            (
                "/v1/track",
                {"userId": "u", "event": "X", "timestamp": "yesterday"},
                "timestamp",
                "ISO 8601",
            ),
            (
                "/v1/track",
                {"userId": "u", "event": "X", "timestamp": "1800-01-01T00:00:00Z"},
                "timestamp",
                "outside the accepted range",
            ),
            ("/v1/track", {"userId": "u" * 256, "event": "X"}, "userId", "at most 255"),
            ("/v1/track", {"type": "identify", "userId": "u", "event": "X"}, "type", "'track'"),
            (
                "/v1/track",
                {"userId": "u", "event": "X", "context": {"channel": "fax"}},
                "context.channel",
                "accepted: web, mobile",
            ),
            (
                "/v1/track",
                {"userId": "u", "event": "X", "context": {"channel": 3}},
                "context.channel",
                "must be a string",
            ),
        ],
    )
    def test_an_invalid_single_call_gets_400_naming_the_field_and_nothing_is_logged(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        path: str,
        body: dict[str, object],
        field: str,
        words: str,
    ) -> None:
        response = send(client, path, body, write_key)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field
        assert words in response.json()["detail"]
        assert stored(sessions) == []
        [kept] = rejected(sessions)
        assert kept.field == field
        assert kept.payload == body

    def test_a_batch_item_without_type_is_rejected_listing_the_types(
        self, client: TestClient, write_key: str
    ) -> None:
        body = {"batch": [{"userId": "u", "event": "X"}, {**TRACK, "type": "track"}]}
        response = send(client, "/v1/batch", body, write_key)
        [item] = response.json()["rejected"]
        assert item["field"] == "type"
        assert "track, identify, page, screen, group, alias" in item["detail"]

    def test_a_batch_with_some_invalid_items_stores_the_valid_ones_and_lists_the_rest(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        batch = [
            {"type": "track", "userId": "u", "event": "A"},
            {"type": "track", "userId": "u"},
            "not an object",
            {"type": "page", "anonymousId": "a"},
            {"type": "bogus", "userId": "u"},
        ]
        response = send(client, "/v1/batch", {"batch": batch}, write_key)
        assert response.status_code == 200
        body = response.json()
        assert body["accepted"] == 2
        assert [(r["index"], r["field"]) for r in body["rejected"]] == [
            (1, "event"),
            (2, None),
            (4, "type"),
        ]
        assert "got a string" in body["rejected"][1]["detail"]
        assert [e.type for e in stored(sessions)] == ["track", "page"]
        kept = rejected(sessions)
        assert [(r.item_index, r.field) for r in kept] == [(1, "event"), (2, None), (4, "type")]
        assert kept[1].payload == "not an object"

    def test_a_batch_where_every_item_is_invalid_is_a_400_with_each_reason(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        response = send(client, "/v1/batch", {"batch": [{"type": "track"}, 5]}, write_key)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "BatchRejected"
        assert [r["index"] for r in body["rejected"]] == [0, 1]
        assert stored(sessions) == []
        assert len(rejected(sessions)) == 2

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "batch"),
            ({"batch": {"type": "track"}}, "batch"),
            ({"batch": [], "context": []}, "context"),
            ({"batch": [], "sentAt": "soon"}, "sentAt"),
        ],
    )
    def test_a_malformed_envelope_is_a_400_and_changes_nothing(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        body: dict[str, object],
        field: str,
    ) -> None:
        response = send(client, "/v1/batch", body, write_key)
        assert response.status_code == 400
        assert response.json()["field"] == field
        assert stored(sessions) == []
        assert rejected(sessions) == []

    @pytest.mark.parametrize(
        ("content", "words"),
        [
            (b"", "empty"),
            (b"{not json", "not valid JSON"),
            (b"[1,2]", "JSON object, got list"),
            (b"\xff\xfe", "not valid JSON"),
            (b"null", "JSON object"),
        ],
    )
    def test_a_body_that_is_not_a_json_object_is_a_400(
        self,
        client: TestClient,
        write_key: str,
        sessions: sessionmaker[Session],
        content: bytes,
        words: str,
    ) -> None:
        response = client.post("/v1/track", content=content, auth=(write_key, ""))
        assert response.status_code == 400
        assert response.json()["error"] == "MalformedBody"
        assert words in response.json()["detail"]
        assert stored(sessions) == []
        assert rejected(sessions) == []


class TestWriteKeyAuth:
    def test_basic_auth_with_the_key_as_user_name(self, client: TestClient, write_key: str) -> None:
        assert send(client, "/v1/track", TRACK, write_key).status_code == 200

    def test_x_write_key_header(self, client: TestClient, write_key: str) -> None:
        response = client.post("/v1/track", json=TRACK, headers={"X-Write-Key": write_key})
        assert response.status_code == 200

    def test_write_key_in_the_body(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        response = client.post(
            "/v1/batch", json={"batch": [{**TRACK, "type": "track"}], "writeKey": write_key}
        )
        assert response.status_code == 200
        single = client.post("/v1/track", json={**TRACK, "writeKey": write_key})
        assert single.status_code == 200
        assert all("writeKey" not in e.payload for e in stored(sessions))

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Basic " + base64.b64encode(b"uwk_unknown:").decode()},
            {"Authorization": "Basic !!!notbase64"},
            {"Authorization": "Bearer something"},
            {"X-Write-Key": "uwk_unknown"},
        ],
    )
    def test_a_missing_or_unknown_key_is_a_401_and_stores_nothing(
        self,
        client: TestClient,
        source: object,
        sessions: sessionmaker[Session],
        headers: dict[str, str],
    ) -> None:
        response = client.post("/v1/track", json=TRACK, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "Unauthorized"
        assert stored(sessions) == []
        assert rejected(sessions) == []

    def test_an_api_token_is_not_a_write_key(self, client: TestClient, admin_token: str) -> None:
        response = client.post("/v1/track", json=TRACK, headers={"X-Write-Key": admin_token})
        assert response.status_code == 401


class TestDedupe:
    def test_the_same_message_id_is_stored_once_however_often_sent(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        body = {**TRACK, "messageId": "m-1"}
        results = [send(client, "/v1/track", body, write_key).json() for _ in range(3)]
        assert [r["accepted"] for r in results] == [1, 0, 0]
        assert [r["duplicates"] for r in results] == [0, 1, 1]
        batch = {"batch": [{**body, "type": "track"}, {**body, "type": "track"}]}
        assert send(client, "/v1/batch", batch, write_key).json()["duplicates"] == 2
        assert len(stored(sessions)) == 1

    def test_two_sources_may_use_the_same_message_id(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        from tests.conftest import transaction
        from unison.sources.service import create_source

        with transaction(sessions) as session:
            _, other_key = create_source(session, "app", "mobile")
        body = {**TRACK, "messageId": "shared"}
        send(client, "/v1/track", body, write_key)
        send(client, "/v1/track", body, other_key)
        assert sorted(e.channel for e in stored(sessions)) == ["mobile", "web"]

    def test_a_missing_message_id_is_assigned(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        send(client, "/v1/track", TRACK, write_key)
        send(client, "/v1/track", TRACK, write_key)
        ids = [e.message_id for e in stored(sessions)]
        assert len(set(ids)) == 2
        assert all(ids)
        assert stored(sessions)[0].payload["messageId"] == ids[0]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class TestTimestamps:
    def test_a_device_clock_an_hour_fast_is_corrected(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        device_now = datetime.now(UTC) + timedelta(hours=1)
        body = {
            **TRACK,
            "originalTimestamp": _iso(device_now - timedelta(seconds=30)),
            "sentAt": _iso(device_now),
        }
        before = datetime.now(UTC)
        send(client, "/v1/track", body, write_key)
        [event] = stored(sessions)
        assert event.timestamp == event.received_at - timedelta(seconds=30)
        assert before <= event.received_at <= datetime.now(UTC)
        assert (
            event.payload["originalTimestamp"]
            == _iso(device_now - timedelta(seconds=30))[:23] + "Z"
        )

    def test_the_batch_sent_at_applies_to_its_items(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        body = {
            "sentAt": "2020-01-01T00:01:00Z",
            "batch": [{**TRACK, "type": "track", "timestamp": "2020-01-01T00:00:00Z"}],
        }
        send(client, "/v1/batch", body, write_key)
        [event] = stored(sessions)
        assert event.timestamp == event.received_at - timedelta(minutes=1)

    def test_a_historical_timestamp_without_sent_at_is_kept_as_is(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        send(client, "/v1/track", {**TRACK, "timestamp": "2024-05-06T07:08:09+03:00"}, write_key)
        [event] = stored(sessions)
        assert event.timestamp == datetime(2024, 5, 6, 4, 8, 9, tzinfo=UTC)
        assert event.payload["timestamp"] == "2024-05-06T04:08:09.000Z"

    def test_no_timestamp_means_received_at(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        send(client, "/v1/track", TRACK, write_key)
        [event] = stored(sessions)
        assert event.timestamp == event.received_at


class TestBatchContextAndChannel:
    def test_top_level_context_and_integrations_are_merged_into_each_item(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        body = {
            "context": {"library": {"name": "analytics-python"}, "locale": "ka-GE"},
            "integrations": {"All": False},
            "batch": [
                {**TRACK, "type": "track"},
                {
                    **TRACK,
                    "type": "track",
                    "context": {"locale": "he-IL"},
                    "integrations": {"Mixpanel": True},
                },
            ],
        }
        send(client, "/v1/batch", body, write_key)
        first, second = stored(sessions)
        assert first.payload["context"]["library"] == {"name": "analytics-python"}
        assert first.payload["context"]["locale"] == "ka-GE"
        assert second.payload["context"]["locale"] == "he-IL"  # the item's own value wins
        assert second.payload["context"]["library"] == {"name": "analytics-python"}
        assert first.payload["integrations"] == {"All": False}
        assert second.payload["integrations"] == {"All": False, "Mixpanel": True}

    def test_channel_comes_from_the_event_else_the_source(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        send(client, "/v1/track", {**TRACK, "context": {"channel": "telegram"}}, write_key)
        send(client, "/v1/track", {**TRACK, "context": {"channel": "browser"}}, write_key)
        send(client, "/v1/track", {**TRACK, "context": {"channel": "server"}}, write_key)
        send(client, "/v1/track", TRACK, write_key)
        assert [e.channel for e in stored(sessions)] == ["telegram", "web", "web", "web"]
        assert stored(sessions)[0].payload["context"]["channel"] == "telegram"


class TestLimits:
    def test_an_event_over_32_kb_in_a_batch_is_rejected_naming_the_limit(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        big = {**TRACK, "type": "track", "properties": {"text": "ა" * 11_000}}  # 33,000 bytes
        body = {"batch": [big, {**TRACK, "type": "track"}]}
        response = send(client, "/v1/batch", body, write_key)
        [item] = response.json()["rejected"]
        assert item["error"] == "EventTooLarge"
        assert "32 KB" in item["detail"]
        assert len(stored(sessions)) == 1

    def test_a_single_event_over_32_kb_is_a_413(self, client: TestClient, write_key: str) -> None:
        body = {**TRACK, "properties": {"text": "x" * 33_000}}
        response = send(client, "/v1/track", body, write_key)
        assert response.status_code == 413
        assert "32 KB" in response.json()["detail"]

    def test_a_request_over_500_kb_is_a_413_and_stores_nothing(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        item = {**TRACK, "type": "track", "properties": {"text": "x" * 20_000}}
        response = send(client, "/v1/batch", {"batch": [item] * 30}, write_key)
        assert response.status_code == 413
        assert "500 KB" in response.json()["detail"]
        assert stored(sessions) == []
        assert rejected(sessions) == []

    def test_a_gzip_body_is_limited_after_decompression(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        bomb = gzip.compress(b'{"batch": [' + b" " * 2_000_000 + b"]}")
        response = client.post(
            "/v1/batch",
            content=bomb,
            auth=(write_key, ""),
            headers={"Content-Encoding": "gzip"},
        )
        assert response.status_code == 413
        assert stored(sessions) == []

    def test_a_gzip_body_is_accepted(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        content = gzip.compress(orjson.dumps({"batch": [{**TRACK, "type": "track"}]}))
        response = client.post(
            "/v1/batch",
            content=content,
            auth=(write_key, ""),
            headers={"Content-Encoding": "gzip"},
        )
        assert response.status_code == 200
        assert len(stored(sessions)) == 1

    def test_an_unknown_content_encoding_is_a_415(self, client: TestClient, write_key: str) -> None:
        response = client.post(
            "/v1/track", content=b"{}", auth=(write_key, ""), headers={"Content-Encoding": "br"}
        )
        assert response.status_code == 415

    def test_more_than_2500_events_in_a_batch_is_a_400_naming_the_limit(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        body = {"batch": [{"type": "track", "userId": "u", "event": "e"}] * 2501}
        response = send(client, "/v1/batch", body, write_key)
        assert response.status_code == 400
        assert response.json()["error"] == "BatchTooLarge"
        assert "2,500" in response.json()["detail"]
        assert stored(sessions) == []

    def test_exactly_2500_events_are_accepted(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        body = {
            "batch": [
                {"type": "track", "userId": "u", "event": "e", "messageId": str(i)}
                for i in range(2500)
            ]
        }
        assert send(client, "/v1/batch", body, write_key).json()["accepted"] == 2500

    def test_text_with_a_nul_character_is_rejected_precisely(
        self, client: TestClient, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        response = send(client, "/v1/track", {**TRACK, "properties": {"a": "x\u0000y"}}, write_key)
        assert response.status_code == 400
        assert "U+0000" in response.json()["detail"]
        assert rejected(sessions)[0].payload["unstorable"] == "contained U+0000"


class TestDocumentedRoutes:
    def test_the_openapi_routes_answer_like_the_fast_path(
        self, settings: object, write_key: str, sessions: sessionmaker[Session]
    ) -> None:
        from unison.app import create_app
        from unison.events.collect import CollectFastPath

        app = create_app(settings)  # type: ignore[arg-type]
        app.user_middleware = [m for m in app.user_middleware if m.cls is not CollectFastPath]
        # only the metrics middleware and the webhook fast path (which passes /v1 on) are left
        assert [m.cls.__name__ for m in app.user_middleware] == [
            "RequestMetricsMiddleware",
            "WebhookFastPath",
        ]
        with TestClient(app) as plain:
            ok = send(plain, "/v1/batch", {"batch": [{**TRACK, "type": "track"}]}, write_key)
            bad = send(plain, "/v1/track", {"userId": "u"}, write_key)
            unauthorized = send(plain, "/v1/track", TRACK, "uwk_nope")
        assert ok.json() == {"success": True, "accepted": 1, "duplicates": 0, "rejected": []}
        assert (bad.status_code, bad.json()["field"]) == (400, "event")
        assert unauthorized.status_code == 401
        assert unauthorized.headers["WWW-Authenticate"] == 'Basic realm="unison"'
        assert len(stored(sessions)) == 1
