# ruff: noqa: RUF001  (names, cities and shops in Georgian, Armenian, Hebrew and Cyrillic script)
"""The six markets of the demo brand: countries, phone numbering, people's names and cities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from unison.demo.clock import HOUR
from unison.demo.draw import cumulative


@dataclass(frozen=True, slots=True)
class Country:
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


_GE = Country(
    "GE", "995", "GEL", 2.7, False, "Asia/Tbilisi", 4 * HOUR,
    ("551", "555", "557", "558", "568", "571", "574", "577", "591", "593", "595", "599"), 6,
    ("+995 ### ## ## ##", "### ## ## ##", "#########"),
)  # fmt: skip
_AM = Country(
    "AM", "374", "AMD", 390.0, True, "Asia/Yerevan", 4 * HOUR,
    ("41", "43", "44", "55", "77", "91", "93", "94", "95", "96", "98", "99"), 6,
    ("+374 ## ######", "0## ## ## ##", "0########"),
)  # fmt: skip
_IL = Country(
    "IL", "972", "ILS", 3.7, False, "Asia/Jerusalem", 2 * HOUR,
    ("50", "52", "53", "54", "55", "58"), 7,
    ("+972 ##-###-####", "0##-###-####", "0#########"),
)  # fmt: skip
_UA = Country(
    "UA", "380", "UAH", 41.0, True, "Europe/Kyiv", 2 * HOUR,
    ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"), 7,
    ("+380 ## ### ## ##", "0## ### ## ##", "0#########"),
)  # fmt: skip
_KZ = Country(
    "KZ", "7", "KZT", 480.0, True, "Asia/Almaty", 5 * HOUR,
    ("700", "701", "702", "705", "707", "747", "771", "775", "777"), 7,
    ("+7 ### ### ## ##", "8 ### ### ## ##", "8##########"),
)  # fmt: skip
_RU = Country(
    "RU", "7", "RUB", 92.0, True, "Europe/Moscow", 3 * HOUR,
    ("903", "905", "910", "915", "916", "925", "926", "977", "985", "999"), 7,
    ("+7 ### ###-##-##", "8 (###) ###-##-##", "8##########"),
)  # fmt: skip
_GB = Country(
    "GB", "44", "GBP", 0.79, False, "Europe/London", 0,
    ("7400", "7700", "7800", "7900", "7911", "7958", "7985"), 6,
    ("+44 #### ######", "0#### ######", "0##########"),
)  # fmt: skip
_US = Country(
    "US", "1", "USD", 1.0, False, "America/New_York", -5 * HOUR,
    ("2125", "3325", "3476", "6464", "7182", "9173", "9297"), 6,
    ("+1 ###-###-####", "(###) ###-####", "##########"),
)  # fmt: skip

ALL_COUNTRIES: Final = (_GE, _AM, _IL, _UA, _KZ, _RU, _GB, _US)


def _fill(pattern: str, digits: str) -> str:
    it = iter(digits)
    return "".join(next(it) if ch == "#" else ch for ch in pattern)


def format_phone(country: Country, nsn: str, style: int) -> str:
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
class City:
    name: str  # in the market's language
    country: Country
    weight: float
    stores: tuple[tuple[str, str], ...]  # (store_id, store name)


@dataclass(frozen=True, slots=True)
class Market:
    key: str
    language: str
    locale: str
    weight: float
    first_names: tuple[tuple[str, str, str], ...]  # (native, latin, gender)
    last_names: tuple[tuple[str, str, str, str], ...]  # (native m, native f, latin m, latin f)
    cities: tuple[City, ...]
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


MARKETS: Final = (
    Market(
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
            City("თბილისი", _GE, 0.6,
                  (("TBS-VAKE", "Unison ვაკე"), ("TBS-SABURTALO", "Unison საბურთალო"))),
            City("ბათუმი", _GE, 0.25, (("BUS-MALL", "Unison ბათუმი მოლი"),)),
            City("ქუთაისი", _GE, 0.15, (("KUT-CENTER", "Unison ქუთაისი ცენტრი"),)),
        ),
        (("telegram", 0.5), ("whatsapp", 0.3), ("viber", 0.2)),
        (
            ("შპს ალფა ტექნოლოჯი", "it", 45),
            ("შპს კავკასიის ლოჯისტიკა", "logistics", 120),
            ("შპს ვაკის სასტუმრო", "hospitality", 30),
        ),
    ),
    Market(
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
            City("Երևան", _AM, 0.8,
                  (("EVN-CASCADE", "Unison Կասկադ"), ("EVN-DALMA", "Unison Դալմա"))),
            City("Գյումրի", _AM, 0.2, (("LWN-CENTER", "Unison Գյումրի"),)),
        ),
        (("telegram", 0.5), ("viber", 0.3), ("whatsapp", 0.2)),
        (("«Արարատ Թրեյդ» ՍՊԸ", "retail", 60), ("«Սևան Սոֆթ» ՍՊԸ", "it", 85)),
    ),
    Market(
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
            City("תל אביב", _IL, 0.45,
                  (("TLV-DIZENGOFF", "Unison דיזנגוף"), ("TLV-AZRIELI", "Unison עזריאלי"))),
            City("ירושלים", _IL, 0.35, (("JRS-MAMILLA", "Unison ממילא"),)),
            City("חיפה", _IL, 0.2, (("HFA-GRAND", "Unison גרנד קניון"),)),
        ),
        (("whatsapp", 0.85), ("telegram", 0.15)),
        (('אופק טכנולוגיות בע"מ', "it", 150), ('גליל לוגיסטיקה בע"מ', "logistics", 70)),
    ),
    Market(
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
            City("Київ", _UA, 0.5,
                  (("KBP-KHRESHCHATYK", "Unison Хрещатик"), ("KBP-OBOLON", "Unison Оболонь"))),
            City("Львів", _UA, 0.25, (("LWO-RYNOK", "Unison Площа Ринок"),)),
            City("Одеса", _UA, 0.25, (("ODS-DERYBASIVSKA", "Unison Дерибасівська"),)),
        ),
        (("telegram", 0.6), ("viber", 0.35), ("whatsapp", 0.05)),
        (("ТОВ «Дніпро Трейд»", "retail", 95), ("ТОВ «Карпати Софт»", "it", 40)),
    ),
    Market(
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
            City("Тбилиси", _GE, 0.3, (("TBS-VAKE", "Unison Ваке"),)),
            City("Ереван", _AM, 0.25, (("EVN-CASCADE", "Unison Каскад"),)),
            City("Алматы", _KZ, 0.3, (("ALA-DOSTYK", "Unison Достык"),)),
            City("Москва", _RU, 0.15, (("MOW-TVERSKAYA", "Unison Тверская"),)),
        ),
        (("telegram", 0.7), ("whatsapp", 0.2), ("viber", 0.1)),
        (("ООО «Северный ветер»", "logistics", 200), ("ТОО «Алатау Сервис»", "hospitality", 35)),
    ),
    Market(
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
            City("London", _GB, 0.55,
                  (("LON-OXFORD", "Unison Oxford Street"),
                   ("LON-SHOREDITCH", "Unison Shoreditch"))),
            City("New York", _US, 0.45, (("NYC-SOHO", "Unison SoHo"),)),
        ),
        (("whatsapp", 0.9), ("telegram", 0.1)),
        (("Northwind Traders Ltd", "retail", 250), ("Hudson Analytics Inc", "it", 75)),
    ),
)  # fmt: skip


MARKET_CUM: Final = cumulative([m.weight for m in MARKETS])
CITY_CUM: Final = {m.key: cumulative([c.weight for c in m.cities]) for m in MARKETS}
MESSENGER_CUM: Final = {m.key: cumulative([w for _, w in m.messengers]) for m in MARKETS}
