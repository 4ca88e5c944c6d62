"""Who is using the console: the session cookie, `require(permission)`, and the CSRF check
every POST passes (form field `csrf_token`, or the `X-CSRF-Token` header htmx sends)."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request

from unison.api.deps import DbSession, runtime_of
from unison.auth import logins
from unison.auth.audit import user_actor
from unison.auth.logins import Login
from unison.auth.roles import Permission, allows

SESSION_COOKIE = "unison_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Staff:
    """The logged-in staff user of this request."""

    login: Login

    @property
    def name(self) -> str:
        return self.login.name

    @property
    def role(self) -> str:
        return self.login.role

    @property
    def actor(self) -> str:
        """How the audit log names this user."""
        return user_actor(self.login.name)

    @property
    def csrf_token(self) -> str:
        return self.login.csrf_token

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


class LoginRequired(Exception):
    """No valid session: the browser goes to the login page, then back (`next`)."""


class ConsoleForbidden(Exception):
    """The role lacks the permission: the 403 page, nothing changed."""

    def __init__(self, staff: Staff, permission: Permission) -> None:
        super().__init__(permission.value)
        self.staff = staff
        self.permission = permission


class CsrfRefused(Exception):
    """A POST without this session's CSRF token (forged, or from a stale page)."""

    def __init__(self, staff: Staff) -> None:
        super().__init__("csrf")
        self.staff = staff


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a state-changing request carries (None for GET and friends)."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # cached: the endpoint reads it again
        return value if isinstance(value, str) else None
    return None


def current_login(request: Request, session: DbSession) -> Login | None:
    """The request's open session, if any (for pages that also serve anonymous visitors)."""
    settings = runtime_of(request).settings
    return logins.resume(session, settings, request.cookies.get(SESSION_COOKIE))


def require(permission: Permission | None = None) -> Callable[..., Staff]:
    """A dependency: the logged-in staff user holding `permission` (any user when None).

    Not logged in: LoginRequired (redirect to the login page). A POST without the session's
    CSRF token: CsrfRefused. A role without the permission: ConsoleForbidden. Each answers
    before the endpoint runs, so nothing is changed."""

    def dependency(
        request: Request,
        session: DbSession,
        submitted: str | None = Depends(submitted_csrf),
    ) -> Staff:
        login = current_login(request, session)
        if login is None:
            raise LoginRequired
        staff = Staff(login)
        if request.method not in SAFE_METHODS and not logins.csrf_matches(login.token, submitted):
            raise CsrfRefused(staff)
        if permission is not None and not staff.can(permission):
            raise ConsoleForbidden(staff, permission)
        return staff

    return dependency
