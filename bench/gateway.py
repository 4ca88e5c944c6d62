"""A lean local SMS gateway for the messaging benchmarks: Twilio's Messages endpoint as the
adapter sees it (HTTP/1.1 keep-alive, `201 Created` with a Message resource in JSON), served
by one asyncio process.

The benchmarks measure Unison, but on this 2-core machine the stand-in provider runs beside
it and its CPU is taken from Unison's. bench/delivery.py's `Gateway` (the standard library's
`BaseHTTPRequestHandler`, a thread per connection, headers parsed by `email.parser`) costs
about as much CPU per request as the dispatcher itself; this one reads each request's head
and body and answers, in a few microseconds. `--gateway stdlib` in the benchmarks selects the
old one, for comparison.
"""

from __future__ import annotations

import asyncio
import os
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.delivery import ANSWER, Gateway

RESPONSE = (
    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
    + ANSWER
)
REFUSED = b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"


class _Requests(asyncio.Protocol):
    """One keep-alive connection: each complete request (head, then Content-Length bytes)
    gets its answer; a request may arrive in pieces or several at once."""

    def connection_made(self, transport: Any) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end]
            total = end + 4 + _content_length(head)
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            self.transport.write(RESPONSE if head.startswith(b"POST ") else REFUSED)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def serve(ports: Any, kind: str = "lean") -> None:
    """Run a gateway until terminated (a multiprocessing target); its port is put on
    `ports`."""
    if kind == "stdlib":
        server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
        ports.put(server.server_address[1])
        server.serve_forever()
        return
    asyncio.run(_lean(ports))


async def _lean(ports: Any) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Requests, "127.0.0.1", 0, backlog=128)
    ports.put(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
