"""Every client hears its 413, also one that writes its whole body before reading.

urllib (like most SDKs) sends `Connection: close` and writes the entire body before it reads
a byte; a server that answers and closes early leaves it writing into a reset connection
(EPIPE), and the 413 is lost. Against a real `unison serve`, 30 tries per endpoint.
"""

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from tests.api.live import LiveServer
from tests.conftest import _empty_tables, make_token
from unison.api.body import DRAIN_FACTOR
from unison.kit.db import make_session_factory, transaction
from unison.kit.settings import Settings
from unison.sources.service import create_source

TRIES = 30
TELEGRAM_SECRET = "tg-secret_0123456789"
LIMITS = Settings()


@dataclass
class Served:
    url: str
    port: int
    key: str


@pytest.fixture(scope="class")
def served(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        _row, key = create_source(session, "website", "web")
    token = make_token(sessions, "admin")
    server = None
    try:
        server = LiveServer(database_url, tmp_path_factory.mktemp("serve") / "serve.log")
        connector = {
            "type": "telegram",
            "name": "shop-bot",
            "secrets": {"token": "123456:ABC-DEF", "secret": TELEGRAM_SECRET},
        }
        created = httpx.post(
            f"{server.url}/api/connectors",
            json=connector,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        yield Served(server.url, server.port, key)
    finally:
        if server is not None:
            server.stop()
        _empty_tables(engine)


def _oversize_json(size: int) -> bytes:
    """A JSON object of about `size` bytes."""
    return orjson.dumps({"userId": "u", "event": "Big", "properties": {"blob": "x" * size}})


def _urllib_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes] | str:
    """(status, body), or the transport error a client would see instead of an answer."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as answered:
        return answered.code, answered.read()
    except (urllib.error.URLError, OSError) as broken:
        return f"{type(broken).__name__}: {broken}"


def _is_413(status: int, body: bytes) -> bool:
    return status == 413 and orjson.loads(body)["error"] == "PayloadTooLarge"


def _tries(url: str, body: bytes, headers: dict[str, str]) -> list[object]:
    """What went wrong in each of TRIES posts (empty: every one got the 413 error body)."""
    wrong: list[object] = []
    for _ in range(TRIES):
        outcome = _urllib_post(url, body, {"Content-Type": "application/json", **headers})
        if isinstance(outcome, str) or not _is_413(*outcome):
            wrong.append(outcome)
    return wrong


class TestAnOversizeBodyWrittenInFullGetsItsAnswer:
    def test_v1_track_answers_413_to_every_urllib_post(self, served: Served) -> None:
        body = _oversize_json(LIMITS.max_request_bytes + 200_000)
        headers = {"X-Write-Key": served.key}
        assert _tries(f"{served.url}/v1/track", body, headers) == []

    def test_v1_batch_answers_413_to_every_urllib_post(self, served: Served) -> None:
        event = orjson.loads(_oversize_json(20_000))
        body = orjson.dumps({"batch": [event] * 40})  # ~800 KB in events of 20 KB
        assert len(body) > LIMITS.max_request_bytes
        headers = {"X-Write-Key": served.key}
        assert _tries(f"{served.url}/v1/batch", body, headers) == []

    def test_a_telegram_webhook_answers_413_to_every_urllib_post(self, served: Served) -> None:
        body = _oversize_json(LIMITS.connector_max_body_bytes + 700_000)  # under the bound
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        assert _tries(f"{served.url}/hooks/telegram/shop-bot", body, headers) == []

    def test_a_chunked_body_without_length_is_read_to_its_end_too(self, served: Served) -> None:
        """No Content-Length: the limit is found while reading, and the rest still drained."""
        chunk = b"x" * 65_536
        count = LIMITS.max_request_bytes * 2 // len(chunk)
        wrong = []
        for _ in range(TRIES):
            with socket.create_connection(("127.0.0.1", served.port), timeout=30) as conn:
                head = (
                    "POST /v1/track HTTP/1.1\r\nHost: unison\r\nConnection: close\r\n"
                    f"X-Write-Key: {served.key}\r\nTransfer-Encoding: chunked\r\n\r\n"
                )
                framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
                try:
                    conn.sendall(head.encode() + framed * count + b"0\r\n\r\n")
                    answer = _read_all(conn)
                except OSError as broken:
                    wrong.append(f"{type(broken).__name__}: {broken}")
                    continue
            if not answer.startswith(b"HTTP/1.1 413") or b'"PayloadTooLarge"' not in answer:
                wrong.append(answer[:200])
        assert wrong == []


class TestABodyPastTheDrainBoundIsNotRead:
    def test_a_declared_length_past_the_bound_is_answered_at_once_and_closed(
        self, served: Served
    ) -> None:
        declared = LIMITS.max_request_bytes * DRAIN_FACTOR + 1
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as conn:
            conn.sendall(
                (
                    "POST /v1/track HTTP/1.1\r\nHost: unison\r\n"
                    f"X-Write-Key: {served.key}\r\nContent-Length: {declared}\r\n\r\n"
                ).encode()
            )
            answer = _read_all(conn)  # ends: the server closes without waiting for the body
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert b"connection: close" in head.lower()
        assert orjson.loads(body)["field"] == "body"


def _read_all(conn: socket.socket) -> bytes:
    parts = []
    while part := conn.recv(65_536):
        parts.append(part)
    return b"".join(parts)
