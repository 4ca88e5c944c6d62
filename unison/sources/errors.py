"""The errors of sources: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound, UnisonError


class SourceInvalid(UnisonError):
    status_code = 400


class SourceExists(Conflict):
    pass


class SourceNotFound(NotFound):
    pass
