"""The errors of auth: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound, UnisonError


class TokenInvalid(UnisonError):
    status_code = 400


class TokenExists(Conflict):
    pass


class TokenNotFound(NotFound):
    pass
