# ruff: noqa: RUF001  (the catalogue is written in Georgian, Armenian, Hebrew and Cyrillic script)
"""Deterministic demo history: customers of six markets talking to one brand on every channel.

``generate_events`` streams Segment-spec events (``track``, ``identify``, ``page``, ``screen``,
``group``, ``alias``) customer by customer; within a customer the events are in timestamp order.
``write_jsonl`` writes them as JSON lines.  Everything is drawn from one ``random.Random(seed)``
and anchored at ``end`` (never at "now"), so equal arguments give byte-identical output.

Each customer gets a story: anonymous web or app browsing, sign-up (``identify``) and log-ins,
carts, online orders, purchases in a physical store identified only by a phone number or loyalty
card, e-mail campaigns, conversations on Telegram / Viber / WhatsApp, call-centre calls and
helpdesk tickets.  Identifiers are spread over the channels (and phone numbers are written in
several formats) so that identity resolution has real work to do.
"""

from __future__ import annotations

import json
import time
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any, Final, TypeVar
from urllib.parse import quote

__all__ = ["DEFAULT_END", "generate_events", "write_jsonl"]

DEFAULT_END: Final[datetime] = datetime(2026, 11, 1, tzinfo=UTC)
"""Fixed anchor for the generated history, so the output never depends on the current time."""

_T = TypeVar("_T")
_Event = dict[str, Any]

_SEC: Final = 1_000
_MIN: Final = 60 * _SEC
_HOUR: Final = 60 * _MIN
_DAY: Final = 24 * _HOUR
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Version 4 / RFC 4122 variant bits, exactly as ``uuid.UUID(int=n, version=4)`` sets them.
_UUID_CLEAR: Final = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET: Final = (0x4000 << 64) | (0x8000 << 48)

_SITE: Final = "https://shop.unison.example"
_LIBRARY_NAME: Final = "unison-demo"
_LIBRARY_VERSION: Final = "1.0.0"


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Country:
    code: str
    dial: str
    currency: str
    rate: float  # currency units per USD
    whole_units: bool  # prices end in ...90 / ...9 instead of .99
    tz: str
    utc_offset: int  # ms, fixed (daylight saving is ignored)
    operators: tuple[str, ...]  # leading digits of the national significant number
    subscriber_digits: int
    patterns: tuple[str, str, str]  # international, local spaced, local compact; '#' = digit


_GE = _Country(
    "GE", "995", "GEL", 2.7, False, "Asia/Tbilisi", 4 * _HOUR,
    ("551", "555", "557", "558", "568", "571", "574", "577", "591", "593", "595", "599"), 6,
    ("+995 ### ## ## ##", "### ## ## ##", "#########"),
)  # fmt: skip
_AM = _Country(
    "AM", "374", "AMD", 390.0, True, "Asia/Yerevan", 4 * _HOUR,
    ("41", "43", "44", "55", "77", "91", "93", "94", "95", "96", "98", "99"), 6,
    ("+374 ## ######", "0## ## ## ##", "0########"),
)  # fmt: skip
_IL = _Country(
    "IL", "972", "ILS", 3.7, False, "Asia/Jerusalem", 2 * _HOUR,
    ("50", "52", "53", "54", "55", "58"), 7,
    ("+972 ##-###-####", "0##-###-####", "0#########"),
)  # fmt: skip
_UA = _Country(
    "UA", "380", "UAH", 41.0, True, "Europe/Kyiv", 2 * _HOUR,
    ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"), 7,
    ("+380 ## ### ## ##", "0## ### ## ##", "0#########"),
)  # fmt: skip
_KZ = _Country(
    "KZ", "7", "KZT", 480.0, True, "Asia/Almaty", 5 * _HOUR,
    ("700", "701", "702", "705", "707", "747", "771", "775", "777"), 7,
    ("+7 ### ### ## ##", "8 ### ### ## ##", "8##########"),
)  # fmt: skip
_RU = _Country(
    "RU", "7", "RUB", 92.0, True, "Europe/Moscow", 3 * _HOUR,
    ("903", "905", "910", "915", "916", "925", "926", "977", "985", "999"), 7,
    ("+7 ### ###-##-##", "8 (###) ###-##-##", "8##########"),
)  # fmt: skip
_GB = _Country(
    "GB", "44", "GBP", 0.79, False, "Europe/London", 0,
    ("7400", "7700", "7800", "7900", "7911", "7958", "7985"), 6,
    ("+44 #### ######", "0#### ######", "0##########"),
)  # fmt: skip
_US = _Country(
    "US", "1", "USD", 1.0, False, "America/New_York", -5 * _HOUR,
    ("2125", "3325", "3476", "6464", "7182", "9173", "9297"), 6,
    ("+1 ###-###-####", "(###) ###-####", "##########"),
)  # fmt: skip

_ALL_COUNTRIES: Final = (_GE, _AM, _IL, _UA, _KZ, _RU, _GB, _US)


def _fill(pattern: str, digits: str) -> str:
    it = iter(digits)
    return "".join(next(it) if ch == "#" else ch for ch in pattern)


def _phone(country: _Country, nsn: str, style: int) -> str:
    """Format a national significant number.

    style 0: international spaced, 1: local spaced, 2: E.164, 3: local compact,
    4: digits with the country code and no ``+`` (WhatsApp ids, Telegram contact cards).
    """
    if style == 2:
        return f"+{country.dial}{nsn}"
    if style == 4:
        return f"{country.dial}{nsn}"
    return _fill(country.patterns[min(style, 2)], nsn)


@dataclass(frozen=True, slots=True)
class _Lang:
    site_title: str
    ui: dict[str, str]  # page titles: search, cart, checkout, account, signup
    categories: dict[str, str]
    questions: tuple[str, str, str, str]  # customer asks: order status, size, opening hours, return
    answers: tuple[str, str, str, str]  # the brand answers, same order
    thanks: str
    tickets: tuple[tuple[str, str], ...]  # (subject, text)
    campaigns: dict[str, str]  # campaign code -> e-mail subject
    sms_shipped: str  # {order_id}


