"""Queries for connectors."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unison.models import Connector, Source


def by_name(session: Session, name: str) -> Connector | None:
    return session.execute(select(Connector).where(Connector.name == name)).scalar_one_or_none()


def with_source(session: Session, name: str) -> tuple[Connector, Source] | None:
    row = session.execute(
        select(Connector, Source)
        .join(Source, Source.id == Connector.source_id)
        .where(Connector.name == name)
    ).first()
    return (row[0], row[1]) if row else None


def all_connectors(session: Session) -> list[Connector]:
    return list(session.execute(select(Connector).order_by(Connector.id)).scalars())


def add(session: Session, connector: Connector) -> Connector:
    session.add(connector)
    session.flush()
    return connector


def remove(session: Session, connector_id: int) -> None:
    session.execute(delete(Connector).where(Connector.id == connector_id))
