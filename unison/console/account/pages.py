"""Home, login, logout and password change."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from unison.api.deps import DbSession, runtime_of
from unison.auth import audit, logins
from unison.auth import staff as staff_users
from unison.auth.errors import LoginRefused, LoginThrottled, PasswordRefused
from unison.auth.passwords import MIN_LENGTH
from unison.console.render import render
from unison.console.security import SESSION_COOKIE, Staff, current_login, require

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "unison_login_csrf"
HOME = "/console/"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def secure_cookies(request: Request) -> bool:
    """Cookies are `Secure` except on plain-http localhost (tests, the demo on a laptop)."""
    return request.url.scheme == "https" or request.url.hostname not in LOCAL_HOSTS


def safe_next(target: str | None) -> str:
    """Where to go after login: a console path only, never another site (open redirect)."""
    if target and target.startswith("/console") and "\\" not in target and "//" not in target:
        return target
    return HOME


@router.get("/console")
@router.get("/console/")
def home(request: Request, staff: Annotated[Staff, Depends(require())]) -> Response:
    """The start page: the areas this role may open."""
    return render(request, "account/home.html", {}, staff)


def _login_page(
    request: Request, next_url: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    context = {"next": next_url, "login_csrf": token, "error": error}
    response = render(request, "account/login.html", context, None, status_code=status_code)
    # Double-submit: the login form's token must match this cookie, so another site cannot
    # log a browser into an account of its choosing (login CSRF).
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/console/login",
    )
    return response


@router.get("/console/login")
def login_form(request: Request, session: DbSession, next: str | None = None) -> Response:
    """The login form (an open session goes straight on)."""
    if current_login(request, session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


@router.post("/console/login")
def login(
    request: Request,
    session: DbSession,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the name and password; open a session and go on to `next`."""
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, target, error="login.expired", status_code=403)
    settings = runtime_of(request).settings
    address = request.client.host if request.client else "unknown"
    try:
        user = logins.authenticate(session, settings, name, password, address)
    except LoginThrottled:
        return _login_page(request, target, error="login.throttled", status_code=429)
    except LoginRefused:
        return _login_page(request, target, error="login.refused", status_code=401)
    opened = logins.open_session(session, settings, user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/console",
        max_age=int(settings.console_session_absolute_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return response


@router.post("/console/logout")
def logout(session: DbSession, staff: Annotated[Staff, Depends(require())]) -> Response:
    """End this session."""
    logins.close(session, staff.login)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/console/account/password")
def password_form(request: Request, staff: Annotated[Staff, Depends(require())]) -> Response:
    """The password change form."""
    context = {"error": None, "done": False, "min_length": MIN_LENGTH}
    return render(request, "account/password.html", context, staff)


@router.post("/console/account/password")
def change_password(
    request: Request,
    session: DbSession,
    staff: Annotated[Staff, Depends(require())],
    current: Annotated[str, Form(max_length=2000)] = "",
    new: Annotated[str, Form(max_length=2000)] = "",
    confirm: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Change one's own password (the current one first); other sessions end."""
    error = None
    if new != confirm:
        error = "password.mismatch"
    else:
        try:
            staff_users.change_password(
                session, staff.name, current, new, keep_session=staff.login.session_id
            )
        except PasswordRefused as exc:
            error = "password.wrong" if exc.field == "current" else "password.weak"
    if error is None:
        audit.record(session, staff.actor, "user.password", f"user:{staff.name}")
    context = {"error": error, "done": error is None, "min_length": MIN_LENGTH}
    return render(
        request, "account/password.html", context, staff, status_code=400 if error else 200
    )