_LANGS: Final[dict[str, _Lang]] = {
    "ka": _Lang(
        site_title="Unison — ონლაინ მაღაზია",
        ui={
            "search": "ძიების შედეგები",
            "cart": "კალათა",
            "checkout": "შეკვეთის გაფორმება",
            "account": "ჩემი ანგარიში",
            "signup": "რეგისტრაცია",
        },
        categories={
            "electronics": "ელექტრონიკა",
            "home": "სახლი და სამზარეულო",
            "sports": "სპორტი",
            "accessories": "აქსესუარები",
            "gift_cards": "სასაჩუქრე ბარათები",
        },
        questions=(
            "გამარჯობა! ჩემი შეკვეთა უკვე გამოგზავნილია?",
            "გაქვთ ეს უფრო პატარა ზომაში?",
            "დღეს რომელ საათამდე მუშაობს მაღაზია?",
            "მინდა ნივთის დაბრუნება, როგორ გავაკეთო?",
        ),
        answers=(
            "გამარჯობა! თქვენი შეკვეთა უკვე გზაშია და 2-3 დღეში მოვა.",
            "დიახ, ეს ზომა ხელმისაწვდომია მაღაზიაშიც და ონლაინაც.",
            "ჩვენი მაღაზიები ღიაა 21:00-მდე.",
            "დაბრუნების ინსტრუქცია ელფოსტით გამოგიგზავნეთ.",
        ),
        thanks="მადლობა, გასაგებია!",
        tickets=(
            (
                "ნივთი დაზიანებული მოვიდა",
                "ამანათი დღეს მივიღე და ნივთი დაზიანებულია. გთხოვთ, დამეხმაროთ შეცვლაში.",
            ),
            (
                "თანხა არ დამიბრუნდა",
                "ნივთი ორი კვირის წინ დავაბრუნე, მაგრამ თანხა ჯერ არ ჩამრიცხვია.",
            ),
            (
                "ანგარიშზე შესვლა ვერ ხერხდება",
                "ანგარიშში ვერ შევდივარ, პაროლის აღდგენის წერილი არ მოდის.",
            ),
            ("არასწორი ნივთი მომიტანეს", "შეკვეთილის ნაცვლად სხვა ნივთი მივიღე."),
        ),
        campaigns={
            "weekly_digest": "კვირის რჩეული თქვენთვის",
            "new_arrivals": "ახალი პროდუქცია უკვე მაღაზიებშია",
            "seasonal_sale": "სეზონური ფასდაკლება 30%-მდე",
            "loyalty_bonus": "თქვენი ლოიალობის ბონუსი გელოდებათ",
            "abandoned_cart": "კალათაში ნივთები დაგრჩათ",
        },
        sms_shipped="თქვენი შეკვეთა {order_id} გამოგზავნილია. თვალი ადევნეთ Unison-ის აპლიკაციაში.",
    ),
    "hy": _Lang(
        site_title="Unison — առցանց խանութ",
        ui={
            "search": "Որոնման արդյունքներ",
            "cart": "Զամբյուղ",
            "checkout": "Պատվերի ձևակերպում",
            "account": "Իմ հաշիվը",
            "signup": "Գրանցում",
        },
        categories={
            "electronics": "Էլեկտրոնիկա",
            "home": "Տուն և խոհանոց",
            "sports": "Սպորտ",
            "accessories": "Աքսեսուարներ",
            "gift_cards": "Նվեր քարտեր",
        },
        questions=(
            "Բարև Ձեզ, իմ պատվերն արդեն ուղարկվե՞լ է։",
            "Սա ավելի փոքր չափսով ունե՞ք։",
            "Խանութն այսօր մինչև ժամը քանի՞սն է աշխատում։",
            "Ուզում եմ ապրանքը վերադարձնել, ինչպե՞ս անեմ։",
        ),
        answers=(
            "Բարև Ձեզ։ Ձեր պատվերն արդեն ճանապարհին է և կհասնի 2-3 օրում։",
            "Այո, այդ չափսը հասանելի է և՛ խանութում, և՛ առցանց։",
            "Մեր խանութները բաց են մինչև 21:00։",
            "Վերադարձի հրահանգները ուղարկել ենք Ձեր էլ. փոստին։",
        ),
        thanks="Շնորհակալություն, հասկանալի է։",
        tickets=(
            (
                "Ապրանքը վնասված է հասել",
                "Ծանրոցը այսօր ստացա, և ապրանքը վնասված է։ Խնդրում եմ օգնել փոխարինման հարցում։",
            ),
            (
                "Գումարը չի վերադարձվել",
                "Ապրանքը վերադարձրել եմ երկու շաբաթ առաջ, բայց գումարը դեռ չեմ ստացել։",
            ),
            (
                "Չեմ կարողանում մուտք գործել հաշիվ",
                "Չեմ կարողանում մուտք գործել իմ հաշիվ, գաղտնաբառի վերականգնման նամակը չի գալիս։",
            ),
            ("Սխալ ապրանք է առաքվել", "Ստացել եմ այլ ապրանք, ոչ այն, ինչ պատվիրել էի։"),
        ),
        campaigns={
            "weekly_digest": "Շաբաթվա ընտրանին Ձեզ համար",
            "new_arrivals": "Նորույթներն արդեն վաճառքում են",
            "seasonal_sale": "Սեզոնային զեղչեր՝ մինչև 30%",
            "loyalty_bonus": "Ձեզ սպասում է հավատարմության բոնուսը",
            "abandoned_cart": "Զամբյուղում ապրանքներ եք թողել",
        },
        sms_shipped="Ձեր {order_id} պատվերն ուղարկված է։ Հետևեք դրան Unison հավելվածում։",
    ),
    "he": _Lang(
        site_title="Unison — חנות אונליין",
        ui={
            "search": "תוצאות חיפוש",
            "cart": "עגלת קניות",
            "checkout": "תשלום",
            "account": "החשבון שלי",
            "signup": "הרשמה",
        },
        categories={
            "electronics": "אלקטרוניקה",
            "home": "בית ומטבח",
            "sports": "ספורט",
            "accessories": "אקססוריז",
            "gift_cards": "כרטיסי מתנה",
        },
        questions=(
            "היי! ההזמנה שלי כבר נשלחה?",
            "יש לכם את זה במידה קטנה יותר?",
            "עד איזו שעה החנות פתוחה היום?",
            "אני רוצה להחזיר מוצר, איך עושים את זה?",
        ),
        answers=(
            "שלום! ההזמנה שלך בדרך ותגיע תוך 2-3 ימים.",
            "כן, המידה הזו זמינה בחנות ובאתר.",
            "החנויות שלנו פתוחות עד 21:00.",
            "שלחנו לך את הוראות ההחזרה במייל.",
        ),
        thanks="תודה, הבנתי!",
        tickets=(
            ("המוצר הגיע פגום", "החבילה הגיעה היום והמוצר פגום. אשמח לעזרה בהחלפה."),
            ("לא התקבל החזר כספי", "החזרתי את המוצר לפני שבועיים ועדיין לא קיבלתי החזר."),
            ("אין גישה לחשבון", "מייל איפוס הסיסמה לא מגיע ואין לי גישה לחשבון."),
            ("נשלח מוצר שגוי", "קיבלתי מוצר אחר מזה שהזמנתי."),
        ),
        campaigns={
            "weekly_digest": "הבחירות של השבוע בשבילך",
            "new_arrivals": "הגיעו מוצרים חדשים",
            "seasonal_sale": "מבצע עונתי: עד 30% הנחה",
            "loyalty_bonus": "בונוס הנאמנות שלך מחכה לך",
            "abandoned_cart": "שכחת משהו בעגלה",
        },
        sms_shipped="ההזמנה שלך {order_id} נשלחה. אפשר לעקוב אחריה באפליקציית Unison.",
    ),
    "uk": _Lang(
        site_title="Unison — інтернет-магазин",
        ui={
            "search": "Результати пошуку",
            "cart": "Кошик",
            "checkout": "Оформлення замовлення",
            "account": "Особистий кабінет",
            "signup": "Реєстрація",
        },
        categories={
            "electronics": "Електроніка",
            "home": "Дім і кухня",
            "sports": "Спорт",
            "accessories": "Аксесуари",
            "gift_cards": "Подарункові картки",
        },
        questions=(
            "Добрий день! Моє замовлення вже відправлено?",
            "Чи є це в меншому розмірі?",
            "До котрої сьогодні працює магазин?",
            "Хочу повернути товар, як це зробити?",
        ),
        answers=(
            "Вітаємо! Ваше замовлення вже в дорозі й прибуде за 2–3 дні.",
            "Так, цей розмір є в магазині та на сайті.",
            "Наші магазини працюють до 21:00.",
            "Ми надіслали вам інструкцію щодо повернення на пошту.",
        ),
        thanks="Дякую, все зрозуміло!",
        tickets=(
            (
                "Товар прийшов пошкодженим",
                "Посилка прийшла сьогодні, товар пошкоджений. Допоможіть, будь ласка, із заміною.",
            ),
            ("Кошти не повернулися", "Товар повернули два тижні тому, але гроші досі не надійшли."),
            (
                "Не можу увійти в акаунт",
                "Не можу увійти в особистий кабінет, лист для скидання пароля не приходить.",
            ),
            ("Доставлено не той товар", "Мені привезли не той товар, що був у замовленні."),
        ),
        campaigns={
            "weekly_digest": "Добірка тижня для вас",
            "new_arrivals": "Новинки вже в продажу",
            "seasonal_sale": "Сезонний розпродаж: знижки до 30%",
            "loyalty_bonus": "На вас чекає бонус лояльності",
            "abandoned_cart": "Ви залишили товари в кошику",
        },
        sms_shipped="Ваше замовлення {order_id} відправлено. Відстежуйте його в застосунку Unison.",
    ),
    "ru": _Lang(
        site_title="Unison — интернет-магазин",
        ui={
            "search": "Результаты поиска",
            "cart": "Корзина",
            "checkout": "Оформление заказа",
            "account": "Личный кабинет",
            "signup": "Регистрация",
        },
        categories={
            "electronics": "Электроника",
            "home": "Дом и кухня",
            "sports": "Спорт",
            "accessories": "Аксессуары",
            "gift_cards": "Подарочные карты",
        },
        questions=(
            "Здравствуйте! Мой заказ уже отправлен?",
            "Есть ли это в меньшем размере?",
            "До скольки сегодня работает магазин?",
            "Хочу вернуть товар, как это сделать?",
        ),
        answers=(
            "Здравствуйте! Ваш заказ уже в пути и прибудет через 2–3 дня.",
            "Да, этот размер есть в магазине и на сайте.",
            "Наши магазины работают до 21:00.",
            "Мы отправили вам инструкцию по возврату на почту.",
        ),
        thanks="Спасибо, всё понятно!",
        tickets=(
            (
                "Товар пришёл повреждённым",
                "Посылка пришла сегодня, товар повреждён. Помогите, пожалуйста, с заменой.",
            ),
            (
                "Возврат средств не поступил",
                "Товар был возвращён две недели назад, но деньги до сих пор не поступили.",
            ),
            (
                "Не могу войти в аккаунт",
                "Не могу войти в личный кабинет, письмо для сброса пароля не приходит.",
            ),
            ("Доставлен не тот товар", "Мне привезли не тот товар, что был в заказе."),
        ),
        campaigns={
            "weekly_digest": "Подборка недели для вас",
            "new_arrivals": "Новинки уже в продаже",
            "seasonal_sale": "Сезонная распродажа: скидки до 30%",
            "loyalty_bonus": "Вас ждёт бонус за лояльность",
            "abandoned_cart": "Вы забыли товары в корзине",
        },
        sms_shipped="Ваш заказ {order_id} отправлен. Отслеживайте его в приложении Unison.",
    ),
    "en": _Lang(
        site_title="Unison — online store",
        ui={
            "search": "Search results",
            "cart": "Cart",
            "checkout": "Checkout",
            "account": "My account",
            "signup": "Sign up",
        },
        categories={
            "electronics": "Electronics",
            "home": "Home & Kitchen",
            "sports": "Sports",
            "accessories": "Accessories",
            "gift_cards": "Gift Cards",
        },
        questions=(
            "Hi! Has my order been shipped yet?",
            "Do you have this in a smaller size?",
            "What time does the store close today?",
            "I want to return an item, how do I do it?",
        ),
        answers=(
            "Hello! Your order is on its way and will arrive in 2-3 days.",
            "Yes, that size is available in our stores and online.",
            "Our stores are open until 9 pm.",
            "We have sent you the return instructions by e-mail.",
        ),
        thanks="Thanks, got it!",
        tickets=(
            (
                "Item arrived damaged",
                "The parcel arrived today and the item is damaged. Please help me get a "
                "replacement.",
            ),
            (
                "Refund not received",
                "I returned the item two weeks ago but I still have not received my refund.",
            ),
            (
                "Cannot log in to my account",
                "I cannot log in to my account and the password reset e-mail never arrives.",
            ),
            ("Wrong item delivered", "I received a different item from the one I ordered."),
        ),
        campaigns={
            "weekly_digest": "This week's picks for you",
            "new_arrivals": "New arrivals are here",
            "seasonal_sale": "Seasonal sale: up to 30% off",
            "loyalty_bonus": "Your loyalty bonus is waiting",
            "abandoned_cart": "You left something in your cart",
        },
        sms_shipped="Your order {order_id} has been shipped. Track it in the Unison app.",
    ),
}


