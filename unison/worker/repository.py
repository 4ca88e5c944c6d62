"""The worker's queries: rebuilding forgets every row derived from the log."""

from sqlalchemy import delete
from sqlalchemy.orm import Session

from unison.models.base import Base


def delete_all(session: Session, models: tuple[type[Base], ...]) -> None:
    for model in models:
        session.execute(delete(model))
