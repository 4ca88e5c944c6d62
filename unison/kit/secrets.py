"""Credential generation and hashing. Keys are high-entropy, so a SHA-256 digest is a safe,
constant-time-lookup store (unlike passwords, they cannot be brute-forced from the hash)."""

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hint(secret: str) -> str:
    """The first characters of a key, shown in listings so humans can tell keys apart."""
    return secret[:12] + "…"
