"""The background loop: rounds again at once while busy, pauses when idle, survives a failed
round, waits before its first round when asked, and stops promptly."""

import os
import threading
import time

from unison.kit.background import PollingLoop


class TestPollingLoop:
    def test_busy_rounds_follow_at_once_and_a_failure_does_not_end_the_loop(self) -> None:
        calls: list[int] = []
        done = threading.Event()

        def round_() -> int:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("provider down")
            if len(calls) == 4:
                done.set()
            return 1 if len(calls) < 4 else 0

        loop = PollingLoop("t", round_, poll_seconds=0.01)
        loop.start()
        assert done.wait(5), "rounds did not continue after the failure"
        loop.stop()

    def test_first_after_delays_the_first_round_and_stop_interrupts_the_wait(self) -> None:
        calls: list[int] = []
        loop = PollingLoop("t", lambda: calls.append(1) or 0, first_after=60)
        started = time.monotonic()
        loop.start()
        loop.stop()
        assert calls == []
        assert time.monotonic() - started < 5


class TestWake:
    def test_a_wake_runs_the_next_round_at_once_instead_of_after_the_pause(self) -> None:
        rounds: list[int] = []
        first, second = threading.Event(), threading.Event()

        def round_() -> int:
            rounds.append(1)
            (first if len(rounds) == 1 else second).set()
            return 0

        loop = PollingLoop("t", round_, poll_seconds=3600)
        loop.start()
        try:
            assert first.wait(5)  # the first round runs at start; then it pauses for an hour
            loop.wake()
            assert second.wait(5), "wake() did not cut the idle pause short"
        finally:
            loop.stop()


def test_nice_lowers_only_the_loop_threads_priority() -> None:
    """Linux: the loop's thread runs `nice` steps lower, the thread that started it keeps its
    own (bulk work such as a broadcast's fan-out gives way without slowing the rest)."""
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []
    done = threading.Event()

    def round_() -> int:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        done.set()
        return 0

    loop = PollingLoop("t", round_, poll_seconds=60, nice=3)
    loop.start()
    assert done.wait(5)
    loop.stop()
    assert seen == [min(19, own + 3)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own
