"""Health, metrics, OpenAPI, and logs free of PII and secrets."""

import logging

import pytest
from fastapi.testclient import TestClient

from tests.events.helpers import send
from unison.app import create_app
from unison.kit.settings import Settings


class TestHealth:
    def test_health_reports_the_database(self, client: TestClient) -> None:
        body = client.get("/health").json()
        assert body["status"] == "ok"
        assert body["database"]["status"] == "ok"
        assert body["database"]["dialect"] in {"sqlite", "postgresql"}

    def test_an_unreachable_database_is_a_503_not_a_500(self, tmp_path: object) -> None:
        settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
        with TestClient(create_app(settings)) as client:
            response = client.get("/health")
        assert response.status_code == 503
        assert response.json()["database"]["status"] == "unavailable"


class TestMetrics:
    def test_counts_by_source_and_latency_histogram(
        self, client: TestClient, write_key: str
    ) -> None:
        track = {"type": "track", "userId": "u", "event": "E", "messageId": "m"}
        send(client, "/v1/batch", {"batch": [track, track, {"type": "track"}]}, write_key)
        text = client.get("/metrics").text
        assert 'unison_events_accepted_total{source="website"} 1.0' in text
        assert 'unison_events_deduplicated_total{source="website"} 1.0' in text
        assert 'unison_events_rejected_total{source="website"} 1.0' in text
        assert (
            'unison_http_request_duration_seconds_count{method="POST",route="/v1/batch",'
            'status="200"} 1.0' in text
        )


class TestOpenApi:
    def test_the_schema_documents_collection_and_read_endpoints(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        for path in [
            "/v1/batch",
            "/v1/track",
            "/v1/identify",
            "/v1/page",
            "/v1/screen",
            "/v1/group",
            "/v1/alias",
            "/api/events",
            "/api/events/{event_id}",
            "/api/rejected-events",
            "/api/sources",
            "/health",
            "/metrics",
        ]:
            assert path in spec["paths"], path
        batch_schema = spec["paths"]["/v1/batch"]["post"]["requestBody"]["content"]
        assert "batch" in batch_schema["application/json"]["schema"]["properties"]
        assert client.get("/docs").status_code == 200


class TestLogsCarryNoPii:
    def test_rejected_and_accepted_requests_log_no_payload_or_key(
        self, client: TestClient, write_key: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        secret = "nino.beridze@example.ge"
        with caplog.at_level(logging.DEBUG):
            send(client, "/v1/track", {"userId": secret, "event": "E"}, write_key)
            send(client, "/v1/track", {"userId": secret}, write_key)
            client.post("/v1/track?email=" + secret, json={}, headers={"X-Write-Key": secret})
        # Everything the server side logged; httpx is the test's own client.
        logged = "\n".join(
            f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name != "httpx"
        )
        assert "request" in logged  # the request lines were logged...
        assert secret not in logged  # ...without the payload, query or key
        assert write_key not in logged
