"""`unison serve`: the API in one process, or in several on the same address.

Python runs one thread of Python code at a time per process, so one process uses about one
core however many it has. With `UNISON_WEB_PROCESSES` > 1 (0, the default, means one per
core, up to 4) the first process starts the others and waits until they listen before it
serves; each listens on its own socket bound to the same address (SO_REUSEPORT) and the
kernel spreads new connections across them. Every process collects and
answers requests; only the first runs the background work (log processors, segment timers,
outbox and webhook delivery, the scheduled CLV refresh), so nothing runs twice. Broadcasts'
fan-out is the exception: unless UNISON_BROADCASTS_SHARE is set, every process decides its
own share of each broadcast's recipients (`fan_out_shares`), so a large broadcast is
rendered and judged on every core the server uses.

On SQLite the processes' writers take turns through an flock (kit/db.py `write_lock`);
Prometheus counters are kept per process in files under a run directory and summed on
every scrape, so /metrics counts the whole server whichever process answers it.
A collector process that dies is restarted; if the first process dies (even by SIGKILL)
the others get SIGTERM from the kernel and shut down gracefully, answering what they hold.
"""

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from unison.kit.heap import freeze_startup_heap
from unison.kit.settings import Settings, get_settings

if TYPE_CHECKING:
    from unison.api.runtime import Runtime

log = logging.getLogger(__name__)

MAX_AUTO_PROCESSES = 4
STARTUP_TIMEOUT = 120.0
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own multiprocess switch
METRICS_DIR_PREFIX = "unison-metrics-"  # then the first process's pid
_PR_SET_PDEATHSIG = 1


def process_count(settings: Settings) -> int:
    if settings.web_processes:
        return settings.web_processes
    return max(1, min(os.cpu_count() or 1, MAX_AUTO_PROCESSES))


def fan_out_shares(settings: Settings, processes: int) -> list[str | None]:
    """Each process's share of every broadcast's recipients (None: it does not fan out).

    With UNISON_BROADCASTS_SHARE left unset, the server's processes split them, k/n for
    process k of n (the first is 0); each decides only its own recipients, and none is
    decided twice (the idempotency key). A share set explicitly (e.g. 0/2, with a `unison
    worker --delivery` running 1/2 beside the server) stays the first process's alone."""
    if processes > 1 and "broadcasts_share" not in settings.model_fields_set:
        return [f"{k}/{processes}" for k in range(processes)]
    return [settings.broadcasts_share] + [None] * (processes - 1)


def _with_share(settings: Settings, share: str | None) -> Settings:
    if share is None or share == settings.broadcasts_share:
        return settings
    return settings.model_copy(update={"broadcasts_share": share})


def _uvicorn_config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def serve(settings: Settings, host: str, port: int) -> None:
    from unison.app import create_app

    processes = process_count(settings)
    _exit_cleanly_on_sigterm()
    if processes == 1:
        app = create_app(settings)
        freeze_startup_heap()
        uvicorn.Server(_uvicorn_config(app, host, port)).run()
        return
    metrics_dir = _fresh_metrics_dir()
    try:
        listener = _listening_socket(host, port)
        context = multiprocessing.get_context("spawn")
        # Collectors' commits wake this process's log processors, as its own commits do.
        commits, commit_signal = context.Pipe(duplex=False)
        shares = fan_out_shares(settings, processes)
        app = create_app(_with_share(settings, shares[0]))
        runtime: Runtime = app.state.runtime
        collectors = _Collectors(context, (host, port), commit_signal, shares[1:])
        collectors.start()
        collectors.wait_ready(STARTUP_TIMEOUT)  # so /health answering means all serve
        threading.Thread(
            target=_relay_commits, args=(commits, runtime), name="commit-relay", daemon=True
        ).start()
        freeze_startup_heap()
        try:
            uvicorn.Server(_uvicorn_config(app, host, port)).run(sockets=[listener])
        finally:
            collectors.stop()
            listener.close()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _exit_cleanly_on_sigterm() -> None:
    """uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the
    previous handler; with the default one the process would die right there, before its
    cleanup (stopping the collectors, removing the metrics directory). This handler turns
    that second delivery into a normal exit (status 0) that runs it."""
    signal.signal(signal.SIGTERM, _exit)


