"""HTTP routes for segments, members, explanations and computed-trait definitions."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import StreamingResponse

from unison.api.deps import AppRuntime, DbSession, SegmentsRead, SegmentsWrite
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.auth.roles import Permission, allows
from unison.kit.clock import isoformat_z, utcnow
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor
from unison.profiles.errors import ProfileNotFound
from unison.segments import export, service
from unison.segments import repository as rows
from unison.segments.errors import ExportColumnsForbidden, SegmentExists, SegmentNotFound
from unison.segments.language import SegmentDefinitionInvalid, to_text
from unison.segments.language.nodes import dump, walk
from unison.segments.schemas import (
    ComputedTraitDefinition,
    ComputedTraitDefinitionUpdate,
    Member,
    Preview,
    PreviewRequest,
    ProfileSegment,
    Recomputed,
    Segment,
    SegmentCreate,
    SegmentHistoryEntry,
    SegmentSaved,
    SegmentUpdate,
)

router = APIRouter(prefix="/api", tags=["segments"])


def _saved(row: Any, outcome: service.Outcome) -> SegmentSaved:
    return SegmentSaved(
        segment=Segment.model_validate(row),
        recomputed=Recomputed(**outcome.__dict__),
    )


@router.get("/segments")
def list_segments(
    session: DbSession,
    _token: SegmentsRead,
) -> list[Segment]:
    """Every segment with its member count."""
    return [Segment.model_validate(row) for row in rows.segments(session)]


@router.post(
    "/segments",
    status_code=201,
    responses=raises(SegmentDefinitionInvalid, SegmentExists),
)
def create_segment(
    body: SegmentCreate,
    session: DbSession,
    runtime: AppRuntime,
    _token: SegmentsWrite,
) -> SegmentSaved:
    """Create a segment (JSON `definition` or `text`) and compute its members."""
    condition = service.read_definition(body.definition, body.text)
    row, outcome = service.create(
        session, runtime.settings, body.name, body.description, condition, utcnow()
    )
    return _saved(row, outcome)


@router.post("/segments/preview", responses=raises(SegmentDefinitionInvalid))
def preview_segment(
    body: PreviewRequest,
    session: DbSession,
    runtime: AppRuntime,
    _token: SegmentsRead,
) -> Preview:
    """How many profiles a definition selects now, with a sample, without saving it."""
    condition = service.read_definition(body.definition, body.text)
    for node in walk(condition):
        if node.kind == "in_segment" and rows.segment_named(session, node.segment) is None:
            raise SegmentDefinitionInvalid(
                f"no segment named {node.segment!r}",
                field="definition",
            )
    count, sample = service.preview(session, runtime.settings, condition, utcnow(), body.sample)
    return Preview(count=count, sample=sample, definition=dump(condition), text=to_text(condition))


@router.get("/segments/{segment_id}", responses=raises(SegmentNotFound))
def get_segment(
    segment_id: DbId,
    session: DbSession,
    _token: SegmentsRead,
) -> Segment:
    """One segment."""
    return Segment.model_validate(service.get(session, segment_id))


@router.patch(
    "/segments/{segment_id}",
    responses=raises(SegmentNotFound, SegmentDefinitionInvalid, SegmentExists),
)
def update_segment(
    segment_id: DbId,
    body: SegmentUpdate,
    session: DbSession,
    runtime: AppRuntime,
    _token: SegmentsWrite,
) -> SegmentSaved:
    """Change a segment; a new definition is recomputed at once (entries and exits logged)."""
    condition = None
    if body.definition is not None or body.text is not None:
        condition = service.read_definition(body.definition, body.text)
    row, outcome = service.update(
        session,
        runtime.settings,
        segment_id,
        name=body.name,
        description=body.description,
        condition=condition,
        now=utcnow(),
    )
    return _saved(row, outcome)


@router.delete(
    "/segments/{segment_id}",
    status_code=204,
    responses=raises(SegmentNotFound, SegmentDefinitionInvalid),
)
def delete_segment(
    segment_id: DbId,
    session: DbSession,
    _token: SegmentsWrite,
) -> None:
    """Delete a segment (its history is kept)."""
    service.delete(session, segment_id)


@router.post("/segments/{segment_id}/recompute", responses=raises(SegmentNotFound))
def recompute_segment(
    segment_id: DbId,
    session: DbSession,
    runtime: AppRuntime,
    _token: SegmentsWrite,
) -> Recomputed:
    """Recompute the members from scratch (one SQL statement)."""
    row = service.get(session, segment_id)
    return Recomputed(**service.recompute(session, runtime.settings, row, utcnow()).__dict__)


@router.get("/segments/{segment_id}/members", responses=raises(SegmentNotFound))
def segment_members(
    segment_id: DbId,
    session: DbSession,
    _token: SegmentsRead,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> Page[Member]:
    """Members in profile id order, a page at a time."""
    service.get(session, segment_id)
    page = rows.members_page(session, segment_id, decode_id_cursor(cursor), limit + 1)
    more = len(page) > limit
    page = page[:limit]
    return Page[Member](
        items=[Member(profile_id=m.profile_id, entered_at=m.entered_at) for m in page],
        next_cursor=encode_cursor(page[-1].profile_id) if more and page else None,
    )


@router.get(
    "/segments/{segment_id}/export.csv", responses=raises(SegmentNotFound, ExportColumnsForbidden)
)
def export_members(
    segment_id: DbId,
    session: DbSession,
    runtime: AppRuntime,
    token: SegmentsRead,
    columns: Annotated[
        str | None,
        Query(
            max_length=5000,
            description="comma-separated: profile_id, entered_at, identifier types (email, "
            "phone, user_id, telegram_id, ...) and trait names (first_name, city, ...); "
            "identifiers and traits need segments:export_pii",
        ),
    ] = None,
) -> StreamingResponse:
    """Every member as CSV with the chosen columns (default: ids, or a marketer's set)."""
    may_pii = allows(token.role, Permission.segments_export_pii)
    chosen = export.columns_for(columns, may_pii, runtime.settings.identity_custom_types)
    service.get(session, segment_id)
    # Read everything before streaming: the session is closed once the handler returns.
    body = list(export.member_rows(session, segment_id, chosen))
    headers = {"Content-Disposition": f'attachment; filename="segment-{segment_id}.csv"'}
    return StreamingResponse(
        export.csv_chunks([c.name for c in chosen], body),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


@router.get("/segments/{segment_id}/history")
def segment_history(
    segment_id: DbId,
    session: DbSession,
    _token: SegmentsRead,
    profile_id: Annotated[DbId | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[SegmentHistoryEntry]:
    """Entries and exits, newest first, with their trigger and reason."""
    return [
        SegmentHistoryEntry.model_validate(h)
        for h in rows.history(session, segment_id, profile_id, limit)
    ]


@router.get(
    "/segments/{segment_id}/explain/{profile_id}",
    responses=raises(SegmentNotFound, ProfileNotFound),
)
def explain_membership(
    segment_id: DbId,
    profile_id: DbId,
    session: DbSession,
    runtime: AppRuntime,
    _token: SegmentsRead,
) -> dict[str, Any]:
    """Why a profile is or is not in a segment: every condition with its answer and the
    value it saw."""
    row = service.get(session, segment_id)
    found = service.explain(session, runtime.settings, row, profile_id, utcnow())
    found["at"] = isoformat_z(found["at"])
    return found


@router.get(
    "/profiles/{profile_id}/segments",
    responses=raises(ProfileNotFound),
)
def profile_segments(
    profile_id: DbId,
    session: DbSession,
    _token: SegmentsRead,
) -> list[ProfileSegment]:
    """The segments a profile is in now."""
    cid = service.live_profile(session, profile_id)
    return [
        ProfileSegment(segment_id=s.id, name=s.name, entered_at=at)
        for s, at in rows.segments_of_profile(session, cid)
    ]


@router.get("/computed-traits")
def list_traits(
    session: DbSession,
    _token: SegmentsRead,
) -> list[ComputedTraitDefinition]:
    """Computed traits defined in the segment language."""
    return [
        ComputedTraitDefinition(
            name=t.name, definition=t.definition, created_at=t.created_at, updated_at=t.updated_at
        )
        for t in rows.trait_definitions(session)
    ]


@router.put(
    "/computed-traits/{name}",
    responses=raises(SegmentDefinitionInvalid),
)
def define_trait(
    name: Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")],
    body: ComputedTraitDefinitionUpdate,
    session: DbSession,
    runtime: AppRuntime,
    _token: SegmentsWrite,
) -> ComputedTraitDefinition:
    """Define (or redefine) a computed trait and compute it for every profile."""
    definition = service.read_trait_definition(body.definition)
    now = utcnow()
    row = service.define_trait(session, name, definition, now)
    service.recompute_trait(session, runtime.settings, name, now)
    return ComputedTraitDefinition(
        name=row.name,
        definition=row.definition,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
