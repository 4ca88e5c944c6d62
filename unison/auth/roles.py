"""Roles and what each may do. One table, so a permission is granted in exactly one place."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    marketer = "marketer"
    analyst = "analyst"
    agent = "agent"


class Permission(StrEnum):
    events_read = "events:read"
    sources_read = "sources:read"
    sources_write = "sources:write"
    tokens_write = "tokens:write"
    profiles_read = "profiles:read"
    identity_write = "identity:write"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.marketer: frozenset({Permission.events_read, Permission.profiles_read}),
    Role.analyst: frozenset({Permission.events_read, Permission.profiles_read}),
    Role.agent: frozenset({Permission.profiles_read}),  # the 360 view when answering customers
}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
