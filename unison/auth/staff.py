"""Rules for staff users: the people who log in to the console, each with one role."""

from sqlalchemy.orm import Session

from unison.auth import passwords, repository
from unison.auth.errors import PasswordRefused, StaffUserExists, StaffUserInvalid, StaffUserNotFound
from unison.auth.roles import Role
from unison.kit.clock import utcnow
from unison.models import StaffUser

ROLES_TEXT = ", ".join(r.value for r in Role)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise StaffUserInvalid("name must be 1-100 printable characters", field="name")
    return name


def _check_role(role: str) -> str:
    if role not in {r.value for r in Role}:
        raise StaffUserInvalid(f"role {role!r} is not a role; accepted: {ROLES_TEXT}", field="role")
    return role


def _check_email(email: str | None) -> str | None:
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or "@" not in email or not email.isprintable()):
        raise StaffUserInvalid("email must look like name@example.org (or be empty)", field="email")
    return email


def _check_password(password: str, field: str = "password") -> str:
    problem = passwords.weakness(password)
    if problem:
        raise PasswordRefused(problem, field=field)
    return password


def create_user(
    session: Session, name: str, role: str, password: str, email: str | None = None
) -> StaffUser:
    name, role, email = _check_name(name), _check_role(role), _check_email(email)
    _check_password(password)
    if repository.staff.by_name(session, name) is not None:
        raise StaffUserExists(f"a user named {name!r} already exists", field="name")
    now = utcnow()
    user = StaffUser(
        name=name,
        email=email,
        role=role,
        password_hash=passwords.hash_password(password),
        disabled=False,
        created_at=now,
        password_changed_at=now,
    )
    return repository.staff.add(session, user)


def list_users(session: Session) -> list[StaffUser]:
    return repository.staff.all(session)


def user_named(session: Session, name: str) -> StaffUser:
    user = repository.staff.by_name(session, name)
    if user is None:
        raise StaffUserNotFound(f"no user named {name!r}", field="name")
    return user


def change_role(session: Session, name: str, role: str) -> StaffUser:
    user = user_named(session, name)
    user.role = _check_role(role)
    session.flush()
    return user


def set_disabled(session: Session, name: str, disabled: bool) -> StaffUser:
    """Disable (every session of the user ends at once) or enable a user."""
    user = user_named(session, name)
    user.disabled = disabled
    if disabled:
        repository.delete_sessions_of(session, user.id)
    session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> StaffUser:
    """An administrator's reset (or `make demo`'s): every session of the user ends."""
    user = user_named(session, name)
    _store_password(session, user, _check_password(password))
    repository.delete_sessions_of(session, user.id)
    return user


def change_password(
    session: Session, name: str, current: str, new: str, *, keep_session: int | None
) -> None:
    """The user's own change: the current password first; other sessions end."""
    user = user_named(session, name)
    if not passwords.verify(user.password_hash, current):
        raise PasswordRefused("the current password is wrong", field="current")
    _check_password(new, field="new")
    _store_password(session, user, new)
    repository.delete_sessions_of(session, user.id, keep=keep_session)


def _store_password(session: Session, user: StaffUser, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()