def _exit(_signal: int, _frame: Any) -> None:
    raise SystemExit(0)


def _listening_socket(host: str, port: int) -> socket.socket:
    """Each process listens on its own socket bound to the same address (SO_REUSEPORT), so
    the kernel spreads new connections evenly across processes; with one shared socket
    the first process to wake accepts a whole burst of keep-alive connections, leaving the
    others idle."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _relay_commits(commits: Connection, runtime: "Runtime") -> None:
    with contextlib.suppress(EOFError, OSError):
        while True:
            commits.recv_bytes()
            if runtime.processors is not None:
                runtime.processors.wake()


def _fresh_metrics_dir() -> str:
    """A run directory for per-process metric files, announced to this process and (through
    the environment) to the collectors it starts, before any metric is created."""
    _sweep_metrics_dirs()
    path = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
    os.environ[METRICS_DIR_ENV] = path
    from prometheus_client import values

    # chosen when prometheus_client was imported: choose again now that the directory is set
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return path


def _sweep_metrics_dirs() -> None:
    """Remove the metrics directories of servers that are gone: a first process killed by
    SIGKILL (or a power cut) cannot remove its own."""
    for path in Path(tempfile.gettempdir()).glob(f"{METRICS_DIR_PREFIX}*-*"):
        owner = path.name.removeprefix(METRICS_DIR_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class _Collectors:
    """The extra processes: started, waited for, restarted if one dies."""

    def __init__(
        self,
        context: SpawnContext,
        address: tuple[str, int],
        commit_signal: Connection,
        shares: list[str | None],
    ) -> None:
        self._address = address
        self._commit_signal = commit_signal
        self._shares = shares  # each collector's share of broadcasts (None: it fans out none)
        self._context = context
        self._processes: list[BaseProcess] = []
        self._ready = context.Semaphore(0)
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="collectors", daemon=True)

    def start(self) -> None:
        self._processes = [self._spawn(n) for n in range(len(self._shares))]
        self._watcher.start()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for _ in self._processes:
            if not self._ready.acquire(timeout=max(0.0, deadline - time.monotonic())):
                log.warning("a collector process was not ready in time; serving without it")
                return

    def _spawn(self, number: int) -> BaseProcess:
        process = self._context.Process(
            target=_collector_main,
            args=(
                self._address,
                self._commit_signal,
                self._ready,
                os.getpid(),
                self._shares[number],  # a restarted collector takes up the same share
            ),
            name=f"unison-collector-{number + 1}",
            daemon=True,
        )
        process.start()
        return process

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            for number, process in enumerate(self._processes):
                if not process.is_alive() and not self._stopping.is_set():
                    log.warning(
                        "collector process exited; starting another",
                        extra={"exitcode": process.exitcode},
                    )
                    self._processes[number] = self._spawn(number)

    def stop(self) -> None:
        self._stopping.set()
        for process in self._processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # graceful: answer what it holds
        deadline = time.monotonic() + 15
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def _collector_main(
    address: tuple[str, int],
    commit_signal: Connection,
    ready: Any,
    parent: int,
    share: str | None = None,
) -> None:
    """A collector process: the same app on the same address, without background work
    but for its `share` of broadcasts' fan-out (`fan_out_shares`)."""
    os.setpgid(0, 0)  # a terminal's Ctrl-C reaches the first process, which stops the rest
    _die_with(parent)
    from unison.app import create_app
    from unison.kit.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)

    def committed() -> None:
        with contextlib.suppress(OSError):
            commit_signal.send_bytes(b"")

    app = create_app(
        _with_share(settings, share),
        background=False,
        on_commit=committed,
        fan_out=share is not None,
    )
    _exit_cleanly_on_sigterm()
    config = _uvicorn_config(app, settings.host, settings.port)
    listener = _listening_socket(*address)  # connections queue here from now on
    freeze_startup_heap()
    ready.release()
    uvicorn.Server(config).run(sockets=[listener])


def _die_with(parent: int) -> None:
    """SIGTERM this process when the first one dies, however it dies (Linux: the kernel's
    parent-death signal; elsewhere a thread that watches the parent id)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
