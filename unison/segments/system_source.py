"""The `unison-segments` source that writes `segment.entered` / `segment.exited` events."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.secrets import hash_secret, new_secret
from unison.models import Source
from unison.segments import repository as rows

SYSTEM_SOURCE = "unison-segments"


def source_id(session: Session) -> int:
    # Created on first use; its write key is thrown away (nothing outside may write as it).
    mark = "%s" if session.get_bind().dialect.name == "postgresql" else "?"
    found = (
        session.connection()
        .exec_driver_sql(f"SELECT id FROM sources WHERE name = {mark}", (SYSTEM_SOURCE,))  # noqa: S608
        .scalar()
    )
    if found is not None:
        return int(found)
    session.execute(
        rows.upsert(session, Source)
        .values(
            name=SYSTEM_SOURCE,
            channel="other",
            write_key_hash=hash_secret(new_secret("uwk")),
            write_key_hint="(system)",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    return int(session.execute(select(Source.id).where(Source.name == SYSTEM_SOURCE)).scalar_one())
