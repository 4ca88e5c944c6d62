"""Segments: the list with live counts, one segment (membership over time, explain, CSV),
and the editor whose visual builder and text form follow each other (editor.py)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response, StreamingResponse

from unison.api.deps import DbSession, runtime_of
from unison.auth import audit
from unison.auth.roles import Permission
from unison.console.lookup import found, in_range
from unison.console.render import render
from unison.console.security import Staff, require
from unison.console.segments import editor
from unison.console.value import charts
from unison.kit.cache import TtlCache
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.profiles.search import service as search
from unison.segments import export, service

router = APIRouter(include_in_schema=False)
router.include_router(editor.router)
Reader = Annotated[Staff, Depends(require(Permission.segments_read))]
DAYS = 90
SAMPLE = 20
_series: TtlCache[tuple[Any, ...], list[Any]] = TtlCache(600.0, limit=256)


@router.get("/console/segments")
def list_page(request: Request, session: DbSession, staff: Reader) -> Response:
    """Every segment with its member count, kept current as events arrive."""
    context = {"segments": service.segments_list(session), "Permission": Permission}
    return render(request, "segments/list.html", context, staff)


@router.get("/console/segments/{segment_id:int}")
def detail_page(
    request: Request, session: DbSession, staff: Reader, segment_id: int, profile: str = ""
) -> Response:
    """One segment: definition, members, membership over time, history, explain."""
    row = found(service.get, session, segment_id, staff)
    members = service.members_page(session, segment_id, None, SAMPLE)
    context: dict[str, Any] = {
        "segment": row,
        "members": search.items_for(session, [m.profile_id for m in members]),
        "explained": None,
        "explain_error": None,
        "profile": profile,
        "Permission": Permission,
    }
    if profile.strip():
        context.update(_explain(request, session, row, profile.strip()))
    return render(request, "segments/detail.html", context, staff)


def _explain(request: Request, session: DbSession, row: Any, wanted: str) -> dict[str, Any]:
    """Explain for a profile id, or for the first customer a search finds."""
    if wanted.isdigit() and in_range(int(wanted)):
        profile_id = int(wanted)
    else:
        found, _ = search.search(session, wanted[:200], 1, None) if wanted[:200] else ([], None)
        if not found:
            return {"explain_error": "segments.explain.nobody"}
        profile_id = found[0].id
    settings = runtime_of(request).settings
    try:
        return {"explained": service.explain(session, settings, row, profile_id, utcnow())}
    except UnisonError as exc:
        return {"explain_error": editor.said(request, exc)}


@router.get("/console/segments/{segment_id:int}/history")
def history_fragment(
    request: Request, session: DbSession, staff: Reader, segment_id: int
) -> Response:
    """The latest entries and exits (htmx loads them after the page)."""
    found(service.get, session, segment_id, staff)  # the 404 page for an unknown segment
    context = {"history": service.history(session, segment_id, None, SAMPLE)}
    return render(request, "segments/_history.html", context, staff)


@router.get("/console/segments/{segment_id:int}/chart")
def membership_chart(
    request: Request, session: DbSession, staff: Reader, segment_id: int
) -> Response:
    """Members at the end of each of the last 90 days, as an SVG chart (htmx loads it)."""
    row = found(service.get, session, segment_id, staff)
    now = utcnow()
    # unchanged members since the last look (same count, same evaluation): the same chart
    key = (id(runtime_of(request)), row.id, row.member_count, row.evaluated_at, now.date())
    series = _series.get(key)
    if series is None:
        series = service.membership_over_time(session, segment_id, DAYS, now)
        _series.put(key, series)
    context = {"series": series, "segment": row, "chart": _chart(request, series)}
    return render(request, "segments/_chart.html", context, staff)


def _chart(request: Request, series: list[Any]) -> str:
    from unison.console import i18n

    language = i18n.language_of(request)
    labels = charts.Labels(
        i18n.text(language, "segments.chart.title"),
        i18n.text(language, "segments.chart.day"),
        i18n.text(language, "segments.chart.members"),
    )
    days = [day.isoformat() for day, _ in series]
    return charts.cached_lines(days, [("", [float(n) for _, n in series])], labels)


@router.get("/console/segments/{segment_id:int}/export.csv")
def export_csv(request: Request, session: DbSession, staff: Reader, segment_id: int) -> Response:
    """Every member as CSV: the columns the role may export (as GET .../export.csv)."""
    found(service.get, session, segment_id, staff)  # the 404 page for an unknown segment
    settings = runtime_of(request).settings
    may_pii = staff.can(Permission.segments_export_pii)
    chosen = export.columns_for(None, may_pii, settings.identity_custom_types)
    body = list(export.member_rows(session, segment_id, chosen))
    details = {"columns": [c.name for c in chosen], "rows": len(body)}
    audit.record(session, staff.actor, "segment.export", f"segment:{segment_id}", details)
    headers = {"Content-Disposition": f'attachment; filename="segment-{segment_id}.csv"'}
    return StreamingResponse(
        export.csv_chunks([c.name for c in chosen], body),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )
