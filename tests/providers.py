"""Local stand-ins for the messengers' bot APIs, answering in each provider's documented wire
format (successes and errors), so adapters are tested against real HTTP on loopback."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeProvider:
    """Answers each request with the next scripted (status, body), else with `success`."""

    success: tuple[int, Any]
    calls: list[Call] = field(default_factory=list)
    script: list[tuple[int, Any]] = field(default_factory=list)
    url: str = ""


TELEGRAM_OK = (200, {"ok": True, "result": {"message_id": 77, "chat": {"id": 1}, "date": 0}})
TELEGRAM_BLOCKED = (
    403,
    {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
)
TELEGRAM_TOO_MANY = (
    429,
    {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    },
)
VIBER_OK = (200, {"status": 0, "status_message": "ok", "message_token": 5098034272017990000})
VIBER_NOT_SUBSCRIBED = (200, {"status": 6, "status_message": "notSubscribed"})
VIBER_TOO_MANY = (200, {"status": 12, "status_message": "tooManyRequests"})
WHATSAPP_OK = (
    200,
    {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "995555123456", "wa_id": "995555123456"}],
        "messages": [{"id": "wamid.HBgM"}],
    },
)
WHATSAPP_OUTSIDE_WINDOW = (
    400,
    {
        "error": {
            "message": "(#131047) Re-engagement message",
            "type": "OAuthException",
            "code": 131047,
            "fbtrace_id": "A1",
        }
    },
)
WHATSAPP_THROTTLED = (
    400,
    {
        "error": {
            "message": "(#130429) Rate limit hit",
            "type": "OAuthException",
            "code": 130429,
            "fbtrace_id": "A2",
        }
    },
)


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            provider.calls.append(Call(self.path, headers, orjson.loads(raw)))
            status, body = provider.script.pop(0) if provider.script else provider.success
            payload = orjson.dumps(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def fake_provider(success: tuple[int, Any]) -> Iterator[FakeProvider]:
    provider = FakeProvider(success)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
