"""HTTP routes for data-subject requests (admin only)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from unison.api.deps import AppRuntime, DbSession, PrivacyWrite
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.consent.privacy import repository, service
from unison.profiles.errors import ProfileNotFound

router = APIRouter(prefix="/api/privacy", tags=["privacy"])


class PrivacySubject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: DbId = Field(description="any id of the person's profile")


@router.post("/export", responses=raises(ProfileNotFound))
def export_profile(
    body: PrivacySubject,
    session: DbSession,
    token: PrivacyWrite,
) -> dict[str, Any]:
    """Everything held about the person, as one JSON bundle (access and portability)."""
    return service.export(session, body.profile_id, f"token:{token.name}")


@router.post("/erase", responses=raises(ProfileNotFound))
def erase_profile(
    body: PrivacySubject,
    runtime: AppRuntime,
    session: DbSession,
    token: PrivacyWrite,
) -> dict[str, Any]:
    """Remove or anonymize the person's data everywhere; keep only hashed suppression."""
    result = service.erase(session, body.profile_id, f"token:{token.name}")
    # Committed here, not after the response: the erased bytes can only be scrubbed from the
    # files once the erasure is durable and this session holds no snapshot from before it.
    session.commit()
    result["storage_scrubbed"] = service.scrub_storage(runtime.engine)
    return result


class PrivacyRequest(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    profile_id: int
    subject_hashes: list[str]
    requested_by: str
    summary: dict[str, Any]
    created_at: datetime


@router.get("/requests", response_model=list[PrivacyRequest])
def list_requests(
    session: DbSession,
    _token: PrivacyWrite,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PrivacyRequest]:
    """Recorded export and erasure requests, newest first (subjects as hashes only)."""
    return [PrivacyRequest.model_validate(r) for r in repository.requests(session, limit)]
