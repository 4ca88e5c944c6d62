"""Rules for templates: create and update (each a new immutable version), read, preview for
a profile. Never commits (the request or command boundary does)."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.messaging.templates import repository as rows
from unison.messaging.templates import schemas, sms, validation
from unison.messaging.templates.context import person
from unison.messaging.templates.errors import (
    TemplateNameTaken,
    TemplateNotFound,
    TemplateVersionNotFound,
)
from unison.messaging.templates.locales import require
from unison.messaging.templates.rendering import Rendered, render_version
from unison.models import Template, TemplateVersion


def create(
    session: Session, settings: Settings, body: schemas.TemplateCreate, author: str | None
) -> schemas.Template:
    channel = validation.check_channel(body.channel)
    checked = validation.variants(settings, channel, body.variants)
    default = validation.default_locale(body.default_locale, checked)
    fallback = validation.locale_list(body.fallback_locales, "fallback_locales")
    _name_free(session, body.name, None)
    now = utcnow()
    template = Template(
        name=body.name, channel=channel, current_version=1, created_at=now, updated_at=now
    )
    try:
        rows.add(session, template)
    except IntegrityError:  # created by a concurrent request since the check above
        raise TemplateNameTaken(
            f"a template named {body.name!r} exists already", field="name"
        ) from None
    content = _Content(body.name, body.description, checked, default, fallback)
    return shown(template, _add_version(session, template.id, 1, content, now, author))


def update(
    session: Session,
    settings: Settings,
    template_id: int,
    body: schemas.TemplateUpdate,
    author: str | None,
) -> schemas.Template:
    """Store the changed template as its next version (what is left out carries over)."""
    template = _template(session, template_id, for_update=True)
    current = _version(session, template, None)
    given = body.model_fields_set
    checked = (
        validation.variants(settings, template.channel, body.variants)
        if body.variants is not None
        else current.variants
    )
    code = body.default_locale if "default_locale" in given else None
    default = validation.default_locale(code, checked) if code else _kept_default(current, checked)
    fallback = (
        validation.locale_list(body.fallback_locales, "fallback_locales")
        if "fallback_locales" in given
        else current.fallback_locales
    )
    name = body.name or current.name
    _name_free(session, name, template.id)
    now = utcnow()
    number = rows.latest_version_number(session, template.id) + 1
    description = body.description if "description" in given else current.description
    content = _Content(name, description, checked, default, fallback)
    version = _add_version(session, template.id, number, content, now, author)
    template.name, template.current_version, template.updated_at = name, number, now
    try:
        session.flush()
    except IntegrityError:  # the name, taken by a concurrent request since the check above
        raise TemplateNameTaken(f"a template named {name!r} exists already", field="name") from None
    return shown(template, version)


class _Content(NamedTuple):
    """What a version holds besides its number and authorship (create and update alike);
    the fields are named as TemplateVersion's columns."""

    name: str
    description: str | None
    variants: dict[str, Any]
    default_locale: str
    fallback_locales: list[str] | None


def _add_version(
    session: Session,
    template_id: int,
    number: int,
    content: _Content,
    at: datetime,
    author: str | None,
) -> TemplateVersion:
    version = TemplateVersion(
        template_id=template_id,
        version=number,
        created_at=at,
        created_by=author,
        **content._asdict(),
    )
    rows.add(session, version)
    return version


def _kept_default(current: TemplateVersion, checked: dict[str, object]) -> str:
    # The old default stays when the new variants still have it; else their first locale.
    return current.default_locale if current.default_locale in checked else next(iter(checked))


def _name_free(session: Session, name: str, own_id: int | None) -> None:
    holder = rows.named(session, name)
    if holder is not None and holder.id != own_id:
        raise TemplateNameTaken(
            f"a template named {name!r} exists already (id {holder.id})", field="name"
        )


