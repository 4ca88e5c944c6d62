"""A first process killed by SIGKILL leaves its Prometheus directory behind; the next
`unison serve` with several processes removes the directories of servers that are gone."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from unison.app.serving import METRICS_DIR_PREFIX, _sweep_metrics_dirs


def test_directories_of_gone_servers_are_removed_and_live_ones_kept() -> None:
    gone_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    gone_pid.wait()
    base = Path(tempfile.gettempdir())
    gone = Path(tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{gone_pid.pid}-", dir=base))
    (gone / "counter_1.db").write_bytes(b"x")
    live = Path(tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-", dir=base))
    try:
        _sweep_metrics_dirs()
        assert not gone.exists()
        assert live.exists()
    finally:
        for path in (gone, live):
            if path.exists():
                for child in path.iterdir():
                    child.unlink()
                path.rmdir()
