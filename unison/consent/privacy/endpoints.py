"""HTTP routes for data-subject requests (admin only)."""

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from unison.api.deps import get_session, require
from unison.auth.roles import Permission
from unison.consent.privacy import service
from unison.models import ApiToken

router = APIRouter(prefix="/api/privacy", tags=["privacy"])


class PrivacyRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: int = Field(ge=1, description="any id of the person's profile")


@router.post("/export")
def export_profile(
    body: PrivacyRequestIn,
    session: Session = Depends(get_session),
    token: ApiToken = Depends(require(Permission.privacy_write)),
) -> dict[str, Any]:
    """Everything held about the person, as one JSON bundle (access and portability)."""
    return service.export(session, body.profile_id, f"token:{token.name}")


@router.post("/erase")
def erase_profile(
    body: PrivacyRequestIn,
    session: Session = Depends(get_session),
    token: ApiToken = Depends(require(Permission.privacy_write)),
) -> dict[str, Any]:
    """Remove or anonymize the person's data everywhere; keep only hashed suppression."""
    return service.erase(session, body.profile_id, f"token:{token.name}")
