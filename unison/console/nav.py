"""The navigation: one list, in reading order. An area adds its entry here; an entry shows
only to roles holding its permission (the server enforces it again on every page)."""

from dataclasses import dataclass

from unison.auth.roles import Permission


@dataclass(frozen=True)
class NavItem:
    key: str  # the catalogue key of its label
    href: str
    permission: Permission


NAV: tuple[NavItem, ...] = (
    NavItem("nav.customers", "/console/customers", Permission.profiles_read),
    NavItem("nav.segments", "/console/segments", Permission.segments_read),
    NavItem("nav.value", "/console/value", Permission.clv_read),
    NavItem("nav.templates", "/console/messaging/templates", Permission.templates_read),
    NavItem("nav.broadcasts", "/console/messaging/broadcasts", Permission.broadcasts_read),
    # Journeys, analytics and the inbox add theirs here.
    NavItem("nav.settings", "/console/settings", Permission.settings_manage),
)