@dataclass(frozen=True, slots=True)
class _Product:
    product_id: str
    sku: str
    category: str
    usd: float
    names: dict[str, str]  # language -> name


def _product(n: int, sku: str, category: str, usd: float, *names: str) -> _Product:
    langs = ("en", "ru", "uk", "ka", "hy", "he")
    return _Product(f"p_{1000 + n}", sku, category, usd, dict(zip(langs, names, strict=True)))


_PRODUCTS: Final = (
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
_SHELF: Final = tuple(p for p in _PRODUCTS if p.category != "gift_cards")  # what stores sell


def _local_price(usd: float, country: _Country) -> float:
    raw = usd * country.rate
    if country.whole_units:  # 9750 AMD -> 9790, 1025 UAH -> 1029
        step = 100 if raw >= 2000 else 10
        return float(-(-int(raw) // step) * step - (10 if step == 100 else 1))
    return float(int(raw)) + 0.99  # 240.3 GEL -> 240.99


_PRICES: Final[dict[tuple[str, str], float]] = {
    (p.sku, c.currency): _local_price(p.usd, c) for p in _PRODUCTS for c in _ALL_COUNTRIES
}


@dataclass(frozen=True, slots=True)
class _City:
    name: str  # in the market's language
    country: _Country
    weight: float
    stores: tuple[tuple[str, str], ...]  # (store_id, store name)


@dataclass(frozen=True, slots=True)
class _Market:
    key: str
    language: str
    locale: str
    weight: float
    first_names: tuple[tuple[str, str, str], ...]  # (native, latin, gender)
    last_names: tuple[tuple[str, str, str, str], ...]  # (native m, native f, latin m, latin f)
    cities: tuple[_City, ...]
    messengers: tuple[tuple[str, float], ...]
    companies: tuple[tuple[str, str, int], ...]  # (name, industry, employees)


def _firsts(spec: str) -> tuple[tuple[str, str, str], ...]:
    """``"native:Latin:g native:Latin:g ..."`` -> tuples."""
    return tuple((a, b, g) for a, b, g in (item.split(":") for item in spec.split()))


def _lasts(*pairs: tuple[str, str]) -> tuple[tuple[str, str, str, str], ...]:
    """Surnames that do not change with gender."""
    return tuple((native, native, latin, latin) for native, latin in pairs)


def _lasts_ru(*pairs: tuple[str, str]) -> tuple[tuple[str, str, str, str], ...]:
    """Russian surnames: the feminine form adds -a."""
    return tuple((n, n + "а", lat, lat + "a") for n, lat in pairs)


_MARKETS: Final = (
    _Market(
        "georgia", "ka", "ka-GE", 0.24,
        _firsts(
            "ნინო:Nino:f გიორგი:Giorgi:m მარიამ:Mariam:f დავით:Davit:m ანა:Ana:f ლევან:Levan:m "
            "თამარ:Tamar:f ლუკა:Luka:m ეკატერინე:Ekaterine:f ნიკა:Nika:m სალომე:Salome:f "
            "ირაკლი:Irakli:m"
        ),
        _lasts(
            ("ბერიძე", "Beridze"), ("კაპანაძე", "Kapanadze"), ("გელაშვილი", "Gelashvili"),
            ("მაისურაძე", "Maisuradze"), ("ლომიძე", "Lomidze"), ("ჯაფარიძე", "Japaridze"),
            ("ხარაიშვილი", "Kharaishvili"), ("წიკლაური", "Tsiklauri"), ("ნოზაძე", "Nozadze"),
            ("ქავთარაძე", "Kavtaradze"),
        ),
        (
            _City("თბილისი", _GE, 0.6,
                  (("TBS-VAKE", "Unison ვაკე"), ("TBS-SABURTALO", "Unison საბურთალო"))),
            _City("ბათუმი", _GE, 0.25, (("BUS-MALL", "Unison ბათუმი მოლი"),)),
            _City("ქუთაისი", _GE, 0.15, (("KUT-CENTER", "Unison ქუთაისი ცენტრი"),)),
        ),
        (("telegram", 0.5), ("whatsapp", 0.3), ("viber", 0.2)),
        (
            ("შპს ალფა ტექნოლოჯი", "it", 45),
            ("შპს კავკასიის ლოჯისტიკა", "logistics", 120),
            ("შპს ვაკის სასტუმრო", "hospitality", 30),
        ),
    ),
    _Market(
        "armenia", "hy", "hy-AM", 0.14,
        _firsts(
            "Արամ:Aram:m Անի:Ani:f Տիգրան:Tigran:m Մարիամ:Mariam:f Դավիթ:Davit:m Նարե:Nare:f "
            "Գոռ:Gor:m Լուսինե:Lusine:f Հայկ:Hayk:m Սոնա:Sona:f Արմեն:Armen:m Աննա:Anna:f"
        ),
        _lasts(
            ("Հովհաննիսյան", "Hovhannisyan"), ("Սարգսյան", "Sargsyan"),
            ("Պետրոսյան", "Petrosyan"), ("Գրիգորյան", "Grigoryan"),
            ("Խաչատրյան", "Khachatryan"), ("Մկրտչյան", "Mkrtchyan"),
            ("Հարությունյան", "Harutyunyan"), ("Ավետիսյան", "Avetisyan"),
            ("Վարդանյան", "Vardanyan"), ("Կարապետյան", "Karapetyan"),
        ),
        (
            _City("Երևան", _AM, 0.8,
                  (("EVN-CASCADE", "Unison Կասկադ"), ("EVN-DALMA", "Unison Դալմա"))),
            _City("Գյումրի", _AM, 0.2, (("LWN-CENTER", "Unison Գյումրի"),)),
        ),
        (("telegram", 0.5), ("viber", 0.3), ("whatsapp", 0.2)),
        (("«Արարատ Թրեյդ» ՍՊԸ", "retail", 60), ("«Սևան Սոֆթ» ՍՊԸ", "it", 85)),
    ),
    _Market(
        "israel", "he", "he-IL", 0.16,
        _firsts(
            "נועה:Noa:f יוסי:Yossi:m מיכל:Michal:f דניאל:Daniel:m תמר:Tamar:f איתי:Itai:m "
            "שירה:Shira:f אורי:Ori:m יעל:Yael:f עומר:Omer:m רותם:Rotem:f נועם:Noam:m"
        ),
        _lasts(
            ("כהן", "Cohen"), ("לוי", "Levi"), ("מזרחי", "Mizrahi"), ("פרץ", "Peretz"),
            ("ביטון", "Biton"), ("אברהם", "Avraham"), ("פרידמן", "Friedman"),
            ("שפירא", "Shapira"), ("דהן", "Dahan"), ("אזולאי", "Azoulay"),
        ),
        (
            _City("תל אביב", _IL, 0.45,
                  (("TLV-DIZENGOFF", "Unison דיזנגוף"), ("TLV-AZRIELI", "Unison עזריאלי"))),
            _City("ירושלים", _IL, 0.35, (("JRS-MAMILLA", "Unison ממילא"),)),
            _City("חיפה", _IL, 0.2, (("HFA-GRAND", "Unison גרנד קניון"),)),
        ),
        (("whatsapp", 0.85), ("telegram", 0.15)),
        (('אופק טכנולוגיות בע"מ', "it", 150), ('גליל לוגיסטיקה בע"מ', "logistics", 70)),
    ),
    _Market(
        "ukraine", "uk", "uk-UA", 0.16,
        _firsts(
            "Олена:Olena:f Андрій:Andrii:m Оксана:Oksana:f Тарас:Taras:m Ірина:Iryna:f "
            "Дмитро:Dmytro:m Наталія:Nataliia:f Богдан:Bohdan:m Софія:Sofiia:f Максим:Maksym:m "
            "Юлія:Yuliia:f Олександр:Oleksandr:m"
        ),
        _lasts(
            ("Шевченко", "Shevchenko"), ("Бондаренко", "Bondarenko"), ("Коваленко", "Kovalenko"),
            ("Ткаченко", "Tkachenko"), ("Кравчук", "Kravchuk"), ("Мельник", "Melnyk"),
            ("Олійник", "Oliinyk"), ("Лисенко", "Lysenko"), ("Поліщук", "Polishchuk"),
            ("Савчук", "Savchuk"),
        ),
        (
            _City("Київ", _UA, 0.5,
                  (("KBP-KHRESHCHATYK", "Unison Хрещатик"), ("KBP-OBOLON", "Unison Оболонь"))),
            _City("Львів", _UA, 0.25, (("LWO-RYNOK", "Unison Площа Ринок"),)),
            _City("Одеса", _UA, 0.25, (("ODS-DERYBASIVSKA", "Unison Дерибасівська"),)),
        ),
        (("telegram", 0.6), ("viber", 0.35), ("whatsapp", 0.05)),
        (("ТОВ «Дніпро Трейд»", "retail", 95), ("ТОВ «Карпати Софт»", "it", 40)),
    ),
    _Market(
        "russian", "ru", "ru-RU", 0.16,
        _firsts(
            "Анна:Anna:f Алексей:Aleksei:m Екатерина:Ekaterina:f Сергей:Sergei:m Мария:Maria:f "
            "Дмитрий:Dmitrii:m Ольга:Olga:f Иван:Ivan:m Татьяна:Tatiana:f Михаил:Mikhail:m "
            "Елена:Elena:f Андрей:Andrei:m"
        ),
        _lasts_ru(
            ("Иванов", "Ivanov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"),
            ("Попов", "Popov"), ("Соколов", "Sokolov"), ("Лебедев", "Lebedev"),
            ("Новиков", "Novikov"), ("Морозов", "Morozov"), ("Волков", "Volkov"),
            ("Павлов", "Pavlov"),
        ),
        (
            _City("Тбилиси", _GE, 0.3, (("TBS-VAKE", "Unison Ваке"),)),
            _City("Ереван", _AM, 0.25, (("EVN-CASCADE", "Unison Каскад"),)),
            _City("Алматы", _KZ, 0.3, (("ALA-DOSTYK", "Unison Достык"),)),
            _City("Москва", _RU, 0.15, (("MOW-TVERSKAYA", "Unison Тверская"),)),
        ),
        (("telegram", 0.7), ("whatsapp", 0.2), ("viber", 0.1)),
        (("ООО «Северный ветер»", "logistics", 200), ("ТОО «Алатау Сервис»", "hospitality", 35)),
    ),
    _Market(
        "english", "en", "en-US", 0.14,
        _firsts(
            "Emma:Emma:f James:James:m Olivia:Olivia:f Oliver:Oliver:m Sophie:Sophie:f Jack:Jack:m "
            "Amelia:Amelia:f Harry:Harry:m Emily:Emily:f Michael:Michael:m Grace:Grace:f "
            "Daniel:Daniel:m"
        ),
        _lasts(
            ("Smith", "Smith"), ("Johnson", "Johnson"), ("Brown", "Brown"), ("Taylor", "Taylor"),
            ("Williams", "Williams"), ("Davies", "Davies"), ("Wilson", "Wilson"),
            ("Evans", "Evans"), ("Miller", "Miller"), ("Clarke", "Clarke"),
        ),
        (
            _City("London", _GB, 0.55,
                  (("LON-OXFORD", "Unison Oxford Street"),
                   ("LON-SHOREDITCH", "Unison Shoreditch"))),
            _City("New York", _US, 0.45, (("NYC-SOHO", "Unison SoHo"),)),
        ),
        (("whatsapp", 0.9), ("telegram", 0.1)),
        (("Northwind Traders Ltd", "retail", 250), ("Hudson Analytics Inc", "it", 75)),
    ),
)  # fmt: skip


def _cum(weights: Sequence[float]) -> tuple[float, ...]:
    return tuple(accumulate(weights))


def _pick(r: Random, items: Sequence[_T], cum: Sequence[float]) -> _T:
    return items[bisect(cum, r.random() * cum[-1])]


_MARKET_CUM: Final = _cum([m.weight for m in _MARKETS])
_CITY_CUM: Final = {m.key: _cum([c.weight for c in m.cities]) for m in _MARKETS}
_MESSENGER_CUM: Final = {m.key: _cum([w for _, w in m.messengers]) for m in _MARKETS}

_HOURS: Final = tuple(range(24))
# Local hour of day at which people browse, read mail and write to the brand.
_ONLINE_HOUR_CUM: Final = _cum(
    [1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 2, 4, 6, 7, 7, 8, 8, 7, 7, 7, 8, 9, 10, 10, 8, 5, 2]
)
_STORE_HOUR_CUM: Final = _cum(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 6, 7, 6, 5, 5, 6, 8, 9, 7, 4, 0, 0]
)
_OFFICE_HOUR_CUM: Final = _cum(
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 8, 8, 7, 6, 7, 8, 7, 6, 5, 3, 1, 0, 0, 0]
)

_WEB_AGENTS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
)
_WEB_AGENT_CUM: Final = _cum([38, 17, 22, 18, 5])

