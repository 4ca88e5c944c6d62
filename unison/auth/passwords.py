"""Staff passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second choice).

Passwords are low-entropy, so unlike API tokens (kit/secrets.py) they get a slow, salted,
memory-hard hash; the parameters live inside the hash, so raising them later re-hashes
each password at its next successful login (`needs_rehash`)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Verified against when the account does not exist, so the answer takes as long either way
# and its timing does not tell which names are real.
_DUMMY = _HASHER.hash("not a password of anyone")

MIN_LENGTH = 10
MAX_LENGTH = 1000  # argon2 takes any length; this bounds the work a request can ask for


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; None (no such account) takes the same time and fails."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password[:MAX_LENGTH]) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def weakness(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    if not password.strip():
        return "a password cannot be only spaces"
    return None
