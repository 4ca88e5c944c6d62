"""The one HTTP call every provider adapter makes, with failures sorted into rate limited
(429: retry after the provider's `Retry-After` / body hint), temporary (network trouble,
5xx: retry later) and the rest, which each adapter reads from the provider's own error
shape. Reasons carry status codes and provider error codes only, never the recipient.

The client is the standard library's `http.client` over keep-alive connections pooled per
origin and shared by the process's sending threads (adapters are rebuilt every delivery
round, connectors may change while serving; the pool is what outlives them). The HTTP
exchange is most of what dispatching a message costs, and this client spends about a
quarter of httpx's CPU on it (0.17 ms against 0.7 ms per request, 16 threads to a local
gateway). It sends a request once and never follows a redirect (the outbox alone decides
about repeats), verifies TLS as httpx did (certifi's roots, or `SSL_CERT_FILE` /
`SSL_CERT_DIR`), and drops a pooled connection the peer closed while it was idle instead
of writing a request into it.
"""

import base64
import os
import select
import socket
import ssl
import threading
from collections.abc import Container
from dataclasses import dataclass, field
from email.message import Message
from functools import lru_cache
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import orjson

from unison import __version__
from unison.outbox.envelope import DeliveryFailed

USER_AGENT = f"Unison/{__version__}"
# Idle keep-alive connections kept per origin: above the outbox's concurrent sends (16).
IDLE_PER_ORIGIN = 20


@dataclass(frozen=True)
class Origin:
    """Where a connection goes: `host` is the URL's (the Host header, TLS's server name
    and certificate check); `address`, when set, is where it connects instead of resolving
    `host` again (a webhook destination pinned to the address that was checked)."""

    scheme: str
    host: str
    port: int
    address: str | None = None


@lru_cache(maxsize=256)
def origin_of(url: str, address: str | None = None) -> tuple[Origin, str]:
    """The origin of an http(s) URL and the request target (path and query) on it
    (remembered: adapters post to a handful of URLs, one per provider account)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Origin(scheme, parts.hostname or "", port, address), target


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message  # case-insensitive `get`
    content: bytes


class Unreachable(Exception):
    """No answer: `kind` names the failure as reasons have always said it (httpx's names:
    ConnectError, ConnectTimeout, ReadTimeout, ReadError, RemoteProtocolError)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _TLS(HTTPSConnection):
    """TLS to `connect_to`, with the origin's host as the server name (SNI) and the name
    its certificate must carry."""

    def __init__(
        self, connect_to: str, port: int, server_name: str, timeout: float, tls: ssl.SSLContext
    ) -> None:
        super().__init__(connect_to, port, timeout=timeout, context=tls)
        self._server_name, self._tls = server_name, tls

    def connect(self) -> None:
        HTTPConnection.connect(self)  # TCP (with TCP_NODELAY) to the address
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)


def default_tls() -> ssl.SSLContext:
    """httpx's default context: certifi's roots unless the environment names others."""
    if os.environ.get("SSL_CERT_FILE"):
        context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    elif os.environ.get("SSL_CERT_DIR"):
        context = ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    else:
        context = ssl.create_default_context(cafile=certifi.where())
    context.set_alpn_protocols(["http/1.1"])
    return context