# (device type, manufacturer, model, os name, os version)
_PHONES: Final = (
    ("ios", "Apple", "iPhone15,3", "iOS", "17.6"),
    ("ios", "Apple", "iPhone14,5", "iOS", "17.5"),
    ("android", "samsung", "SM-S911B", "Android", "14"),
    ("android", "Xiaomi", "23049PCD8G", "Android", "13"),
    ("android", "Google", "Pixel 8", "Android", "14"),
)
_APP_VERSIONS: Final = (("4.1.0", "410"), ("4.2.1", "421"), ("4.3.0", "430"))

_TRAFFIC: Final = (
    # (referrer, utm source, utm medium, utm campaign); no utm source = no campaign context
    ("", "", "", ""),
    ("https://www.google.com/", "", "", ""),
    ("https://www.google.com/", "google", "cpc", "brand_search"),
    ("https://www.google.com/", "google", "cpc", "seasonal_sale"),
    ("https://www.facebook.com/", "facebook", "paid_social", "new_arrivals"),
    ("https://www.instagram.com/", "instagram", "paid_social", "new_arrivals"),
    ("https://www.instagram.com/", "", "", ""),
    ("https://t.me/", "telegram", "social", "channel_post"),
)
_FIRST_TRAFFIC_CUM: Final = _cum([30, 20, 12, 6, 10, 10, 7, 5])
_RETURN_TRAFFIC_CUM: Final = _cum([60, 25, 4, 2, 2, 2, 4, 1])

_CAMPAIGN_CODES: Final = ("weekly_digest", "new_arrivals", "weekly_digest", "seasonal_sale",
                          "weekly_digest", "loyalty_bonus")  # fmt: skip
