"""Message catalogs (one JSON file per language in locales/) and language choice."""

from pathlib import Path

from babel.core import negotiate_locale

from unison.kit.catalogs import Catalogs

LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "ka", "hy", "he")
RTL = frozenset({"he"})
DEFAULT = "en"
_CATALOGS = Catalogs(Path(__file__).parent / "locales", LANGUAGES, DEFAULT)
catalog = _CATALOGS.catalog
text = _CATALOGS.text


def choose(*candidates: str | None, accept_language: str | None = None) -> str:
    """The first supported language among the candidates, then the browser's best supported
    one by Accept-Language quality, then English."""
    for candidate in candidates:
        code = _base(candidate)
        if code in LANGUAGES:
            return code
    preferred = [tag.lower() for tag in accepted(accept_language)]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="-") if preferred else None
    return _base(found) if found else DEFAULT


def accepted(header: str | None) -> list[str]:
    """Accept-Language's tags, best first (RFC 9110 12.5.4): by quality weight, equal weights
    in the order sent; `q=0` (not acceptable), `*` and malformed weights are left out."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        tag = tag.strip()
        quality = _quality(params)
        if tag and tag != "*" and quality is not None and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _quality(params: str) -> float | None:
    """The `q` parameter's weight (1 when absent); None when it is malformed."""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0 <= quality <= 1 else None
    return 1.0


def supported(tag: str | None) -> str | None:
    """The supported language a tag (ka-GE, he_IL, ru) names, if any."""
    code = _base(tag)
    return code if code in LANGUAGES else None


def _base(tag: str | None) -> str:
    return (tag or "").strip().replace("_", "-").split("-")[0].lower()


def direction(language: str) -> str:
    return "rtl" if language in RTL else "ltr"
