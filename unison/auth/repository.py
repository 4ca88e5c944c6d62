"""Queries for API tokens."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.kit.db import NamedRows
from unison.models import ApiToken

# Looked up by name, listed, added like every named configuration row (kit.db.NamedRows).
tokens = NamedRows(ApiToken)


def by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash)
    ).scalar_one_or_none()
