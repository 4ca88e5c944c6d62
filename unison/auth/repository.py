"""Queries for API tokens, staff users, console sessions and the audit log."""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from unison.kit.db import NamedRows
from unison.models import ApiToken, AuditEntry, LoginFailure, StaffSession, StaffUser

# Looked up by name, listed, added like every named configuration row (kit.db.NamedRows).
tokens = NamedRows(ApiToken)
staff = NamedRows(StaffUser)


def by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash)
    ).scalar_one_or_none()


# --- staff users, console sessions, failed logins (the console's login) ---


def staff_user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def add_staff_session(session: Session, row: StaffSession) -> StaffSession:
    session.add(row)
    session.flush()
    return row


def staff_session_by_hash(session: Session, token_hash: str) -> StaffSession | None:
    return session.execute(
        select(StaffSession).where(StaffSession.token_hash == token_hash)
    ).scalar_one_or_none()


def delete_staff_session(session: Session, session_id: int) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id == session_id))


def delete_sessions_of(session: Session, user_id: int, *, keep: int | None = None) -> None:
    statement = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(StaffSession.id != keep)
    session.execute(statement)


def delete_expired_sessions(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        delete(StaffSession).where(StaffSession.user_id == user_id, StaffSession.expires_at <= now)
    )


def count_failures(session: Session, key: str, since: datetime) -> int:
    found = session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.key == key, LoginFailure.at > since)
    ).scalar_one()
    return int(found)


def add_failures(session: Session, keys: list[str], at: datetime) -> None:
    session.add_all(LoginFailure(key=key, at=at) for key in keys)
    session.flush()


def forget_failures(session: Session, key: str | None = None, *, before: datetime) -> None:
    """Delete one key's failures (a successful login), or every failure older than `before`."""
    if key is not None:
        session.execute(delete(LoginFailure).where(LoginFailure.key == key))
    session.execute(delete(LoginFailure).where(LoginFailure.at <= before))


# --- the audit log ---


def add_audit_entry(session: Session, entry: AuditEntry) -> AuditEntry:
    session.add(entry)
    session.flush()
    return entry


def audit_entries(
    session: Session,
    *,
    actor: str | None,
    action: str | None,
    target: str | None,
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    """Newest first; `actor` and `target` match as prefixes, `action` exactly."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor.startswith(actor, autoescape=True))
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target.startswith(target, autoescape=True))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.execute(query).scalars())


def audit_actions(session: Session) -> list[str]:
    return list(
        session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars()
    )
