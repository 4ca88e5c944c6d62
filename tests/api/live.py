"""A real `unison serve` in a subprocess on a free port, for behaviour only a real HTTP server
shows (when the response leaves relative to the commit, what a socket sees on a 413)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

START_PATIENCE = 120.0  # seconds: an interpreter imports the whole app on a busy machine
SECRET_KEY = "live-server-test-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """One process serving the API on the test database, with its own background work."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "UNISON_DATABASE_URL": database_url,
            "UNISON_LOG_JSON": "false",
            "UNISON_SECRET_KEY": SECRET_KEY,
            **{f"UNISON_{k.upper()}": v for k, v in settings.items()},
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        command = [sys.executable, "-m", "unison", "serve", "--processes", "1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_PATIENCE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("unison serve exited during start-up")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)  # polling for a port to open, not synchronizing with our work
        raise RuntimeError(f"unison serve did not become healthy in {START_PATIENCE} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