_CALL_TOPICS: Final = ("order_status", "delivery", "return", "payment", "product_question",
                       "loyalty_program")  # fmt: skip
_TICKET_PRIORITIES: Final = ("low", "normal", "high", "urgent")
_TICKET_PRIORITY_CUM: Final = _cum([25, 55, 15, 5])
_SCORE_CUM: Final = _cum([6, 6, 12, 30, 46])  # 1..5
_EMAIL_DOMAINS: Final = ("example.com", "example.net", "example.org", "mail.example.com")
_SIGNUP_METHODS: Final = ("email", "email", "google", "apple", "facebook")
_PLANS: Final = ("business", "business", "enterprise")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000 + delta.microseconds // 1_000


def _iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"


def _serial(idx: int, mult: int, offset: int, digits: int) -> int:
    """A number unique per customer index that does not look sequential.

    ``mult`` is coprime with 10, so ``idx -> idx * mult + offset (mod 10**digits)`` is a
    bijection on each block of 10**digits indexes; the block number is added on top.
    """
    base: int = 10**digits
    return (idx % base * mult + offset) % base + idx // base * base


@dataclass(frozen=True, slots=True)
class _Keys:
    """Per-seed offsets that scatter the per-customer serial numbers."""

    phone: int
    email: int
    telegram: int
    card: int

    @classmethod
    def draw(cls, r: Random) -> _Keys:
        return cls(r.randrange(10**6), r.randrange(10**6), r.randrange(10**9), r.randrange(10**6))


@dataclass(frozen=True, slots=True)
class _Campaign:
    day_ms: int  # UTC midnight of the send day
    code: str
    campaign_id: str
    name: str


