"""Templates' queries (all of this sub-package's SQL)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unison.models import Template, TemplateVersion


def template(session: Session, template_id: int, *, for_update: bool = False) -> Template | None:
    query = select(Template).where(Template.id == template_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two updates never take the same version number
    return session.execute(query).scalar_one_or_none()


def named(session: Session, name: str) -> Template | None:
    return session.execute(select(Template).where(Template.name == name)).scalar_one_or_none()


def templates(
    session: Session, *, channel: str | None, after: int | None, limit: int
) -> list[Template]:
    query = select(Template).order_by(Template.id).limit(limit)
    if channel is not None:
        query = query.where(Template.channel == channel)
    if after is not None:
        query = query.where(Template.id > after)
    return list(session.execute(query).scalars())


def with_version(
    session: Session, template_id: int, version: int | None
) -> tuple[Template, TemplateVersion] | None:
    """A template and one of its versions (the current one when `version` is None), in one
    round trip: a render reads them for every message."""
    wanted = Template.current_version if version is None else version
    query = (
        select(Template, TemplateVersion)
        .join(TemplateVersion, TemplateVersion.template_id == Template.id)
        .where(Template.id == template_id, TemplateVersion.version == wanted)
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def versions(session: Session, template_id: int) -> list[TemplateVersion]:
    query = (
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.version.desc())
    )
    return list(session.execute(query).scalars())


def latest_version_number(session: Session, template_id: int) -> int:
    query = select(func.max(TemplateVersion.version)).where(
        TemplateVersion.template_id == template_id
    )
    return int(session.execute(query).scalar_one() or 0)


def add(session: Session, row: Template | TemplateVersion) -> None:
    session.add(row)
    session.flush()
