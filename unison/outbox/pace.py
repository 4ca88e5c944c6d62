"""How many of an in-flight batch's sends run at once (at most MAX_CONCURRENT_SENDS).

A send mostly waits for the provider, and Python runs one thread at a time. When the
provider answers slowly (a real API: tens to hundreds of milliseconds), many threads keep
many requests in the air. When it answers at once (a gateway on the same host), the
threads mostly wait for each other, and each extra thread adds switching and lock traffic:
measured with a local gateway, 1 or 2 threads sent 2,350 messages/s and 16 threads 1,780/s.
So the number follows what the last batch showed: the sending threads' CPU time over the
batch's wall time is how many of them were working at any moment, on average. Mostly busy
(one thread's worth or half of it) halves the number; mostly waiting doubles it, up to the
most. A process starts at the most, the safe choice for a distant provider, and settles
within a few batches. One pace per process: its sends usually go to one kind of provider.
"""

import threading

BUSY = 0.5  # threads working at once, on average, at or above which there are too many
IDLE = 0.2  # ... below which more would help


class Pace:
    def __init__(self, most: int) -> None:
        self.most = self.workers = most
        self._guard = threading.Lock()

    def threads_for(self, batch: int) -> int:
        return max(1, min(self.workers, batch))

    def learn(self, threads: int, cpu: float, wall: float) -> None:
        """A batch sent by `threads` threads took `wall` seconds and `cpu` seconds of
        their CPU. A batch smaller than the current number says nothing about it."""
        if wall <= 0:
            return
        working = cpu / wall
        with self._guard:
            if threads != self.workers:
                return
            if working >= BUSY:
                self.workers = max(1, self.workers // 2)
            elif working < IDLE:
                self.workers = min(self.most, self.workers * 2)
