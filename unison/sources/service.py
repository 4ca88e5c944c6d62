"""Rules for sources and their write keys."""

import phonenumbers
from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.names import printable_name
from unison.kit.secrets import hash_secret, issue
from unison.models import Source
from unison.sources import repository
from unison.sources.channels import ACCEPTED_TEXT, CHANNELS
from unison.sources.errors import SourceExists, SourceInvalid, SourceNotFound
from unison.sources.ref import SourceRef

WRITE_KEY_PREFIX = "uwk"


def _new_write_key(source: Source) -> str:
    """A fresh write key for the source, returned once: only its hash and hint are stored."""
    key = issue(WRITE_KEY_PREFIX)
    source.write_key_hash, source.write_key_hint = key.hash, key.hint
    return key.secret


def create_source(
    session: Session, name: str, channel: str, region: str | None = None
) -> tuple[Source, str]:
    """Create a source; returns it with its write key, which is never retrievable again."""
    name = printable_name(name, SourceInvalid)
    if channel not in CHANNELS:
        raise SourceInvalid(
            f"channel {channel!r} is not a channel; accepted: {ACCEPTED_TEXT}", field="channel"
        )
    if region is not None and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise SourceInvalid(
            f"region {region!r} is not an ISO 3166 country code phone numbers use (e.g. GE, AM)",
            field="region",
        )
    if repository.sources.by_name(session, name) is not None:
        raise SourceExists(f"a source named {name!r} already exists", field="name")
    source = Source(
        name=name,
        channel=channel,
        created_at=utcnow(),
        default_region=region.upper() if region else None,
    )
    key = _new_write_key(source)
    return repository.sources.add(session, source), key


def rotate_write_key(session: Session, name: str) -> tuple[Source, str]:
    """Replace a source's write key; the old key stops working (after the auth cache TTL)."""
    source = repository.sources.by_name(session, name)
    if source is None:
        raise SourceNotFound(f"no source named {name!r}", field="name")
    key = _new_write_key(source)
    session.flush()
    return source, key


def source_for_write_key(session: Session, key: str) -> SourceRef | None:
    source = repository.by_key_hash(session, hash_secret(key))
    if source is None:
        return None
    return SourceRef(id=source.id, name=source.name, channel=source.channel)


def list_sources(session: Session) -> list[Source]:
    return repository.sources.all(session)


# What other domains ask of sources (they never import sources' repository).
SYSTEM_HINT = repository.SYSTEM_HINT  # the write-key hint that marks Unison's own sources


def source_named(session: Session, name: str) -> Source | None:
    return repository.sources.by_name(session, name)


def system_source_id(session: Session, name: str) -> int:
    """The source Unison itself writes events under; created on first use."""
    return repository.system_source_id(session, name)


def names_and_regions(session: Session) -> dict[int, tuple[str, str | None]]:
    """source id -> (name, default phone region) of every source."""
    return repository.names_and_regions(session)
