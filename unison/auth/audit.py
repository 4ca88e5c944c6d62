"""The audit log: who did what (merges, splits, staff consent changes, erasures, exports,
settings), from the console and from the API alike.

Recorded in the same transaction as the change, so an entry exists exactly when the change
was committed. Details hold ids and names, never the customer's personal data."""

from typing import Any

from sqlalchemy.orm import Session

from unison.auth import repository
from unison.kit.clock import utcnow
from unison.models import ApiToken, AuditEntry

PAGE = 50


def user_actor(name: str) -> str:
    return f"user:{name}"


def token_actor(token: ApiToken) -> str:
    return f"token:{token.name}"


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """One entry; `action` is dotted (`profile.merge`), `target` names what it changed
    (`profile:42`, `source:web`)."""
    entry = AuditEntry(
        at=utcnow(),
        actor=actor[:120],
        action=action[:60],
        target=target[:200],
        details=details or {},
    )
    return repository.add_audit_entry(session, entry)


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    before_id: int | None = None,
    limit: int = PAGE,
) -> list[AuditEntry]:
    """Newest first, `limit` at a time; page on with the last entry's id as `before_id`."""
    return repository.audit_entries(
        session, actor=actor, action=action, target=target, before_id=before_id, limit=limit
    )


def actions(session: Session) -> list[str]:
    """The actions recorded so far, for the log's filter."""
    return repository.audit_actions(session)