def _calendar(start_ms: int, end_ms: int) -> tuple[_Campaign, ...]:
    """A newsletter every 14 days, counted back from ``end``."""
    out: list[_Campaign] = []
    day = end_ms - end_ms % _DAY - 3 * _DAY
    k = 0
    while day >= start_ms:
        code = _CAMPAIGN_CODES[k % len(_CAMPAIGN_CODES)]
        stamp = time.strftime("%Y_%m_%d", time.gmtime(day // 1000))
        out.append(_Campaign(day, code, f"cmp_{stamp.replace('_', '')}", f"{code}_{stamp}"))
        day -= 14 * _DAY
        k += 1
    out.reverse()
    return tuple(out)


# --------------------------------------------------------------------------------------------
# One customer's story
# --------------------------------------------------------------------------------------------


class _Story:
    """Draws one customer and everything they do; ``events()`` returns them in time order."""

    def __init__(
        self,
        r: Random,
        idx: int,
        keys: _Keys,
        start_ms: int,
        end_ms: int,
        campaigns: tuple[_Campaign, ...],
    ) -> None:
        self.r = r
        self.end_ms = end_ms
        self.campaigns = campaigns
        self.buffer: list[tuple[int, int, _Event]] = []

        m = _pick(r, _MARKETS, _MARKET_CUM)
        self.market = m
        self.lang = m.language
        self.text = _LANGS[m.language]
        self.city = _pick(r, m.cities, _CITY_CUM[m.key])
        self.country = self.city.country
        self.currency = self.country.currency
        self.site = f"{_SITE}/{m.language}"

        first_native, first_latin, gender = r.choice(m.first_names)
        last = r.choice(m.last_names)
        female = gender == "f"
        self.first_name = first_native
        self.last_name = last[1] if female else last[0]
        self.gender = "female" if female else "male"
        latin_first = first_latin.lower()
        latin_last = (last[3] if female else last[2]).lower()
        suffix = _serial(idx, 7_919, keys.email, 6)
        local = r.choice(
            (
                f"{latin_first}.{latin_last}{suffix}",
                f"{latin_first[0]}{latin_last}{suffix}",
                f"{latin_first}{suffix}",
                f"{latin_last}.{latin_first}{suffix}",
            )
        )
        self.email = f"{local}@{r.choice(_EMAIL_DOMAINS)}"
        digits = self.country.subscriber_digits
        subscriber = _serial(idx, 104_729, keys.phone, 6) % 10**digits
        if digits > 6:  # the leading digits are free to vary
            subscriber += r.randrange(10 ** (digits - 6)) * 10**6
        self.nsn = f"{r.choice(self.country.operators)}{subscriber:0{digits}d}"
        self.phone_style = r.choice((0, 1, 2, 2, 3))  # how they type it into the sign-up form
        year = r.randrange(1958, 2006)
        self.birthday = f"{year:04d}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}"
        self.user_id = f"u_{r.getrandbits(64):016x}"
        self.web_anon = self._uuid()
        self.app_anon = self._uuid().upper()
        self.telegram_id = str(5_000_000_000 + _serial(idx, 7_933, keys.telegram, 9))
        self.loyalty_card = (
            f"LC-{_serial(idx, 3_571, keys.card, 6):06d}" if r.random() < 0.45 else None
        )
        self.web_ip = f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        self.app_ip = f"172.{r.randrange(16, 32)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        self.user_agent = _pick(r, _WEB_AGENTS, _WEB_AGENT_CUM)
        self.phone_model = r.choice(_PHONES)
        self.app_version = r.choice(_APP_VERSIONS)

        # Their history starts somewhere in the window and keeps going until ``end``.
        self.first_ms = start_ms + r.randrange(max(1, end_ms - start_ms - 3 * _DAY))

        # Story state
        self.account_ms: int | None = None  # when they signed up
        self.logged_in = {"web": False, "mobile": False}
        self.app_installed = False
        self.email_opt_in = r.random() < 0.8
        self.referrer = ""
        self.page: dict[str, str] = {}
        self.abandoned: list[int] = []  # cart abandonments while known by e-mail
        self.first_order_ms: int | None = None
        self.will_register = False
        self.buyer = False
        self.signup_at = -1
        self.app_share = 0.0

    # -- primitives ------------------------------------------------------------------------

    def _uuid(self) -> str:
        """A random (version 4) UUID string drawn from the seeded generator."""
        h = f"{self.r.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _hex(self, bits: int) -> str:
        return f"{self.r.getrandbits(bits):0{bits // 4}x}"

    def _when(self, lo: int, hi: int, hours: Sequence[float] = _ONLINE_HOUR_CUM) -> int:
        """A moment in [lo, hi) at a plausible local hour of the day."""
        r = self.r
        offset = self.country.utc_offset
        midnight = lo - (lo + offset) % _DAY  # local midnight of lo's day, in UTC
        day = r.randrange(max(1, (hi - midnight) // _DAY + 1))
        ts = midnight + day * _DAY + _pick(r, _HOURS, hours) * _HOUR + r.randrange(_HOUR)
        if ts < lo:
            ts += _DAY
        if ts >= hi:
            ts -= _DAY * (1 + (ts - hi) // _DAY)
        return max(lo, min(ts, hi - 1))

    def _emit(
        self,
        ts: int,
        etype: str,
        channel: str,
        body: _Event,
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        context: _Event | None = None,
    ) -> None:
        event: _Event = {"type": etype, "messageId": self._uuid(), "timestamp": ""}
        if user_id:
            event["userId"] = user_id
        if anonymous_id:
            event["anonymousId"] = anonymous_id
        event.update(body)
        ctx: _Event = {
            "channel": channel,
            "locale": self.market.locale,
            "timezone": self.country.tz,
            "library": {"name": _LIBRARY_NAME, "version": _LIBRARY_VERSION},
        }
        if context:
            ctx.update(context)
        event["context"] = ctx
        self.buffer.append((ts, len(self.buffer), event))

    def _track(
        self,
        ts: int,
        channel: str,
        name: str,
        properties: _Event,
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        context: _Event | None = None,
    ) -> None:
        self._emit(
            ts,
            "track",
            channel,
            {"event": name, "properties": properties},
            user_id=user_id,
            anonymous_id=anonymous_id,
            context=context,
        )

    def _known(self, ts: int) -> bool:
        return self.account_ms is not None and ts > self.account_ms

    def _product_props(self, p: _Product, **extra: Any) -> _Event:
        props: _Event = {
            "product_id": p.product_id,
            "sku": p.sku,
            "name": p.names[self.lang],
            "category": p.category,
            "price": _PRICES[p.sku, self.currency],
            "currency": self.currency,
        }
        props.update(extra)
        return props

    def _lines(self, items: Sequence[tuple[_Product, int]]) -> list[_Event]:
        return [
            {
                "product_id": p.product_id,
                "sku": p.sku,
                "name": p.names[self.lang],
                "price": _PRICES[p.sku, self.currency],
                "quantity": q,
                "category": p.category,
            }
            for p, q in items
        ]

    def _basket(self, items: Sequence[tuple[_Product, int]]) -> float:
        return round(sum(_PRICES[p.sku, self.currency] * q for p, q in items), 2)

    # -- web and app -----------------------------------------------------------------------

    def _device_ids(self, device: str) -> tuple[str | None, str]:
        anon = self.web_anon if device == "web" else self.app_anon
        return (self.user_id if self.logged_in[device] else None), anon

    def _device_context(self, device: str) -> _Event:
        if device == "web":
            return {"ip": self.web_ip, "userAgent": self.user_agent, "page": dict(self.page)}
        dtype, maker, model, os_name, os_version = self.phone_model
        version, build = self.app_version
        return {
            "ip": self.app_ip,
            "userAgent": f"UnisonShop/{version} ({model}; {os_name} {os_version})",
            "app": {
                "name": "Unison Shop",
                "version": version,
                "build": build,
                "namespace": "example.unison.shop",
            },
            "device": {"type": dtype, "manufacturer": maker, "model": model},
            "os": {"name": os_name, "version": os_version},
            "network": {"wifi": self.r.random() < 0.6},
        }

    def _view(
        self,
        ts: int,
        device: str,
        name: str,
        path: str,
        title: str,
        *,
        search: str = "",
        campaign: _Event | None = None,
        extra: _Event | None = None,
    ) -> None:
        """A ``page`` on the web, a ``screen`` in the app."""
        user_id, anon = self._device_ids(device)
        if device == "web":
            page = {
                "path": path,
                "referrer": self.referrer,
                "search": search,
                "title": title,
                "url": f"{self.site}{path}{search}",
            }
            self.page = page
            self.referrer = page["url"]
            ctx = self._device_context(device)
            if campaign:
                ctx["campaign"] = campaign
            props: _Event = dict(page)
            if extra:
                props.update(extra)
            self._emit(
                ts,
                "page",
                "web",
                {"name": name, "properties": props},
                user_id=user_id,
                anonymous_id=anon,
                context=ctx,
            )
        else:
            self._emit(
                ts,
                "screen",
                "mobile",
                {"name": name, "properties": dict(extra or {})},
                user_id=user_id,
                anonymous_id=anon,
                context=self._device_context(device),
            )

    def _event(self, ts: int, device: str, name: str, props: _Event) -> None:
        user_id, anon = self._device_ids(device)
        self._track(
            ts,
            device,
            name,
            props,
            user_id=user_id,
            anonymous_id=anon,
            context=self._device_context(device),
        )

    def _identify(self, ts: int, device: str, *, signup: bool) -> None:
        r = self.r
        if signup:
            traits: _Event = {
                "first_name": self.first_name,
                "last_name": self.last_name,
                "name": f"{self.first_name} {self.last_name}",
                "email": self.email,
                "phone": _phone(self.country, self.nsn, self.phone_style),
                "gender": self.gender,
                "birthday": self.birthday,
                "city": self.city.name,
                "country": self.country.code,
                "language": self.lang,
                "created_at": _iso(ts),
                "email_opt_in": self.email_opt_in,
            }
            if self.loyalty_card and r.random() < 0.5:
                traits["loyalty_card"] = self.loyalty_card
        else:  # a log-in: the form only knows the e-mail
            traits = {"email": self.email}
        self.logged_in[device] = True
        user_id, anon = self._device_ids(device)
        self._emit(
            ts,
            "identify",
            device,
            {"traits": traits},
            user_id=user_id,
            anonymous_id=anon,
            context=self._device_context(device),
        )

    def _signup(self, ts: int, device: str) -> int:
        r = self.r
        self._view(ts, device, "Sign Up", "/signup", self.text.ui["signup"])
        ts += r.randrange(30 * _SEC, 3 * _MIN)
        self.account_ms = ts
        self._identify(ts, device, signup=True)
        self._event(
            ts + r.randrange(50, 900), device, "Signed Up", {"method": r.choice(_SIGNUP_METHODS)}
        )
        if r.random() < 0.3:  # the tracking plan aliases the pre-sign-up anonymous id
            _, anon = self._device_ids(device)
            self._emit(
                ts + r.randrange(1_000, 2_000),
                "alias",
                device,
                {"previousId": anon, "userId": self.user_id},
                context=self._device_context(device),
            )
        return ts + 2 * _SEC

    def _login(self, ts: int, device: str) -> int:
        path, title = "/account/login", self.text.ui["account"]
        self._view(ts, device, "Log In", path, title)
        ts += self.r.randrange(15 * _SEC, 90 * _SEC)
        self._identify(ts, device, signup=False)
        return ts + _SEC

    def _digital(self) -> None:
        r = self.r
        tier = r.random()
        sessions = (
            r.randint(1, 2) if tier < 0.4 else r.randint(3, 6) if tier < 0.83 else r.randint(7, 12)
        )
        self.will_register = r.random() < 0.68
        self.buyer = self.will_register and r.random() < 0.6
        self.signup_at = r.randrange(sessions) if self.will_register else -1
        self.app_share = 0.0 if r.random() < 0.6 else r.choice((0.3, 0.6, 0.9))
        starts = sorted(self._when(self.first_ms, self.end_ms) for _ in range(sessions))
        web_visits = 0
        t_free = 0
        for i, start in enumerate(starts):
            device = "mobile" if r.random() < self.app_share else "web"
            t = max(start, t_free + 20 * _MIN)
            t_free = self._session(t, device, i, first_web=device == "web" and web_visits == 0)
            web_visits += device == "web"

    def _session(self, t: int, device: str, index: int, *, first_web: bool) -> int:
        r = self.r
        text = self.text

        def gap() -> int:
            return r.randrange(8 * _SEC, 100 * _SEC)

        campaign: _Event | None = None
        search = ""
        if device == "web":
            referrer, source, medium, name = _pick(
                r, _TRAFFIC, _FIRST_TRAFFIC_CUM if first_web else _RETURN_TRAFFIC_CUM
            )
            self.referrer = referrer
            if source:
                campaign = {"source": source, "medium": medium, "name": name}
                search = f"?utm_source={source}&utm_medium={medium}&utm_campaign={name}"
        else:
            version, build = self.app_version
            if not self.app_installed:
                self.app_installed = True
                self._event(
                    t, device, "Application Installed", {"version": version, "build": build}
                )
                t += r.randrange(2 * _SEC, 20 * _SEC)
            self._event(
                t,
                device,
                "Application Opened",
                {"from_background": False, "version": version, "build": build},
            )
            t += r.randrange(1 * _SEC, 5 * _SEC)

        viewed: list[_Product] = []
        # Landing
        if campaign and r.random() < 0.6:
            p = r.choice(_PRODUCTS)
            viewed.append(p)
            self._view(
                t,
                device,
                "Product",
                f"/p/{p.sku.lower()}",
                f"{p.names[self.lang]} | Unison",
                search=search,
                campaign=campaign,
                extra={"product_id": p.product_id},
            )
            self._event(
                t + r.randrange(300, 2_000), device, "Product Viewed", self._product_props(p)
            )
        else:
            self._view(t, device, "Home", "/", text.site_title, search=search, campaign=campaign)
        if self.account_ms is not None and not self.logged_in[device] and r.random() < 0.7:
            t = self._login(t + gap(), device)

        for _ in range(r.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))):
            t += gap()
            x = r.random()
            if x < 0.5:
                p = r.choice(_PRODUCTS)
                viewed.append(p)
                self._view(
                    t,
                    device,
                    "Product",
                    f"/p/{p.sku.lower()}",
                    f"{p.names[self.lang]} | Unison",
                    extra={"product_id": p.product_id},
                )
                self._event(
                    t + r.randrange(300, 2_000), device, "Product Viewed", self._product_props(p)
                )
            elif x < 0.72:
                cat = r.choice(_PRODUCTS).category
                self._view(
                    t,
                    device,
                    "Category",
                    f"/c/{cat}",
                    text.categories[cat],
                    extra={"category": cat},
                )
            elif x < 0.9:
                p = r.choice(_PRODUCTS)
                query = p.names[self.lang].split()[-1].lower()
                self._event(t, device, "Products Searched", {"query": query})
                self._view(
                    t + r.randrange(400, 1_500),
                    device,
                    "Search Results",
                    "/search",
                    text.ui["search"],
                    search=f"?q={quote(query)}",
                    extra={"query": query},
                )
            elif self.logged_in[device]:
                self._view(t, device, "Account", "/account", text.ui["account"])
            else:
                self._view(t, device, "Home", "/", text.site_title)

        if index == self.signup_at and self.account_ms is None and r.random() < 0.6:
            t = self._signup(t + gap(), device)

        if viewed and r.random() < (0.45 if self.buyer else 0.12):
            t = self._cart(t + gap(), device, viewed)
        return t + gap()

    def _cart(self, t: int, device: str, viewed: list[_Product]) -> int:
        r = self.r
        cart_id = self._hex(64)
        items: list[tuple[_Product, int]] = []
        for p in viewed[-3:]:
            if any(p is q for q, _ in items) or (items and r.random() < 0.4):
                continue
            qty = 1 if p.category == "gift_cards" or r.random() < 0.8 else 2
            items.append((p, qty))
            self._event(
                t, device, "Product Added", self._product_props(p, cart_id=cart_id, quantity=qty)
            )
            t += r.randrange(5 * _SEC, 60 * _SEC)
        self._view(t, device, "Cart", "/cart", self.text.ui["cart"])
        self._event(
            t + r.randrange(200, 900),
            device,
            "Cart Viewed",
            {"cart_id": cart_id, "products": self._lines(items)},
        )
        if r.random() > (0.8 if self.buyer else 0.3):
            return self._abandon(t)
        t += r.randrange(10 * _SEC, 90 * _SEC)
        order_id = f"ORD-{r.getrandbits(40):010X}"
        subtotal = self._basket(items)
        self._view(t, device, "Checkout", "/checkout", self.text.ui["checkout"])
        self._event(
            t + r.randrange(200, 900),
            device,
            "Checkout Started",
            {
                "checkout_id": cart_id,
                "order_id": order_id,
                "value": subtotal,
                "revenue": subtotal,
                "currency": self.currency,
                "products": self._lines(items),
            },
        )
        t += r.randrange(20 * _SEC, 2 * _MIN)
        if not self.logged_in[device]:
            if self.account_ms is not None and r.random() < 0.85:
                t = self._login(t, device)
            elif self.account_ms is None and self.will_register and r.random() < 0.8:
                t = self._signup(t, device)
        if not self.logged_in[device] or r.random() > (0.88 if self.buyer else 0.25):
            return self._abandon(t)
        t += r.randrange(30 * _SEC, 4 * _MIN)
        discount = 0.0
        props: _Event = {
            "checkout_id": cart_id,
            "order_id": order_id,
            "affiliation": "Unison Online" if device == "web" else "Unison App",
        }
        if r.random() < 0.2:
            discount = round(subtotal * 0.1, 2)
            props["coupon"] = "WELCOME10"
        revenue = round(subtotal - discount, 2)
        shipping = 0.0 if revenue > 100 * self.country.rate else round(5 * self.country.rate, 2)
        props.update(
            total=round(revenue + shipping, 2),
            subtotal=subtotal,
            revenue=revenue,
            shipping=shipping,
            discount=discount,
            currency=self.currency,
            products=self._lines(items),
        )
        self._event(t, device, "Order Completed", props)
        if self.first_order_ms is None:
            self.first_order_ms = t
        if r.random() < 0.7:  # shipping notice by SMS a day or two later
            sent = t + r.randrange(18 * _HOUR, 50 * _HOUR)
            self._track(
                sent,
                "sms",
                "Message Sent",
                {
                    "text": self.text.sms_shipped.format(order_id=order_id),
                    "direction": "outbound",
                    "conversation_id": f"sms-{order_id.lower()}",
                    "order_id": order_id,
                },
                user_id=self.user_id,
                context={"traits": {"phone": _phone(self.country, self.nsn, 2)}},
            )
        return t + r.randrange(20 * _SEC, 2 * _MIN)

    def _abandon(self, t: int) -> int:
        if self.account_ms is not None:
            self.abandoned.append(t)
        return t + self.r.randrange(5 * _SEC, 40 * _SEC)

    def _group(self) -> None:
        r = self.r
        assert self.account_ms is not None
        n = r.randrange(len(self.market.companies))
        name, industry, employees = self.market.companies[n]
        ts = self._when(self.account_ms + _HOUR, self.end_ms, _OFFICE_HOUR_CUM)
        self.page = {
            "path": "/account/company",
            "referrer": self.referrer,
            "search": "",
            "title": self.text.ui["account"],
            "url": f"{self.site}/account/company",
        }
        self._emit(
            ts,
            "group",
            "web",
            {
                "groupId": f"grp_{self.market.key}_{n + 1:03d}",
                "traits": {
                    "name": name,
                    "industry": industry,
                    "employees": employees,
                    "plan": r.choice(_PLANS),
                    "city": self.city.name,
                    "country": self.country.code,
                },
            },
            user_id=self.user_id,
            anonymous_id=self.web_anon,
            context=self._device_context("web"),
        )

    # -- other channels --------------------------------------------------------------------

    def _emails(self) -> None:
        r = self.r
        assert self.account_ms is not None
        if not self.email_opt_in:
            return
        offset = self.country.utc_offset
        sends: list[tuple[int, _Campaign]] = []
        for c in self.campaigns:
            ts = c.day_ms + 10 * _HOUR - offset + r.randrange(45 * _MIN)
            if ts > self.account_ms + _HOUR and r.random() < 0.45:
                sends.append((ts, c))
        for t in self.abandoned:
            ts = t + r.randrange(2 * _HOUR, 4 * _HOUR)
            sends.append(
                (ts, _Campaign(0, "abandoned_cart", "cmp_abandoned_cart", "abandoned_cart"))
            )
        sends.sort(key=lambda s: s[0])
        ctx: _Event = {"traits": {"email": self.email}}
        for ts, c in sends:
            email_id = f"em_{self._hex(64)}"
            props: _Event = {
                "email_id": email_id,
                "email_subject": self.text.campaigns[c.code],
                "campaign_id": c.campaign_id,
                "campaign_name": c.name,
            }
            self._track(
                ts, "email", "Email Delivered", dict(props), user_id=self.user_id, context=dict(ctx)
            )
            if r.random() < (0.55 if c.code == "abandoned_cart" else 0.35):
                opened = ts + r.randrange(2 * _MIN, 30 * _HOUR)
                self._track(
                    opened,
                    "email",
                    "Email Opened",
                    dict(props),
                    user_id=self.user_id,
                    context=dict(ctx),
                )
                if r.random() < 0.3:
                    clicked = opened + r.randrange(5 * _SEC, 3 * _MIN)
                    path = "/cart" if c.code == "abandoned_cart" else "/"
                    query = f"?utm_source=newsletter&utm_medium=email&utm_campaign={c.name}"
                    self._track(
                        clicked,
                        "email",
                        "Email Link Clicked",
                        {**props, "link_url": f"{self.site}{path}{query}"},
                        user_id=self.user_id,
                        context=dict(ctx),
                    )
                    self.logged_in["web"] = True  # the link carries a sign-in token
                    self.referrer = ""
                    title = self.text.ui["cart"] if path == "/cart" else self.text.site_title
                    self._view(
                        clicked + r.randrange(1_500, 6_000),
                        "web",
                        "Cart" if path == "/cart" else "Home",
                        path,
                        title,
                        search=query,
                        campaign={"source": "newsletter", "medium": "email", "name": c.name},
                    )
            if r.random() < 0.012:
                self._track(
                    ts + r.randrange(5 * _MIN, 48 * _HOUR),
                    "email",
                    "Unsubscribed",
                    {"email_id": email_id, "list_id": "newsletter", "campaign_name": c.name},
                    user_id=self.user_id,
                    context=dict(ctx),
                )
                return

    def _messaging(self) -> None:
        r = self.r
        m = self.market
        channel = _pick(r, [c for c, _ in m.messengers], _MESSENGER_CUM[m.key])
        if channel == "telegram":
            ident = self.telegram_id
        elif channel == "viber":
            ident = f"{r.getrandbits(128):032x}"[:22] + "=="
        else:
            ident = _phone(self.country, self.nsn, 4)
        anon = f"{channel}:{ident}"
        id_key = f"{channel}_id"
        lang = self.text
        shared = channel == "whatsapp"  # the id already is the phone number
        for _ in range(1 + (r.random() < 0.35) + (r.random() < 0.15)):
            t = self._when(self.first_ms, self.end_ms)
            conv = f"{channel[:2]}-{self._hex(48)}"
            topic = r.randrange(4)
            traits: _Event = {id_key: ident}
            self._track(
                t,
                channel,
                "Message Received",
                {"text": lang.questions[topic], "conversation_id": conv, "direction": "inbound"},
                anonymous_id=anon,
                context={"traits": dict(traits)},
            )
            t += r.randrange(20 * _SEC, 5 * _MIN)
            if not shared and r.random() < 0.45:
                shared = True
                phone = _phone(self.country, self.nsn, r.choice((2, 4)))
                traits["phone"] = phone
                self._track(
                    t,
                    channel,
                    "Contact Shared",
                    {"phone": phone, "conversation_id": conv, "direction": "inbound"},
                    anonymous_id=anon,
                    context={"traits": dict(traits)},
                )
                t += r.randrange(20 * _SEC, 2 * _MIN)
            t += r.randrange(1 * _MIN, 40 * _MIN)
            self._track(
                t,
                channel,
                "Message Sent",
                {"text": lang.answers[topic], "conversation_id": conv, "direction": "outbound"},
                anonymous_id=anon,
                context={"traits": {id_key: ident}},
            )
            if r.random() < 0.5:
                t += r.randrange(1 * _MIN, 30 * _MIN)
                self._track(
                    t,
                    channel,
                    "Message Received",
                    {"text": lang.thanks, "conversation_id": conv, "direction": "inbound"},
                    anonymous_id=anon,
                    context={"traits": {id_key: ident}},
                )

    def _agent(self) -> str:
        r = self.r
        m = self.market
        first = m.first_names[r.randrange(4)]
        last = m.last_names[r.randrange(3)]
        return f"{first[0]} {last[1] if first[2] == 'f' else last[0]}"

    def _calls(self) -> None:
        r = self.r
        for _ in range(1 + (r.random() < 0.3) + (r.random() < 0.1)):
            t = self._when(self.first_ms, self.end_ms, _OFFICE_HOUR_CUM)
            caller = _phone(self.country, self.nsn, r.choice((2, 2, 0)))
            ctx: _Event = {"traits": {"phone": caller}}
            user_id = self.user_id if self._known(t) and r.random() < 0.6 else None
            call_id = f"call-{self._hex(48)}"
            if r.random() < 0.18:
                self._track(
                    t,
                    "call_center",
                    "Call Missed",
                    {
                        "call_id": call_id,
                        "direction": "inbound",
                        "wait_seconds": r.randrange(20, 240),
                    },
                    user_id=user_id,
                    anonymous_id=call_id,
                    context=ctx,
                )
                if r.random() < 0.6:  # the call centre calls back
                    t += r.randrange(20 * _MIN, 3 * _HOUR)
                    call_id = f"call-{self._hex(48)}"
                    self._call(t, call_id, "outbound", user_id, ctx)
            else:
                self._call(t, call_id, "inbound" if r.random() < 0.8 else "outbound", user_id, ctx)

    def _call(self, t: int, call_id: str, direction: str, user_id: str | None, ctx: _Event) -> None:
        r = self.r
        topic = r.choice(_CALL_TOPICS)
        duration = r.randrange(40, 900)
        self._track(
            t + duration * _SEC,
            "call_center",
            "Call Completed",
            {
                "call_id": call_id,
                "direction": direction,
                "duration_seconds": duration,
                "agent": self._agent(),
                "topic": topic,
            },
            user_id=user_id,
            anonymous_id=call_id,
            context=dict(ctx),
        )

    def _helpdesk(self) -> None:
        r = self.r
        requester = f"hd-requester-{self._hex(48)}"
        lo = self.first_order_ms or self.first_ms
        for _ in range(1 + (r.random() < 0.25)):
            t = self._when(lo, self.end_ms)
            subject, text = r.choice(self.text.tickets)
            ticket_id = f"T-{self._hex(40).upper()}"
            priority = _pick(r, _TICKET_PRIORITIES, _TICKET_PRIORITY_CUM)
            user_id = self.user_id if self._known(t) else None
            ctx: _Event = {
                "traits": {"email": self.email, "name": f"{self.first_name} {self.last_name}"}
            }
            via = r.choice(("email", "web_form", "email"))
            self._track(
                t,
                "helpdesk",
                "Ticket Created",
                {
                    "ticket_id": ticket_id,
                    "subject": subject,
                    "text": text,
                    "priority": priority,
                    "status": "new",
                    "via": via,
                },
                user_id=user_id,
                anonymous_id=requester,
                context=ctx,
            )
            if r.random() < 0.9:
                hours = r.randrange(1, 96)
                t += hours * _HOUR + r.randrange(_HOUR)
                self._track(
                    t,
                    "helpdesk",
                    "Ticket Resolved",
                    {
                        "ticket_id": ticket_id,
                        "subject": subject,
                        "priority": priority,
                        "status": "solved",
                        "resolution_hours": hours,
                        "agent": self._agent(),
                    },
                    user_id=user_id,
                    anonymous_id=requester,
                    context=dict(ctx),
                )
                if r.random() < 0.55:
                    t += r.randrange(10 * _MIN, 20 * _HOUR)
                    self._track(
                        t,
                        "helpdesk",
                        "Satisfaction Rated",
                        {"ticket_id": ticket_id, "score": _pick(r, (1, 2, 3, 4, 5), _SCORE_CUM)},
                        user_id=user_id,
                        anonymous_id=requester,
                        context=dict(ctx),
                    )

    def _store(self, visits: int) -> None:
        r = self.r
        for _ in range(visits):
            t = self._when(self.first_ms, self.end_ms, _STORE_HOUR_CUM)
            store_id, store_name = r.choice(self.city.stores)
            receipt = f"{r.randrange(10**14):014d}"
            picks = r.sample(_SHELF, r.choice((1, 1, 1, 2, 2, 3, 4)))
            items = [(p, 1 if r.random() < 0.85 else 2) for p in picks]
            total = self._basket(items)
            traits: _Event = {}
            if self.loyalty_card and r.random() < 0.9:
                traits["loyalty_card"] = self.loyalty_card
                if r.random() < 0.25:
                    traits["phone"] = _phone(self.country, self.nsn, r.choice((1, 3)))
            else:
                traits["phone"] = _phone(self.country, self.nsn, r.choice((1, 3)))
            self._track(
                t,
                "pos",
                "Order Completed",
                {
                    "order_id": f"POS-{store_id}-{receipt}",
                    "affiliation": store_name,
                    "store_id": store_id,
                    "store_name": store_name,
                    "store_city": self.city.name,
                    "total": total,
                    "revenue": total,
                    "currency": self.currency,
                    "payment_method": r.choice(("card", "card", "card", "cash", "mobile_wallet")),
                    "products": self._lines(items),
                },
                anonymous_id=f"pos-receipt-{receipt}",
                context={
                    "traits": traits,
                    "device": {"type": "pos", "id": f"{store_id}-T{r.randint(1, 4)}"},
                },
            )

    # -- the whole story -------------------------------------------------------------------

    def events(self) -> list[_Event]:
        r = self.r
        store_only = r.random() < 0.1
        if store_only:
            self._store(r.choice((1, 1, 2, 2, 3, 4, 6)))
        else:
            self._digital()
            if r.random() < 0.15:
                self._store(r.choice((1, 1, 2, 3)))
        if r.random() < 0.3:
            self._messaging()
        if r.random() < 0.15:
            self._calls()
        if r.random() < (0.3 if self.first_order_ms is not None else 0.05):
            self._helpdesk()
        if self.account_ms is not None:
            self._emails()
            if r.random() < 0.06:
                self._group()
        self.buffer.sort(key=lambda item: (item[0], item[1]))
        out: list[_Event] = []
        for ts, _, event in self.buffer:
            if ts >= self.end_ms:  # the history is cut at ``end``
                break
            event["timestamp"] = _iso(ts)
            out.append(event)
        return out


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate_events(
    customers: int, seed: int, end: datetime = DEFAULT_END, days: int = 365
) -> Iterator[dict[str, Any]]:
    """Yield the demo history of ``customers`` customers, customer by customer.

    Events fall in ``[end - days, end)`` (a naive ``end`` is taken as UTC) and each customer's
    events come out in timestamp order.  The same arguments always yield the same events.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    if days < 7:
        raise ValueError("days must be >= 7")
    end_ms = _to_ms(end)
    start_ms = end_ms - days * _DAY
    r = Random(seed)
    keys = _Keys.draw(r)
    campaigns = _calendar(start_ms, end_ms)
    for idx in range(customers):
        yield from _Story(r, idx, keys, start_ms, end_ms, campaigns).events()


def write_jsonl(path: Path, customers: int, seed: int, end: datetime = DEFAULT_END) -> int:
    """Write the demo history to ``path`` as UTF-8 JSON lines; return the number of events."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for event in generate_events(customers, seed, end):
            out.write(encode(event))
            out.write("\n")
            count += 1
    return count
