"""The errors of identity: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, NotFound


class MergeNotFound(NotFound):
    pass


class MergeNotInProfile(Conflict):
    pass


class ConflictNotFound(NotFound):
    pass


class ConflictAlreadyResolved(Conflict):
    pass
