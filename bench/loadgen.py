"""HTTP/1.1 load generator for the ingest benchmark; runs in its own process.

Kept deliberately cheap, because it shares the machine's cores with the server under test:
uvloop, one ``asyncio.Protocol`` per keep-alive connection, request bytes built before the
clock starts (the timed window does no JSON encoding), a response parser that reads only the
status line, ``Content-Length`` and the body, and no coroutine or future per request.

Two modes:

* closed loop (``--rate 0``): every connection sends its next request as soon as the previous
  answer arrives; latency is measured from the send.
* open loop (``--rate R``): requests are due at ``start + i / R`` whatever the server does;
  a due request takes an idle connection or waits for one, and its latency is measured from
  the time it was *due*, so a server that falls behind cannot hide it (coordinated omission).

Usage (normally started by ``bench/ingest.py``)::

    python bench/loadgen.py --port 8000 --key KEY --pool events.lines --path /v1/batch \\
        --batch 100 --connections 8 --seconds 10 --warmup 2 --out result.json

The pool file holds one event per line, serialized *without* its ``messageId`` and without
the opening brace; every event sent gets a fresh ``messageId`` of ``<tag>-<n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import os
import re
import resource
import socket
import sys
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
    uvloop = None  # type: ignore[assignment]

perf_counter = time.perf_counter
_WHOLE_DISK = re.compile(r"^(?:[shv]d[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+)$")
_ERROR_SAMPLES = 5
_TICK = 0.001
# Pseudo status codes: 0 = sent but never answered (connection lost, timed out);
# 1 = open loop only, due but never sent because the backlog outlasted the drain timeout.
NO_ANSWER = 0
NEVER_SENT = 1


# --------------------------------------------------------------------------------------------
# Request bytes
# --------------------------------------------------------------------------------------------


class Requests:
    """Request bytes in send order: pre-built up front, then (only if the pre-built ones run
    out) spliced on the fly from the same pre-serialized fragments, counted as ``late``."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        key: str,
        path: str,
        pool: list[bytes],
        batch: int,
        tag: str,
        prebuild: int,
    ) -> None:
        credentials = base64.b64encode(f"{key}:".encode()).decode("ascii")
        self._head = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            "Content-Type: application/json\r\n"
            f"Authorization: Basic {credentials}\r\n"
            "Connection: keep-alive\r\n"
            "Content-Length: "
        ).encode("ascii")
        self._pool = pool
        self._batch = batch
        self._tag = tag.encode("ascii")
        self._next_event = 0
        self.late = 0
        started = perf_counter()
        self._built: Iterator[bytes] = iter([self._build() for _ in range(prebuild)])
        self.prebuilt = prebuild
        self.prebuild_seconds = perf_counter() - started

    def _event(self) -> bytes:
        n = self._next_event
        self._next_event = n + 1
        fragment = self._pool[n % len(self._pool)]
        return b'{"messageId":"%s-%d",%s' % (self._tag, n, fragment)

    def _build(self) -> bytes:
        if self._batch:
            body = b'{"batch":[' + b",".join([self._event() for _ in range(self._batch)]) + b"]}"
        else:
            body = self._event()
        return b"%s%d\r\n\r\n%s" % (self._head, len(body), body)

    def next(self) -> bytes:
        request = next(self._built, None)
        if request is None:
            self.late += 1
            return self._build()
        return request

    @property
    def events_built(self) -> int:
        return self._next_event


# --------------------------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------------------------


