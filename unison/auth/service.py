"""Rules for bearer tokens."""

from sqlalchemy.orm import Session

from unison.auth import repository
from unison.auth.errors import TokenExists, TokenInvalid, TokenNotFound
from unison.auth.roles import Role
from unison.kit.clock import utcnow
from unison.kit.secrets import hash_secret, hint, new_secret
from unison.models import ApiToken

TOKEN_PREFIX = "uat"  # noqa: S105 - a public prefix that tells tokens apart, not a secret
ROLES_TEXT = ", ".join(r.value for r in Role)


def create_token(session: Session, name: str, role: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with its secret, which is never retrievable again."""
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise TokenInvalid("name must be 1-100 printable characters", field="name")
    if role not in {r.value for r in Role}:
        raise TokenInvalid(f"role {role!r} is not a role; accepted: {ROLES_TEXT}", field="role")
    if repository.by_name(session, name) is not None:
        raise TokenExists(f"a token named {name!r} already exists", field="name")
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        name=name,
        role=role,
        token_hash=hash_secret(secret),
        token_hint=hint(secret),
        created_at=utcnow(),
    )
    return repository.add(session, token), secret


def rotate_token(session: Session, name: str) -> tuple[ApiToken, str]:
    token = repository.by_name(session, name)
    if token is None:
        raise TokenNotFound(f"no token named {name!r}", field="name")
    secret = new_secret(TOKEN_PREFIX)
    token.token_hash = hash_secret(secret)
    token.token_hint = hint(secret)
    token.revoked_at = None
    session.flush()
    return token, secret


def revoke_token(session: Session, name: str) -> ApiToken:
    token = repository.by_name(session, name)
    if token is None:
        raise TokenNotFound(f"no token named {name!r}", field="name")
    token.revoked_at = utcnow()
    session.flush()
    return token


def active_token(session: Session, secret: str) -> ApiToken | None:
    token = repository.by_hash(session, hash_secret(secret))
    if token is None or token.revoked_at is not None:
        return None
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return repository.all_tokens(session)
