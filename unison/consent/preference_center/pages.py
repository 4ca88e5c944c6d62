"""Public pages reached by signed links: the preference center, double opt-in confirmation
and one-click unsubscribe (RFC 8058). Server-rendered, no JavaScript, no login.

Templates render in Jinja2's sandbox with autoescaping: customer data (names, addresses,
free-text time zones) can never become markup or reach Python internals.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from unison.api.deps import AppRuntime, DbSession
from unison.api.runtime import Runtime
from unison.consent import repository as rows
from unison.consent import service
from unison.consent.errors import LinkInvalid, OneClickMissing, TimeZoneUnknown
from unison.consent.preference_center import form as preference_center
from unison.consent.preference_center import links, preferences
from unison.consent.preference_center.i18n import LANGUAGES, catalog, choose, direction, text
from unison.consent.preference_center.language import profile_language
from unison.kit.errors import NotFound

router = APIRouter(tags=["preference center"], include_in_schema=False)
_ENV = SandboxedEnvironment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_MAX_FORM_BYTES = 64 * 1024


# Security headers: no framing (clickjacking a consent form), no referrer leaking the token.
_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Visit:
    """A request through a signed link: the link's token and what answering it needs."""

    token: str
    request: Request
    session: Session
    runtime: Runtime


async def _visit(token: str, request: Request, session: DbSession, runtime: AppRuntime) -> Visit:
    return Visit(token, request, session, runtime)


LinkVisit = Annotated[Visit, Depends(_visit)]


def _render(template: str, language: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = _ENV.get_template(template).render(
        lang=language,
        dir=direction(language),
        t=lambda key, **kw: text(language, key, **kw),
        **values,
    )
    return HTMLResponse(page, status_code=status, headers=_HEADERS)


def _language(
    request: Request,
    claims: dict[str, Any] | None,
    stored: str | None = None,
    profile: str | None = None,
) -> str:
    """?lang=, the link's language, the customer's saved choice, the profile's own locale,
    then the browser's Accept-Language (by quality), then English."""
    return choose(
        request.query_params.get("lang"),
        (claims or {}).get("l"),
        stored,
        profile,
        accept_language=request.headers.get("accept-language"),
    )


def _customer_language(visit: Visit, claims: dict[str, Any], stored: str | None = None) -> str:
    """`_language` for the profile a link names (the live one it was merged into)."""
    profile_id = _live(visit.session, claims)
    if profile_id is None:
        return _language(visit.request, claims, stored)
    saved = stored or preferences.get(visit.session, profile_id).preferred_language
    profile = profile_language(visit.session, profile_id)
    return _language(visit.request, claims, saved, profile)


def _claims(visit: Visit, kind: str) -> dict[str, Any] | HTMLResponse:
    try:
        return links.verify(visit.runtime.settings, kind, visit.token)
    except LinkInvalid:
        return _forbidden(visit.request)


def _forbidden(request: Request) -> HTMLResponse:
    language = _language(request, None)
    return _render(
        "message.html",
        language,
        403,
        title=text(language, "forbidden_title"),
        message=text(language, "forbidden"),
        role="alert",
        action=None,
    )


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}


def _visitor(request: Request) -> preference_center.Visitor:
    return preference_center.Visitor(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent", "")[:500] or None,
        url=str(request.url.path),
    )


def _live(session: Session, claims: dict[str, Any]) -> int | None:
    try:
        return service.live_id(session, int(claims["p"]))
    except NotFound:
        return None


def _center(visit: Visit, claims: dict[str, Any], **extra: Any) -> HTMLResponse:
    profile_id = service.live_id(visit.session, int(claims["p"]))
    language = _customer_language(visit, claims, extra.pop("stored", None))
    model = preference_center.view(visit.session, visit.runtime.settings, profile_id, language)
    languages = [(code, catalog(code)["language_name"]) for code in LANGUAGES]
    status = extra.pop("status", 200)
    return _render(
        "center.html",
        language,
        status,
        title=text(language, "title"),
        action=f"/preferences/{visit.token}",
        languages=languages,
        **model,
        **extra,
    )


def _center_link(visit: Visit) -> tuple[dict[str, Any], int] | HTMLResponse:
    """A preference-center link's claims and the live profile it names, else the 403 page:
    a bad link, or a profile that is gone (erased data is never re-shown)."""
    claims = _claims(visit, preferences.PREFERENCE_CENTER)
    if isinstance(claims, HTMLResponse):
        return claims
    profile_id = _live(visit.session, claims)
    if profile_id is None:
        return _forbidden(visit.request)
    return claims, profile_id


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preference_page(visit: LinkVisit) -> HTMLResponse:
    """The preference center of the profile the link names."""
    found = _center_link(visit)
    if isinstance(found, HTMLResponse):
        return found
    return _center(visit, found[0])


