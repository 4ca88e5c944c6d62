"""HTTP routes for data-subject requests (admin only)."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from unison.api.deps import AppRuntime, DbSession, PrivacyWrite
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.auth import audit
from unison.consent.privacy import repository, service
from unison.models import ApiToken
from unison.profiles.errors import ProfileNotFound

router = APIRouter(prefix="/api/privacy", tags=["privacy"])


class PrivacySubject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: DbId = Field(description="any id of the person's profile")


def _carry_out(
    request: Callable[[Session, int, str], dict[str, Any]],
    action: str,
    session: Session,
    token: ApiToken,
    subject: PrivacySubject,
) -> dict[str, Any]:
    """Carry out a data-subject request for the token's holder, audited in its transaction."""
    actor = audit.token_actor(token)
    result = request(session, subject.profile_id, actor)
    audit.record(session, actor, action, f"profile:{subject.profile_id}")
    return result


@router.post("/export", responses=raises(ProfileNotFound))
def export_profile(
    body: PrivacySubject,
    session: DbSession,
    token: PrivacyWrite,
) -> dict[str, Any]:
    """Everything held about the person, as one JSON bundle (access and portability)."""
    return _carry_out(service.export, "privacy.export", session, token, body)


@router.post("/erase", responses=raises(ProfileNotFound))
def erase_profile(
    body: PrivacySubject,
    runtime: AppRuntime,
    session: DbSession,
    token: PrivacyWrite,
) -> dict[str, Any]:
    """Remove or anonymize the person's data everywhere; keep only hashed suppression."""
    result = _carry_out(service.erase, "privacy.erase", session, token, body)
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


@router.get("/requests")
def list_requests(
    session: DbSession,
    _token: PrivacyWrite,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PrivacyRequest]:
    """Recorded export and erasure requests, newest first (subjects as hashes only)."""
    return [PrivacyRequest.model_validate(r) for r in repository.requests(session, limit)]
