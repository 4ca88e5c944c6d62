"""HTTP routes for identity conflicts and shared identifiers."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from unison.api.deps import DbSession, IdentityWrite, ProfilesRead
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.identity import repository, service
from unison.identity.errors import ConflictAlreadyResolved, ConflictNotFound
from unison.identity.schemas import (
    ConflictResolve,
    IdentityConflict,
    SharedIdentifier,
)
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor

router = APIRouter(prefix="/api/identity", tags=["identity"])


@router.get("/conflicts", response_model=Page[IdentityConflict])
def list_conflicts(
    session: DbSession,
    _token: ProfilesRead,
    status: Literal["open", "resolved", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[IdentityConflict]:
    """Links that were not made because a rule forbade them, newest first."""
    before = decode_id_cursor(cursor)
    rows = repository.list_conflicts(
        session, status=None if status == "all" else status, before_id=before, limit=limit
    )
    items = [IdentityConflict.model_validate(r, from_attributes=True) for r in rows]
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return Page[IdentityConflict](items=items, next_cursor=next_cursor)


@router.post(
    "/conflicts/{conflict_id}/resolve",
    response_model=IdentityConflict,
    responses=raises(ConflictNotFound, ConflictAlreadyResolved),
)
def resolve_conflict(
    conflict_id: Annotated[DbId, Path()],
    body: ConflictResolve,
    session: DbSession,
    _token: IdentityWrite,
) -> IdentityConflict:
    """Close a conflict with a resolution (the profiles stay as they are)."""
    conflict = service.resolve_conflict(session, conflict_id, body.resolution, body.note)
    return IdentityConflict.model_validate(conflict, from_attributes=True)


@router.get("/shared-identifiers", response_model=Page[SharedIdentifier])
def list_shared_identifiers(
    session: DbSession,
    _token: ProfilesRead,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[SharedIdentifier]:
    """Device ids found shared (too many people seen with them): they link nothing."""
    before = decode_id_cursor(cursor)
    rows = repository.list_shared(session, before_id=before, limit=limit)
    items = [SharedIdentifier.model_validate(r, from_attributes=True) for r in rows]
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return Page[SharedIdentifier](items=items, next_cursor=next_cursor)
