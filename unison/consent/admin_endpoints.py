"""HTTP routes for purposes and the global suppression list."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from unison.api.deps import AppRuntime, ConsentRead, ConsentWrite, DbSession, PrivacyWrite
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.consent import repository as rows
from unison.consent.errors import PurposeExists, SuppressionInvalid, SuppressionNotFound
from unison.consent.ledger import suppression
from unison.consent.schemas import (
    Purpose,
    PurposeCreate,
    Suppression,
    SuppressionCreate,
)
from unison.consent.vocabulary import Reason
from unison.kit.clock import utcnow
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor
from unison.models import ConsentPurpose

router = APIRouter(prefix="/api/consent", tags=["consent"])


@router.get("/purposes", response_model=list[Purpose])
def list_purposes(
    session: DbSession,
    runtime: AppRuntime,
    _token: ConsentRead,
) -> list[Purpose]:
    """Every purpose: those declared in settings and those added through the API."""
    found = [
        Purpose(name=name, kind=kind, description="", declared_in="settings")
        for name, kind in sorted(runtime.settings.consent_purposes.items())
    ]
    for name, kind in sorted(rows.declared_purposes(session).items()):
        if name not in runtime.settings.consent_purposes:
            found.append(Purpose(name=name, kind=kind, description="", declared_in="api"))
    return found


@router.post("/purposes", response_model=Purpose, status_code=201, responses=raises(PurposeExists))
def create_purpose(
    body: PurposeCreate,
    session: DbSession,
    runtime: AppRuntime,
    _token: ConsentWrite,
) -> Purpose:
    """Declare a purpose (topic) consent can be given for."""
    if body.name in runtime.settings.consent_purposes or rows.purpose_kind(session, body.name):
        raise PurposeExists(f"purpose {body.name!r} already exists", field="name")
    rows.add_purpose(
        session,
        ConsentPurpose(
            name=body.name, kind=body.kind, description=body.description, created_at=utcnow()
        ),
    )
    return Purpose(name=body.name, kind=body.kind, description=body.description, declared_in="api")


@router.get("/suppressions", response_model=Page[Suppression])
def list_suppressions(
    session: DbSession,
    _token: ConsentRead,
    reason: Reason | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Suppression]:
    """Suppressed identifiers (hashes only), newest first."""
    found = rows.list_suppressions(
        session, reason=reason, before_id=decode_id_cursor(cursor), limit=limit
    )
    items = [Suppression.model_validate(s) for s in found]
    return Page[Suppression](
        items=items, next_cursor=encode_cursor(items[-1].id) if len(items) == limit else None
    )


@router.post(
    "/suppressions",
    response_model=Suppression,
    status_code=201,
    responses=raises(SuppressionInvalid),
)
def add_suppression(
    body: SuppressionCreate,
    session: DbSession,
    _token: ConsentWrite,
) -> Suppression:
    """Suppress an identifier (hard bounce, spam complaint, objection...); stored hashed."""
    ident = suppression.normalize(body.identifier_type, body.identifier)
    suppression.suppress(session, ident, body.reason, body.note)
    digest = suppression.identifier_hash(ident)
    found = next(s for s in rows.suppressions(session, [digest]) if s.reason == body.reason)
    return Suppression.model_validate(found)


@router.delete(
    "/suppressions/{suppression_id}", status_code=204, responses=raises(SuppressionNotFound)
)
def delete_suppression(
    suppression_id: Annotated[DbId, Path()],
    session: DbSession,
    _token: PrivacyWrite,
) -> None:
    """Lift a suppression (admin only: erasure entries should stay)."""
    if rows.delete_suppression(session, suppression_id) is None:
        raise SuppressionNotFound(
            f"no suppression with id {suppression_id}", field="suppression_id"
        )
