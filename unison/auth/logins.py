"""Console logins and sessions: the password check with its rate limit, the session cookie's
token (only its hash stored), idle and absolute expiry, and each session's CSRF token."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from unison.auth import passwords, repository
from unison.auth.errors import LoginRefused, LoginThrottled
from unison.kit.clock import utcnow
from unison.kit.secrets import hash_secret, new_secret
from unison.kit.settings import Settings
from unison.models import StaffSession, StaffUser

SESSION_PREFIX = "ucs"
REFUSED = "wrong name or password"
# A request within this long of the last one does not rewrite last_seen_at: idle expiry is
# coarse by a minute, and reading a page is not a write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Login:
    """An open session: who (plain values, usable after the transaction ends), its row id,
    and the cookie's token (never stored)."""

    user_id: int
    name: str
    role: str
    session_id: int
    token: str

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.token)


def csrf_token(session_token: str) -> str:
    """The session's CSRF token: derived from the cookie's secret, so nothing more is stored,
    and a page from another origin, which cannot read the cookie, cannot compute it."""
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


def csrf_matches(session_token: str, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(csrf_token(session_token), submitted or "")


def _keys(name: str, address: str) -> tuple[str, str]:
    # Hashed: the table says how often a name or address failed, not which names people typed.
    return hash_secret(f"user:{name.strip().casefold()}"), hash_secret(f"ip:{address}")


def authenticate(
    session: Session, settings: Settings, name: str, password: str, address: str
) -> StaffUser:
    """The user whose name and password these are; LoginRefused (one message whatever was
    wrong) or LoginThrottled. A refusal is recorded: commit even when this raises."""
    now = utcnow()
    window = timedelta(minutes=settings.console_login_window_minutes)
    account_key, address_key = _keys(name, address)
    since = now - window
    if (
        repository.count_failures(session, account_key, since)
        >= settings.console_login_max_failures
        or repository.count_failures(session, address_key, since)
        >= settings.console_login_max_failures_per_address
    ):
        minutes = max(1, round(window.total_seconds() / 60))
        raise LoginThrottled(f"too many failed logins; try again in {minutes} minutes")
    user = repository.staff.by_name(session, name.strip())
    if not passwords.verify(user.password_hash if user else None, password) or (
        user is None or user.disabled
    ):
        repository.forget_failures(session, before=since)
        repository.add_failures(session, [account_key, address_key], now)
        raise LoginRefused(REFUSED)
    repository.forget_failures(session, account_key, before=since)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def open_session(session: Session, settings: Settings, user: StaffUser) -> Login:
    now = utcnow()
    repository.delete_expired_sessions(session, user.id, now)
    token = new_secret(SESSION_PREFIX)
    row = StaffSession(
        token_hash=hash_secret(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.console_session_absolute_hours),
    )
    repository.add_staff_session(session, row)
    return _login(user, row.id, token)


def resume(session: Session, settings: Settings, token: str | None) -> Login | None:
    """The open session this cookie token names, or None (unknown, idle too long, past its
    absolute limit, or its user disabled). Expired rows are deleted at the user's next login
    (a refusal here rolls its transaction back)."""
    if not token:
        return None
    row = repository.staff_session_by_hash(session, hash_secret(token))
    if row is None:
        return None
    now = utcnow()
    user = repository.staff_user(session, row.user_id)
    if user is None or user.disabled or _expired(row, settings, now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return _login(user, row.id, token)


def _expired(row: StaffSession, settings: Settings, now: datetime) -> bool:
    idle = timedelta(minutes=settings.console_session_idle_minutes)
    return now >= row.expires_at or now - row.last_seen_at >= idle


def _login(user: StaffUser, session_id: int, token: str) -> Login:
    return Login(user.id, user.name, user.role, session_id, token)


def close(session: Session, login: Login) -> None:
    repository.delete_staff_session(session, login.session_id)
