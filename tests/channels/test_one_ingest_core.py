"""/v1/* (Segment collection) and /hooks/* (channel webhooks) go through one ingest core
(unison/events/ingest.py): where they refuse a request for the same reason, they answer it
the same way. The error class names stay each path's own (`MalformedBody` on /v1/*,
`WebhookMalformed` on /hooks/*: part of the documented API); status, detail, field and
headers agree."""

import gzip
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from tests.channels.conftest import TELEGRAM_SECRET, Hooks
from unison.kit.settings import Settings

LIMIT = 64 * 1024  # the same body limit on both paths, so the 413s can match word for word
TRACK = {"userId": "u-1", "event": "Signed Up"}
UPDATE = {
    "update_id": 1,
    "message": {
        "message_id": 1,
        "date": 1764000000,
        "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "Nino"},
        "text": "hello",
    },
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_request_bytes": LIMIT})


def collect(client: TestClient, raw: bytes, key: str, **headers: str) -> httpx.Response:
    return client.post("/v1/track", content=raw, auth=(key, ""), headers=headers)


def hook(client: TestClient, raw: bytes, secret: str = TELEGRAM_SECRET, **headers: str) -> Any:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, **headers}
    return client.post("/hooks/telegram/shop-bot", content=raw, headers=headers)


def shape(response: httpx.Response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["detail"], body.get("field")


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.usefixtures("telegram_bot")
class TestBothPathsRefuseAlike:
    def test_a_wrong_write_key_and_a_wrong_secret_both_carry_the_401_challenge(
        self, client: TestClient
    ) -> None:
        unknown_key = collect(client, orjson.dumps(TRACK), "uwk_nope")
        wrong_secret = hook(client, orjson.dumps(UPDATE), secret="not-the-secret")
        assert (unknown_key.status_code, wrong_secret.status_code) == (401, 401)
        assert unknown_key.headers["WWW-Authenticate"] == 'Basic realm="unison"'
        assert wrong_secret.headers["WWW-Authenticate"] == unknown_key.headers["WWW-Authenticate"]

    def test_json_nested_past_the_depth_limit_is_refused_at_the_same_place(
        self, client: TestClient, write_key: str
    ) -> None:
        deep = {**TRACK, "properties": nested(70)}
        via_collect = collect(client, orjson.dumps(deep), write_key)
        via_hook = hook(client, orjson.dumps({**UPDATE, "properties": nested(70)}))
        assert via_collect.status_code == via_hook.status_code == 400
        assert shape(via_collect)[1] == shape(via_hook)[1]
        assert shape(via_collect)[2] == shape(via_hook)[2]
        assert "nest" in shape(via_hook)[1]

    # (A JSON value that is not an object is still named in each path's own words, "got
    # list" and "got an array": both are pinned by existing tests.)
    @pytest.mark.parametrize("raw", [b"{not json", b"  "], ids=["broken", "empty"])
    def test_a_body_that_is_not_json_is_refused_in_the_same_words(
        self, client: TestClient, write_key: str, raw: bytes
    ) -> None:
        via_collect, via_hook = collect(client, raw, write_key), hook(client, raw)
        assert shape(via_collect) == shape(via_hook)
        assert shape(via_hook)[:1] == (400,)

    def test_a_body_over_the_limit_gets_the_same_413(
        self, client: TestClient, write_key: str
    ) -> None:
        big = orjson.dumps({**TRACK, "properties": {"pad": "x" * LIMIT}})
        via_collect, via_hook = collect(client, big, write_key), hook(client, big)
        assert shape(via_collect) == shape(via_hook)
        assert shape(via_hook)[0] == 413
        assert via_collect.json()["error"] == via_hook.json()["error"] == "PayloadTooLarge"

    def test_a_gzip_bomb_is_stopped_at_the_same_limit(
        self, client: TestClient, write_key: str
    ) -> None:
        bomb = gzip.compress(orjson.dumps({**TRACK, "properties": {"pad": "0" * 4 * LIMIT}}))
        assert len(bomb) < LIMIT
        via_collect = collect(client, bomb, write_key, **{"Content-Encoding": "gzip"})
        via_hook = hook(client, bomb, **{"Content-Encoding": "gzip"})
        assert shape(via_collect) == shape(via_hook)
        assert shape(via_hook)[0] == 413

    def test_an_unknown_content_encoding_gets_the_same_415(
        self, client: TestClient, write_key: str
    ) -> None:
        raw = orjson.dumps(TRACK)
        via_collect = collect(client, raw, write_key, **{"Content-Encoding": "br"})
        via_hook = hook(client, raw, **{"Content-Encoding": "br"})
        assert shape(via_collect) == shape(via_hook)
        assert shape(via_hook)[0] == 415


@pytest.mark.usefixtures("telegram_bot")
class TestBothPathsAccept:
    def test_a_gzipped_body_is_stored_on_both(self, client: TestClient, write_key: str) -> None:
        via_collect = collect(
            client, gzip.compress(orjson.dumps(TRACK)), write_key, **{"Content-Encoding": "gzip"}
        )
        via_hook = hook(client, gzip.compress(orjson.dumps(UPDATE)), **{"Content-Encoding": "gzip"})
        assert via_collect.json()["accepted"] == via_hook.json()["accepted"] == 1

    def test_an_accepted_call_is_counted_in_the_ingest_metrics_on_both(
        self, client: TestClient, write_key: str, hooks: Hooks
    ) -> None:
        collect(client, orjson.dumps(TRACK), write_key)
        hook(client, orjson.dumps(UPDATE))
        metrics = hooks.api("GET", "/metrics").text
        accepted = [
            line
            for line in metrics.splitlines()
            if line.startswith("unison_events_accepted_total{")
        ]
        assert len(accepted) == 2, accepted
