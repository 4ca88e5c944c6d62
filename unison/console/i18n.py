"""The console's strings: one JSON catalogue per language in locales/ (English the fallback),
keys namespaced by area (`customers.title`), so areas add keys without touching each other's."""

from pathlib import Path

from starlette.requests import Request

from unison.consent.preference_center.i18n import LANGUAGES, choose, direction, supported
from unison.kit.catalogs import Catalogs

__all__ = [
    "COOKIE",
    "DEFAULT",
    "LANGUAGES",
    "catalog",
    "direction",
    "language_of",
    "supported",
    "text",
]

DEFAULT = "en"
COOKIE = "unison_lang"
LOCALES = Path(__file__).parent / "locales"
# Each language's name in itself, for the switcher (a reader finds their own language).
NAMES = {
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "ka": "ქართული",
    "hy": "Հայերեն",
    "he": "עברית",
}

# English fills a language's gaps; a key no catalogue has shows as itself (kit/catalogs.py).
_CATALOGS = Catalogs(LOCALES, LANGUAGES, DEFAULT)
catalog = _CATALOGS.catalog
text = _CATALOGS.text


def language_of(request: Request) -> str:
    """`?lang=`, then the language cookie, then Accept-Language, then English."""
    return choose(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
