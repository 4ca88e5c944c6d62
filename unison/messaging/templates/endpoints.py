"""HTTP routes for message templates: create, list, read, update (a new version), versions,
preview for a profile, test send to seed addresses."""

from typing import Annotated

from fastapi import APIRouter, Query

from unison.api.deps import AppRuntime, DbSession, TemplatesRead, TemplatesWrite
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor
from unison.messaging.templates import seeds, service
from unison.messaging.templates.errors import (
    LocaleUnknown,
    RecipientInvalid,
    SmsTooLong,
    TemplateNameTaken,
    TemplateNotFound,
    TemplatePartInvalid,
    TemplatePartMissing,
    TemplateRenderFailed,
    TemplateSyntaxInvalid,
    TemplateUnsafe,
    TemplateVersionNotFound,
)
from unison.messaging.templates.schemas import (
    Channel,
    SeedSend,
    SeedSendRequest,
    Template,
    TemplateCreate,
    TemplatePreview,
    TemplatePreviewRequest,
    TemplateUpdate,
    TemplateVersion,
)
from unison.profiles.errors import ProfileNotFound

router = APIRouter(prefix="/api", tags=["templates"])
Limit = Annotated[int, Query(ge=1, le=500, description="page size, 1-500")]
# What saving a template can refuse (validation.py), and what rendering one can.
_SAVING = (
    TemplatePartInvalid,
    TemplatePartMissing,
    TemplateSyntaxInvalid,
    TemplateUnsafe,
    LocaleUnknown,
    SmsTooLong,
    TemplateNameTaken,
)
_RENDERING = (
    TemplateNotFound,
    TemplateVersionNotFound,
    ProfileNotFound,
    LocaleUnknown,
    TemplateRenderFailed,
    TemplatePartInvalid,
    SmsTooLong,
)


@router.post("/templates", response_model=Template, status_code=201, responses=raises(*_SAVING))
def create_template(
    body: TemplateCreate, session: DbSession, runtime: AppRuntime, token: TemplatesWrite
) -> Template:
    """Create a template (version 1) for a channel, with one variant per locale."""
    return service.create(session, runtime.settings, body, token.name)


@router.get("/templates", response_model=Page[Template])
def list_templates(
    session: DbSession,
    _token: TemplatesRead,
    channel: Channel | None = None,
    limit: Limit = 100,
    cursor: str | None = None,
) -> Page[Template]:
    """Templates by id, each with its current version, optionally of one channel."""
    items = service.listed(session, channel, decode_id_cursor(cursor), limit)
    next_cursor = encode_cursor(items[-1].id) if len(items) == limit else None
    return Page[Template](items=items, next_cursor=next_cursor)


@router.get("/templates/{template_id}", response_model=Template, responses=raises(TemplateNotFound))
def get_template(template_id: DbId, session: DbSession, _token: TemplatesRead) -> Template:
    """One template with its current version."""
    return service.get(session, template_id)


@router.patch(
    "/templates/{template_id}",
    response_model=Template,
    responses=raises(TemplateNotFound, TemplateVersionNotFound, *_SAVING),
)
def update_template(
    template_id: DbId,
    body: TemplateUpdate,
    session: DbSession,
    runtime: AppRuntime,
    token: TemplatesWrite,
) -> Template:
    """Change a template: stores its next version (earlier versions never change)."""
    return service.update(session, runtime.settings, template_id, body, token.name)


@router.get(
    "/templates/{template_id}/versions",
    response_model=list[TemplateVersion],
    responses=raises(TemplateNotFound),
)
def list_versions(
    template_id: DbId, session: DbSession, _token: TemplatesRead
) -> list[TemplateVersion]:
    """Every version of a template, newest first."""
    return service.versions(session, template_id)


@router.post(
    "/templates/{template_id}/preview",
    response_model=TemplatePreview,
    responses=raises(*_RENDERING),
)
def preview_template(
    template_id: DbId,
    body: TemplatePreviewRequest,
    session: DbSession,
    runtime: AppRuntime,
    _token: TemplatesRead,
) -> TemplatePreview:
    """Render a template for a profile (a locale, a sample event); SMS segments counted."""
    return service.preview(session, runtime.settings, template_id, body)


@router.post(
    "/templates/{template_id}/test-send",
    response_model=SeedSend,
    status_code=202,
    responses=raises(*_RENDERING, RecipientInvalid),
)
def seed_send_template(
    template_id: DbId,
    body: SeedSendRequest,
    session: DbSession,
    runtime: AppRuntime,
    _token: TemplatesWrite,
) -> SeedSend:
    """Render for a profile and queue it in the outbox to seed addresses."""
    return seeds.send(session, runtime.settings, template_id, body)
