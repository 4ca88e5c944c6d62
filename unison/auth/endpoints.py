"""HTTP routes for API tokens."""

from fastapi import APIRouter, Depends

from unison.api.deps import DbSession, require
from unison.auth import audit, service
from unison.auth.roles import Permission
from unison.auth.schemas import Token, TokenCreate, TokenCreated
from unison.models import ApiToken

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


def _out(token: ApiToken) -> Token:
    return Token(
        id=token.id,
        name=token.name,
        role=token.role,
        token_hint=token.token_hint,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )


@router.get("", response_model=list[Token])
def list_tokens(
    session: DbSession,
    _token: object = Depends(require(Permission.tokens_write)),
) -> list[Token]:
    """All API tokens with their roles; secrets are never shown."""
    return [_out(t) for t in service.list_tokens(session)]


@router.post("", response_model=TokenCreated, status_code=201)
def create_token(
    body: TokenCreate,
    session: DbSession,
    caller: ApiToken = Depends(require(Permission.tokens_write)),
) -> TokenCreated:
    """Create a bearer token; the response carries its secret, shown this once."""
    token, secret = service.create_token(session, body.name, body.role.value)
    details = {"role": body.role.value}
    audit.record(session, audit.token_actor(caller), "token.create", f"token:{token.name}", details)
    return TokenCreated(**_out(token).model_dump(), token=secret)
