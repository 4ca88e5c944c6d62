"""The errors of profiles: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import InvalidParameter, NotFound


class ProfileNotFound(NotFound):
    pass


class IdentifierInvalid(InvalidParameter):
    pass