class Connections:
    """Keep-alive connections per origin, shared by threads: a request takes an idle one
    (or opens one), and gives it back once its answer is read in full."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._idle: dict[Origin, list[HTTPConnection]] = {}
        self._guard = threading.Lock()

    def post(
        self,
        origin: Origin,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
    ) -> Answer:
        """Send one POST and read its answer; Unreachable when none came."""
        conn = self._take(origin, timeout)
        try:
            if conn.sock is None:
                _connect(conn)
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        except BaseException as exc:
            conn.close()
            if isinstance(exc, OSError | HTTPException):
                raise Unreachable(_kind(exc)) from exc
            raise
        if response.will_close:
            conn.close()
        else:
            self._give_back(origin, conn)
        return answer

    def _take(self, origin: Origin, timeout: float) -> HTTPConnection:
        while (conn := self._idle_one(origin)) is not None:
            if not _dropped(conn):  # checked outside the lock: a system call
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                return conn
            conn.close()
        return self._open(origin, timeout)

    def _idle_one(self, origin: Origin) -> HTTPConnection | None:
        with self._guard:
            idle = self._idle.get(origin)
            return idle.pop() if idle else None

    def _open(self, origin: Origin, timeout: float) -> HTTPConnection:
        where = origin.address or origin.host
        if origin.scheme == "http":
            return HTTPConnection(where, origin.port, timeout=timeout)
        if origin.scheme != "https":
            raise Unreachable("UnsupportedProtocol")
        if self._tls is None:
            self._tls = default_tls()
        return _TLS(where, origin.port, origin.host, timeout, self._tls)

    def forget_inherited(self) -> None:
        """In a forked child: the idle connections are the parent's sockets too. Writing a
        request on one would interleave two processes' requests and answers on one stream,
        so the child drops them (without closing: a TLS close could end the parent's
        session) and opens its own; a lock held by a parent thread at the fork is replaced."""
        self._idle = {}
        self._guard = threading.Lock()

    def _give_back(self, origin: Origin, conn: HTTPConnection) -> None:
        with self._guard:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < IDLE_PER_ORIGIN:
                idle.append(conn)
                return
        conn.close()


def _connect(conn: HTTPConnection) -> None:
    try:
        conn.connect()
    except TimeoutError as exc:
        raise Unreachable("ConnectTimeout") from exc
    except OSError as exc:  # refused, unresolvable, TLS handshake or certificate refused
        raise Unreachable("ConnectError") from exc


def _kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "ReadTimeout"
    if isinstance(exc, HTTPException):  # closed without an answer, or not HTTP
        return "RemoteProtocolError"
    return "ReadError"


def _dropped(conn: HTTPConnection) -> bool:
    """Whether an idle connection's peer closed it (or sent something unasked): its socket
    is readable before any request was written."""
    sock: socket.socket | None = conn.sock
    if sock is None:
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


CONNECTIONS = Connections()
os.register_at_fork(after_in_child=CONNECTIONS.forget_inherited)


@dataclass(frozen=True)
class Request:
    """One POST to a provider: the body is `json` (sent as application/json) or `form`
    (application/x-www-form-urlencoded), `auth` HTTP basic (user, password); `provider`
    names it in failure reasons."""

    url: str
    provider: str
    timeout: float
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    auth: tuple[str, str] | None = None


def call(request: Request) -> tuple[int, Any]:
    """POST; the status and the decoded JSON answer (None when it is not JSON). Raises
    DeliveryFailed for 429 (with retry_after when the provider says) and 5xx."""
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    body: bytes | None = None
    if request.json is not None:
        headers["Content-Type"] = "application/json"
        body = orjson.dumps(request.json)
    elif request.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(request.form).encode()
    if request.auth:
        pair = ":".join(request.auth).encode()
        headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    headers.update(request.headers)
    origin, target = origin_of(request.url)
    answer = post(origin, target, body, headers, request.timeout, request.provider)
    decoded = _json(answer.content)
    if answer.status == 429:
        wait = retry_after(answer.headers.get("Retry-After"), decoded)
        raise DeliveryFailed(f"{request.provider} HTTP 429", retry_after=wait)
    if answer.status >= 500:
        raise DeliveryFailed(f"{request.provider} HTTP {answer.status}")
    return answer.status, decoded


def post(
    origin: Origin,
    target: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float,
    provider: str,
) -> Answer:
    """One POST through the shared connections; no answer is a temporary failure."""
    try:
        return CONNECTIONS.post(origin, target, body, headers, timeout)
    except Unreachable as exc:
        raise DeliveryFailed(f"{provider} unreachable: {exc.kind}") from exc


def post_json(
    url: str, body: dict[str, Any], headers: dict[str, str], provider: str, timeout: float
) -> tuple[int, Any]:
    """POST a JSON body; the status and the decoded answer (None when it is not JSON)."""
    return call(Request(url, provider, timeout, headers, json=body))


def refused(
    provider: str,
    status: int,
    code: object,
    *,
    reason: str | None = None,
    throttled: Container[object] = (),
    unreachable: Container[object] = (),
) -> DeliveryFailed:
    """A provider's refusal sorted by its error code: without one (an HTTP error without the
    provider's error shape) it is permanent for the message; a throttling code is retried
    a second later; any other code is permanent, and an unreachable one also marks the
    recipient. `reason` defaults to "<provider> error <code>"."""
    if code is None:
        return DeliveryFailed(f"{provider} HTTP {status}", permanent=True)
    reason = reason or f"{provider} error {code}"
    if code in throttled:
        return DeliveryFailed(reason, retry_after=1.0)
    return DeliveryFailed(reason, permanent=True, unreachable=code in unreachable)


def retry_after(header: str | None, answer: Any) -> float:
    """Seconds to wait: the `Retry-After` header (seconds), else Telegram's
    `parameters.retry_after`, else one second."""
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    params = answer.get("parameters") if isinstance(answer, dict) else None
    found = params.get("retry_after") if isinstance(params, dict) else None
    return float(found) if isinstance(found, int | float) else 1.0


def _json(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
