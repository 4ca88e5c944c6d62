"""Users and roles: create a user, change a role, disable or enable (disabling ends the
user's sessions at once). Administrators cannot disable or demote themselves here, so the
console always keeps one administrator who can undo a mistake."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.responses import Response

from unison.auth import staff as staff_users
from unison.auth.passwords import MIN_LENGTH
from unison.auth.roles import Permission, Role
from unison.console.settings.common import Tab, done, tab_for, tab_page
from unison.kit.errors import UnisonError

router = APIRouter()
PATH = "/console/settings/users"
Admin = Annotated[Tab, Depends(tab_for(Permission.users_write))]
Name = Annotated[str, Form(max_length=200)]
RoleName = Annotated[str, Form(max_length=20)]


def _show(tab: Tab, error: str | None = None) -> Response:
    context = {
        "users": staff_users.list_users(tab.session),
        "roles": [r.value for r in Role],
        "min_length": MIN_LENGTH,
    }
    return tab.page("settings/users.html", context, error=error)


tab_page(router, PATH, Permission.users_write, _show, "Console users, their roles and state.")


@router.post(PATH)
def create_user(
    tab: Admin,
    name: Name = "",
    role: RoleName = "",
    email: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Create a user with a first password (the user changes it after logging in)."""
    try:
        user = staff_users.create_user(tab.session, name, role, password, email)
    except UnisonError as exc:
        return _show(tab, exc.detail)
    tab.audit("user.create", f"user:{user.name}", {"role": role})
    return done(PATH, "user_created")


@router.post(PATH + "/role")
def change_role(tab: Admin, name: Name = "", role: RoleName = "") -> Response:
    """Give a user another role."""
    if name == tab.staff.name:
        return _show(tab, "you cannot change your own role")
    try:
        before = staff_users.user_named(tab.session, name).role
        staff_users.change_role(tab.session, name, role)
    except UnisonError as exc:
        return _show(tab, exc.detail)
    tab.audit("user.role", f"user:{name}", {"from": before, "to": role})
    return done(PATH, "role_changed")


@router.post(PATH + "/disable")
def disable_user(tab: Admin, name: Name = "", disabled: Annotated[bool, Form()] = True) -> Response:
    """Disable a user (their sessions end) or enable them again."""
    if name == tab.staff.name:
        return _show(tab, "you cannot disable yourself")
    try:
        staff_users.set_disabled(tab.session, name, disabled)
    except UnisonError as exc:
        return _show(tab, exc.detail)
    tab.audit("user.disable" if disabled else "user.enable", f"user:{name}")
    return done(PATH, "user_disabled" if disabled else "user_enabled")