def _template(session: Session, template_id: int, *, for_update: bool = False) -> Template:
    template = rows.template(session, template_id, for_update=for_update)
    if template is None:
        raise TemplateNotFound(f"no template with id {template_id}", field="template_id")
    return template


def _version(session: Session, template: Template, version: int | None) -> TemplateVersion:
    found = rows.with_version(session, template.id, version)
    if found is None:
        raise TemplateVersionNotFound(
            f"template {template.id} has no version {version} (current: "
            f"{template.current_version})",
            field="version",
        )
    return found[1]


def shown(template: Template, version: TemplateVersion) -> schemas.Template:
    return schemas.Template(
        id=template.id,
        name=template.name,
        channel=template.channel,
        created_at=template.created_at,
        updated_at=template.updated_at,
        current=schemas.TemplateVersion.model_validate(version),
    )


def get(session: Session, template_id: int) -> schemas.Template:
    template = _template(session, template_id)
    return shown(template, _version(session, template, None))


def listed(
    session: Session, channel: str | None, after: int | None, limit: int
) -> list[schemas.Template]:
    found = rows.templates(session, channel=channel, after=after, limit=limit)
    return [shown(t, _version(session, t, None)) for t in found]


def versions(session: Session, template_id: int) -> list[schemas.TemplateVersion]:
    _template(session, template_id)
    return [schemas.TemplateVersion.model_validate(v) for v in rows.versions(session, template_id)]


def render_request(
    session: Session,
    settings: Settings,
    template_id: int,
    request: schemas.TemplatePreviewRequest | schemas.SeedSendRequest,
) -> Rendered:
    """Render for the request's profile: its `locale` first (checked), else the profile's."""
    template = _template(session, template_id)
    version = _version(session, template, request.version)
    who = person(session, request.profile_id)
    chain = [require(request.locale, "locale")] if request.locale else who.locales()
    return render_version(
        settings, template.channel, version, who, chain, request.event, request.campaign
    )


def preview(
    session: Session, settings: Settings, template_id: int, request: schemas.TemplatePreviewRequest
) -> schemas.TemplatePreview:
    rendered = render_request(session, settings, template_id, request)
    info = None
    if rendered.channel == "sms":
        counted = sms.count(rendered.content["text"])
        info = schemas.SmsInfo(**asdict(counted), max_segments=settings.templates_sms_max_segments)
    # The schemas name their fields as the dataclasses do: the preview is what was rendered.
    return schemas.TemplatePreview(**asdict(rendered), sms=info)


def preview_draft(
    session: Session,
    settings: Settings,
    channel: str,
    variants: object,
    profile_id: int,
    locale: str | None,
) -> schemas.TemplatePreview:
    """Render variants not saved yet (the console's editor, as the user types): checked as a
    save checks them (each error names its field), rendered for the profile like `preview`;
    nothing is stored."""
    checked = validation.variants(settings, validation.check_channel(channel), variants)
    draft = TemplateVersion(
        template_id=0, version=0, name="", variants=checked,
        default_locale=next(iter(checked)), fallback_locales=None,
    )  # fmt: skip
    who = person(session, profile_id)
    chain = [require(locale, "locale")] if locale else who.locales()
    rendered = render_version(settings, channel, draft, who, chain, None, None)
    info = sms_info(settings, rendered.content["text"]) if channel == "sms" else None
    return schemas.TemplatePreview(
        template_id=0, version=0, channel=channel, locale=rendered.locale,
        content=rendered.content, sms=info,
    )  # fmt: skip


def sms_info(settings: Settings, text: str) -> schemas.SmsInfo:
    """An SMS body's encoding and segments (GSM-7 or UCS-2)."""
    counted = sms.count(text)
    return schemas.SmsInfo(
        encoding=counted.encoding, characters=counted.characters, units=counted.units,
        segments=counted.segments, per_segment=counted.per_segment,
        max_segments=settings.templates_sms_max_segments,
    )  # fmt: skip
