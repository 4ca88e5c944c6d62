"""Freezing the startup heap: what is alive is left out of later collections, and garbage
made before it is collected first (not frozen forever)."""

import gc
import weakref

from unison.kit.heap import freeze_startup_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_what_lives_is_frozen_and_startup_garbage_is_collected_first() -> None:
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    kept = Node()
    try:
        freeze_startup_heap()
        assert gone() is None  # collected, not frozen
        assert gc.get_freeze_count() > 0
        assert all(kept is not obj for obj in gc.get_objects())  # out of the generations
    finally:
        gc.unfreeze()
    assert any(kept is obj for obj in gc.get_objects())
