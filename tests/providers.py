"""Local stand-ins for the providers' APIs (messengers, an SMS gateway, FCM and Google's
token endpoint, webhook receivers), answering in each provider's documented wire format
(successes and errors), so adapters are tested against real HTTP on loopback.

A provider can also hold its first request until the test releases it (to kill a
dispatcher while a send is in flight), and drop a repeated idempotency key the way a
deduplicating gateway does, answering the first answer again."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import orjson


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: Any
    duplicate: bool = False  # a repeated idempotency key: dropped, first answer repeated


@dataclass
class FakeProvider:
    """Answers each request with the next scripted (status, body), else with the answer
    for its path suffix in `routes`, else with `success`."""

    success: tuple[int, Any]
    calls: list[Call] = field(default_factory=list)
    script: list[tuple[int, Any]] = field(default_factory=list)
    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    url: str = ""
    dedupe_header: str | None = None  # e.g. "idempotency-key"
    hold_first: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answered: dict[str, tuple[int, Any]] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)
    latency: float = 0.0  # seconds each answer takes (a distant provider)
    at_once: int = 0  # requests being answered now
    most_at_once: int = 0

    @property
    def accepted(self) -> list[Call]:
        """What the provider acted on: every call but dropped repeats."""
        return [c for c in self.calls if not c.duplicate]

    def answer(self, call: Call) -> tuple[int, Any]:
        with self.guard:
            key = call.headers.get(self.dedupe_header or "") if self.dedupe_header else None
            if key is not None and key in self.answered:
                call.duplicate = True
                self.calls.append(call)
                return self.answered[key]
            self.calls.append(call)
            first = len(self.calls) == 1
            answer = self._next(call)
            if key is not None:
                self.answered[key] = answer
        if first and self.hold_first:
            self.arrived.set()
            self.release.wait(60)
        if self.latency:
            self._take_time()
        return answer

    def _take_time(self) -> None:
        with self.guard:
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        time.sleep(self.latency)
        with self.guard:
            self.at_once -= 1

    def _next(self, call: Call) -> tuple[int, Any]:
        if self.script:
            return self.script.pop(0)
        for suffix, answer in self.routes.items():
            if call.path.endswith(suffix):
                return answer
        return self.success


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


def _decode(raw: bytes, content_type: str) -> Any:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))
    return orjson.loads(raw) if raw else None


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            body = _decode(raw, headers.get("content-type", ""))
            status, answer = provider.answer(Call(self.path, headers, body))
            payload = orjson.dumps(answer)
            try:
                self.send_response(status)
                for name, value in provider.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                return  # the caller went away (a killed dispatcher)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def fake_provider(success: tuple[int, Any], **options: Any) -> Iterator[FakeProvider]:
    provider = FakeProvider(success, **options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        provider.release.set()
        server.shutdown()
        server.server_close()


# Twilio's Messages resource (POST /2010-04-01/Accounts/{sid}/Messages.json -> 201).
SMS_OK = (
    201,
    {
        "sid": "SM0123456789abcdef0123456789abcdef",
        "status": "queued",
        "to": "+995555123456",
        "from": "+15005550006",
        "num_segments": "1",
        "error_code": None,
    },
)
SMS_INVALID_NUMBER = (
    400,
    {
        "code": 21211,
        "message": "The 'To' number +99500 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    },
)
SMS_TOO_MANY = (
    429,
    {"code": 20429, "message": "Too Many Requests", "more_info": "", "status": 429},
)
# Google's OAuth2 token endpoint and FCM HTTP v1.
GOOGLE_TOKEN = (
    200,
    {"access_token": "ya29.local-token", "expires_in": 3599, "token_type": "Bearer"},
)
FCM_OK = (200, {"name": "projects/unison-test/messages/0:1500415314455276%31bd1c9631bd1c96"})
FCM_UNREGISTERED = (
    404,
    {
        "error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "status": "NOT_FOUND",
            "details": [
                {
                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode": "UNREGISTERED",
                }
            ],
        }
    },
)
