"""Credential generation and hashing. Keys are high-entropy, so a SHA-256 digest is a safe,
constant-time-lookup store (unlike passwords, they cannot be brute-forced from the hash)."""

import hashlib
import secrets
from dataclasses import dataclass


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hint(secret: str) -> str:
    """The first characters of a key, shown in listings so humans can tell keys apart."""
    return secret[:12] + "…"


@dataclass(frozen=True, slots=True)
class Issued:
    """A new credential: the secret, shown once, and what is stored of it."""

    secret: str
    hash: str
    hint: str


def issue(prefix: str) -> Issued:
    secret = new_secret(prefix)
    return Issued(secret, hash_secret(secret), hint(secret))
