"""HTTP routes for sources."""

from fastapi import APIRouter, Depends

from unison.api.deps import DbSession, require
from unison.auth import audit
from unison.auth.roles import Permission
from unison.models import ApiToken
from unison.models import Source as SourceRow
from unison.sources import service
from unison.sources.schemas import Source, SourceCreate, SourceCreated

router = APIRouter(prefix="/api/sources", tags=["sources"])


def _out(source: SourceRow) -> Source:
    return Source(
        id=source.id,
        name=source.name,
        channel=source.channel,
        write_key_hint=source.write_key_hint,
        default_region=source.default_region,
        created_at=source.created_at,
    )


@router.get("", response_model=list[Source])
def list_sources(
    session: DbSession,
    _token: object = Depends(require(Permission.sources_read)),
) -> list[Source]:
    """All sources with their default channel; write keys are never shown."""
    return [_out(s) for s in service.list_sources(session)]


@router.post("", response_model=SourceCreated, status_code=201)
def create_source(
    body: SourceCreate,
    session: DbSession,
    token: ApiToken = Depends(require(Permission.sources_write)),
) -> SourceCreated:
    """Create a source; the response carries its write key, shown this once."""
    source, key = service.create_source(session, body.name, body.channel, body.region)
    audit.record(session, audit.token_actor(token), "source.create", f"source:{source.name}")
    return SourceCreated(**_out(source).model_dump(), write_key=key)
