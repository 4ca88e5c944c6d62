"""HTTP routes for API tokens."""

from fastapi import APIRouter

from unison.api.deps import DbSession, TokensWrite
from unison.api.openapi import raises
from unison.auth import service
from unison.auth.errors import TokenExists, TokenInvalid
from unison.auth.schemas import Token, TokenCreate, TokenCreated

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


@router.get("", response_model=list[Token])
def list_tokens(
    session: DbSession,
    _token: TokensWrite,
) -> list[Token]:
    """All API tokens with their roles; secrets are never shown."""
    return [Token.model_validate(t, from_attributes=True) for t in service.list_tokens(session)]


@router.post(
    "", response_model=TokenCreated, status_code=201, responses=raises(TokenInvalid, TokenExists)
)
def create_token(
    body: TokenCreate,
    session: DbSession,
    _token: TokensWrite,
) -> TokenCreated:
    """Create a bearer token; the response carries its secret, shown this once."""
    token, secret = service.create_token(session, body.name, body.role.value)
    return TokenCreated(
        **Token.model_validate(token, from_attributes=True).model_dump(), token=secret
    )
