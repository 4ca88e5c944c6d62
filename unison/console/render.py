"""Rendering a console page: Jinja2 with autoescaping, `templates/base.html` around it, and
what every template may use (`t`, `staff`, `csrf_token`, `lang`, `dir`, `nav`, `static`)."""

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

import unison.consent.preference_center as preference_center
from unison import __version__
from unison.console import i18n
from unison.console.nav import NAV, NavItem
from unison.console.security import Staff

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LANG_COOKIE_SECONDS = 365 * 86400

# The frame of a page is the preference center's (consent sits below the console): one
# document.html for every page Unison serves.
_SHARED = FileSystemLoader(Path(preference_center.__file__).parent / "templates")
_ENV = Environment(
    loader=ChoiceLoader(
        [FileSystemLoader(TEMPLATES), PrefixLoader({"preference_center": _SHARED})]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable fails the page's test, not the reader
    trim_blocks=True,
    lstrip_blocks=True,
)

# Scripts only from our own origin (htmx is vendored); inline styles are allowed for the
# server-rendered SVG charts. No framing, no referrer, pages with customer data not cached.


def moment(value: datetime | str | None, pattern: str = "%Y-%m-%d %H:%M") -> Markup:
    """A date and time as a <time> element: the stylesheet keeps it left to right, so a
    right-to-left page does not put the time before the date. Also takes the ISO 8601 text
    that JSON columns hold (a profile's per-channel first and last seen)."""
    if value is None or value == "":
        return Markup("")
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(), value.strftime(pattern)
    )


_ENV.filters["moment"] = moment

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def static(name: str) -> str:
    """A static file's URL; the version busts caches after an upgrade."""
    return f"/console/static/{name}?v={__version__}"


def visible_nav(staff: Staff | None, path: str) -> list[dict[str, Any]]:
    items: list[NavItem] = [i for i in NAV if staff is not None and staff.can(i.permission)]
    return [
        {"key": i.key, "href": i.href, "current": path == i.href or path.startswith(i.href + "/")}
        for i in items
    ]


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    staff: Staff | None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page `template` (console/templates/...) for this request, in the reader's language."""
    language = i18n.language_of(request)

    def t(key: str, **values: object) -> str:
        if any(isinstance(value, Markup) for value in values.values()):
            # markup the translation places (a <time> from `moment`): the catalogue's text and
            # the other values are escaped, the markup is kept
            return escape(i18n.text(language, key)).format(**values)
        return i18n.text(language, key, **values)

    page = _ENV.get_template(template).render(
        {
            "request": request,
            "t": t,
            "lang": language,
            "dir": i18n.direction(language),
            "languages": i18n.NAMES,
            "staff": staff,
            "csrf_token": staff.csrf_token if staff else "",
            "nav": visible_nav(staff, request.url.path),
            "static": static,
            **context,
        }
    )
    response = HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)
    if i18n.supported(request.query_params.get("lang")):  # remembered when it is one we speak
        response.set_cookie(
            i18n.COOKIE, language, max_age=LANG_COOKIE_SECONDS, samesite="lax", path="/console"
        )
    return response
