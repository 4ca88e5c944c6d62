"""Users and roles: create a user, change a role, disable or enable (disabling ends the
user's sessions at once). Administrators cannot disable or demote themselves here, so the
console always keeps one administrator who can undo a mistake."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from unison.api.deps import DbSession
from unison.auth import audit
from unison.auth import staff as staff_users
from unison.auth.passwords import MIN_LENGTH
from unison.auth.roles import Permission, Role
from unison.console.security import Staff, require
from unison.console.settings.common import done, page
from unison.kit.errors import UnisonError

router = APIRouter()
PATH = "/console/settings/users"
Admin = Annotated[Staff, Depends(require(Permission.users_write))]
Name = Annotated[str, Form(max_length=200)]


def _show(request: Request, session: Session, staff: Staff, error: str | None = None) -> Response:
    context = {
        "users": staff_users.list_users(session),
        "roles": [r.value for r in Role],
        "min_length": MIN_LENGTH,
    }
    return page(request, staff, "settings/users.html", context, error=error)


@router.get(PATH)
def list_users(request: Request, session: DbSession, staff: Admin) -> Response:
    """Console users, their roles and state."""
    return _show(request, session, staff)


@router.post(PATH)
def create_user(
    request: Request,
    session: DbSession,
    staff: Admin,
    name: Name = "",
    role: Annotated[str, Form(max_length=20)] = "",
    email: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Create a user with a first password (the user changes it after logging in)."""
    try:
        user = staff_users.create_user(session, name, role, password, email)
    except UnisonError as exc:
        return _show(request, session, staff, exc.detail)
    audit.record(session, staff.actor, "user.create", f"user:{user.name}", {"role": role})
    return done(PATH, "user_created")


@router.post(PATH + "/role")
def change_role(
    request: Request,
    session: DbSession,
    staff: Admin,
    name: Name = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Give a user another role."""
    if name == staff.name:
        return _show(request, session, staff, "you cannot change your own role")
    try:
        before = staff_users.user_named(session, name).role
        staff_users.change_role(session, name, role)
    except UnisonError as exc:
        return _show(request, session, staff, exc.detail)
    details = {"from": before, "to": role}
    audit.record(session, staff.actor, "user.role", f"user:{name}", details)
    return done(PATH, "role_changed")


@router.post(PATH + "/disable")
def disable_user(
    request: Request,
    session: DbSession,
    staff: Admin,
    name: Name = "",
    disabled: Annotated[bool, Form()] = True,
) -> Response:
    """Disable a user (their sessions end) or enable them again."""
    if name == staff.name:
        return _show(request, session, staff, "you cannot disable yourself")
    try:
        staff_users.set_disabled(session, name, disabled)
    except UnisonError as exc:
        return _show(request, session, staff, exc.detail)
    action = "user.disable" if disabled else "user.enable"
    audit.record(session, staff.actor, action, f"user:{name}")
    return done(PATH, "user_disabled" if disabled else "user_enabled")
