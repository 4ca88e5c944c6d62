"""The errors of inbox: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import NotFound


class ConversationNotFound(NotFound):
    pass
