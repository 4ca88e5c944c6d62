"""Queries for connectors."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unison.kit.db import NamedRows
from unison.models import Connector, Source

# Looked up by name, listed, added like every named configuration row (kit.db.NamedRows).
connectors = NamedRows(Connector)


def with_source(session: Session, name: str) -> tuple[Connector, Source] | None:
    row = session.execute(
        select(Connector, Source)
        .join(Source, Source.id == Connector.source_id)
        .where(Connector.name == name)
    ).first()
    return (row[0], row[1]) if row else None


def remove(session: Session, connector_id: int) -> None:
    session.execute(delete(Connector).where(Connector.id == connector_id))
