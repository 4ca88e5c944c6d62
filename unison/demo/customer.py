"""Who a demo customer is: market, name, contact details and devices, drawn from the seed."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Final

from unison.demo.clock import DAY
from unison.demo.draw import cumulative, pick, random_uuid, serial
from unison.demo.markets import CITY_CUM, MARKET_CUM, MARKETS, City, Country, Market
from unison.demo.texts import LANGS, Lang

SITE: Final = "https://shop.unison.example"

_EMAIL_DOMAINS: Final = ("example.com", "example.net", "example.org", "mail.example.com")
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
_WEB_AGENT_CUM: Final = cumulative([38, 17, 22, 18, 5])
# (device type, manufacturer, model, os name, os version)
_PHONES: Final = (
    ("ios", "Apple", "iPhone15,3", "iOS", "17.6"),
    ("ios", "Apple", "iPhone14,5", "iOS", "17.5"),
    ("android", "samsung", "SM-S911B", "Android", "14"),
    ("android", "Xiaomi", "23049PCD8G", "Android", "13"),
    ("android", "Google", "Pixel 8", "Android", "14"),
)
_APP_VERSIONS: Final = (("4.1.0", "410"), ("4.2.1", "421"), ("4.3.0", "430"))


@dataclass(frozen=True, slots=True)
class Keys:
    """Per-seed offsets that scatter the per-customer serial numbers."""

    phone: int
    email: int
    telegram: int
    card: int

    @classmethod
    def draw(cls, r: Random) -> Keys:
        return cls(r.randrange(10**6), r.randrange(10**6), r.randrange(10**9), r.randrange(10**6))


@dataclass(frozen=True, slots=True)
class Person:
    market: Market
    lang: str
    text: Lang
    city: City
    country: Country
    currency: str
    site: str
    first_name: str
    last_name: str
    gender: str
    email: str
    nsn: str  # national significant number
    phone_style: int  # how they type it into the sign-up form
    birthday: str
    user_id: str
    web_anon: str
    app_anon: str
    telegram_id: str
    loyalty_card: str | None
    web_ip: str
    app_ip: str
    user_agent: str
    phone_model: tuple[str, str, str, str, str]
    app_version: tuple[str, str]
    first_ms: int  # their history starts here and keeps going until ``end``
    email_opt_in: bool

    @classmethod
    def draw(cls, r: Random, idx: int, keys: Keys, start_ms: int, end_ms: int) -> Person:
        # The draws happen in this order so that a seed keeps giving the same people.
        m = pick(r, MARKETS, MARKET_CUM)
        city = pick(r, m.cities, CITY_CUM[m.key])
        country = city.country

        first_native, first_latin, gender = r.choice(m.first_names)
        last = r.choice(m.last_names)
        female = gender == "f"
        latin_first = first_latin.lower()
        latin_last = (last[3] if female else last[2]).lower()
        suffix = serial(idx, 7_919, keys.email, 6)
        local = r.choice(
            (
                f"{latin_first}.{latin_last}{suffix}",
                f"{latin_first[0]}{latin_last}{suffix}",
                f"{latin_first}{suffix}",
                f"{latin_last}.{latin_first}{suffix}",
            )
        )
        email = f"{local}@{r.choice(_EMAIL_DOMAINS)}"
        digits = country.subscriber_digits
        subscriber = serial(idx, 104_729, keys.phone, 6) % 10**digits
        if digits > 6:  # the leading digits are free to vary
            subscriber += r.randrange(10 ** (digits - 6)) * 10**6
        nsn = f"{r.choice(country.operators)}{subscriber:0{digits}d}"
        phone_style = r.choice((0, 1, 2, 2, 3))
        year = r.randrange(1958, 2006)
        birthday = f"{year:04d}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}"
        user_id = f"u_{r.getrandbits(64):016x}"
        web_anon = random_uuid(r)
        app_anon = random_uuid(r).upper()
        telegram_id = str(5_000_000_000 + serial(idx, 7_933, keys.telegram, 9))
        loyalty_card = f"LC-{serial(idx, 3_571, keys.card, 6):06d}" if r.random() < 0.45 else None
        web_ip = f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        app_ip = f"172.{r.randrange(16, 32)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        user_agent = pick(r, _WEB_AGENTS, _WEB_AGENT_CUM)
        phone_model = r.choice(_PHONES)
        app_version = r.choice(_APP_VERSIONS)
        first_ms = start_ms + r.randrange(max(1, end_ms - start_ms - 3 * DAY))
        email_opt_in = r.random() < 0.8
        return cls(
            market=m,
            lang=m.language,
            text=LANGS[m.language],
            city=city,
            country=country,
            currency=country.currency,
            site=f"{SITE}/{m.language}",
            first_name=first_native,
            last_name=last[1] if female else last[0],
            gender="female" if female else "male",
            email=email,
            nsn=nsn,
            phone_style=phone_style,
            birthday=birthday,
            user_id=user_id,
            web_anon=web_anon,
            app_anon=app_anon,
            telegram_id=telegram_id,
            loyalty_card=loyalty_card,
            web_ip=web_ip,
            app_ip=app_ip,
            user_agent=user_agent,
            phone_model=phone_model,
            app_version=app_version,
            first_ms=first_ms,
            email_opt_in=email_opt_in,
        )
