"""The errors of identity: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound


class MergeNotFound(NotFound): ...


class MergeNotInProfile(Conflict): ...


class ConflictNotFound(NotFound): ...


class ConflictAlreadyResolved(Conflict): ...
