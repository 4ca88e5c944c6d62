"""The one background loop: a daemon thread that runs a round of work, again at once while
there was work, else after a pause that `wake()` cuts short.

Every background job (the log processors, segment timers, webhook and message delivery, the
CLV refresh) is one `PollingLoop`; the composition root (unison/app/loops.py) lists them.
"""

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PollingLoop:
    def __init__(
        self,
        name: str,
        round_: Callable[[], int],
        poll_seconds: float = 2.0,
        *,
        first_after: float = 0.0,  # seconds before the first round (heavy work after start-up)
        nice: int = 0,  # lower the thread's CPU priority by this much (`lower_thread_priority`)
    ) -> None:
        """`round_` returns how much work it did: more than 0 runs it again at once."""
        self.name, self.round, self.poll_seconds = name, round_, poll_seconds
        self.first_after, self.nice = first_after, nice
        self._stopped = threading.Event()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Run a round now instead of after the pause (e.g. after an ingest commit)."""
        self._woken.set()

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Returns once the round in progress, if any, has finished: never inside one."""
        if self._thread is not None:
            self._stopped.set()
            self._woken.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        if self.nice:
            lower_thread_priority(self.nice)
        if self.first_after:
            self._stopped.wait(self.first_after)
        while not self._stopped.is_set():
            # Cleared before the round, so a wake arriving during it runs the next at once.
            self._woken.clear()
            if not self._round_did_work() and not self._stopped.is_set():
                self._woken.wait(self.poll_seconds)

    def _round_did_work(self) -> bool:
        try:
            return self.round() > 0
        except Exception:  # a failed round must not end the loop; the next one retries
            log.exception("background round failed", extra={"loop": self.name})
            return False


def lower_thread_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority by `nice` (at most to 19), so the kernel runs
    other work first when the cores are busy: bulk work (a broadcast's fan-out) gives way to
    requests and to delivery. Linux schedules each thread on its own, and PRIO_PROCESS with
    a thread id reaches only that thread; elsewhere it would reach the whole process, so
    nothing is done. An unprivileged process can only lower priorities: it is for threads
    that do nothing else."""
    if sys.platform != "linux" or nice <= 0:
        return
    with contextlib.suppress(OSError):
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + nice))
