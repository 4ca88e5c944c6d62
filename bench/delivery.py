"""Outbox dispatch benchmark: N queued SMS drained by `deliver_due` through the real
Twilio-compatible adapter to a local HTTP gateway on loopback (keep-alive), on a fresh
SQLite file or on PostgreSQL (`--database-url`). Each message costs one lease share, one
in-flight mark + record commit and one HTTP round trip; receipts are left out (rows
without meta), so this is the dispatcher's own ceiling.

    .venv/bin/python bench/delivery.py --messages 5000
    .venv/bin/python bench/delivery.py --database-url postgresql+psycopg://postgres@127.0.0.1/x
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson

from unison import migrations
from unison.channels.outbound.sms import SmsSender
from unison.channels.senders import ConfiguredSenders, Route
from unison.kit.db import create_db_engine, make_session_factory, transaction
from unison.kit.settings import Settings
from unison.outbox.delivery import deliver_due
from unison.outbox.queue import Outgoing, enqueue_many

ANSWER = orjson.dumps({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})


class Gateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real gateway
    wbufsize = -1  # buffer the answer; flushed once per request by the handler

    def handle_one_request(self) -> None:
        super().handle_one_request()
        if not self.wfile.closed:
            self.wfile.flush()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()  # buffered with the body below: one write
        self.wfile.write(ANSWER)

    def log_message(self, format: str, *args: Any) -> None:
        return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--inflight", type=int, default=1, help="UNISON_OUTBOX_INFLIGHT_BATCH")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'delivery.db'}"
    engine = create_db_engine(url)
    migrations.upgrade(engine)
    sessions = make_session_factory(engine)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_address[1]}"
    tag = str(time.time_ns())
    rows = [
        Outgoing(
            f"bench-{tag}-{n}",
            n,
            "sms",
            "phone",
            "+995555123456",
            "marketing",
            "ka",
            "",
            content={"text": "თქვენი შეკვეთა გზაშია"},
        )
        for n in range(args.messages)
    ]
    with transaction(sessions) as session:
        enqueue_many(session, rows)
    settings = Settings(
        database_url=url, sms_rate_per_second=0, outbox_inflight_batch=args.inflight
    )
    sender = SmsSender("AC1", "t", "+15005550006", api=api)
    senders = ConfiguredSenders(None, [Route(1, "sms", sender)])
    start, sent = time.perf_counter(), 0
    while batch := deliver_due(sessions, settings, senders, limit=args.batch):
        sent += batch
    elapsed = time.perf_counter() - start
    rate = sent / elapsed
    name = f"{engine.dialect.name} inflight={args.inflight}"
    print(f"{name}: {sent:,} in {elapsed:.2f} s = {rate:,.0f}/s")
    server.shutdown()


if __name__ == "__main__":
    main()