class Conn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with at most one request in flight."""

    __slots__ = ("_body_at", "_buf", "_close", "_need", "_status", "driver", "due", "transport")

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.transport: asyncio.Transport | None = None
        self.due = 0.0  # when the request in flight was due (open loop) or sent (closed loop)
        self._buf = bytearray()
        self._body_at = -1
        self._need = 0
        self._status = 0
        self._close = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, so no isinstance check.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.transport = transport  # type: ignore[assignment]

    def send(self, request: bytes, due: float) -> None:
        self.due = due
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while True:
            if self._body_at < 0:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buf[:end]).lower()
                i = head.find(b"\r\ncontent-length:")
                if not head.startswith(b"http/1.1 ") or i < 0:
                    self.driver.protocol_error(self, head[:200])
                    return
                j = head.find(b"\r\n", i + 17)
                self._status = int(head[9:12])
                self._body_at = end + 4
                self._need = end + 4 + int(head[i + 17 : j if j >= 0 else len(head)])
                self._close = b"\r\nconnection: close" in head
            if len(buf) < self._need:
                return
            body = bytes(buf[self._body_at : self._need])
            del buf[: self._need]
            self._body_at = -1
            self.driver.on_response(self, self._status, body, self._close)
            if not buf:
                return

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.driver.on_lost(self, exc)


# --------------------------------------------------------------------------------------------
# Driver: schedules requests, records answers
# --------------------------------------------------------------------------------------------


class Driver:
    def __init__(self, args: argparse.Namespace, requests: Requests) -> None:
        self.args = args
        self.requests = requests
        self.rate: float = args.rate
        self.loop = asyncio.get_running_loop()
        self.start = self.warm = self.stop = 0.0
        self.stopping = False
        self.inflight: set[Conn] = set()
        self.idle: deque[Conn] = deque()
        self.pending: deque[float] = deque()  # open loop: due times waiting for a connection
        self.max_pending = 0
        self.unsent = 0
        self.conns: set[Conn] = set()
        self.reconnects = 0
        self._tasks: set[asyncio.Task[None]] = set()
        # One entry per finished request (answered or failed).
        self.due = array("d")
        self.done = array("d")
        self.status = array("H")  # HTTP status, or NO_ANSWER / NEVER_SENT
        self.accepted = array("l")
        self.duplicates = 0
        self.rejected = 0
        self.error_samples: list[str] = []
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.all_done = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    async def connect(self) -> Conn:
        _transport, conn = await self.loop.create_connection(
            lambda: Conn(self), self.args.host, self.args.port
        )
        self.conns.add(conn)
        return conn

    async def run(self) -> None:
        conns = [await self.connect() for _ in range(self.args.connections)]
        gc.collect()
        gc.freeze()  # the pre-built requests are long-lived; keep the collector off them
        gc.disable()
        self.start = perf_counter()
        self.warm = self.start + self.args.warmup
        self.stop = self.warm + self.args.seconds
        self.snapshot("start")
        self.loop.call_later(self.warm - perf_counter(), self.snapshot, "warm")
        self.loop.call_later(self.stop - perf_counter(), self.snapshot, "stop")
        if self.rate > 0:
            self.idle.extend(conns)
            await self.dispatch()
        else:
            for conn in conns:
                self.ready(conn)
            await asyncio.sleep(max(0.0, self.stop - perf_counter()))
        self.stopping = True
        if self.inflight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_done.wait(), self.args.drain_timeout)
        now = perf_counter()
        for conn in list(self.inflight):  # never answered: count as failed
            self.record(conn.due, now, NO_ANSWER, b"timed out waiting for the answer")
        self.inflight.clear()
        for conn in list(self.conns):
            if conn.transport is not None:
                conn.transport.close()
        gc.enable()

    async def dispatch(self) -> None:
        """Open loop: make requests due at start + i / rate until the window ends."""
        period = 1.0 / self.rate
        i = 0
        due = self.start
        while True:
            now = perf_counter()
            while due <= now:
                if self.idle:
                    conn = self.idle.popleft()
                    self.inflight.add(conn)
                    conn.send(self.requests.next(), due)
                else:
                    self.pending.append(due)
                i += 1
                due = self.start + i * period
                if due >= self.stop:
                    break
            if len(self.pending) > self.max_pending:
                self.max_pending = len(self.pending)
            if due >= self.stop:
                break
            # The loop's timers have millisecond resolution; a shorter sleep would spin. A
            # request sent up to a tick late has that lateness in its latency (measured from
            # its due time), so the tick cannot flatter the result.
            await asyncio.sleep(max(_TICK, due - perf_counter()))
        # What is still pending was due inside the window: it is sent, late, as a connection
        # frees up, and its latency keeps counting from its due time. If the server is so far
        # behind that the backlog outlasts the drain timeout, the rest is never sent: it is
        # reported as "never sent" (not as a server error) and its latency is a lower bound.
        give_up = perf_counter() + self.args.drain_timeout
        while self.pending and perf_counter() < give_up:
            await asyncio.sleep(0.005)
        now = perf_counter()
        if self.pending:
            self.sample(f"{len(self.pending)} due requests never sent (server too far behind)")
        while self.pending:
            self.record(self.pending.popleft(), now, NEVER_SENT, b"never sent")
            self.unsent += 1

    def ready(self, conn: Conn) -> None:
        """`conn` is open and free: give it the next request, or park it."""
        if self.rate > 0:
            if self.pending:
                self.inflight.add(conn)
                conn.send(self.requests.next(), self.pending.popleft())
            else:
                self.idle.append(conn)
            return
        now = perf_counter()
        if now < self.stop and not self.stopping:
            self.inflight.add(conn)
            conn.send(self.requests.next(), now)

    # -- events from connections -------------------------------------------------------------

    def record(self, due: float, done: float, status: int, body: bytes) -> None:
        self.due.append(due)
        self.done.append(done)
        self.status.append(status)
        accepted = 0
        if status == 200:
            try:
                answer = orjson.loads(body)
                accepted = int(answer["accepted"])
                self.duplicates += int(answer["duplicates"])
                self.rejected += len(answer["rejected"])
                if answer["duplicates"] or answer["rejected"]:
                    self.sample(f"200 with duplicates/rejections: {body[:300]!r}")
            except (ValueError, KeyError, TypeError):
                self.sample(f"200 with an unreadable body: {body[:300]!r}")
        elif status != NEVER_SENT:
            self.sample(f"status {status or 'none'}: {body[:300]!r}")
        self.accepted.append(accepted)

    def sample(self, text: str) -> None:
        if len(self.error_samples) < _ERROR_SAMPLES:
            self.error_samples.append(text)

    def on_response(self, conn: Conn, status: int, body: bytes, close: bool) -> None:
        self.record(conn.due, perf_counter(), status, body)
        self.inflight.discard(conn)
        if close:  # the server will hang up; use a new connection
            if conn.transport is not None:
                conn.transport.close()
        else:
            self.ready(conn)
        if self.stopping and not self.inflight:
            self.all_done.set()

    def protocol_error(self, conn: Conn, head: bytes) -> None:
        self.sample(f"unparseable response head: {head!r}")
        if conn.transport is not None:
            conn.transport.abort()

    def on_lost(self, conn: Conn, exc: Exception | None) -> None:
        self.conns.discard(conn)
        if conn in self.inflight:
            self.inflight.discard(conn)
            self.record(conn.due, perf_counter(), NO_ANSWER, f"connection lost: {exc!r}".encode())
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)
        if self.stopping:
            if not self.inflight:
                self.all_done.set()
            return
        task = self.loop.create_task(self.replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def replace(self) -> None:
        self.reconnects += 1
        try:
            conn = await self.connect()
        except OSError as exc:
            self.sample(f"reconnect failed: {exc!r}")
            return
        self.ready(conn)

    # -- CPU and disk --------------------------------------------------------------------------

    def snapshot(self, name: str) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.snapshots[name] = {
            "t": perf_counter(),
            "loadgen_cpu": usage.ru_utime + usage.ru_stime,
            "server_threads": _threads(self.args.server_pid),
            "processes": _processes(),
            "server_io": _proc_io(self.args.server_pid),
            "system": _system_cpu(),
            "disk": _disk(),
            "events_built": self.requests.events_built,
            "late_built": self.requests.late,
        }

    # -- summary -------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        warm, stop = self.warm, self.stop
        seconds = stop - warm
        window_done = [i for i, t in enumerate(self.done) if warm <= t <= stop]
        window_due = [i for i, t in enumerate(self.due) if warm <= t < stop]
        ok_done = [i for i in window_done if self.status[i] == 200]
        latencies = sorted((self.done[i] - self.due[i]) * 1000.0 for i in window_due)
        events = sum(self.accepted[i] for i in ok_done)
        errors_total = sum(1 for s in self.status if s not in (200, NEVER_SENT))
        out: dict[str, Any] = {
            "mode": "open" if self.rate > 0 else "closed",
            "path": self.args.path,
            "batch": self.args.batch or 1,
            "connections": self.args.connections,
            "offered_rate": self.rate or None,
            "warmup_s": self.args.warmup,
            "seconds": round(seconds, 3),
            "window": {
                "requests": len(window_done),
                "requests_ok": len(ok_done),
                "errors": sum(1 for i in window_done if self.status[i] not in (200, NEVER_SENT)),
                "events_acked": events,
                "events_per_s": events / seconds,
                "requests_per_s": len(ok_done) / seconds,
                "latency_ms": percentiles(latencies),
                "latency_basis": "due time" if self.rate > 0 else "send time",
                "requests_due": len(window_due),
            },
            "total": {
                "requests": len(self.status),
                "requests_ok": sum(1 for s in self.status if s == 200),
                "errors": errors_total,
                "events_acked": sum(self.accepted),
                "duplicates": self.duplicates,
                "rejected": self.rejected,
                "error_samples": self.error_samples,
                "reconnects": self.reconnects,
                "never_sent": self.unsent,
            },
            "generator": {
                "prebuilt_requests": self.requests.prebuilt,
                "prebuild_s": round(self.requests.prebuild_seconds, 3),
                "built_during_run": self.requests.late,
                "max_pending": self.max_pending,
            },
        }
        if "warm" in self.snapshots and "stop" in self.snapshots:
            out["resources"] = _resources(
                self.snapshots["warm"], self.snapshots["stop"], self.args.server_pid
            )
        return out


# --------------------------------------------------------------------------------------------
# /proc readings
# --------------------------------------------------------------------------------------------


def _server_pids(pid: int) -> list[int]:
    """The server process and its children (`unison serve --processes N` runs N)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                    pids.append(int(entry.name))
    return pids


