"""kit.cache.TtlCache: the one cache behind write keys and connectors."""

import pytest

from unison.kit.cache import TtlCache


class TestTtlCache:
    def test_a_stored_value_is_found_until_its_time_runs_out(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        now = [100.0]
        monkeypatch.setattr("unison.kit.cache.time.monotonic", lambda: now[0])
        cache: TtlCache[str, int] = TtlCache(ttl=5)
        cache.put("a", 1)
        now[0] = 105.0
        assert cache.get("a") == 1
        now[0] = 105.1
        assert cache.get("a") is None

    def test_a_key_never_stored_is_a_miss_and_a_miss_leaves_nothing_behind(self) -> None:
        cache: TtlCache[str, int] = TtlCache(ttl=60)
        assert cache.get("unknown") is None
        assert len(cache) == 0
        cache.put("unknown", 7)  # created after the miss: found at once
        assert cache.get("unknown") == 7

    def test_a_full_cache_starts_afresh_so_memory_stays_bounded(self) -> None:
        cache: TtlCache[int, int] = TtlCache(ttl=60, limit=3)
        for key in range(10):
            cache.put(key, key)
            assert len(cache) <= 3
        assert cache.get(9) == 9

    def test_clear_forgets_everything(self) -> None:
        cache: TtlCache[str, int] = TtlCache(ttl=60)
        cache.put("a", 1)
        cache.clear()
        assert cache.get("a") is None
