"""Queries for sources."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.models import Source


def by_name(session: Session, name: str) -> Source | None:
    return session.execute(select(Source).where(Source.name == name)).scalar_one_or_none()


def by_key_hash(session: Session, key_hash: str) -> Source | None:
    return session.execute(
        select(Source).where(Source.write_key_hash == key_hash)
    ).scalar_one_or_none()


def all_sources(session: Session) -> list[Source]:
    return list(session.execute(select(Source).order_by(Source.id)).scalars())


def add(session: Session, source: Source) -> Source:
    session.add(source)
    session.flush()
    return source
