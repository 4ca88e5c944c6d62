"""API shapes for tokens."""

from datetime import datetime

from pydantic import BaseModel, Field

from unison.auth.roles import Role


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role


class Token(BaseModel):
    id: int
    name: str
    role: str
    token_hint: str
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(Token):
    token: str = Field(description="shown once; only its hash is stored")