def _threads(pid: int) -> dict[str, list[Any]]:
    """tid -> [name, user cpu seconds, system cpu seconds, is a process's main thread] for
    every thread of `pid` and of its child processes."""
    if not pid:
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, list[Any]] = {}
    for process in _server_pids(pid):
        try:
            tasks = list(Path(f"/proc/{process}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                stat = (task / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            main = int(task.name) == process
            out[task.name] = [name, int(fields[11]) / tick, int(fields[12]) / tick, main]
    return out


def _processes() -> dict[int, tuple[str, float]]:
    """pid -> (name, cpu seconds) for every process, to see what else ran in the window."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return out


def _proc_io(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    except OSError:
        return {}
    values = dict(line.split(": ") for line in lines)
    return {k: int(values[k]) for k in ("write_bytes", "syscw") if k in values}


def _system_cpu() -> list[int]:
    with Path("/proc/stat").open() as f:
        return [int(x) for x in f.readline().split()[1:9]]


def _disk() -> dict[str, int]:
    """Flushes (fsync reaching the device) and sectors written, summed over whole disks."""
    flushes = writes = sectors = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/diskstats").read_text().splitlines():
            f = line.split()
            if not _WHOLE_DISK.match(f[2]):
                continue
            writes += int(f[7])
            sectors += int(f[9])
            if len(f) >= 20:
                flushes += int(f[18])
    return {"flushes": flushes, "writes": writes, "sectors_written": sectors}


def _resources(a: dict[str, Any], b: dict[str, Any], server_pid: int) -> dict[str, Any]:
    seconds = b["t"] - a["t"]
    threads = []
    for tid, (name, user, system, main) in b["server_threads"].items():
        _, user0, system0, _ = a["server_threads"].get(tid, [name, 0.0, 0.0, main])
        threads.append(
            {
                "tid": int(tid),
                "name": name,
                "main_thread": main,
                "cpu_pct": 100 * (user + system - user0 - system0) / seconds,
                "user_pct": 100 * (user - user0) / seconds,
                "system_pct": 100 * (system - system0) / seconds,
            }
        )
    threads.sort(key=lambda t: -t["cpu_pct"])
    sys_a, sys_b = a["system"], b["system"]
    delta = [y - x for x, y in zip(sys_a, sys_b, strict=True)]
    total = sum(delta) or 1
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    ncpu = os.cpu_count() or 1
    io_a, io_b = a["server_io"], b["server_io"]
    machine = {n: ncpu * 100 * d / total for n, d in zip(names, delta, strict=True)}
    busy = sum(v for n, v in machine.items() if n not in ("idle", "iowait"))
    server_pct = sum(t["cpu_pct"] for t in threads)
    loadgen_pct = 100 * (b["loadgen_cpu"] - a["loadgen_cpu"]) / seconds
    procs = []
    for pid, (name, cpu) in b["processes"].items():
        before = a["processes"].get(pid, (name, 0.0))[1]
        procs.append({"pid": pid, "name": name, "cpu_pct": 100 * (cpu - before) / seconds})
    procs.sort(key=lambda p: -p["cpu_pct"])
    postgres_pct = sum(p["cpu_pct"] for p in procs if p["name"] == "postgres")
    return {
        "seconds": round(seconds, 3),
        # CPU figures are in percent of one core (200 = both cores of a 2-core box busy).
        "server_cpu_pct": server_pct,
        "server_threads": [t for t in threads if t["cpu_pct"] >= 0.5],
        "loadgen_cpu_pct": loadgen_pct,
        "postgres_cpu_pct": postgres_pct,
        "machine_busy_pct": busy,
        # Whatever else ran: other processes, kernel threads, processes that came and went.
        "other_cpu_pct": max(0.0, busy - server_pct - loadgen_pct - postgres_pct),
        "machine_pct_of_one_core": machine,
        "top_processes": [p for p in procs[:8] if p["cpu_pct"] >= 1.0],
        "disk_flushes_per_s": (b["disk"]["flushes"] - a["disk"]["flushes"]) / seconds,
        "disk_writes_per_s": (b["disk"]["writes"] - a["disk"]["writes"]) / seconds,
        "disk_mb_written_per_s": (b["disk"]["sectors_written"] - a["disk"]["sectors_written"])
        * 512
        / seconds
        / 1e6,
        "server_write_syscalls_per_s": (io_b.get("syscw", 0) - io_a.get("syscw", 0)) / seconds,
        "events_built_in_window": b["events_built"] - a["events_built"],
        "requests_built_late_in_window": b["late_built"] - a["late_built"],
    }


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50 ... max of `values` (any unit), nearest rank; bench/resolve.py uses it too."""
    ordered = sorted(values)

    def pick(q: float) -> float | None:
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]

    return {
        "p50": pick(0.50),
        "p90": pick(0.90),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "p999": pick(0.999),
        "max": ordered[-1] if ordered else None,
        "mean": sum(ordered) / len(ordered) if ordered else None,
        "count": len(ordered),
    }


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True, help="the source's write key")
    p.add_argument("--pool", type=Path, required=True, help="event fragments, one per line")
    p.add_argument("--path", default="/v1/batch")
    p.add_argument("--batch", type=int, default=100, help="events per request; 0 = one event")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--rate", type=float, default=0.0, help="open loop requests/s; 0 = closed")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument(
        "--prebuild",
        type=int,
        default=0,
        help="requests to build before starting (default: enough for --max-rps, or the rate)",
    )
    p.add_argument("--max-rps", type=float, default=1000.0, help="sizes --prebuild in closed loop")
    p.add_argument("--drain-timeout", type=float, default=30.0)
    p.add_argument("--tag", default=f"bench{os.getpid():x}{int(time.time()):x}")
    p.add_argument("--server-pid", type=int, default=0, help="for CPU readings from /proc")
    p.add_argument("--out", type=Path, help="write the JSON result here (default: stdout)")
    return p.parse_args(argv)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    pool = [line for line in args.pool.read_bytes().split(b"\n") if line]
    if not pool:
        raise SystemExit(f"{args.pool} holds no events")
    duration = args.warmup + args.seconds
    prebuild = args.prebuild or int((args.rate or args.max_rps) * duration * 1.02) + 64
    requests = Requests(
        host=args.host,
        port=args.port,
        key=args.key,
        path=args.path,
        pool=pool,
        batch=args.batch,
        tag=args.tag,
        prebuild=prebuild,
    )
    driver = Driver(args, requests)
    await driver.run()
    return driver.summary()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    runner: Callable[..., Any] = uvloop.run if uvloop is not None else asyncio.run
    result = runner(_main(args))
    encoded = orjson.dumps(result, option=orjson.OPT_INDENT_2)
    if args.out:
        args.out.write_bytes(encoded)
    else:
        sys.stdout.buffer.write(encoded + b"\n")


if __name__ == "__main__":
    main()
