"""The errors of sources: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound, UnisonError


class SourceInvalid(UnisonError, status=400): ...


class SourceExists(Conflict): ...


class SourceNotFound(NotFound): ...
