"""What the settings pages share: the tabs, rendering a tab with a notice or an error, and
the redirect after a change (so reloading the page does not repeat it)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from unison.auth.roles import Permission
from unison.console.render import render
from unison.console.security import Staff

# (catalogue key, href, permission): a tab shows only to a role that may open it.
TABS: tuple[tuple[str, str, Permission], ...] = (
    ("settings.sources.title", "/console/settings/sources", Permission.settings_manage),
    ("settings.connectors.title", "/console/settings/connectors", Permission.settings_manage),
    ("settings.purposes.title", "/console/settings/purposes", Permission.settings_manage),
    ("settings.users.title", "/console/settings/users", Permission.users_write),
    ("settings.audit.title", "/console/settings/audit", Permission.audit_read),
)
NOTICE_PREFIX = "settings.notice."


def tabs(staff: Staff, path: str) -> list[dict[str, Any]]:
    return [
        {"key": key, "href": href, "current": path == href}
        for key, href, permission in TABS
        if staff.can(permission)
    ]


def page(
    request: Request,
    staff: Staff,
    template: str,
    context: dict[str, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """A settings tab; `notice` comes from the redirect after a change (catalogue keys only)."""
    notice = request.query_params.get("notice", "")
    return render(
        request,
        template,
        {
            "tabs": tabs(staff, request.url.path),
            "notice": notice if notice.startswith(NOTICE_PREFIX) else None,
            "error": error,
            **context,
        },
        staff,
        status_code=status_code if error is None else 400,
    )


def done(path: str, notice: str) -> Response:
    """After a change: back to the tab, which shows what happened."""
    return RedirectResponse(f"{path}?notice={NOTICE_PREFIX}{notice}", status_code=303)
