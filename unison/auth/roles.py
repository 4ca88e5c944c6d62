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
    consent_read = "consent:read"
    consent_write = "consent:write"
    reachability_read = "reachability:read"
    webhooks_write = "webhooks:write"
    privacy_write = "privacy:write"
    connectors_write = "connectors:write"
    conversations_read = "conversations:read"
    segments_read = "segments:read"
    segments_write = "segments:write"
    segments_export_pii = "segments:export_pii"  # identifiers and traits in segment exports
    clv_read = "clv:read"  # CLV validation, acquisition spend, unit economics
    clv_write = "clv:write"  # refresh CLV traits, enter acquisition spend
    # The console's settings pages (sources, connectors, purposes), staff users, the audit log:
    # admins only (admins hold every permission, so no grant below names them).
    settings_manage = "settings:manage"
    users_write = "users:write"
    audit_read = "audit:read"
    messages_read = "messages:read"  # a profile's messages with the gate's decisions
    messages_send = "messages:send"  # send a template to a profile through the gate
    messaging_channels_write = "messaging_channels:write"  # the channels' kill switches
    templates_read = "templates:read"  # message templates, their versions and previews
    templates_write = "templates:write"  # create and change templates, test sends
    profiles_write = "profiles:write"  # staff edit a profile's traits (console, issue 16)
    broadcasts_read = "broadcasts:read"  # the console's broadcast pages and their counts


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.marketer: frozenset(
        {
            Permission.events_read,
            Permission.profiles_read,
            Permission.consent_read,
            Permission.consent_write,
            Permission.reachability_read,
            Permission.segments_read,
            Permission.segments_write,
        }
    ),
    Role.analyst: frozenset(
        {Permission.events_read, Permission.profiles_read, Permission.consent_read}
        | {Permission.segments_read}
    ),
    # The 360 view when answering customers, and whether a channel may be used to reply.
    Role.agent: frozenset({Permission.profiles_read, Permission.reachability_read}),
}

# Operators read conversations to answer customers (admins hold every permission).
GRANTS[Role.agent] = GRANTS[Role.agent] | {Permission.conversations_read}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False


# CLV: analysts read it; marketers also refresh it and enter acquisition spend.
GRANTS[Role.marketer] = GRANTS[Role.marketer] | {Permission.clv_read, Permission.clv_write}
GRANTS[Role.analyst] = GRANTS[Role.analyst] | {Permission.clv_read}

# Segment exports with identifiers and traits (personal data): marketers, who send to them.
GRANTS[Role.marketer] = GRANTS[Role.marketer] | {Permission.segments_export_pii}

# Messaging (issue 17): marketers send and read what the gate decided; agents read a
# customer's messages and why each was (not) sent; switching a channel off is an admin's.
GRANTS[Role.marketer] = GRANTS[Role.marketer] | {Permission.messages_read, Permission.messages_send}
GRANTS[Role.agent] = GRANTS[Role.agent] | {Permission.messages_read}
# Message templates (issue 17): marketers write them and test-send; analysts read them.
GRANTS[Role.marketer] = GRANTS[Role.marketer] | {
    Permission.templates_read,
    Permission.templates_write,
}
GRANTS[Role.analyst] = GRANTS[Role.analyst] | {Permission.templates_read}
# Staff correct what a customer tells them (a trait edit is an event in the log): marketers,
# and agents on the phone with the customer.
GRANTS[Role.marketer] = GRANTS[Role.marketer] | {Permission.profiles_write}
GRANTS[Role.agent] = GRANTS[Role.agent] | {Permission.profiles_write}
# The console's messaging pages (issue 17 item 8): analysts read broadcasts and customers'
# messages with the gate's reasons; agents keep to a customer's message history.
GRANTS[Role.marketer] = GRANTS[Role.marketer] | {Permission.broadcasts_read}
GRANTS[Role.analyst] = GRANTS[Role.analyst] | {Permission.broadcasts_read, Permission.messages_read}
