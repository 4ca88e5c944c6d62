"""A daemon thread that runs one round of background work, again at once while there was
work, else after a pause: the delivery loops `unison serve` runs beside the API."""

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PollingThread:
    def __init__(
        self,
        name: str,
        round_: Callable[[], int],
        poll_seconds: float = 2.0,
        *,
        first_after: float = 0.0,  # seconds before the first round (heavy work after start-up)
    ) -> None:
        self.name, self.round, self.poll_seconds = name, round_, poll_seconds
        self.first_after = first_after
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopped.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        if self.first_after:
            self._stopped.wait(self.first_after)
        while not self._stopped.is_set():
            try:
                busy = self.round() > 0
            except Exception:  # a failed round must not end the loop; the next one retries
                log.exception("background round failed", extra={"loop": self.name})
                busy = False
            if not busy:
                self._stopped.wait(self.poll_seconds)
