"""Scenarios for the demo history generator (unison.demo.generator)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from unison.demo.generator import DEFAULT_DAYS, DEFAULT_END, generate_events, write_jsonl

TYPES = {"track", "identify", "page", "screen", "group", "alias"}
CHANNELS = {
    "web", "mobile", "email", "sms", "telegram", "viber", "whatsapp", "call_center", "pos",
    "helpdesk", "chatbot", "ads", "social", "other",
}  # fmt: skip
LOCALES = {"ka-GE", "hy-AM", "he-IL", "ru-RU", "uk-UA", "en-US"}
ISO_MS_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
SCRIPTS = {
    "Georgian": re.compile("[\u10a0-\u10ff]"),
    "Armenian": re.compile("[\u0530-\u058f]"),
    "Hebrew": re.compile("[\u0590-\u05ff]"),
    "Cyrillic": re.compile("[\u0400-\u04ff]"),
    "Latin": re.compile("[A-Za-z]"),
}
SCRIPT_OF_LOCALE = {
    "ka-GE": "Georgian",
    "hy-AM": "Armenian",
    "he-IL": "Hebrew",
    "ru-RU": "Cyrillic",
    "uk-UA": "Cyrillic",
    "en-US": "Latin",
}
MESSENGER_ID = {"telegram": "telegram_id", "viber": "viber_id", "whatsapp": "whatsapp_id"}


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def shape_problems(event: dict[str, Any]) -> list[str]:
    """What the ingestion validator would reject in ``event`` (empty list = acceptable)."""
    problems: list[str] = []
    etype = event.get("type")
    if etype not in TYPES:
        problems.append(f"type {etype!r}")
    if not _text(event.get("messageId")):
        problems.append("messageId")
    stamp = event.get("timestamp")
    if not (isinstance(stamp, str) and ISO_MS_Z.fullmatch(stamp)):
        problems.append(f"timestamp {stamp!r}")
    problems += [f"has {k}" for k in ("sentAt", "originalTimestamp") if k in event]
    ids = [event[k] for k in ("userId", "anonymousId") if k in event]
    if not ids or not all(_text(i) for i in ids):
        problems.append("userId/anonymousId")
    if etype == "track" and not (_text(event.get("event")) and isinstance(
        event.get("properties"), dict
    )):  # fmt: skip
        problems.append("track needs event + properties")
    if etype in {"page", "screen"} and not (
        _text(event.get("name")) and isinstance(event.get("properties"), dict)
    ):
        problems.append(f"{etype} needs name + properties")
    if etype == "identify" and not isinstance(event.get("traits"), dict):
        problems.append("identify needs traits")
    if etype == "group" and not (
        _text(event.get("groupId")) and isinstance(event.get("traits"), dict)
    ):
        problems.append("group needs groupId + traits")
    if etype == "alias" and not (_text(event.get("previousId")) and _text(event.get("userId"))):
        problems.append("alias needs previousId + userId")
    ctx = event.get("context")
    if not isinstance(ctx, dict):
        return [*problems, "context"]
    channel = ctx.get("channel")
    if channel not in CHANNELS:
        problems.append(f"channel {channel!r}")
    if ctx.get("locale") not in LOCALES:
        problems.append(f"locale {ctx.get('locale')!r}")
    if channel in {"web", "mobile"} and not _text(ctx.get("userAgent")):
        problems.append("userAgent")
    if channel == "mobile" and not (
        isinstance(ctx.get("app"), dict) and {"name", "version"} <= ctx["app"].keys()
    ):
        problems.append("context.app")
    if (
        etype == "page"
        and channel == "web"
        and not (
            isinstance(ctx.get("page"), dict)
            and {"url", "path", "title", "referrer"} <= ctx["page"].keys()
        )
    ):
        problems.append("context.page")
    if channel in MESSENGER_ID and not _text(ctx.get("traits", {}).get(MESSENGER_ID[channel])):
        problems.append(f"context.traits.{MESSENGER_ID[channel]}")
    if len(json.dumps(event, ensure_ascii=False).encode()) >= 32 * 1024:
        problems.append("larger than 32 KB")
    return problems


def one_customer(seed: int) -> list[dict[str, Any]]:
    return list(generate_events(1, seed))


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    count = write_jsonl(first, 150, seed=42)
    assert write_jsonl(again, 150, seed=42) == count
    assert write_jsonl(other, 150, seed=43) > 0
    data = first.read_bytes()
    assert data == again.read_bytes()
    assert data != other.read_bytes()
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == count
    assert lines[0] == json.dumps(json.loads(lines[0]), ensure_ascii=False, separators=(",", ":"))
    assert "\\u" not in data.decode("utf-8")  # ensure_ascii=False: scripts stay readable


def test_output_does_not_depend_on_the_interpreter_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from unison.demo.generator import write_jsonl; "
        "write_jsonl(Path(sys.argv[1]), 60, seed=5)"
    )
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run-{hash_seed}.jsonl"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, cwd=root)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_every_event_has_the_shape_ingestion_accepts() -> None:
    events = list(generate_events(200, seed=7))
    bad = [(problems, e) for e in events if (problems := shape_problems(e))]
    assert not bad, bad[:3]
    ids = Counter(e["messageId"] for e in events)
    assert len(ids) == len(events), ids.most_common(3)
    types = {e["type"] for e in events}
    assert types == TYPES


def test_all_six_scripts_appear_and_names_match_the_market_locale() -> None:
    events = list(generate_events(300, seed=3))
    texts: list[str] = []
    for e in events:
        texts += [
            v
            for v in (
                e.get("traits", {}).get("name"),
                e["context"].get("traits", {}).get("name"),
                e.get("properties", {}).get("text"),
                e.get("properties", {}).get("subject"),
                e.get("properties", {}).get("name"),
            )
            if isinstance(v, str)
        ]
    blob = "\n".join(texts)
    missing = [script for script, pattern in SCRIPTS.items() if not pattern.search(blob)]
    assert not missing
    signups = [e for e in events if e["type"] == "identify" and "first_name" in e["traits"]]
    locales = {e["context"]["locale"] for e in signups}
    assert locales == LOCALES
    for e in signups:
        script = SCRIPT_OF_LOCALE[e["context"]["locale"]]
        assert SCRIPTS[script].search(e["traits"]["name"]), e["traits"]
        assert e["traits"]["email"].isascii(), e["traits"]["email"]


def test_each_customer_is_streamed_whole_and_in_time_order() -> None:
    window_start = DEFAULT_END - timedelta(days=DEFAULT_DAYS)
    for seed in range(80):
        events = one_customer(seed)
        stamps = [e["timestamp"] for e in events]
        assert stamps == sorted(stamps), seed
        assert window_start.isoformat()[:10] <= stamps[0], seed
        assert stamps[-1] < "2026-11-01T", seed
        # Customer by customer: a longer run starts with exactly this customer's story.
        assert list(generate_events(3, seed))[: len(events)] == events


def test_the_stream_is_lazy_so_memory_does_not_grow_with_customers() -> None:
    start = time.perf_counter()
    stream = generate_events(10**9, seed=1)
    first = [next(stream) for _ in range(500)]
    assert len(first) == 500
    assert time.perf_counter() - start < 1.0


def test_store_purchases_carry_phone_or_loyalty_card_and_no_user_id() -> None:
    events = list(generate_events(300, seed=5))
    store = [e for e in events if e["context"]["channel"] == "pos"]
    assert len(store) > 20
    for e in store:
        assert e["event"] == "Order Completed"
        assert "userId" not in e
        assert e["anonymousId"].startswith("pos-receipt-")
        traits = e["context"]["traits"]
        assert traits.get("phone") or traits.get("loyalty_card"), traits
        if "loyalty_card" in traits:
            assert re.fullmatch(r"LC-\d{6,}", traits["loyalty_card"])
        props = e["properties"]
        assert props["store_name"]
        assert props["store_city"]
        assert props["products"]
        assert props["total"] == props["revenue"] > 0
    assert any("loyalty_card" in e["context"]["traits"] for e in store)
    assert any("phone" in e["context"]["traits"] for e in store)


def test_channels_come_from_the_allowed_list_and_cover_the_story() -> None:
    channels = Counter(e["context"]["channel"] for e in generate_events(300, seed=9))
    assert set(channels) <= CHANNELS
    expected = {
        "web", "mobile", "email", "sms", "pos", "telegram", "viber", "whatsapp", "call_center",
        "helpdesk",
    }  # fmt: skip
    assert expected <= set(channels), expected - set(channels)


def test_orders_follow_the_segment_ecommerce_spec() -> None:
    orders = [e for e in generate_events(200, seed=11) if e.get("event") == "Order Completed"]
    online = [e for e in orders if e["context"]["channel"] in {"web", "mobile"}]
    assert online
    for e in online:
        assert e["userId"]
        assert e["anonymousId"]
        p = e["properties"]
        lines = sum(item["price"] * item["quantity"] for item in p["products"])
        assert p["subtotal"] == pytest.approx(lines)
        assert p["revenue"] == pytest.approx(p["subtotal"] - p["discount"])
        assert p["total"] == pytest.approx(p["revenue"] + p["shipping"])
        assert p["currency"] in {"GEL", "AMD", "ILS", "UAH", "RUB", "KZT", "GBP", "USD"}
        for item in p["products"]:
            assert {"product_id", "sku", "name", "price", "quantity", "category"} <= item.keys()


def test_identity_links_anonymous_browsing_messengers_and_phones() -> None:
    events = list(generate_events(300, seed=13))
    signups = [e for e in events if e["type"] == "identify" and "phone" in e["traits"]]
    phones = {e["traits"]["phone"] for e in signups}
    assert any(p.startswith("+") and " " in p for p in phones)  # "+995 555 12 34 56"
    assert any(p.startswith("+") and " " not in p for p in phones)  # "+995555123456"
    assert any(not p.startswith("+") for p in phones)  # local "555123456"
    # After sign-up the same device keeps its anonymousId and adds the userId.
    for signup in signups[:50]:
        anon, user = signup["anonymousId"], signup["userId"]
        later = [e for e in events if e.get("anonymousId") == anon and e is not signup]
        after = [e for e in later if e["timestamp"] > signup["timestamp"]]
        before = [e for e in later if e["timestamp"] < signup["timestamp"]]
        assert all(e.get("userId") == user for e in after)
        assert all("userId" not in e for e in before)
    for e in events:
        traits = e["context"].get("traits", {})
        if "whatsapp_id" in traits:
            assert traits["whatsapp_id"].isdigit()
    assert any(e.get("event") == "Contact Shared" for e in events)
    assert any(e["type"] == "alias" for e in events)


def test_proportions_look_like_a_real_customer_base() -> None:
    n = 300
    stories = [one_customer(seed) for seed in range(n)]
    sizes = [len(s) for s in stories]
    buyers = sum(any(e.get("event") == "Order Completed" for e in s) for s in stories)
    identified = sum(any(e["type"] == "identify" for e in s) for s in stories)
    store_only = sum(all(e["context"]["channel"] == "pos" for e in s) for s in stories)
    repeat = sum(sum(e.get("event") == "Order Completed" for e in s) >= 2 for s in stories)
    print(f"avg events {sum(sizes) / n:.1f}, buyers {buyers / n:.0%}, repeat {repeat / n:.0%}")
    assert 20 <= sum(sizes) / n <= 40
    assert 0.3 <= buyers / n <= 0.55
    assert 0.3 <= identified / n <= 0.8  # some customers never identify
    assert 0.03 <= store_only / n <= 0.2
    assert repeat > 0.05 * n


def test_end_anchors_the_history_and_naive_end_means_utc() -> None:
    end = datetime(2025, 3, 1, 12, 0)
    events = list(generate_events(40, seed=2, end=end, days=30))
    assert events
    low = (end - timedelta(days=30)).isoformat() + ".000Z"
    high = end.isoformat() + ".000Z"
    assert all(low <= e["timestamp"] < high for e in events)
    assert events == list(generate_events(40, seed=2, end=end.replace(tzinfo=UTC), days=30))


def test_generating_2000_customers_takes_under_five_seconds() -> None:
    start = time.perf_counter()
    count = sum(1 for _ in generate_events(2000, seed=1))
    elapsed = time.perf_counter() - start
    print(f"{count} events for 2000 customers in {elapsed:.2f}s = {count / elapsed:,.0f} events/s")
    assert elapsed < 5.0
