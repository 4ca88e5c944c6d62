"""Queries for sources."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.db import NamedRows, dialect_insert
from unison.kit.secrets import hash_secret, new_secret
from unison.models import Source

# The write-key hint of the sources Unison itself writes under: how a system event is known.
SYSTEM_HINT = "(system)"

# Looked up by name, listed, added like every named configuration row (kit.db.NamedRows).
sources = NamedRows(Source)


def by_key_hash(session: Session, key_hash: str) -> Source | None:
    return session.execute(
        select(Source).where(Source.write_key_hash == key_hash)
    ).scalar_one_or_none()


def system_source_id(session: Session, name: str) -> int:
    """The source Unison itself writes events under (consent changes, segment entries...).

    Created on first use, by whichever writer gets there first; its write key is thrown away,
    so nothing outside can write as it. The read goes straight to the driver: processors call
    this in every round that writes events.
    """
    mark = "%s" if session.get_bind().dialect.name == "postgresql" else "?"
    query = f"SELECT id FROM sources WHERE name = {mark}"  # noqa: S608 - a bound parameter
    found = session.connection().exec_driver_sql(query, (name,)).scalar()
    if found is not None:
        return int(found)
    session.execute(
        dialect_insert(session, Source)
        .values(
            name=name,
            channel="other",
            write_key_hash=hash_secret(new_secret("uwk")),
            write_key_hint=SYSTEM_HINT,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    return int(session.execute(select(Source.id).where(Source.name == name)).scalar_one())


def names_and_regions(session: Session) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(select(Source.id, Source.name, Source.default_region))
    return {sid: (name, region) for sid, name, region in rows}
