"""Queries for API tokens."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.models import ApiToken


def by_name(session: Session, name: str) -> ApiToken | None:
    return session.execute(select(ApiToken).where(ApiToken.name == name)).scalar_one_or_none()


def by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash)
    ).scalar_one_or_none()


def all_tokens(session: Session) -> list[ApiToken]:
    return list(session.execute(select(ApiToken).order_by(ApiToken.id)).scalars())


def add(session: Session, token: ApiToken) -> ApiToken:
    session.add(token)
    session.flush()
    return token
