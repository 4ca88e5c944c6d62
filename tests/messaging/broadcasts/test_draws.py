"""Holdout and variant draws: deterministic per (broadcast, profile), close to the asked
shares, recorded per recipient, and the variant carried on the message and outbox meta."""

from collections import Counter
from collections.abc import Callable

from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import Store, audience, create, run, segment, template
from unison.kit.clock import utcnow
from unison.messaging.broadcasts import targeting
from unison.messaging.broadcasts.tasks import FanOut

SPLIT = [{"name": "A", "split": 70}, {"name": "B", "split": 20}, {"name": "C", "split": 10}]


def test_holdout_is_deterministic_and_near_its_share() -> None:
    drawn = [targeting.held_out(7, pid, 20) for pid in range(1, 20_001)]
    assert drawn == [targeting.held_out(7, pid, 20) for pid in range(1, 20_001)]
    assert 3_800 <= sum(drawn) <= 4_200
    assert not any(targeting.held_out(7, pid, 0) for pid in range(1, 2_001))
    # Another broadcast draws other people.
    other = [targeting.held_out(8, pid, 20) for pid in range(1, 20_001)]
    assert other != drawn


def test_variants_follow_the_split() -> None:
    seen = Counter(targeting.variant_of(3, pid, SPLIT) for pid in range(1, 20_001))
    assert 13_600 <= seen["A"] <= 14_400
    assert 3_700 <= seen["B"] <= 4_300
    assert 1_800 <= seen["C"] <= 2_200
    assert [targeting.variant_of(3, pid, SPLIT) for pid in range(1, 500)] == [
        targeting.variant_of(3, pid, SPLIT) for pid in range(1, 500)
    ]


def test_holdout_and_variants_are_recorded_and_held_out_profiles_get_nothing(
    api: Api, process: Callable[[], int], fan_out: FanOut, store: Store
) -> None:
    ids = audience(api, process, "Mtskheta", 8)
    first, second = template(api, "a"), template(api, "b", "Բարև {{ traits.city }}")
    made = create(
        api,
        name="A/B",
        segment_id=segment(api, "Mtskheta"),
        variants=[
            {"name": "A", "template_id": first, "split": 50},
            {"name": "B", "template_id": second, "split": 50},
        ],
        holdout_percent=50,
    )
    bid = made["id"]
    run(fan_out, bid, utcnow())
    recipients = store.recipients(bid)
    assert [r.profile_id for r in recipients] == sorted(ids)
    variants = [{"name": "A", "split": 50}, {"name": "B", "split": 50}]
    for r in recipients:
        assert r.holdout == targeting.held_out(bid, r.profile_id, 50)
        assert r.variant == targeting.variant_of(bid, r.profile_id, variants)
        assert (r.message_id is None) == r.holdout
    messages = {m.profile_id: m for m in store.messages(bid)}
    assert set(messages) == {r.profile_id for r in recipients if not r.holdout}
    by_template = {"A": first, "B": second}
    for r in recipients:
        if not r.holdout:
            assert messages[r.profile_id].variant == r.variant
            assert messages[r.profile_id].template_id == by_template[str(r.variant)]
    counts = api.get(f"/api/broadcasts/{bid}").json()["counts"]
    assert counts["holdout"] == sum(r.holdout for r in recipients)
    assert sum(counts["variants"].values()) == len(messages)
