"""What the demo brand sells and advertises: products, local prices and the newsletter calendar."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from unison.demo.clock import DAY
from unison.demo.data import load
from unison.demo.markets import ALL_COUNTRIES, Country


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    sku: str
    category: str
    usd: float
    names: dict[str, str]  # language -> name


def _product(row: dict[str, Any]) -> Product:
    return Product(row["product_id"], row["sku"], row["category"], float(row["usd"]), row["names"])


PRODUCTS: Final = tuple(_product(row) for row in load("products"))  # data/products.json
SHELF: Final = tuple(p for p in PRODUCTS if p.category != "gift_cards")  # what stores sell


def _local_price(usd: float, country: Country) -> float:
    raw = usd * country.rate
    if country.whole_units:  # 9750 AMD -> 9790, 1025 UAH -> 1029
        step = 100 if raw >= 2000 else 10
        return float(-(-int(raw) // step) * step - (10 if step == 100 else 1))
    return float(int(raw)) + 0.99  # 240.3 GEL -> 240.99


PRICES: Final[dict[tuple[str, str], float]] = {
    (p.sku, c.currency): _local_price(p.usd, c) for p in PRODUCTS for c in ALL_COUNTRIES
}


def product_props(p: Product, lang: str, currency: str, **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "product_id": p.product_id,
        "sku": p.sku,
        "name": p.names[lang],
        "category": p.category,
        "price": PRICES[p.sku, currency],
        "currency": currency,
    }
    props.update(extra)
    return props


def order_lines(
    items: Sequence[tuple[Product, int]], lang: str, currency: str
) -> list[dict[str, Any]]:
    return [
        {
            "product_id": p.product_id,
            "sku": p.sku,
            "name": p.names[lang],
            "price": PRICES[p.sku, currency],
            "quantity": q,
            "category": p.category,
        }
        for p, q in items
    ]


def basket_total(items: Sequence[tuple[Product, int]], currency: str) -> float:
    return round(sum(PRICES[p.sku, currency] * q for p, q in items), 2)


_CAMPAIGN_CODES: Final = ("weekly_digest", "new_arrivals", "weekly_digest", "seasonal_sale",
                          "weekly_digest", "loyalty_bonus")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Campaign:
    day_ms: int  # UTC midnight of the send day
    code: str
    campaign_id: str
    name: str


def newsletter_calendar(start_ms: int, end_ms: int) -> tuple[Campaign, ...]:
    """A newsletter every 14 days, counted back from ``end``."""
    out: list[Campaign] = []
    day = end_ms - end_ms % DAY - 3 * DAY
    k = 0
    while day >= start_ms:
        code = _CAMPAIGN_CODES[k % len(_CAMPAIGN_CODES)]
        stamp = time.strftime("%Y_%m_%d", time.gmtime(day // 1000))
        out.append(Campaign(day, code, f"cmp_{stamp.replace('_', '')}", f"{code}_{stamp}"))
        day -= 14 * DAY
        k += 1
    out.reverse()
    return tuple(out)
