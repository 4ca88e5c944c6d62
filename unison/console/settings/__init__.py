"""Settings (administrators): sources and write keys, connectors, consent purposes, users and
roles, the audit log."""
