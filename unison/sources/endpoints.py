"""HTTP routes for sources."""

from fastapi import APIRouter

from unison.api.deps import DbSession, SourcesRead, SourcesWrite
from unison.api.openapi import raises
from unison.sources import service
from unison.sources.errors import SourceExists, SourceInvalid
from unison.sources.schemas import Source, SourceCreate, SourceCreated

router = APIRouter(prefix="/api/sources", tags=["sources"])


@router.get("", response_model=list[Source])
def list_sources(
    session: DbSession,
    _token: SourcesRead,
) -> list[Source]:
    """All sources with their default channel; write keys are never shown."""
    return [Source.model_validate(s, from_attributes=True) for s in service.list_sources(session)]


@router.post(
    "", response_model=SourceCreated, status_code=201, responses=raises(SourceInvalid, SourceExists)
)
def create_source(
    body: SourceCreate,
    session: DbSession,
    _token: SourcesWrite,
) -> SourceCreated:
    """Create a source; the response carries its write key, shown this once."""
    source, key = service.create_source(session, body.name, body.channel, body.region)
    return SourceCreated(
        **Source.model_validate(source, from_attributes=True).model_dump(), write_key=key
    )