@router.post("/preferences/{token}", response_class=HTMLResponse)
async def preference_submit(visit: LinkVisit) -> HTMLResponse:
    """Apply the submitted preference-center form (plain form POST)."""
    found = _center_link(visit)
    if isinstance(found, HTMLResponse):
        return found
    claims, profile_id = found
    form = await _form(visit.request)
    language = _customer_language(visit, claims, form.get("preferred_language"))
    try:
        prefs = preference_center.parse_preferences(form)
        preferences.check_time_zone(prefs.time_zone)
    except (ValidationError, TimeZoneUnknown) as exc:
        fields = _bad_fields(exc)
        error = text(language, "bad_input", fields=", ".join(fields))
        stored = form.get("preferred_language")
        return _center(visit, claims, error=error, status=400, stored=stored)
    settings, visitor = visit.runtime.settings, _visitor(visit.request)
    preference_center.apply(visit.session, settings, profile_id, form, prefs, visitor, language)
    return _center(visit, claims, saved=True)


def _bad_fields(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
    return ["time_zone"]


def _one_link(visit: Visit, kind: str) -> tuple[dict[str, Any], str] | HTMLResponse:
    claims = _claims(visit, kind)
    if isinstance(claims, HTMLResponse):
        return claims
    return claims, _customer_language(visit, claims)


def _question(claims: dict[str, Any], language: str, step: str, action: str) -> HTMLResponse:
    """The page a link opens: what its button will do (`<step>_intro`) and the button, which
    POSTs to `action`."""
    purpose = preference_center.label(language, claims["u"])
    return _render(
        "message.html",
        language,
        title=text(language, f"{step}_title"),
        message=text(language, f"{step}_intro", purpose=purpose, address=claims["e"]),
        action=action,
        button=text(language, f"{step}_button"),
        role=None,
    )


def _done(language: str, step: str, message: str) -> HTMLResponse:
    """The page after a link's button did its work."""
    return _render(
        "message.html",
        language,
        title=text(language, f"{step}_title"),
        message=message,
        role="status",
        action=None,
    )


# The pages a link opens before acting: which link (its route), and the step it asks for.
_ASKING = {
    "/preferences/confirm/{token}": (preferences.CONFIRM, "confirm"),
    "/unsubscribe/{token}": (preferences.UNSUBSCRIBE, "unsubscribe"),
}


@router.get("/preferences/confirm/{token}", response_class=HTMLResponse)
@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def link_page(visit: LinkVisit) -> HTMLResponse:
    """Double opt-in or unsubscribe: a page whose button confirms or unsubscribes."""
    # A GET never acts (mail scanners follow links; RFC 8058 for unsubscribe): the button POSTs.
    path = visit.request.scope["route"].path
    kind, step = _ASKING[path]
    found = _one_link(visit, kind)
    if isinstance(found, HTMLResponse):
        return found
    return _question(*found, step, path.format(token=visit.token))


@router.post("/preferences/confirm/{token}", response_class=HTMLResponse)
def confirm_submit(visit: LinkVisit) -> HTMLResponse:
    """Double opt-in: the pending email grant becomes granted."""
    found = _one_link(visit, preferences.CONFIRM)
    if isinstance(found, HTMLResponse):
        return found
    claims, language = found
    # The address's owner now (a merge or split may have moved it); an address no profile
    # holds any more (erased) is not written back into the ledger.
    profile_id = rows.owner_of(visit.session, ("email", claims["e"]))
    if profile_id is not None:
        visitor = _visitor(visit.request)
        preference_center.confirm(visit.session, profile_id, claims["e"], claims["u"], visitor)
    return _done(language, "confirm", text(language, "confirmed"))


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_submit(visit: LinkVisit) -> HTMLResponse:
    """RFC 8058 one-click: the body must be `List-Unsubscribe=One-Click`."""
    found = _one_link(visit, preferences.UNSUBSCRIBE)
    if isinstance(found, HTMLResponse):
        return found
    claims, language = found
    form = await _form(visit.request)
    if form.get("List-Unsubscribe") != "One-Click":
        raise OneClickMissing(
            "send the form body List-Unsubscribe=One-Click (RFC 8058)", field="List-Unsubscribe"
        )
    profile_id = rows.owner_of(visit.session, ("email", claims["e"]))
    if profile_id is not None:  # unknown (erased) addresses are not written back
        visitor = _visitor(visit.request)
        preference_center.unsubscribe(visit.session, profile_id, claims["e"], claims["u"], visitor)
    purpose = preference_center.label(language, claims["u"])
    return _done(language, "unsubscribe", text(language, "unsubscribed", purpose=purpose))
