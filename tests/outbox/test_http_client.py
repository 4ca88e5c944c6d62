"""The adapters' HTTP client (unison/channels/outbound/http.py) on real sockets: keep-alive
connections reused, one the server closed while idle dropped before reuse (not written to),
a request never sent twice, TLS to a pinned address verified against the URL's host
name, which also goes out as SNI and in `Host`, and a forked child that neither writes on
its parent's connections nor waits for its parent's sending threads."""

import multiprocessing
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.smtp import self_signed
from unison.channels.outbound.http import CONNECTIONS, Connections, Unreachable, origin_of
from unison.outbox import delivery

ANSWER = b'{"ok": true}'


@dataclass
class Seen:
    requests: list[dict[str, str]] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)
    server_names: list[str | None] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)


def _handler(seen: Seen, mode: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.requests.append({k.lower(): v for k, v in self.headers.items()})
            seen.connections.add(self.client_address)
            if mode == "hang-up":  # closes without answering
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            self.wfile.write(ANSWER)
            # "close-after": answers as keep-alive, then closes the idle connection
            self.close_connection = mode == "close-after"

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class _Server(ThreadingHTTPServer):
    seen: Seen

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)  # the connection's socket closed
        self.seen.closed.set()


@contextmanager
def server(mode: str = "keep", tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, Seen]]:
    seen = Seen()
    httpd = _Server(("127.0.0.1", 0), _handler(seen, mode))
    httpd.seen = seen
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_keep_alive_connection_is_reused() -> None:
    client = Connections()
    with server() as (port, seen):
        origin, target = origin_of(f"http://127.0.0.1:{port}/2010-04-01/Messages.json?x=1")
        for _ in range(3):
            answer = client.post(origin, target, b"To=1", {}, 5)
            assert (answer.status, answer.content) == (200, ANSWER)
    assert len(seen.requests) == 3
    assert len(seen.connections) == 1


def test_a_connection_closed_while_idle_is_not_written_to() -> None:
    client = Connections()
    with server("close-after") as (port, seen):
        origin, target = origin_of(f"http://127.0.0.1:{port}/send")
        client.post(origin, target, b"{}", {}, 5)
        assert seen.closed.wait(5)
        answer = client.post(origin, target, b"{}", {}, 5)
    assert answer.status == 200
    assert len(seen.requests) == 2
    assert len(seen.connections) == 2


def test_a_request_is_sent_once_even_when_no_answer_comes() -> None:
    client = Connections()
    with server("hang-up") as (port, seen):
        origin, target = origin_of(f"http://127.0.0.1:{port}/send")
        with pytest.raises(Unreachable) as failure:
            client.post(origin, target, b"{}", {}, 5)
    assert failure.value.kind == "RemoteProtocolError"
    assert len(seen.requests) == 1


@pytest.fixture
def tls_pair(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """A server context for hooks.example (recording the SNI it is asked for) and a client
    context trusting only that certificate."""
    cert_file, key_file = self_signed(tmp_path, "hooks.example")
    names: list[str | None] = []
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert_file, key_file)

    def asked(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    served.sni_callback = asked
    trusting = ssl.create_default_context(cafile=str(cert_file))
    return served, trusting, names


def test_tls_to_a_pinned_address_checks_the_urls_host(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]],
) -> None:
    served, trusting, names = tls_pair
    client = Connections(trusting)
    with server(tls=served) as (port, seen):
        url = f"https://hooks.example:{port}/in"
        origin, target = origin_of(url, address="127.0.0.1")
        answer = client.post(origin, target, b"{}", {"Host": f"hooks.example:{port}"}, 5)
    assert answer.status == 200
    assert names == ["hooks.example"]
    assert seen.requests[0]["host"] == f"hooks.example:{port}"


def test_tls_refuses_a_certificate_for_another_name(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]],
) -> None:
    served, trusting, _names = tls_pair
    client = Connections(trusting)
    with server(tls=served) as (port, seen):
        origin, target = origin_of(f"https://other.example:{port}/in", address="127.0.0.1")
        with pytest.raises(Unreachable) as failure:
            client.post(origin, target, b"{}", {}, 5)
    assert failure.value.kind == "ConnectError"
    assert seen.requests == []


def _send_through_the_process_pools(port: int) -> int:
    origin, target = origin_of(f"http://127.0.0.1:{port}/send")
    sending = delivery._senders().submit(CONNECTIONS.post, origin, target, b"{}", {}, 5)
    return sending.result(timeout=10).status


def _child(port: int, results: Any) -> None:
    results.put(_send_through_the_process_pools(port))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_forked_child_sends_on_its_own_connections_and_threads() -> None:
    fork = multiprocessing.get_context("fork")
    with server() as (port, seen):
        # The parent has sent: its sending threads run and a keep-alive connection is idle.
        assert _send_through_the_process_pools(port) == 200
        results = fork.Queue()
        child = fork.Process(target=_child, args=(port, results))
        child.start()
        child.join(20)
        hung = child.is_alive()
        if hung:
            child.kill()
        assert not hung, "the child waited for sending threads that do not exist in it"
        assert results.get(timeout=5) == 200
        assert _send_through_the_process_pools(port) == 200  # the parent's connection is intact
    assert len(seen.requests) == 3
    assert len(seen.connections) == 2  # the parent's one, and the child's own
