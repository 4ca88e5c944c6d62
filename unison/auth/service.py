"""Rules for bearer tokens."""

from sqlalchemy.orm import Session

from unison.auth import repository
from unison.auth.errors import TokenExists, TokenInvalid, TokenNotFound
from unison.auth.roles import Role
from unison.kit.clock import utcnow
from unison.kit.names import printable_name
from unison.kit.secrets import hash_secret, issue
from unison.models import ApiToken

TOKEN_PREFIX = "uat"  # noqa: S105 - a public prefix that tells tokens apart, not a secret
ROLES_TEXT = ", ".join(r.value for r in Role)


def _new_secret(token: ApiToken) -> str:
    """A fresh secret for the token, returned once: only its hash and hint are stored."""
    issued = issue(TOKEN_PREFIX)
    token.token_hash, token.token_hint = issued.hash, issued.hint
    return issued.secret


def create_token(session: Session, name: str, role: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with its secret, which is never retrievable again."""
    name = printable_name(name, TokenInvalid)
    if role not in {r.value for r in Role}:
        raise TokenInvalid(f"role {role!r} is not a role; accepted: {ROLES_TEXT}", field="role")
    if repository.tokens.by_name(session, name) is not None:
        raise TokenExists(f"a token named {name!r} already exists", field="name")
    token = ApiToken(name=name, role=role, created_at=utcnow())
    secret = _new_secret(token)
    return repository.tokens.add(session, token), secret


def _named(session: Session, name: str) -> ApiToken:
    token = repository.tokens.by_name(session, name)
    if token is None:
        raise TokenNotFound(f"no token named {name!r}", field="name")
    return token


def rotate_token(session: Session, name: str) -> tuple[ApiToken, str]:
    token = _named(session, name)
    secret = _new_secret(token)
    token.revoked_at = None
    session.flush()
    return token, secret


def revoke_token(session: Session, name: str) -> ApiToken:
    token = _named(session, name)
    token.revoked_at = utcnow()
    session.flush()
    return token


def active_token(session: Session, secret: str) -> ApiToken | None:
    token = repository.by_hash(session, hash_secret(secret))
    if token is None or token.revoked_at is not None:
        return None
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return repository.tokens.all(session)
