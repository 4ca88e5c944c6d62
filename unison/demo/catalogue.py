# ruff: noqa: RUF001  (product names are written in Georgian, Armenian, Hebrew and Cyrillic script)
"""What the demo brand sells and advertises: products, local prices and the newsletter calendar."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from unison.demo.clock import DAY
from unison.demo.markets import ALL_COUNTRIES, Country


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    sku: str
    category: str
    usd: float
    names: dict[str, str]  # language -> name


def _product(n: int, sku: str, category: str, usd: float, *names: str) -> Product:
    langs = ("en", "ru", "uk", "ka", "hy", "he")
    return Product(f"p_{1000 + n}", sku, category, usd, dict(zip(langs, names, strict=True)))


PRODUCTS: Final = (
    _product(
        1, "UN-EL-001", "electronics", 89.0, "Wireless Headphones", "Беспроводные наушники",
        "Бездротові навушники", "უსადენო ყურსასმენები", "Անլար ականջակալներ",
        "אוזניות אלחוטיות",
    ),
    _product(
        2, "UN-AC-002", "accessories", 19.0, "Smartphone Case", "Чехол для смартфона",
        "Чохол для смартфона", "სმარტფონის ქეისი", "Սմարթֆոնի պատյան", "כיסוי לסמארטפון",
    ),
    _product(
        3, "UN-HM-003", "home", 149.0, "Coffee Machine", "Кофемашина", "Кавоварка",
        "ყავის აპარატი", "Սուրճի մեքենա", "מכונת קפה",
    ),
    _product(
        4, "UN-SP-004", "sports", 74.0, "Running Shoes", "Беговые кроссовки", "Бігові кросівки",
        "სარბენი ფეხსაცმელი", "Վազքի կոշիկներ", "נעלי ריצה",
    ),
    _product(
        5, "UN-AC-005", "accessories", 59.0, "Travel Backpack", "Дорожный рюкзак",
        "Дорожній рюкзак", "სამოგზაურო ზურგჩანთა", "Ճամփորդական ուսապարկ", "תרמיל טיולים",
    ),
    _product(
        6, "UN-HM-006", "home", 45.0, "Ceramic Tea Set", "Керамический чайный сервиз",
        "Керамічний чайний сервіз", "კერამიკული ჩაის სერვიზი", "Կերամիկական թեյի սպասք",
        "ערכת תה קרמית",
    ),
    _product(
        7, "UN-EL-007", "electronics", 199.0, "Smart Watch", "Умные часы", "Розумний годинник",
        "ჭკვიანი საათი", "Խելացի ժամացույց", "שעון חכם",
    ),
    _product(
        8, "UN-SP-008", "sports", 29.0, "Yoga Mat", "Коврик для йоги", "Килимок для йоги",
        "იოგის ხალიჩა", "Յոգայի գորգ", "מזרן יוגה",
    ),
    _product(
        9, "UN-EL-009", "electronics", 55.0, "Bluetooth Speaker", "Bluetooth-колонка",
        "Bluetooth-колонка", "Bluetooth დინამიკი", "Bluetooth բարձրախոս", "רמקול בלוטות'",
    ),
    _product(
        10, "UN-AC-010", "accessories", 35.0, "Wool Scarf", "Шерстяной шарф", "Вовняний шарф",
        "შალის შარფი", "Բրդյա շարֆ", "צעיף צמר",
    ),
    _product(
        11, "UN-HM-011", "home", 39.0, "LED Desk Lamp", "Настольная LED-лампа",
        "Настільна LED-лампа", "LED მაგიდის ლამპა", "LED սեղանի լամպ", "מנורת שולחן LED",
    ),
    _product(
        12, "UN-SP-012", "sports", 24.0, "Insulated Water Bottle", "Термобутылка",
        "Термопляшка", "თერმო ბოთლი", "Ջերմամեկուսիչ շիշ", "בקבוק מים תרמי",
    ),
    _product(
        13, "UN-GC-013", "gift_cards", 50.0, "Gift Card", "Подарочная карта",
        "Подарункова картка", "სასაჩუქრე ბარათი", "Նվեր քարտ", "כרטיס מתנה",
    ),
    _product(
        14, "UN-HM-014", "home", 65.0, "Linen Bedding Set", "Льняной комплект постельного белья",
        "Лляний комплект постільної білизни", "სელის თეთრეულის ნაკრები",
        "Վուշե անկողնային սպիտակեղենի հավաքածու", "סט מצעי פשתן",
    ),
)  # fmt: skip
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
