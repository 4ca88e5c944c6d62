"""Customers: search, the 360° profile and its timeline (actions: actions.py)."""

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from unison.api.deps import DbSession, runtime_of
from unison.auth.roles import Permission
from unison.consent.vocabulary import CHANNELS as CONSENT_CHANNELS
from unison.consent.vocabulary import LEGAL_BASES, STATUSES
from unison.console.customers import actions, views
from unison.console.errors import not_found
from unison.console.lookup import in_range
from unison.console.render import render
from unison.console.security import Staff, require
from unison.kit.errors import InvalidParameter, NotFound, UnisonError
from unison.kit.pagination import decode_cursor, encode_cursor
from unison.profiles import service as profiles
from unison.profiles.search import service as search
from unison.profiles.search.terms import fold
from unison.sources.channels import CHANNELS

router = APIRouter(include_in_schema=False)
router.include_router(actions.router)
Reader = Annotated[Staff, Depends(require(Permission.profiles_read))]
SEARCH_PAGE = 25
SYSTEM_CHOICES = ("include", "exclude", "only")


@router.get("/console/customers")
def search_page(
    request: Request,
    session: DbSession,
    staff: Reader,
    q: str = "",
    cursor: str | None = None,
) -> Response:
    """Find a customer by any identifier, a name in any script, a phone however typed."""
    context: dict[str, Any] = {
        "q": q,
        "results": None,
        "next_cursor": None,
        "error": None,
        "error_field": None,
    }
    if q.strip():
        try:
            context.update(_search(session, q, cursor))
        except UnisonError as exc:
            context.update(error=exc.detail, error_field=exc.field)
    status = 400 if context["error"] else 200
    return render(request, "customers/search.html", context, staff, status_code=status)


def _search(session: DbSession, q: str, cursor: str | None) -> dict[str, Any]:
    if len(q) > 200 or not fold(q):
        raise InvalidParameter(
            "give 1-200 characters: a name, an email, a phone or an identifier", field="q"
        )
    after = None
    if cursor:
        rank, pid = decode_cursor(cursor, 2)
        if not isinstance(rank, int) or not isinstance(pid, int):
            raise InvalidParameter(
                "this page link is not one the console made; search again", field="cursor"
            )
        after = (rank, pid)
    items, more = search.search(session, q, SEARCH_PAGE, after)
    return {"results": items, "next_cursor": encode_cursor(*more) if more else None}


@dataclass(frozen=True)
class TimelineQuery:
    """A profile's timeline as the address asks for it: the filters (an unknown channel or
    choice filters nothing) and the page (`cursor`; None, the newest)."""

    profile_id: int
    channel: str = ""
    event: str = ""
    system: str = "include"
    cursor: str | None = None


async def timeline_query(
    profile_id: int,
    channel: str = "",
    event: str = "",
    system: str = "include",
    cursor: str | None = None,
) -> TimelineQuery:
    """The timeline asked for, from the address. (async: no I/O, so no thread hop.)"""
    return TimelineQuery(
        profile_id,
        channel if channel in CHANNELS else "",
        event.strip()[:255],
        system if system in SYSTEM_CHOICES else "include",
        cursor,
    )


Timeline = Annotated[TimelineQuery, Depends(timeline_query)]


@router.get("/console/customers/{profile_id:int}")
def profile_page(request: Request, session: DbSession, staff: Reader, query: Timeline) -> Response:
    """The 360° profile: identifiers, traits, value, consent, segments, timeline, merges."""
    if not in_range(query.profile_id):
        return not_found(request, staff)
    return profile_response(request, session, staff, query)


def profile_response(
    request: Request,
    session: DbSession,
    staff: Staff,
    query: TimelineQuery,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The profile page (also answered by an action with its outcome or its error)."""
    settings = runtime_of(request).settings
    try:
        found = views.sections(session, settings, staff, query.profile_id)
    except NotFound:
        return not_found(request, staff)
    try:
        page = _timeline(session, found.view.id, query)
    except UnisonError as exc:  # a forged cursor: the page without it, saying so
        page = _timeline(session, found.view.id, replace(query, cursor=None))
        errors = {**(errors or {}), "timeline": exc.detail}
    context = {
        "p": found,
        "timeline": page,
        "filters": query,
        "channels": CHANNELS,
        "system_choices": SYSTEM_CHOICES,
        "consent_channels": CONSENT_CHANNELS,
        "statuses": STATUSES,
        "legal_bases": LEGAL_BASES,
        "notice": notice,
        "errors": errors or {},
        "Permission": Permission,
        "summary": views.summary,
    }
    return render(request, "customers/profile.html", context, staff, status_code=status_code)


def _timeline(session: DbSession, profile_id: int, query: TimelineQuery) -> dict[str, Any]:
    page = profiles.timeline(
        session,
        profile_id,
        channel=query.channel or None,
        event=query.event or None,
        system=query.system,
        cursor=query.cursor,
        limit=views.TIMELINE_PAGE,
    )
    return {"entries": views.grouped(page.items), "next_cursor": page.next_cursor}


@router.get("/console/customers/{profile_id:int}/timeline")
def timeline_fragment(
    request: Request, session: DbSession, staff: Reader, query: Timeline
) -> Response:
    """The next page of the timeline, for htmx to append (older events)."""
    if not in_range(query.profile_id):
        return not_found(request, staff)
    try:
        page = _timeline(session, query.profile_id, query)
    except NotFound:
        return not_found(request, staff)
    except UnisonError as exc:
        return render(
            request, "customers/_error.html", {"error": exc.detail}, staff, status_code=400
        )
    context = {
        "timeline": page,
        "filters": query,
        "profile_id": query.profile_id,
        "summary": views.summary,
    }
    return render(request, "customers/_timeline_items.html", context, staff)
